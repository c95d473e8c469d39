"""The runner: applies a judge to items with bounded concurrency, retries, a cache, resume."""

from evalign.runner.batch import ScoreBatch, score_items
from evalign.runner.executor import AsyncioExecutor, Executor

__all__ = ["AsyncioExecutor", "Executor", "ScoreBatch", "score_items"]
