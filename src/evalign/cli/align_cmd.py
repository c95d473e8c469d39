"""CLI commands: align JUDGE (start and run an alignment run), align status / cancel / history /
accept / reject."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer
from rich.markup import escape

from evalign.align import (
    AlignConfig,
    AlignmentRun,
    accept_alignment,
    alignment_history,
    cancel_alignment,
    execute_alignment,
    get_alignment,
    reject_alignment,
    start_alignment,
)
from evalign.align.checks import load_checks
from evalign.align.engine import parse_strategies
from evalign.align.liveness import stall_note
from evalign.align.outcome import candidate_label
from evalign.align.run import history_rows
from evalign.align.split import parse_ratios
from evalign.align.strategies.registry import STRATEGIES
from evalign.cli.align_render import render_history, render_run
from evalign.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    print_json,
    store_for,
)
from evalign.errors import ConfigError, SettingError
from evalign.judges.glossary import load_glossary
from evalign.runner.run import check_executor
from evalign.store import Store


class _DefaultStart(typer.core.TyperGroup):
    """`evalign align JUDGE ...` means `evalign align start JUDGE ...`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["start", *args]
        parsed: list[str] = super().parse_args(ctx, args)
        return parsed


align_app = typer.Typer(
    cls=_DefaultStart, no_args_is_help=True,
    help="Align a judge with human labels, proven on held-out items.\n\n"
         "evalign align JUDGE or JUDGE@V (--dataset NAME | --from-run RUN ...) OPTIONS "
         "starts and runs an alignment run (options: `evalign align start --help`).")


