"""CLI commands: judge create / show / versions / edit / list / fork / export / import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from evalign.cli.common import (
    DbOption,
    JsonOption,
    console,
    err_console,
    print_json,
    store_for,
    table,
)
from evalign.errors import NotFoundError
from evalign.judges.spec import JudgeSpec
from evalign.store import Store, open_store
from evalign.store.repo_judges import JudgeVersionInfo
from evalign.workflows import judge_catalog as catalog

judge_app = typer.Typer(help="Create, version, fork, export and import judges.",
                        no_args_is_help=True)

ParamOption = Annotated[list[str] | None, typer.Option(
    "--param", help="A sampling parameter KEY=VALUE (repeatable), e.g. temperature=0.")]
DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"
_PAIRWISE_CHECKS = {
    "checklist": "the model writes checks for each item's instruction; the output meeting "
                 "more of them wins",
    "whole": "each output is asked whether it does exactly what the instruction asks; the "
             "likelier yes wins",
    "both": "the model writes checks for each item's instruction, asked with the "
            "whole-instruction check; the output meeting more of them wins",
}


@judge_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The new judge's name.")],
    prompt_file: Annotated[Path | None, typer.Option(
        "--prompt-file", help="The prompt template; {field} or {{ field }} names an item "
        "field ({{ inputs }}, {{ outputs }}, {{ expectations }} gather several).")] = None,
    code: Annotated[str | None, typer.Option(
        "--code", help="A code judge instead: module:function taking an item.")] = None,
    scale: Annotated[str, typer.Option(help="Output scale: pass_fail, stars, "
                                       "numeric:MIN:MAX[:T], categorical:A,B[:PASS], pairwise.")
                     ] = "pass_fail",
    model: Annotated[str, typer.Option(help="provider/model.")] = DEFAULT_MODEL,
    criterion: Annotated[str | None, typer.Option(help="The criterion it judges.")] = None,
    param: ParamOption = None,
    dataset: Annotated[str | None, typer.Option(
        help="Check up front that this dataset's items have every field the prompt names "
             "(else refused, listing the fields there).")
    ] = None,
    description: Annotated[str, typer.Option(help="What the judge checks.")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a custom judge (version 1)."""
    if (prompt_file is None) == (code is None):
        raise typer.BadParameter("give exactly one of --prompt-file or --code")
    prompt = code if code is not None else catalog.read_prompt(prompt_file or "")
    info = catalog.create(
        store_for(db, create=True), name, prompt=prompt, scale=scale, model=model,
        params=catalog.parse_params(param), criterion=criterion, dataset=dataset,
        description=description, kind="code" if code else "prompt")
    _done(info, "created", as_json)


