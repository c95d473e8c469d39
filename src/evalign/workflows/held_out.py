"""A judge run on the items an alignment run held out: its test split, and nothing else.

    evalign run JUDGE --dataset NAME --held-out ALIGN_RUN

An alignment run splits its labeled items into train (what the optimizer learned from),
validation (what chose among candidates) and test (what no optimizer saw; the outcome's
baseline and candidate figures are measured there). `run_held_out` judges exactly the test
items, so `evalign report RUN` of an accepted judge gives its agreement on data it was never
tuned on, from the same read model every surface uses.

The run stores its items with it (`store.repo_run_items`), in the transaction that creates
it: a resume, a worker taking it over, the report and the web pages all see those items only.

Refused, before any run is made, with what to do instead:

- an alignment run that is not aligned (nothing split yet), or kept no test items;
- a K-fold alignment (`--folds`): every item was a test item of one fold, and the candidate it
  saved was learned again from all of them, so nothing is held out from the judge it made;
- a dataset that is not the one the items were split from, or that was re-imported (a new
  version, with new item ids) since: the split belongs to the old version's items.
"""

from __future__ import annotations

from collections import Counter

from evalign.errors import ConfigError, ConflictError, NotFoundError
from evalign.judges.code import CodeJudges
from evalign.judges.template import check_items
from evalign.providers.base import ModelAPI
from evalign.runner.retry import RetryPolicy
from evalign.runner.run import ProgressFn, check_executor, launch
from evalign.runner.summary import RunSummary
from evalign.store import Store, repo_runs
from evalign.store.alignment_outcome import AlignmentOutcome
from evalign.store.repo_alignment_runs import get_alignment_run
from evalign.store.repo_items import get_dataset
from evalign.store.repo_judges import resolve
from evalign.store.repo_run_items import ItemOwner, item_owners, items_in, restrict_run
from evalign.store.session import Session

PART = "test"


def run_held_out(store: Store, judge_ref: str, alignment_run: int, *,
                 dataset: str | None = None, model: str | None = None,
                 concurrency: int | None = None, repeat: int = 1, use_cache: bool = True,
                 progress: ProgressFn | None = None, code_judges: CodeJudges | None = None,
                 policy: RetryPolicy | None = None, provider: ModelAPI | None = None,
                 executor: str = "asyncio", ray_address: str | None = None) -> RunSummary:
    """Apply the judge `NAME[@V]` to the test items of `alignment_run` only.

    Args:
        store: the store.
        judge_ref: `NAME` (accepted version, else latest) or `NAME@V`.
        alignment_run: the aligned run whose test split to judge.
        dataset: the dataset's name; None: the one the test items belong to.
        model, concurrency, repeat, use_cache, progress, code_judges, policy, provider,
            executor, ray_address: as for `evalign.runner.run.run_judge`.

    Returns:
        The run's summary; its `scope` names the alignment run and the item count.

    Raises:
        NotFoundError: no such judge, dataset or alignment run, or its test items are gone.
        ConflictError: the alignment run is not aligned or held out no item.
        ConfigError: a K-fold alignment run, a dataset the split does not belong to (another
            one, or an older version of it), a template naming fields the items lack, or an
            unknown executor. Nothing is run.
    """
    if repeat < 1:
        raise ConflictError("--repeat must be at least 1")
    check_executor(executor)
    run_id = create_held_out_run(store, judge_ref, alignment_run, dataset=dataset,
                                 model=provider.model if provider is not None else model,
                                 repeat=repeat, use_cache=use_cache)
    return launch(store, run_id, executor=executor, ray_address=ray_address,
                  concurrency=concurrency, progress=progress, code_judges=code_judges,
                  policy=policy, provider=provider)


def create_held_out_run(store: Store, judge_ref: str, alignment_run: int, *,
                        dataset: str | None = None, model: str | None = None, repeat: int = 1,
                        use_cache: bool = True) -> int:
    """Create a pending run restricted to `alignment_run`'s test items, in one transaction
    (no worker can pick it up unrestricted); returns its id. Raises as `run_held_out`."""
    with store.session() as session:
        version = resolve(session, judge_ref)
        ids = held_out_ids(session, alignment_run)
        dataset_id, name = _dataset_of(session, alignment_run, ids, dataset)
        spec = version.spec
        if spec.kind != "code":
            check_items(spec.prompt, items_in(session, ids),
                        where=f"the held-out items of alignment run {alignment_run}")
        run = repo_runs.create_run(
            session, judge_version_id=version.id, dataset_id=dataset_id,
            model=model or spec.model, params=spec.params, repeat=repeat, use_cache=use_cache)
        restrict_run(session, run.id, ids, {"kind": "held_out", "alignment_run": alignment_run,
                                            "part": PART, "dataset": name})
        return run.id


