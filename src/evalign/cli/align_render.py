"""Text of `evalign align status` and `evalign align history`: every figure read from the stored
outcome (`store.alignment_outcome`), none computed here.

An outcome on a numeric scale (a numeric judge against numeric labels) adds the 0–100 figures:
test MAE and rank correlations with their 95% intervals for baseline, candidate and the trivial
numeric baselines, the validation curve with its validation MAE (and rubric split), and the
rubric split decompose kept. Pass/fail and pairwise outcomes print as they always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape

from evalign.align import AlignmentRun
from evalign.align.choices import decompose_choices
from evalign.align.liveness import stall_note
from evalign.align.outcome import candidate_label, recommendation
from evalign.cli.common import console, err_console, table
from evalign.report.text import applies
from evalign.store.alignment_outcome import (
    AlignmentOutcome,
    CurvePoint,
    Figures,
    NumericFigures,
    Phase,
)


def render_run(run: AlignmentRun) -> None:
    """Print an alignment run: status, phases and, once aligned, its outcome."""
    console.print(f"[bold]alignment run {run.id}[/] of {escape(run.judge)}@{run.judge_version}: "
                  f"[bold]{run.status}[/]" + (f" ({escape(run.error)})" if run.error else "")
                  + (f", accepted as {escape(run.accepted_version)}" if run.decision == "accepted"
                     and run.accepted_version else "")
                  + (", rejected" if run.decision == "rejected" else ""))
    stalled = stall_note(run)
    if stalled:
        console.print(f"[bold yellow]{escape(stalled)}[/]")
    _render_phases(run.phases)
    out = run.outcome
    if out is None:
        return
    split = out.split
    parts = (f"train {split.get('train')}, validation {split.get('val')}, test "
             f"{split.get('test')}" if out.folds <= 1 else
             f"{out.folds}-fold cross-validation, each of {split.get('test')} items tested once "
             f"(the first fold: train {split.get('train')}, validation {split.get('val')})")
    console.print(f"split: {parts}; disagreements used {out.disagreements}, "
                  f"agreeing skipped {out.agreeing_skipped}" +
                  (f", errors skipped {out.errors_skipped}" if out.errors_skipped else ""))
    if out.traces_warning:
        err_console.print(f"[yellow]warning:[/] {escape(out.traces_warning)}")
    # FAIL F1 means nothing on a pairwise scale (`report.text.applies`): the column goes
    f1 = applies(out.candidate.model_dump(), "fail_f1")
    figures = table("on the test split", "n", "agreement (95% CI)", "κ", *["FAIL F1"] * f1)
    figures.add_row(f"baseline {escape(run.judge)}@{run.judge_version}",
                    *_stats(out.baseline)[:4 if f1 else 3])
    figures.add_row(f"candidate ({escape(candidate_label(out.to_dict()))})",
                    *_stats(out.candidate)[:4 if f1 else 3])
    for name, row in out.trivial_baselines.items():
        figures.add_row(f"trivial: {name} — {escape(row.description)}",
                        *_stats(row)[:4 if f1 else 3])
    console.print(figures)
    if is_numeric(out):
        _render_numeric(run, out)
        _render_curve(out.validation.curve)
    choices = decompose_choices(out.to_dict())
    if choices:
        console.print("[bold]what decompose chose[/] (on train and validation)")
    for choice in choices:
        console.print("  " + escape(choice.text))
    _render_ceiling(out)
    console.print(escape(out.conclusion))
    # Recomputed from the figures, so a run stored before recommendations existed gets one too.
    recommended, why = recommendation(out.to_dict())
    console.print(f"[bold {'green' if recommended else 'yellow'}]{escape(why)}[/]")
    if out.guidelines:
        console.print("[bold]guidelines[/]\n" + escape(out.guidelines))
    _render_checks(out.checks)
    for note in out.notes:
        console.print(f"note: {escape(note)}")
    unknown = (out.model_extra or {}).get("cost_unknown_calls")
    cost = (f"cost unknown ({unknown} calls to unpriced models)" if out.cost_usd is None
            else f"cost ${out.cost_usd:.4f}")
    console.print(f"calls {out.calls}, prompt tokens {out.prompt_tokens}, "
                  f"completion tokens {out.completion_tokens}, {cost}, {out.wall_s} s")
    _render_next(run, recommended)


def is_numeric(out: AlignmentOutcome) -> bool:
    """Whether the outcome carries 0–100 figures (a numeric judge against numeric labels)."""
    return bool(out.baseline.numeric or out.candidate.numeric or out.trivial_numeric)


def render_history(rows: Sequence[dict[str, Any]]) -> None:
    """Print `align.run.history_rows` as a table; a numeric outcome shows its MAE change too."""
    numeric = any(r.get("candidate_mae") is not None or r.get("baseline_mae") is not None
                  for r in rows)
    listing = table("run", "judge", "status", "created", "sources", "strategy",
                    "test agreement / MAE (0–100)" if numeric else "test agreement", "decision")
    for r in rows:
        sources = ", ".join([*r["sources"].get("datasets", []),
                             *(f"run {x}" for x in r["sources"].get("runs", []))])
        change = f"{_pct(r['baseline_agreement'])} → {_pct(r['candidate_agreement'])}"
        if r.get("candidate_mae") is not None or r.get("baseline_mae") is not None:
            change += f"\nMAE {_points(r.get('baseline_mae'))} → {_points(r.get('candidate_mae'))}"
        status = r["status"] + (" (stalled)" if r.get("stalled") else "")
        listing.add_row(str(r["run"]), escape(r["judge"]), status, r["created_at"][:19],
                        escape(sources), str(r["strategy"] or ""), change, r["decision"] or "")
    console.print(listing)


def _render_numeric(run: AlignmentRun, out: AlignmentOutcome) -> None:
    """Baseline, candidate and trivial numeric baselines on 0–100, then each rater's view."""
    rows = table("on 0–100, test split", "n", "MAE (95% CI)", "Spearman (95% CI)",
                 "Kendall (95% CI)")
    sides = [(f"baseline {escape(run.judge)}@{run.judge_version}", out.baseline.numeric),
             (f"candidate ({escape(candidate_label(out.to_dict()))})", out.candidate.numeric)]
    for label, numeric in sides:
        if numeric is not None:
            rows.add_row(label, *_numeric_cells(numeric))
    for name, row in out.trivial_numeric.items():
        rows.add_row(f"trivial: {name} — {escape(row.description)}", *_numeric_cells(row))
    console.print(rows)
    shares = [f"{label.split(' ')[0]} {_share(n.aligned_pct)} under 1 point apart, "
              f"{_share(n.discrepancy_pct)} 20+ points apart" for label, n in sides if n]
    console.print("; ".join(shares))
    rater = (out.raters or {}).get("candidate")
    if rater is None or not rater.mean:
        return
    each = table("candidate vs raters, test", "n", "MAE", "Spearman", "Kendall")
    for name, block in [("the raters' mean", rater.mean), *rater.each.items()]:
        each.add_row(escape(name), str(block.get("n")), _points(block.get("mae")),
                     _corr(block.get("spearman")), _corr(block.get("kendall")))
    console.print(each)
    console.print(f"the candidate's mean gap to one rater {_points(rater.judge_gap_100)}; raters "
                  f"differ from each other by {_points(rater.rater_gap_100)} "
                  f"{_test_items(rater.rater_gap_items)} (the ceiling of that gap)")


