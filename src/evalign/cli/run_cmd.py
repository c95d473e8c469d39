"""CLI commands: run, runs list / show, cancel, generate.

`evalign run` exits 3 when the share of verdicts that are errors passes `--max-error-rate`
(default 0.05), after printing how many there are by cause: a run nobody looks at closely must
not look like a clean measurement. Verdicts a pairwise judge declined to decide (its answer
changed with the order, order policy `uncertain`) are *undecided*, shown apart and never
counted as errors: they do not trip `--max-error-rate`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from evalign.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    print_json,
    store_for,
    table,
)
from evalign.judges.code import CodeJudges
from evalign.runner import run as runs
from evalign.runner.details import list_run_summaries, run_detail, run_summary
from evalign.runner.generate import generate_outputs
from evalign.runner.rerun import retry_errors as retry_errors_of
from evalign.runner.summary import Progress as RunProgress
from evalign.runner.summary import RunSummary
from evalign.store import Store
from evalign.workflows.held_out import run_held_out

runs_app = typer.Typer(help="List and inspect runs.", no_args_is_help=True)
ERROR_RATE_EXIT = 3


def run(
    ctx: typer.Context,
    judge: Annotated[str | None, typer.Argument(help="JUDGE or JUDGE@VERSION.")] = None,
    dataset: Annotated[str | None, typer.Option(help="The dataset to judge.")] = None,
    model: Annotated[str | None, typer.Option(help="Another model than the judge's.")] = None,
    concurrency: Annotated[int | None, typer.Option(
        help="Most model calls in flight (default 32 remote, 1 local).", min=1)] = None,
    repeat: Annotated[int, typer.Option(help="Judge each item K times (flip rate).", min=1)] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the answer cache.")
                        ] = False,
    resume: Annotated[int | None, typer.Option(
        metavar="RUN", help="Finish the run RUN instead (its items without a verdict), with its"
        " own judge, dataset, model, --repeat and cache use.")] = None,
    retry_errors: Annotated[bool, typer.Option(
        "--retry-errors", help="With --resume RUN: always in a new run (RUN is kept as it was),"
        " ask again the items whose model call failed after retries (endpoint down, timeouts,"
        " 429s) and those RUN never asked (interrupted), with RUN's judge, dataset and model;"
        " RUN's other verdicts are reused. Unreadable answers are not asked again; a run with"
        " nothing to ask is refused.")
    ] = False,
    held_out: Annotated[int | None, typer.Option(
        "--held-out", metavar="ALIGN_RUN",
        help="Judge only the test items this alignment run held out (not a run aligned with"
        " --folds); --dataset defaults to theirs.")] = None,
    code: Annotated[list[str] | None, typer.Option(
        "--code", help="Register a code judge NAME=module:function (repeatable).")] = None,
    max_error_rate: Annotated[float, typer.Option(
        help="Exit 3 when more than this share of verdicts are errors (undecided verdicts"
        " are not errors).", min=0.0, max=1.0)
    ] = 0.05,
    executor: Annotated[str, typer.Option(
        envvar="EVALIGN_EXECUTOR", help="asyncio (this process) or ray (shards on a Ray cluster;"
        " pip install 'evalign\\[ray]').")] = "asyncio",
    ray_address: Annotated[str | None, typer.Option(
        envvar="RAY_ADDRESS", help="The Ray cluster for --executor ray (default: a local Ray).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a judge over a dataset (or --resume a run), storing each verdict as it arrives.

    With --held-out ALIGN_RUN, only the test items that alignment run held out. Exits 3 when
    the errors' share of the verdicts passes --max-error-rate, saying what to do next.
    """
    if retry_errors and resume is None:
        raise typer.BadParameter("--retry-errors asks a run's failed calls again: give "
                                 "--resume RUN")
    store = store_for(db)
    if resume is not None:
        ignored = [name for name, given in (
            ("--dataset", dataset is not None), ("--model", model is not None),
            ("--repeat", _given(ctx, "repeat")),
            ("--no-cache", no_cache), ("--held-out", held_out is not None)) if given]
        _refuse_ignored(store, resume, judge, ignored, retry=retry_errors)
    code_judges = CodeJudges.from_references(code)
    with _Bar(enabled=not as_json) as bar:
        if resume is not None and retry_errors:
            summary = retry_errors_of(store, resume, concurrency=concurrency,
                                      progress=bar.update, code_judges=code_judges,
                                      executor=executor, ray_address=ray_address)
        elif resume is not None:
            summary = runs.resume_run(store, resume, concurrency=concurrency,
                                      progress=bar.update, code_judges=code_judges,
                                      executor=executor, ray_address=ray_address)
        elif held_out is not None:
            if judge is None:
                raise typer.BadParameter("give JUDGE to run on the held-out items")
            summary = run_held_out(store, judge, held_out, dataset=dataset, model=model,
                                   concurrency=concurrency, repeat=repeat,
                                   use_cache=not no_cache, progress=bar.update,
                                   code_judges=code_judges, executor=executor,
                                   ray_address=ray_address)
        else:
            if judge is None or dataset is None:
                raise typer.BadParameter("give JUDGE and --dataset NAME (or --resume RUN)")
            summary = runs.run_judge(store, judge, dataset, model=model, concurrency=concurrency,
                                     repeat=repeat, use_cache=not no_cache,
                                     progress=bar.update, code_judges=code_judges,
                                     executor=executor, ray_address=ray_address)
    _print_summary(summary, as_json)
    share = summary.error_share
    if share is not None and share > max_error_rate:
        err_console.print(f"[red]{summary.errors} of {summary.verdicts} verdicts are errors "
                          f"({share:.0%}), more than --max-error-rate {max_error_rate:g}[/]")
        for step in next_steps(summary):
            err_console.print(step)
        raise typer.Exit(ERROR_RATE_EXIT)