def held_out_ids(session: Session, alignment_run: int) -> list[int]:
    """The stored item ids of an aligned run's test split.

    Raises:
        NotFoundError: no such alignment run.
        ConflictError: it is not aligned, or its test split is empty.
        ConfigError: it was cross-validated (`--folds`), or recorded no stored item ids.
    """
    record = get_alignment_run(session, alignment_run)
    if record.status != "aligned" or record.outcome is None:
        raise ConflictError(
            f"alignment run {alignment_run} is {record.status}: only an aligned run has "
            f"held-out items (`evalign align status {alignment_run}` shows where it is)")
    outcome = record.outcome
    if outcome.folds > 1:
        raise ConfigError(_folds_message(alignment_run, outcome))
    ids = outcome.split_items.get(PART, outcome.test_items)
    if not ids:
        raise ConflictError(f"alignment run {alignment_run} kept no test items (split "
                            f"{outcome.split}): nothing is held out; align with a test share "
                            "(--split TRAIN,VAL,TEST) to have some")
    stored = [i for i in ids if isinstance(i, int)]
    if len(stored) < len(ids):
        raise ConfigError(f"alignment run {alignment_run} recorded its test items by external "
                          "id, not as stored items: align on a stored dataset "
                          "(`evalign align JUDGE --dataset NAME`) to run on its held-out part")
    return stored


def _folds_message(alignment_run: int, outcome: AlignmentOutcome) -> str:
    return (f"alignment run {alignment_run} was {outcome.folds}-fold cross-validated: every item "
            "was a test item of one fold, and the candidate it saved was learned again from "
            "all of them, so no item is held out from the judge it made. Its test figures "
            "(pooled over the folds) are the held-out measurement; to judge the accepted judge "
            "on items it never saw, align without --folds (one train/validation/test split) "
            "and pass that run to --held-out")


def _dataset_of(session: Session, alignment_run: int, ids: list[int],
                dataset: str | None) -> tuple[int, str]:
    """The (id, name) of the current dataset version holding every one of `ids`, checked
    against the dataset the caller named.

    Raises:
        NotFoundError: some items no longer exist, or no such dataset.
        ConfigError: the items are in another dataset, in several, or in an older version.
    """
    owners = item_owners(session, ids)
    if len(owners) < len(ids):
        raise NotFoundError(
            f"{len(ids) - len(owners)} of the {len(ids)} held-out items of alignment run "
            f"{alignment_run} no longer exist (their dataset was deleted): align again on a "
            "dataset that exists")
    held = Counter(owners.values())
    if len(held) > 1:
        listing = ", ".join(f"{_version(o)} ({n} items)" for o, n in held.most_common())
        raise ConfigError(f"the held-out items of alignment run {alignment_run} lie in several "
                          f"datasets ({listing}): --held-out judges one dataset's items; align "
                          "on one dataset to use it")
    owner = next(iter(held))
    target = get_dataset(session, dataset if dataset is not None else owner.name)
    if owner.name != target.name:
        raise ConfigError(
            f"alignment run {alignment_run} held out items of dataset {owner.name!r}, not "
            f"{target.name!r}: run with --dataset {owner.name} (or pass an alignment run made "
            f"on {target.name!r})")
    if owner.dataset_id != target.id:
        raise ConfigError(
            f"dataset {target.name!r} was re-imported since alignment run {alignment_run}: its "
            f"held-out items are in {_version(owner)}, and the current version is "
            f"{target.version}, whose items have new ids. Align again on the current version "
            f"(`evalign align JUDGE --dataset {target.name}`) and pass that run to --held-out")
    return target.id, target.name


def _version(owner: ItemOwner) -> str:
    return f"{owner.name!r} version {owner.version}" + ("" if owner.current else " (superseded)")