@judge_app.command("edit")
def edit(
    name: Annotated[str, typer.Argument(help="The judge to edit (a custom one).")],
    prompt_file: Annotated[Path | None, typer.Option("--prompt-file")] = None,
    scale: Annotated[str | None, typer.Option()] = None,
    model: Annotated[str | None, typer.Option()] = None,
    param: ParamOption = None,
    note: Annotated[str, typer.Option(help="Why this version (kept in its provenance).")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a new version (the old ones stay as they are)."""
    prompt = catalog.read_prompt(prompt_file) if prompt_file else None
    info = catalog.edit(store_for(db), name, prompt=prompt, scale=scale, model=model,
                        params=catalog.parse_params(param), note=note)
    _done(info, "new version", as_json)


@judge_app.command("show")
def show(ref: Annotated[str, typer.Argument(help="NAME or NAME@VERSION.")],
         db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one judge version: prompt (or checks), scale, model, parameters."""
    info = catalog.show(_catalog_store(db), ref)
    if as_json:
        print_json(catalog.version_dict(info))
        return
    spec = info.spec
    console.print(f"[bold]{escape(info.ref)}[/]" + (" (built-in)" if info.builtin else ""))
    console.print(f"kind: {spec.kind}   scale: {spec.scale.spec()}   model: {escape(spec.model)}")
    if spec.params:
        console.print(f"params: {escape(str(spec.params))}")
    if info.criterion:
        console.print(f"criterion: {escape(info.criterion)}")
    if spec.threshold is not None:
        console.print(f"threshold: {spec.threshold}")
    if spec.guidelines:
        console.print(f"guidelines:\n{escape(spec.guidelines)}")
    if spec.few_shot:
        console.print(f"few-shot examples: {len(spec.few_shot)}")
    _render_checks(spec)
    if spec.kind == "decomposed":
        if spec.prompt.strip():
            console.print("prompt (kept for reference; a decomposed judge sends its checks, "
                          "never this prompt):", style="bold")
            console.print(escape(spec.prompt), highlight=False)
        return
    console.print("prompt:", style="bold")
    console.print(escape(spec.prompt), highlight=False)


def _render_checks(spec: JudgeSpec) -> None:
    """A decomposed judge's checks, aggregation and calibration; other judges' check options."""
    from evalign.align.checks import checks_listing  # the alignment code loads only when shown

    listing = checks_listing(spec)
    if listing is None:  # a prompt judge's options (e.g. pairwise position swap), if any
        if spec.checks:
            console.print("checks: " + escape(", ".join(f"{k}={v}" for k, v in
                                                        spec.checks.items())))
        return
    console.print("checks:", style="bold")
    questions = listing.get("questions") or []
    if questions:
        console.print(f"  questions ({len(questions)}):")
        for question in questions:
            console.print(f"    - {escape(str(question))}", highlight=False)
    if listing.get("rubric_field"):
        console.print(f"  rubric_field: {escape(str(listing['rubric_field']))} (one question "
                      f"per point of each item's field; split: "
                      f"{escape(str(listing.get('split')))})")
    if listing.get("instruction_checklist"):
        mode = str(listing["pairwise_checks"])
        console.print(f"  instruction_checklist: {escape(_PAIRWISE_CHECKS.get(mode, mode))}"
                      f" (tie margin {spec.checks.get('tie_margin', 0.0)})")
    if spec.checks.get("content_free"):
        console.print("  content_free: each check is also asked of a content-free response "
                      "(N/A) and read against it")
    glossary = listing.get("glossary") or {}
    if glossary:
        terms = ", ".join(map(str, list(glossary)[:8])) + (", ..." if len(glossary) > 8 else "")
        console.print(f"  glossary: {len(glossary)} term{'s' * (len(glossary) != 1)} "
                      f"({escape(terms)})")
    if listing.get("question_template"):
        console.print(f"  question_template: {escape(str(listing['question_template']))}")
    shown = {"questions", "rubric_field", "split", "instruction_checklist", "tie_margin",
             "pairwise_checks", "content_free",
             "glossary", "question_template", "aggregation", "calibration"}
    for key, value in spec.checks.items():
        if key not in shown:  # nothing stored is hidden (context_fields, ...)
            console.print(f"  {escape(key)}: {escape(str(value))}")
    console.print("aggregation: " + _method(listing.get("aggregation"),
                                            "default: weakest check's P(yes) >= 0.5"))
    calibration = listing.get("calibration")
    if calibration and calibration.get("method") == "average":
        members = calibration.get("members") or []
        console.print(f"calibration: the average of {len(members)} scores on 0-100")
        for member in members:
            console.print(f"  {escape(_method(member.get('aggregation'), 'mean'))} through "
                          f"{escape(_map_text(member.get('calibration')))}")
    elif calibration:
        console.print(f"calibration: {escape(_map_text(calibration))}")
    else:
        console.print("calibration: none")


def _map_text(calibration: Any) -> str:
    """`method, N knots on 0-100`, or `no map` (the raw score)."""
    if not isinstance(calibration, dict):
        return "no map"
    knots = len(calibration.get("x") or [])
    return f"{calibration.get('method')}, {knots} knot{'s' * (knots != 1)} on 0-100"


def _method(settings: Any, default: str) -> str:
    """`method (key value, ...)`; a list parameter (logistic coefficients) shown by its size."""
    if not isinstance(settings, dict) or not settings:
        return default
    params = [f"{k} {len(v)} values" if isinstance(v, list) else f"{k} {v}"
              for k, v in settings.items() if k != "method"]
    return escape(str(settings.get("method")) + (f" ({', '.join(params)})" if params else ""))


@judge_app.command("versions")
def versions(name: Annotated[str, typer.Argument()], db: DbOption = None,
             as_json: JsonOption = False) -> None:
    """List a judge's versions."""
    found = catalog.versions(store_for(db), name)
    if as_json:
        print_json([catalog.version_dict(v) for v in found])
        return
    listing = table("version", "created", "model", "scale", "provenance", "current")
    for v in found:
        listing.add_row(str(v.version), f"{v.created_at:%Y-%m-%d %H:%M}", escape(v.spec.model),
                      v.spec.scale.spec(), escape(str(v.provenance or "")),
                        "✓" if v.current else "")
    console.print(listing)


@judge_app.command("list")
def list_judges(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List every judge, built-in and custom."""
    found = catalog.listing(_catalog_store(db))
    if as_json:
        print_json([catalog.judge_dict(j) for j in found])
        return
    listing = table("name", "kind", "versions", "current", "criterion", "description")
    for j in found:
        listing.add_row(escape(j.name), "built-in" if j.builtin else "custom",
                        str(j.latest_version), str(j.current_version or j.latest_version),
                        escape(j.criterion or ""), escape(j.description))
    console.print(listing)


def _catalog_store(db: str | None) -> Store:
    """The user's store, or where none exists yet the built-in judges alone (in memory:
    nothing is written), so that a newcomer can find the judge that fits before importing."""
    try:
        return store_for(db)
    except NotFoundError as exc:
        err_console.print(f"[yellow]{escape(str(exc))}[/]\nshowing the built-in judges only",
                          highlight=False)
        return open_store(":memory:")


@judge_app.command("fork")
def fork(source: Annotated[str, typer.Argument(help="NAME[@V] to copy (e.g. a built-in).")],
         name: Annotated[str, typer.Option("--name", help="The new judge's name.")],
         db: DbOption = None, as_json: JsonOption = False) -> None:
    """Copy a judge (typically a built-in) into a new custom judge you can edit."""
    _done(catalog.fork(store_for(db, create=True), source, name), f"forked from {source} as",
          as_json)


@judge_app.command("export")
def export(
    ref: Annotated[str, typer.Argument(help="NAME or NAME@VERSION.")],
    fmt: Annotated[str, typer.Option("--format", help="yaml or json.")] = "yaml",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file.")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="A peer tool instead: mlflow, promptfoo, deepeval, ragas or inspect "
        "(--out is then a folder).")] = None,
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", help="With --to mlflow: also register the judge in this MLflow "
        "tracking store.")] = None,
    experiment: Annotated[str | None, typer.Option(
        "--experiment", help="With --tracking-uri: the MLflow experiment (default "
        "evalign-judges).")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
) -> None:
    """Export a judge version: prompt, few-shot, threshold, checks, model, params, provenance."""
    fmt = "json" if as_json else fmt
    if to is not None:
        from evalign.workflows.judge_exports import export_to_peer

        exported = export_to_peer(store_for(db), ref, to, out, tracking_uri=tracking_uri,
                                  experiment=experiment)
        if out is None:
            typer.echo(exported.text, nl=False)
        for note in exported.notes if out is not None or tracking_uri else []:
            err_console.print(escape(note))
        return
    text = catalog.export(store_for(db), ref, fmt, out)
    if out is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"wrote {escape(str(out))}")


@judge_app.command("import")
def import_judge(
    file: Annotated[Path, typer.Argument(help="A file written by `judge export`.")],
    name: Annotated[str | None, typer.Option("--name", help="Name it differently.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a custom judge from an exported file."""
    _done(catalog.import_file(store_for(db, create=True), file, name), f"imported {file} as",
          as_json)


@judge_app.command("calibration")
def calibration(name: Annotated[str, typer.Argument(help="The judge's name.")],
                db: DbOption = None) -> None:
    """Print the judge's calibration records (newest first) as JSON."""
    from evalign.calibration import calibration_history

    print_json(calibration_history(store_for(db), name))


def _done(info: JudgeVersionInfo, what: str, as_json: bool) -> None:
    if as_json:
        print_json(catalog.version_dict(info))
    else:
        console.print(f"{what} [bold]{escape(info.ref)}[/]")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.add_typer(judge_app, name="judge")