def _test_items(count: int | None) -> str:
    """Which items a test-split rater gap covers (an outcome stored before they were
    counted says only "on the test items")."""
    if count is None:
        return "on the test items"
    return f"on the {count} test items with several raters and a candidate score"


def _numeric_cells(row: NumericFigures) -> tuple[str, ...]:
    return (str(row.n) if row.n is not None else "—",
            _points(row.mae) + _interval(row.mae_ci, _points),
            _corr(row.spearman) + _interval(row.spearman_ci, _corr),
            _corr(row.kendall) + _interval(row.kendall_ci, _corr))


def _share(percent: float | None) -> str:
    """A share already in percent (0–100)."""
    return "—" if percent is None else f"{percent:.0f}%"


def _render_curve(curve: Sequence[CurvePoint]) -> None:
    """The validation curve: agreement (0–1) and, for numeric strategies, MAE on 0–100."""
    if not curve:
        return
    split = any(p.split for p in curve)
    headers = ["validation curve", "round", *(["split"] if split else []),
               "validation agreement", "validation MAE", "kept"]
    rows = table(*headers)
    for p in curve:
        name = p.strategy + (f" ({p.method})" if p.method else "")
        rows.add_row(escape(name), str(p.round), *([p.split or "—"] if split else []),
                     _pct(p.val_agreement), _points(p.val_mae), "✓" if p.kept else "")
    console.print(rows)