@runs_app.command("list")
def runs_list(dataset: Annotated[str | None, typer.Option(help="Only runs on this dataset.")
                                 ] = None,
              db: DbOption = None, as_json: JsonOption = False) -> None:
    """List runs, newest first."""
    found = list_run_summaries(store_for(db), dataset=dataset)
    if as_json:
        print_json([s.to_dict() for s in found])
        return
    listing = table("run", "judge", "dataset", "model", "status", "verdicts", "errors", "calls",
                    "cost", "wall s")
    for s in found:
        listing.add_row(str(s.run), escape(s.judge), escape(s.dataset), escape(s.model), s.status,
                      f"{s.verdicts}/{s.items * s.repeat}", _errors(s), str(s.calls),
                        _cost(s.cost_usd), f"{s.wall_s:.1f}")
    console.print(listing)


@runs_app.command("show")
def runs_show(run_id: Annotated[int, typer.Argument(metavar="RUN")], db: DbOption = None,
              as_json: JsonOption = False) -> None:
    """Show a run and its verdicts item by item."""
    store = store_for(db)
    detail = run_detail(store, run_id)
    if as_json:
        print_json(detail)
        return
    _print_summary(run_summary(store, run_id), False)
    listing = table("item", "value", "p_pass", "reasoning / error", "attempts", "cached")
    for row in detail["items"]:
        note = row["error"] or row["reasoning"] or ""
        p_pass = "" if row["p_pass"] is None else f"{row['p_pass']:.2f}"
        listing.add_row(escape(str(row["item"])), escape(str(row["value"])), p_pass,
                        escape(note[:120]), str(row["attempts"]), "✓" if row["cached"] else "")
    console.print(listing)


def cancel(run_id: Annotated[int, typer.Argument(metavar="RUN")], db: DbOption = None,
           as_json: JsonOption = False) -> None:
    """Cancel a run; cancelling twice, or a finished run, changes nothing."""
    status, changed = runs.cancel_run(store_for(db), run_id)
    if as_json:
        print_json({"run": run_id, "status": status, "changed": changed})
    elif changed:
        console.print(f"run {run_id} cancelled")
    else:
        console.print(f"run {run_id} is already {status}: nothing to do")


