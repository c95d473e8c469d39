"""CLI commands for data: `import`, `datasets list|show|sample|delete`, `export`."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from evalign.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    print_json,
    store_for,
    table,
)
from evalign.data import catalog
from evalign.data.export import export_dataset
from evalign.data.importer import ImportSummary, import_file
from evalign.data.reader import DEFAULT_MAX_BYTES
from evalign.data.sniff import FORMATS
from evalign.data.tabular import parse_map
from evalign.errors import ConfigError
from evalign.store.repo_writes import WriteMode

datasets_app = typer.Typer(help="List, inspect, sample and delete datasets.", no_args_is_help=True)


def import_cmd(
    path: Annotated[Path, typer.Argument(help="CSV, TSV, JSON (array) or JSONL file.")],
    dataset: Annotated[str, typer.Option("--dataset", "-d", help="Name of the dataset.")],
    format: Annotated[str, typer.Option(help=f"One of: {', '.join(FORMATS)}.")] = "auto",
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="KEY=COLUMN (keys: id, input, output, label, reasoning, annotator, "
        "output_1, output_2, or an input field name). Repeatable.")] = None,
    criterion: Annotated[str | None, typer.Option(
        help="Criterion the labels belong to (default: 'default'; pairwise: 'preference').")
    ] = None,
    scale: Annotated[str | None, typer.Option(
        help="Label scale: pass_fail, thumbs, stars, numeric:MIN:MAX[:T], "
        "categorical:A,B[:B], pairwise, text.")] = None,
    annotator: Annotated[str | None, typer.Option(
        help="Annotator name when the file has none (default: human).")] = None,
    sample: Annotated[int | None, typer.Option(help="Import a random sample of N rows.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample.")] = 0,
    append: Annotated[bool, typer.Option("--append", help="Add rows to an existing dataset.")
                      ] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Make a new version of an existing dataset (the old one stays "
        "readable; labels made in evalign carry over to unchanged items).")] = False,
    max_bytes: Annotated[int, typer.Option(help="Refuse files larger than this.")
                         ] = DEFAULT_MAX_BYTES,
    delimiter: Annotated[str | None, typer.Option(
        help="CSV delimiter: , ; | or tab (default: Excel's sep= line, else detected).")
    ] = None,
    references: Annotated[Path | None, typer.Option(
        help="Side file (JSONL, JSON, CSV) whose records add reference fields to items.")
    ] = None,
    references_key: Annotated[str, typer.Option(
        help="Field(s) shared by items and --references records, comma-separated.")] = "id",
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", help="With mlflow:EXPERIMENT as the path: the MLflow tracking store "
        "(default: $MLFLOW_TRACKING_URI).")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Import human-labeled (or unlabeled) examples as a dataset."""
    if append and replace:
        raise ConfigError("choose one of --append and --replace")
    mode: WriteMode = "append" if append else "replace" if replace else "create"
    if str(path).startswith("mlflow:"):  # an MLflow tracking store's experiment, not a file
        from evalign.data.sources import import_mlflow

        summary = import_mlflow(store_for(db, create=True), str(path), dataset,
                                tracking_uri=tracking_uri, criterion=criterion, scale=scale,
                                mode=mode)
        if json_:
            print_json(summary.to_dict())
        else:
            _render_summary(summary)
        return
    summary = import_file(
        store_for(db, create=True), path, dataset, format=format, mapping=parse_map(map_ or []),
        criterion=criterion, scale=scale, annotator=annotator, sample=sample, seed=seed,
        mode=mode, max_bytes=max_bytes, delimiter=delimiter, references=references,
        references_key=references_key,
    )
    if json_:
        print_json(summary.to_dict())
    else:
        _render_summary(summary)


def _render_summary(summary: ImportSummary) -> None:
    console.print(f"[bold]{summary.dataset}[/]: {summary.rows} rows, {summary.labeled} labeled "
                  f"({summary.format})")
    if summary.replaced_version is not None:
        missed = sum(summary.not_carried.values())
        reasons = "; ".join(f"{n}: {why}" for why, n in summary.not_carried.items())
        console.print(f"  version {summary.version} replaces version {summary.replaced_version}"
                      " (kept, superseded: its items, labels and runs stay readable)")
        console.print(f"  labels made in evalign: {summary.carried_over} carried over, "
                      f"{missed} could not be" + (f" ({reasons})" if reasons else ""))
    for name, counts in summary.criteria.items():
        balance = ", ".join(f"{value}: {count}" for value, count in counts.items())
        console.print(f"  {name}: {balance}")
    if summary.annotators:
        console.print(f"  annotators: {', '.join(summary.annotators)}")
    if (joined := summary.references) is not None:
        console.print(f"  references from {escape(joined.source)}: {joined.items} items"
                      + (f", {joined.missing} without (see the warnings)" if joined.missing
                         else ""))
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


