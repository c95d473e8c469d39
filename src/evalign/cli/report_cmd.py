"""CLI commands: report, disagreements, agreement (statistics of runs and datasets)."""

from __future__ import annotations

import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from evalign.cli.common import DbOption, JsonOption, console, print_json, store_for

CriterionOption = Annotated[
    str | None,
    typer.Option("--criterion", "-c", help="Criterion of the human labels (default: the "
                 "judge's, else the dataset's only one)."),
]


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
    criterion: CriterionOption = None,
    consensus: Annotated[bool, typer.Option("--consensus", help="One comparison per item "
                                            "(resolved label, else majority) instead of one "
                                            "per label.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file.")] = None,
    db: DbOption = None,
) -> None:
    """Agreement of a run's verdicts with the human labels, with 95% intervals."""
    from evalign.report.build import run_report

    data = run_report(store_for(db), run, vs=vs, by=by, criterion=criterion,
                      view="consensus" if consensus else "labels")
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
        return json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n"
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
    criterion: CriterionOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List the items where judge and humans disagree, reasoning side by side."""
    from evalign.report.build import disagreements as find

    data = find(store_for(db), run, kind=kind.value if kind else None, criterion=criterion)
    if as_json:
        print_json(data)
        return
    table = Table(title=f"{data['count']} disagreements · run {run} · {data['run']['judge']}",
                  show_lines=True)
    for col in ("item", "kind", "human", "judge", "human reasoning", "judge reasoning"):
        table.add_column(col, overflow="fold")
    for row in data["items"]:
        table.add_row(str(row["external_id"]), row["kind"], str(row["human"]),
                      str(row["judge"]), row["human_reasoning"][:400],
                      row["judge_reasoning"][:400])
    console.print(table)


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
    table = Table(title=f"inter-annotator agreement · {dataset} · {data['criterion']} "
                  f"({data['scale']})")
    table.add_column("statistic")
    table.add_column("value")
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
