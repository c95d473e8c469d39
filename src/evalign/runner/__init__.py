"""The runner: applies a judge to items with bounded concurrency, retries, a cache, resume."""

from evalign.runner.batch import ScoreBatch, score_items
from evalign.runner.executor import AsyncioExecutor, Executor
from evalign.runner.rerun import retry_errors
from evalign.runner.retry import RetryPolicy
from evalign.runner.run import cancel_run, resume_run, run_judge
from evalign.runner.summary import Progress, RunSummary

__all__ = [
    "AsyncioExecutor",
    "Executor",
    "Progress",
    "RetryPolicy",
    "RunSummary",
    "ScoreBatch",
    "cancel_run",
    "resume_run",
    "retry_errors",
    "run_judge",
    "score_items",
]