def generate(
    dataset: Annotated[str, typer.Argument(help="The dataset whose inputs to answer.")],
    model: Annotated[str, typer.Option(help="provider/model that writes the outputs.")],
    into: Annotated[str, typer.Option(help="Name of the new dataset.")],
    system_prompt: Annotated[str | None, typer.Option(help="A system prompt.")] = None,
    concurrency: Annotated[int | None, typer.Option(min=1)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fill a copy of DATASET with outputs from a model (the output source)."""
    summary = generate_outputs(store_for(db), dataset, model=model, into=into,
                               system_prompt=system_prompt, concurrency=concurrency,
                               use_cache=not no_cache)
    if as_json:
        print_json(summary.to_dict())
        return
    console.print(f"wrote dataset [bold]{escape(into)}[/]: {summary.items} items, "
                  f"{summary.errors} errors, {summary.calls} model calls, {summary.wall_s:.1f}s")


class _Bar:
    """A Rich progress bar on stderr fed by the runner's progress callback."""

    def __init__(self, *, enabled: bool):
        self.enabled = enabled
        self.bar = Progress(
            TextColumn("judging"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), TextColumn("{task.fields[stats]}"),
            console=err_console, disable=not enabled, transient=False)
        self.task: TaskID | None = None
        self.run: int | None = None

    def __enter__(self) -> _Bar:
        self.bar.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.bar.__exit__(None, None, None)
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            # the run stored what finished, and says the same in its error
            which, run = ("the run", "RUN") if self.run is None else (f"run {self.run}",
                                                                       str(self.run))
            err_console.print(f"interrupted: {which} is stored as failed with what finished; "
                              f"`evalign runs list` shows it, `evalign run --resume {run}` "
                              "finishes it")

    def update(self, live: RunProgress) -> None:
        self.run = live.run
        if not self.enabled:
            return
        if self.task is None:
            self.task = self.bar.add_task("run", total=live.total, completed=live.done,
                                          rate="", stats="")
        task = self.bar.tasks[0]
        speed = task.speed or 0.0
        cost = "cost ?" if live.cost_usd is None else f"${live.cost_usd:.4f}"
        undecided = f" · undecided {live.undecided}" if live.undecided else ""
        stats = (f"errors {live.errors}{undecided} · tokens {live.prompt_tokens}+"
                 f"{live.completion_tokens} · {cost}")
        self.bar.update(self.task, completed=live.done, rate=f"{speed:.1f}/s", stats=stats)


def _given(ctx: typer.Context, param: str) -> bool:
    """Whether option `param` was given (command line or environment), not left at its default.
    Compared by name: Typer's vendored Click has its own `ParameterSource` enum."""
    source = ctx.get_parameter_source(param)
    return source is not None and source.name != "DEFAULT"


def _refuse_ignored(store: Store, run_id: int, judge: str | None, ignored: list[str], *,
                    retry: bool) -> None:
    """Refuse, with `--resume RUN`, options the resumed (or retried) run would ignore: it keeps
    its own judge, dataset, model, samples, cache use and items. A JUDGE argument naming the
    run's own judge (`NAME` or `NAME@V`) is allowed.

    Raises:
        typer.BadParameter: what to drop, and the fresh `evalign run` that uses them instead.
    """
    if judge is not None:
        own = run_summary(store, run_id).judge
        if judge not in (own, own.rsplit("@", 1)[0]):
            ignored = [f"JUDGE {judge} (run {run_id}'s judge is {own})", *ignored]
    if not ignored:
        return
    what = (f"--resume {run_id} --retry-errors asks again in a new run with run {run_id}'s"
            if retry else f"--resume {run_id} finishes run {run_id} with its")
    raise typer.BadParameter(
        f"{what} own judge, dataset, model, --repeat, cache use and items, so "
        f"these would be ignored: drop {', '.join(ignored)}; for another judge, dataset or "
        "model, start a fresh `evalign run JUDGE --dataset NAME [--model MODEL]`")


def _print_summary(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        print_json(summary.to_dict())
        return
    calls = ("0 model calls (all cached)" if summary.calls == 0 and summary.cached
             else f"{summary.calls} model calls, {summary.cached} cached")
    cost = _cost(summary.cost_usd)
    console.print(
        f"run [bold]{summary.run}[/] {summary.status}: {escape(summary.judge)} on "
        f"{escape(summary.dataset)} with {escape(summary.model)} — {summary.verdicts} verdicts "
        f"on {summary.items} items{_held_out(summary)}, {_errors(summary, ' errors')}; {calls}; "
        f"tokens {summary.prompt_tokens} in / {summary.completion_tokens} out; cost {cost}; "
        f"{summary.wall_s:.1f}s")
    if summary.retry_of is not None:
        console.print(_retry_note(summary, summary.retry_of))
    if summary.retried_by:
        later = ", ".join(str(run) for run in summary.retried_by)
        console.print(f"its failed calls were asked again in run {later} (`evalign runs show "
                      f"{summary.retried_by[-1]}`)")
    if summary.cached and summary.cached_from is not None:
        console.print(_cache_note(summary, summary.cached_from))
    if summary.mean_flip_rate is not None:
        console.print(f"mean flip rate over {summary.repeat} samples: {summary.mean_flip_rate:.3f}")
    _print_errors(summary)
    if summary.error:
        # the stored error stays as written (history); a retry since then is said beside it
        later = (f" (retried by run {', '.join(str(r) for r in summary.retried_by)}: "
                 f"`evalign runs show {summary.retried_by[-1]}`)" if summary.retried_by else "")
        console.print(f"[red]error:[/] {escape(summary.error)}{later}")


def _retry_note(summary: RunSummary, retry: dict[str, int]) -> str:
    old, what = retry.get("run"), "items" if summary.repeat == 1 else "verdicts"
    never = retry.get("not_asked", 0)
    unasked = f", {never} never asked (run {old} was interrupted) asked now" if never else ""
    return (f"retries run {old}: {retry.get('failed', 0)} {what} whose call failed asked "
            f"again{unasked}, {retry.get('reused', 0)} reused from run {old} (their calls, "
            f"tokens and cost stay with run {old}, which is kept as it was)")


def next_steps(summary: RunSummary) -> list[str]:
    """What to do about a run's errors, by cause: failed calls are asked again with
    `--retry-errors`; unreadable answers need a change to the judge, not another try."""
    counts, run = summary.error_counts, summary.run
    what = "items" if summary.repeat == 1 else "verdicts"
    steps = []
    if counts.provider and summary.retried_by:
        later = summary.retried_by[-1]
        steps.append(f"next: run {later} already asks these again: `evalign runs show {later}`"
                     f" (`evalign run --resume {later} --retry-errors` if calls failed there)")
    elif counts.provider:
        steps.append(f"next: `evalign run --resume {run} --retry-errors` asks again the "
                     f"{counts.provider} {what} whose model call failed, once the endpoint "
                     f"answers (a new run that reuses the other verdicts; run {run} is kept)")
    if counts.unreadable:
        steps.append(f"next: `evalign runs show {run}` shows the {counts.unreadable} "
                     "unreadable or ambiguous answers; asking again would read the same "
                     "answer, so change the judge's prompt or answer format (or "
                     "`evalign align`) and run it again")
    if counts.errors > counts.provider + counts.unreadable:
        steps.append(f"next: `evalign runs show {run}` says why the other verdicts failed")
    return steps


def _errors(summary: RunSummary, unit: str = "") -> str:
    """"3" (or "3 errors" with `unit`), then ", 15 undecided" when the judge declined to
    decide some verdicts: those are not errors, but a reader must see them beside them."""
    undecided = f", {summary.undecided} undecided" if summary.undecided else ""
    return f"{summary.errors}{unit}{undecided}"


def _held_out(summary: RunSummary) -> str:
    """" held out by alignment run N" for a run on an alignment run's test items, else ""."""
    scope = summary.scope or {}
    if scope.get("kind") != "held_out":
        return ""
    return f" held out by alignment run {scope.get('alignment_run')}"


def _cost(usd: float | None) -> str:
    """Dollars to the micro-dollar; `unknown` when a price is missing (never a made-up $0)."""
    return "unknown" if usd is None else f"${usd:.6f}"


def _cache_note(summary: RunSummary, span: tuple[str, str]) -> str:
    which = "all" if summary.calls == 0 else f"{summary.cached} of {summary.verdicts}"
    oldest, newest = (_when(t) for t in span)
    when = f"at {oldest}" if oldest == newest else f"between {oldest} and {newest}"
    source = escape(summary.endpoint or "this endpoint")
    return (f"{which} verdicts from the answer cache: answers {escape(summary.model)} gave at "
            f"{source}, cached {when} (--no-cache asks again)")


def _when(iso: str) -> str:
    """An ISO time as `YYYY-MM-DD HH:MM:SS UTC` (to the second)."""
    try:
        moment = datetime.fromisoformat(iso).astimezone(UTC)
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _print_errors(summary: RunSummary) -> None:
    counts = summary.error_counts
    what = "items" if summary.repeat == 1 else "verdicts"
    if counts.undecided:
        console.print(f"{counts.undecided} of {counts.total} {what} undecided: the judge's "
                      "answer changed with the order (order policy 'uncertain'); not errors, "
                      "and the report counts them apart")
    if not counts.errors:
        return
    console.print(f"[red]{counts.errors} of {counts.total} {what} have no verdict:[/]")
    for label, n in counts.causes():
        console.print(f"  {n} of {counts.total} {label}")
    if counts.common_raw:
        console.print("  commonest unreadable answers: " + ", ".join(
            f"{escape(repr(raw))} ({n}x)" for raw, n in counts.common_raw))


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("run")(run)
    app.command("cancel")(cancel)
    app.command("generate")(generate)
    app.add_typer(runs_app, name="runs")