@align_app.command("start")
def start(
    judge: Annotated[str, typer.Argument(help="JUDGE or JUDGE@VERSION.")],
    dataset: Annotated[str | None, typer.Option(help="The labeled dataset to learn from.")] = None,
    from_run: Annotated[list[int] | None, typer.Option(
        "--from-run", help="A completed run of the judge version aligned, on labeled "
        "items: its verdicts are reused (repeatable; a run of another judge or version "
        "is refused)."
    )] = None,
    criterion: Annotated[str | None, typer.Option(help="The criterion compared.")] = None,
    reflection_model: Annotated[str | None, typer.Option(
        help="Model that distills guidelines (default: $EVALIGN_MODEL or the local one).")] = None,
    judge_model: Annotated[str | None, typer.Option(help="Model of the candidate judge.")] = None,
    verify_model: Annotated[str | None, typer.Option(help="Model that scores the test split.")
                            ] = None,
    delta_threshold: Annotated[float, typer.Option(
        help="Numeric scales: the least 0–100 gap counted as a disagreement.")] = 0.0,
    split: Annotated[str, typer.Option(help="train,val,test shares.")] = "0.5,0.25,0.25",
    folds: Annotated[int | None, typer.Option(help="K-fold cross-validation instead.")] = None,
    group_by: Annotated[str | None, typer.Option(
        help="Keep items with the same value of this field in one part (e.g. question).")
    ] = None,
    strategy: Annotated[str | None, typer.Option(
        help="Strategies to try, comma-separated (default: every one that applies to the "
             "judge's scale: " + ",".join(STRATEGIES) + ").")] = None,
    budget_calls: Annotated[int | None, typer.Option(
        help="Stop learning after about N model calls (checked between batches); the test"
        " split is still scored, and counted.")] = None,
    budget_usd: Annotated[float | None, typer.Option(
        help="Stop learning after about X dollars (checked between batches); the test split"
        " is still scored, and counted.")] = None,
    max_error_rate: Annotated[float, typer.Option(
        help="End the run as an error once more than this share of the judge's verdicts are"
        " failed calls (after retries).", min=0.0, max=1.0)] = 0.05,
    rounds: Annotated[int, typer.Option(help="Reflection rounds (guidelines).")] = 3,
    seed: Annotated[int, typer.Option(help="Seeds the split and the draws.")] = 0,
    sample: Annotated[int | None, typer.Option(
        help="Use about N items (whole groups), for a quicker run.")] = None,
    glossary: Annotated[str | None, typer.Option(
        help="YAML/JSON file of term: expansion for the shorthand of your rubrics.")] = None,
    rubric_split: Annotated[str, typer.Option(
        help="How decompose splits a per-item rubric: auto (model and rules both tried, "
        "cross-validation keeps one), model (rules as fallback) or rules.")] = "auto",
    checks: Annotated[str | None, typer.Option(
        help="YAML/JSON checks file (as for `align accept --checks`): decompose asks its "
        "questions of every item and learns, calibrates and tests the rest.")] = None,
    executor: Annotated[str, typer.Option(
        envvar="EVALIGN_EXECUTOR", help="Where the judge's scoring runs: asyncio (this process)"
        " or ray (workers on a Ray cluster; pip install 'evalign\\[ray]').")] = "asyncio",
    ray_address: Annotated[str | None, typer.Option(
        envvar="RAY_ADDRESS", help="The Ray cluster for --executor ray (default: a local Ray).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Align JUDGE: learn a better version from labeled items and test it on held-out ones."""
    if rubric_split not in ("auto", "model", "rules"):
        raise ConfigError(f"--rubric-split is auto, model or rules, not {rubric_split!r}")
    check_executor(executor)
    glossary_terms = load_glossary(glossary) if glossary else {}
    fixed: dict[str, Any] = {}
    if checks:
        fixed, glossary_terms, rubric_split = _start_checks(checks, glossary_terms, rubric_split)
    try:  # the library names its settings; shown here as the flags that set them
        config = AlignConfig(
            dataset=dataset, from_runs=tuple(from_run or ()), criterion=criterion,
            reflection_model=reflection_model, judge_model=judge_model,
            verify_model=verify_model, delta=delta_threshold, ratios=parse_ratios(split),
            folds=folds, group_by=group_by,
            strategies=STRATEGIES if strategy is None else parse_strategies(strategy),
            budget_calls=budget_calls, budget_usd=budget_usd, max_error_rate=max_error_rate,
            rounds=rounds, seed=seed, sample=sample,
            glossary=glossary_terms, rubric_split=rubric_split, checks=fixed,
            executor=executor, ray_address=ray_address)
        store = store_for(db)
        # held: a server's worker watching the same store must not take it from this process
        run_id = start_alignment(store, judge, config, held=True)
    except SettingError as exc:
        raise ConfigError(exc.render(FLAGS)) from None
    result = _execute_showing_phases(store, run_id, quiet=as_json)
    if as_json:
        print_json(result.to_dict())
        return
    render_run(result)


FLAGS = {"from_runs": "--from-run", "delta": "--delta-threshold", "ratios": "--split",
         "strategies": "--strategy", **{name: "--" + name.replace("_", "-") for name in (
             "dataset", "criterion", "reflection_model", "judge_model", "verify_model", "folds",
             "group_by", "budget_calls", "budget_usd", "max_error_rate", "seed", "sample",
             "rounds", "glossary", "rubric_split", "checks", "executor", "ray_address")}}
"""`AlignConfig` settings as `evalign align` spells them (a `SettingError` is shown in them)."""


def _untested_note(run: AlignmentRun, path: str, edit: dict[str, Any]) -> str:
    """How to get test figures for checks saved untested: align again from the same file."""
    judge = str(run.accepted_version).split("@", 1)[0]
    config = run.config
    source = (f"--dataset {config['dataset']}" if config.get("dataset") else
              " ".join(f"--from-run {r}" for r in config.get("from_runs") or ()))
    group = f" --group-by {config['group_by']}" if config.get("group_by") else ""
    first = ("remove its aggregation (the run learns one), then " if "aggregation" in edit
             else "")
    return ("the edited checks were never scored on test (the version says untested). To learn "
            f"their rule and calibration and test them, {first}align from the file: "
            f"`evalign align {judge} {source}{group} --strategy decompose --checks {path}`")


def _start_checks(path: str, glossary: dict[str, str], rubric_split: str,
                  ) -> tuple[dict[str, Any], dict[str, str], str]:
    """A checks file read for a new run: (questions/template, glossary, rubric split).

    The file's glossary joins `--glossary` (a term the two expand differently is refused) and
    its split stands for `--rubric-split`; an aggregation is refused, since the run learns one,
    and so is a split beside fixed questions, which split nothing.
    """
    fixed = load_checks(path)
    if "aggregation" in fixed:
        raise ConfigError(f"{path}: an aggregation is learned by the run; remove it, or give "
                          "it when you accept (`evalign align accept RUN --checks FILE`)")
    terms = fixed.pop("glossary", {})
    clash = sorted(t for t in terms if t in glossary and glossary[t] != terms[t])
    if clash:
        raise ConfigError(f"{path}: the glossary expands {', '.join(map(repr, clash))} unlike "
                          "--glossary; give each term once")
    if "split" in fixed and "questions" in fixed:
        raise ConfigError(f"{path}: split applies to a per-item rubric, and fixed questions "
                          "split nothing; remove split")
    split = str(fixed.pop("split", rubric_split))
    if rubric_split not in ("auto", split):
        raise ConfigError(f"{path}: split {split} conflicts with --rubric-split {rubric_split}; "
                          "give one")
    return fixed, {**terms, **glossary}, split


@align_app.command("status")
def status(run: Annotated[int, typer.Argument(help="The alignment run.")],
           db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show an alignment run: status, phases, and its outcome when aligned."""
    result = get_alignment(store_for(db), run)
    if as_json:
        print_json(result.to_dict() | {"stalled": stall_note(result)})
        return
    render_run(result)


@align_app.command("cancel")
def cancel(run: Annotated[int, typer.Argument(help="The alignment run.")],
           db: DbOption = None, as_json: JsonOption = False) -> None:
    """Cancel a pending or running alignment run (a finished one is left as it is)."""
    result = cancel_alignment(store_for(db), run)
    if as_json:
        print_json({"run": result.id, "status": result.status})
        return
    console.print(f"alignment run {result.id}: {result.status}")


@align_app.command("history")
def history(judge: Annotated[str, typer.Argument(help="The judge.")],
            db: DbOption = None, as_json: JsonOption = False) -> None:
    """List a judge's alignment runs, newest first."""
    rows = history_rows(alignment_history(store_for(db), judge))
    if as_json:
        print_json(rows)
        return
    render_history(rows)


@align_app.command("accept")
def accept(run: Annotated[int, typer.Argument(help="The alignment run.")],
           name: Annotated[str | None, typer.Option(
               help="Name of the new judge when the aligned judge is built-in.")] = None,
           checks: Annotated[str | None, typer.Option(
               help="YAML/JSON file with the edited checks of a decomposed candidate "
                    "(questions, glossary, split; see `evalign align status RUN`).")] = None,
           force: Annotated[bool, typer.Option(
               "--force", help="Accept a candidate that is not recommended (it does not beat "
                               "the baseline judge and every trivial baseline on test).")] = False,
           over_current: Annotated[bool, typer.Option(
               "--over-current", help="Accept a run that aligned a version which is no longer "
                                      "the judge's current one (its candidate replaces the "
                                      "current version's changes).")] = False,
           db: DbOption = None, as_json: JsonOption = False) -> None:
    """Make the candidate the judge's next version (a built-in judge is forked first).

    A candidate that is not recommended is refused unless `--force`; a run whose base version is
    no longer the judge's current version is refused unless `--over-current`.
    """
    edit = load_checks(checks) if checks else None
    result = accept_alignment(store_for(db), run, name=name, checks=edit, force=force,
                              over_current=over_current)
    if as_json:
        print_json({"run": result.id, "decision": result.decision,
                    "version": result.accepted_version, "copy_of_base": _copy(result)})
        return
    console.print(f"accepted: the judge is now [bold]{escape(str(result.accepted_version))}"
                  "[/]")
    if checks and edit is not None:
        err_console.print(f"[yellow]note:[/] {escape(_untested_note(result, checks, edit))}")
    elif _copy(result):
        err_console.print(f"[yellow]note:[/] the candidate was the base judge unchanged (no "
                          f"strategy improved on it): {escape(str(result.accepted_version))} "
                          f"is a copy of {escape(result.judge)}@{result.judge_version}")


@align_app.command("reject")
def reject(run: Annotated[int, typer.Argument(help="The alignment run.")],
           db: DbOption = None, as_json: JsonOption = False) -> None:
    """Reject the candidate (the judge stays as it is)."""
    result = reject_alignment(store_for(db), run)
    if as_json:
        print_json({"run": result.id, "decision": result.decision})
        return
    console.print(f"alignment run {result.id}: rejected")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.add_typer(align_app, name="align")


def _copy(run: AlignmentRun) -> bool:
    """Whether the accepted candidate is the base judge unchanged (its new version a copy)."""
    return run.outcome is not None and candidate_label(run.outcome.to_dict()) == "base"


INTERRUPTED_EXIT = 130
"""Exit status after Ctrl+C (128 + SIGINT, as shells report it)."""


def _execute_showing_phases(store: Store, run_id: int, *, quiet: bool) -> AlignmentRun:
    failure: list[BaseException] = []

    def work() -> None:
        try:
            execute_alignment(store, run_id, held=True)
        except BaseException as exc:  # re-raised in the main thread
            failure.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    shown: str | None = None
    try:
        with console.status(f"alignment run {run_id}: starting", spinner="dots") as spinner:
            while thread.is_alive():
                thread.join(0.5)
                current = get_alignment(store, run_id)
                if current.phase and current.phase != shown and not quiet:
                    if shown:
                        err_console.print(f"  done: {shown}")
                    shown = current.phase
                spinner.update(f"alignment run {run_id}: {current.phase or current.status}")
    except KeyboardInterrupt:
        # The worker thread dies with this process: the run is ended here, never left running.
        cancel_alignment(store, run_id)
        err_console.print(f"interrupted: alignment run {run_id} cancelled (the answers obtained "
                          "are cached: aligning again reuses them)")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    if failure:
        raise failure[0]
    return get_alignment(store, run_id)
