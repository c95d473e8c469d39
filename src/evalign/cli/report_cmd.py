"""CLI commands: report, disagreements, agreement (statistics of runs and datasets).

The library (`evalign.report.build`) is imported inside each command: listing commands or
asking for `--help` must not load the statistics stack.
"""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from evalign.cli.common import DbOption, JsonOption, console, print_json, store_for
from evalign.errors import ConfigError

if TYPE_CHECKING:
    from rich.table import Table

CriterionOption = Annotated[
    str | None,
    typer.Option("--criterion", "-c", help="Criterion of the human labels (default: the "
                 "judge's, else the dataset's only one, else `default`)."),
]
RunCriterionOption = Annotated[
    str | None,
    typer.Option("--criterion", "-c", help="Criterion of the human labels (default: the "
                 "judge's, else the one the alignment run that made the judge version was "
                 "told when the dataset has labels on it, else the dataset's only one, else "
                 "`default`; the report says which and why).")]
EXCERPT = 160


class PolicyName(StrEnum):
    """Names of `comparisons.policy` policies, as `--policy` takes them."""

    consensus = "consensus"
    per_label = "per_label"


PolicyOption = Annotated[
    PolicyName, typer.Option(
        "--policy", help="consensus: one comparison per item (the adjudicated label, else the "
        "annotators' majority, or on a numeric or star scale the mean of all raters; tied "
        "annotators cannot compare), the same human side as the alignment outcome's figures; "
        "per_label: one comparison per annotator's label.")]
ConsensusOption = Annotated[
    bool, typer.Option("--consensus", hidden=True,
                       help="Same as --policy consensus (kept for older scripts).")]


def _policy(policy: PolicyName, consensus: bool) -> Literal["consensus", "per_label"]:
    """The policy chosen; `--consensus` is the older spelling of `--policy consensus`.

    Raises:
        ConfigError: `--consensus` beside `--policy per_label`.
    """
    if consensus and policy is not PolicyName.consensus:
        raise ConfigError("--consensus contradicts --policy per_label: give one of them")
    return "consensus" if policy is PolicyName.consensus else "per_label"


class Format(StrEnum):
    """Output formats of `evalign report`."""

    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class DisagreementKind(StrEnum):
    """Which disagreements to list."""

    fp = "fp"
    fn = "fn"
    discrepancy = "discrepancy"


def report(
    run: Annotated[int, typer.Argument(help="Run id.")],
    vs: Annotated[int | None, typer.Option("--vs", help="A second run on the same items: "
                                           "paired difference (RUN2 − RUN), McNemar p.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Break down by judge, criterion, "
                                           "annotator or an item field / metadata key.")] = None,
    criterion: RunCriterionOption = None,
    policy: PolicyOption = PolicyName.consensus,
    consensus: ConsensusOption = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    as_json: JsonOption = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
    db: DbOption = None,
) -> None:
    """Agreement of a run's verdicts with the human labels, with 95% intervals."""
    from evalign.report.build import run_report

    data = run_report(store_for(db), run, vs=vs, by=by, criterion=criterion,
                      policy=_policy(policy, consensus))
    fmt = Format.json if as_json else fmt
    if fmt is Format.table and out is None:
        from evalign.report.text import print_report

        print_report(data, console)
        return
    _emit(_render(data, fmt), out)


def _render(data: dict[str, Any], fmt: Format) -> str:
    if fmt is Format.html:
        from evalign.report.html import report_html

        return report_html(data)
    if fmt is Format.csv:
        from evalign.report.text import report_csv

        return report_csv(data)
    if fmt is Format.json:
        from evalign.report.build import report_json

        return report_json(data)
    from rich.console import Console

    from evalign.report.text import report_table

    text = Console(record=True, width=120, file=io.StringIO())
    text.print(report_table(data))
    return text.export_text()


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out}", highlight=False)


def disagreements(
    run: Annotated[int, typer.Argument(help="Run id.")],
    kind: Annotated[DisagreementKind | None, typer.Option(
        "--kind", help="fp: judge too lenient; fn: judge too strict; discrepancy: numeric "
        "delta ≥ 20 points.")] = None,
    criterion: RunCriterionOption = None,
    policy: PolicyOption = PolicyName.consensus,
    consensus: ConsensusOption = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the items where judge and humans disagree, reasoning side by side.

    Each row shows excerpts of the item's input and output, the annotator, and both sides'
    reasoning; ids are never cut.
    """
    from evalign.report.build import disagreements as find

    data = find(store_for(db), run, kind=kind.value if kind else None, criterion=criterion,
                policy=_policy(policy, consensus))
    if as_json:
        print_json(data)
        return
    from rich.markup import escape

    why = (data["run"].get("criterion_source") or {}).get("words")
    console.print(f"[bold]{data['count']} disagreements[/] · run {run} · "
                  f"{escape(data['run']['judge'])} · criterion "
                  f"{escape(str(data['run']['criterion']))}"
                  + (f" ({escape(why)})" if why else "") + f" · {data['run']['policy']}")
    for row in data["items"]:
        # one block per item, not a wide table: on a narrow terminal a table cuts or folds
        # ids and texts, a block only wraps them
        console.print(f"\n[bold]{escape(str(row['external_id']))}[/] · {row['kind']} · "
                      f"annotator {escape(str(row['annotator']))} · human "
                      f"{escape(str(row['human']))} · judge {escape(str(row['judge']))}",
                      highlight=False)
        for name, text in (("input", _input_text(row)), ("output", _output_text(row)),
                           ("human reasoning", row["human_reasoning"]),
                           ("judge reasoning", row["judge_reasoning"])):
            console.print(f"  {name}: {escape(_excerpt(text))}", highlight=False)


def _table(title: str, *columns: str) -> Table:
    """A table whose cells wrap, never cut: ids and names stay whole at any width."""
    from rich.table import Table

    table = Table(title=title, show_lines=True)
    for col in columns:
        table.add_column(col, overflow="fold")
    return table


def _input_text(row: dict[str, Any]) -> str:
    return " · ".join(f"{k}: {v}" for k, v in (row.get("inputs") or {}).items())


def _output_text(row: dict[str, Any]) -> str:
    if row.get("output_2") is not None:
        return f"1: {row.get('output') or ''} · 2: {row['output_2']}"
    return str(row.get("output") or "")


def _excerpt(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1] + "…"


def agreement(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    criterion: CriterionOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Inter-annotator agreement of a dataset: Fleiss κ, Krippendorff α, pairwise Cohen κ."""
    from evalign.report.build import dataset_agreement
    from evalign.report.text import fmt

    data = dataset_agreement(store_for(db), dataset, criterion=criterion)
    if as_json:
        print_json(data)
        return
    table = _table(f"inter-annotator agreement · {dataset} · {data['criterion']} "
                   f"({data['scale']})", "statistic", "value")
    table.add_row("items with ≥ 2 annotators", str(data["items"]))
    table.add_row("annotators", ", ".join(data["annotator_names"]))
    table.add_row("Fleiss κ", fmt(data["fleiss_kappa"]))
    table.add_row(f"Krippendorff α ({data['krippendorff_level']})",
                  fmt(data["krippendorff_alpha"]))
    table.add_row("mean pairwise agreement", fmt(data["mean_pairwise_agreement"], True))
    table.add_row("ceiling: annotator vs majority of others", fmt(data["ceiling"], True))
    for pair, value in data["pairwise_cohen_kappa"].items():
        table.add_row(f"Cohen κ {pair}", fmt(value))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("report")(report)
    app.command("disagreements")(disagreements)
    app.command("agreement")(agreement)