@datasets_app.command("list")
def list_cmd(
    all_versions: Annotated[bool, typer.Option(
        "--all", help="Also list the versions `import --replace` superseded.")] = False,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List datasets (their current version) with their row and labeled-row counts."""
    rows = catalog.list_datasets(store_for(db), all_versions=all_versions)
    keys = ("name", "version", "rows", "labeled", "kind", "superseded_at")
    if json_:
        print_json([{k: r[k] for k in keys if all_versions or k != "superseded_at"}
                    for r in rows])
        return
    columns = ["name", "version", "kind", "rows", "labeled"]
    listing = table(*columns, *(["superseded"] if all_versions else []))
    for r in rows:
        cells = [r["name"], str(r["version"]), r["kind"], str(r["rows"]), str(r["labeled"])]
        if all_versions:
            cells.append(_day(r["superseded_at"]) or "current")
        listing.add_row(*cells)
    console.print(listing)


def _day(iso: str | None) -> str:
    """The date part of an ISO time ('' for None)."""
    return iso[:10] if iso else ""


@datasets_app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    preview: Annotated[int, typer.Option(help="How many items to preview.")] = 5,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Show a dataset: size, criteria, label balance, annotators and its first items."""
    info = catalog.describe_dataset(store_for(db), name, preview)
    if json_:
        print_json(info.to_dict())
        return
    console.print(f"[bold]{escape(info.name)}[/] version {info.version} ({info.kind}): "
                  f"{info.rows} rows, {info.labeled} labeled")
    older = [v for v in info.versions if v["superseded_at"]]
    if older:
        console.print("  superseded versions (readable by id): " + ", ".join(
            f"{v['version']} ({v['rows']} rows, replaced {_day(v['superseded_at'])})"
            for v in older))
    for criterion, spec in info.criteria.items():
        balance = ", ".join(f"{v}: {c}" for v, c in info.labels.get(criterion, {}).items())
        resolved = info.resolved.get(criterion, 0)
        balance += f"; {resolved} resolved" if resolved else ""
        console.print(f"  criterion {criterion} \\[{spec}]: {balance}")
    if info.annotators:
        console.print(f"  annotators: {', '.join(info.annotators)}")
    if info.preview:
        console.print(_preview_table(info.preview))


def _preview_table(preview: list[dict[str, Any]]) -> Table:
    columns = list(dict.fromkeys(k for row in preview for k in row if k != "response"))
    preview_table = table(*columns, show_lines=True)
    for row in preview:
        preview_table.add_row(*(str(row.get(c, "")) for c in columns))
    return preview_table


@datasets_app.command("sample")
def sample_cmd(
    source: Annotated[str, typer.Argument(help="Dataset to sample from.")],
    into: Annotated[str, typer.Option("--into", help="Name of the new dataset.")],
    n: Annotated[int, typer.Option("--n", help="How many items.")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Copy a random sample of a dataset (with its labels) into a new alignment set."""
    summary = catalog.sample_dataset(store_for(db), source, into, n, seed)
    if json_:
        print_json(summary.to_dict())
    else:
        _render_summary(summary)


@datasets_app.command("delete")
def delete_cmd(
    name: Annotated[str, typer.Argument(help="Dataset to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
                   ] = False,
    with_runs: Annotated[bool, typer.Option(
        "--with-runs", help="Also delete the dataset's runs and their verdicts (refused "
        "otherwise when it has runs).")] = False,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Delete a dataset (every version) with its items and labels; a tombstone records it."""
    if not yes and not typer.confirm(
            f"Delete dataset {name!r} (every version, its items and labels"
            f"{', runs and verdicts' if with_runs else ''})?", default=False):
        raise typer.Exit(1)
    deletion = catalog.delete_dataset(store_for(db), name, with_runs=with_runs, who=_user())
    if json_:
        print_json(asdict(deletion))
        return
    console.print(f"deleted dataset {name} (versions {', '.join(map(str, deletion.versions))}: "
                  f"{deletion.items} items, {deletion.labels} labels, {len(deletion.run_ids)} "
                  f"runs, {deletion.verdicts} verdicts); its ids will not be reused")


def _user() -> str:
    """Who runs this command, for the deletion's record."""
    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):
        return "cli"


def export_cmd(
    name: Annotated[str, typer.Argument(help="Dataset to export.")],
    path: Annotated[Path, typer.Argument(
        help="Output file; - for standard output. A device or FIFO is written through, a "
             "symbolic link's target is written.")],
    format: Annotated[str | None, typer.Option(
        help="jsonl or csv (default: from the file's extension, else jsonl).")] = None,
    json_: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Export a dataset with its labels (and its latest run's verdicts) to JSONL or CSV."""
    count = export_dataset(store_for(db), name, path, format)
    summary = {"dataset": name, "path": str(path), "rows": count}
    if str(path) == "-" and json_:
        # Standard output holds the rows: the summary goes to stderr, so a pipe gets only data.
        err_console.print_json(data=summary)
    elif str(path) == "-":
        err_console.print(f"wrote {count} rows to standard output")
    elif json_:
        print_json(summary)
    else:
        console.print(f"wrote {count} rows to {escape(str(path))}")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
    app.add_typer(datasets_app, name="datasets")