def _render_ceiling(out: AlignmentOutcome) -> None:
    ceiling = out.human_ceiling
    if ceiling is None or ceiling.agreement is None:
        return
    gap, position = ceiling.mean_abs_diff_100, ceiling.judge_position
    # the basis in the words every surface uses (`stats.ceiling`); older outcomes lack them
    basis = (ceiling.model_extra or {}).get("basis_words") or \
        f"all {ceiling.items} items with several raters"
    console.print(
        "human ceiling: annotators agree with the majority of the others "
        f"{_pct(ceiling.agreement)} (on {basis}, {ceiling.annotators} annotators"
        + (f"; mean rater-to-rater gap {gap:.1f} on 0–100 on those items" if gap is not None
           else "") + ")" + _position(position, ceiling.chance))


def _position(position: float | None, chance: float | None) -> str:
    """Where the candidate stands between chance and the ceiling, in words that stay true
    below chance and above the ceiling."""
    if position is None:
        return ""
    if position < 0:
        return f"; the candidate is below chance (majority baseline {_pct(chance)})"
    if position > 1:
        return ("; the candidate is above that ceiling (the annotators agree less with each "
                "other than the candidate with their label)")
    return (f"; the candidate stands {100 * position:.0f}% of the way from chance (majority "
            f"baseline {_pct(chance)}) to that ceiling")


def _render_next(run: AlignmentRun, recommended: bool) -> None:
    if run.status != "aligned" or run.decision is not None:
        return
    if recommended:
        console.print(f"next: `evalign align accept {run.id}` or `evalign align reject "
                      f"{run.id}`")
    else:
        console.print(f"next: `evalign align reject {run.id}` (label more items, or try "
                      "other strategies, before accepting a candidate)")


def _render_checks(checks: dict[str, Any] | None) -> None:
    if not checks:
        return
    console.print("[bold]checks[/] (edit them with `evalign align accept RUN --checks FILE`)")
    if checks.get("rubric_field"):
        console.print(f"one question per point of {escape(str(checks['rubric_field']))}, split by "
                      f"{escape(str(checks.get('split')))}; e.g.")
    for question in checks.get("questions") or (checks.get("examples") or [[]])[0]:
        console.print(f"  - {escape(str(question))}")


def _render_phases(phases: dict[str, Phase]) -> None:
    parts = []
    for name, info in phases.items():
        seconds = info.seconds
        parts.append(f"{name}: {info.status}" + (f" {seconds:.1f}s" if seconds else ""))
    console.print("phases: " + " · ".join(parts))


def _stats(report: Figures) -> tuple[str, str, str, str]:
    """n compared, agreement with its interval, κ and FAIL F1, as the test table prints them."""
    ci = report.agreement_ci or [None, None]
    agreement = f"{_pct(report.agreement)} ({_pct(ci[0])}–{_pct(ci[1])})"
    kappa = report.kappa
    f1 = report.fail_f1
    return ("—" if report.comparisons is None else str(report.comparisons), agreement,
            "—" if kappa is None else f"{kappa:.2f}", "—" if f1 is None else f"{f1:.2f}")


def _interval(bounds: Sequence[float | None] | None, fmt: Any) -> str:
    """` (lo–hi)` in `fmt`, or nothing when the interval is missing or undefined."""
    if not bounds or len(bounds) != 2 or any(b is None for b in bounds):
        return ""
    return f" ({fmt(bounds[0])}–{fmt(bounds[1])})"


def _points(value: Any) -> str:
    """A 0–100 figure (MAE, gap) with one decimal."""
    return "—" if value is None else f"{float(value):.1f}"


def _corr(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.1f}%"
