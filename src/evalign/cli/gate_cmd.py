"""CLI command: `evalign gate JUDGE[@V] --dataset LABELED --min-kappa K` (a CI release gate).

Exit codes: 0 the gate passes; 1 a condition fails (each is printed, the failing ones in red);
2 a usage error (no floor, unknown judge or dataset).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from evalign.calibration import GateResult, gate
from evalign.calibration.gate import MIN_RECENT_N
from evalign.cli.common import DbOption, JsonOption, console, print_json, store_for


def gate_command(
    judge: Annotated[str, typer.Argument(help="NAME or NAME@VERSION.")],
    dataset: Annotated[str, typer.Option("--dataset", help="The labeled dataset.")],
    min_agreement: Annotated[float | None, typer.Option(
        "--min-agreement", help="Floor on the lower 95% (Wilson) bound of agreement, 0-1.")
    ] = None,
    min_kappa: Annotated[float | None, typer.Option(
        "--min-kappa", help="Floor on the lower 95% (bootstrap) bound of Cohen's kappa.")
    ] = None,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="Run the judge on the dataset now and record a new calibration.")
    ] = False,
    criterion: Annotated[str | None, typer.Option(
        help="The labels' criterion (default: the judge's, else the dataset's only one).")
    ] = None,
    allow_errors: Annotated[bool, typer.Option(
        "--allow-errors", help="Pass even when some calibration verdicts were errors.")
    ] = False,
    recent_days: Annotated[int | None, typer.Option(
        "--recent-days", help="Also require the floors on the version's items scored online "
        "in the last N days and labeled in the queue.", min=1)] = None,
    min_recent_n: Annotated[int, typer.Option(
        "--min-recent-n", help="Fewest compared pairs the recent window must hold.", min=1)
    ] = MIN_RECENT_N,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Exit 0 only if the judge is calibrated on the dataset, unchanged since, above the floor."""
    result = gate(store_for(db), judge, dataset, min_agreement=min_agreement,
                  min_kappa=min_kappa, calibrate=calibrate, criterion=criterion,
                  allow_errors=allow_errors, recent_days=recent_days,
                  min_recent_n=min_recent_n)
    if as_json:
        print_json(result.to_dict())
    else:
        _render(result)
    raise typer.Exit(0 if result.passed else 1)


def _render(result: GateResult) -> None:
    verdict = "[bold green]PASS[/]" if result.passed else "[bold red]FAIL[/]"
    console.print(f"gate {verdict} {escape(result.judge)} on {escape(result.dataset)} "
                  f"(judge hash {result.spec_hash[:12]})")
    for condition in result.conditions:
        mark = "[green]✓[/]" if condition.passed else "[red]✗[/]"
        console.print(f"  {mark} {condition.name}: {escape(condition.message)}",
                      highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `evalign gate` to the root app."""
    app.command("gate")(gate_command)
