"""`evalign run --resume N --retry-errors`: ask a run's failed calls again once the endpoint
answers.

`--resume` alone finishes only the (item, sample) pairs without a verdict; a verdict that is an
error is a verdict, so a run whose endpoint was down ends the same way however often it is
resumed. Retrying asks again exactly the verdicts whose *call* failed after the runner's own
retries (error kinds `error_counts.PROVIDER_KINDS`, or an error stored without a kind): a
transient cause, which a later attempt can cure.

Unreadable, unparseable or ambiguous answers are not asked again: the model did answer, and
the same prompt to the same model gives the same answer (with the answer cache on, the very
same text is read again). They call for a change to the judge (its prompt, its answer format,
`evalign align`) or another model, i.e. a new run. Out-of-scale, empty, over-the-context and
code-judge errors are kept for the same reason, and undecided pairwise verdicts are not errors.

A finished run keeps its verdicts, so the retry is a new run (`store.repo_reruns`): the old run
stays exactly as it was, the new one names it (`parent_run_id`, `counters["retry_of"]`), reuses
its other verdicts without paying for them again, and counts only the calls, tokens and cost it
spent itself. A run is retried once; the retry, if calls failed again, is retried in turn.
A run interrupted by Ctrl-C (stored `failed`) is retried the same way: the (item, sample)
pairs it never asked are asked in the new run too (`retry_of["not_asked"]`), and it stays as
it was; `--resume` alone would finish it in place instead. Retrying never resumes in place:
a run with no failed call and nothing left to ask is refused (there is nothing to retry). A run
that has not finished (pending, or running when its process died) is finished by `--resume`
first; a cancelled run is not retried.
"""

from __future__ import annotations

from evalign.errors import ConflictError
from evalign.judges.code import CodeJudges
from evalign.providers.base import ModelAPI
from evalign.runner.error_counts import PROVIDER_KINDS
from evalign.runner.retry import RetryPolicy
from evalign.runner.run import ProgressFn, check_executor, launch
from evalign.runner.summary import RunSummary
from evalign.store import Store, repo_runs
from evalign.store.repo_reruns import count_failed_calls, retries_of, start_retry, work_size
from evalign.store.repo_verdicts import count_verdicts


def retry_errors(store: Store, run_id: int, *, concurrency: int | None = None,
                 progress: ProgressFn | None = None, code_judges: CodeJudges | None = None,
                 policy: RetryPolicy | None = None, provider: ModelAPI | None = None,
                 executor: str = "asyncio", ray_address: str | None = None) -> RunSummary:
    """Ask run `run_id`'s failed calls (and the items it never asked) again in a new run.

    Args:
        store: the store.
        run_id: a completed or failed run.
        concurrency, progress, code_judges, policy, provider, executor, ray_address: as for
            `evalign.runner.run.launch`.

    Returns:
        The summary of the new run (its `retry_of` names `run_id`); `run_id` is left as it is.

    Raises:
        NotFoundError: no such run.
        ConflictError: the run was cancelled, has not finished (`--resume` it first), was
            retried already (retry that run instead), or has no failed call and no item left
            to ask (nothing to retry).
        ConfigError: an unknown executor, or `ray` without Ray installed.
    """
    check_executor(executor)
    with store.session() as session:
        run = repo_runs.get_run(session, run_id)
        failed = count_failed_calls(session, run_id, PROVIDER_KINDS)
        status, later = run.status, retries_of(session, run_id)
        missing = work_size(session, run) - count_verdicts(session, run_id)
    if status == "cancelled":
        raise ConflictError(f"run {run_id} was cancelled: start a new run instead")
    if status not in ("completed", "failed"):
        raise ConflictError(f"run {run_id} is {status}: `evalign run --resume {run_id}` "
                            "finishes it first, then --retry-errors asks its failed calls "
                            "again")
    if later:  # one retry per run: a second would measure the same items twice, unlinked
        raise ConflictError(f"run {run_id}'s failed calls were already asked again in run "
                            f"{later[-1]}: `evalign run --resume {later[-1]} --retry-errors` "
                            "asks the ones that failed there")
    if failed == 0 and missing <= 0:
        raise ConflictError(f"run {run_id} has no failed call and no item left to ask: "
                            "nothing to retry, its verdicts stand (unreadable answers call "
                            "for a change to the judge and a fresh `evalign run`)")
    with store.session() as session:
        new_id = start_retry(session, run_id, kinds=PROVIDER_KINDS).run
    return launch(store, new_id, executor=executor, ray_address=ray_address,
                  concurrency=concurrency, progress=progress, code_judges=code_judges,
                  policy=policy, provider=provider)
