"""Terminal and CSV renderings of a run report (Rich tables; the csv module)."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from evalign.stats.ceiling import basis_words

METRICS: tuple[tuple[str, str, bool], ...] = (
    # (key, label, is a proportion shown as %)
    ("agreement", "agreement", True),
    ("kappa", "Cohen's κ", False),
    ("mcc", "MCC", False),
    ("balanced_accuracy", "balanced accuracy", True),
    ("fail_precision", "FAIL precision", True),
    ("fail_recall", "FAIL recall", True),
    ("fail_f1", "FAIL F1", False),
    ("pass_precision", "PASS precision", True),
    ("pass_recall", "PASS recall", True),
    ("pass_f1", "PASS F1", False),
    ("auc", "AUC (p_pass)", False),
)
def applies(report: dict[str, Any], key: str) -> bool:
    """Whether metric `key` applies to the report's scale at all: a pass/fail statistic
    (FAIL F1, MCC, ...) does not on a pairwise scale, where `stats` marks it undefined for
    that reason. Every rendering leaves such a metric out rather than show it as "—"."""
    return not str((report.get("undefined") or {}).get(key, "")).startswith("pairwise scale")


NUMERIC: tuple[tuple[str, str], ...] = (
    ("mae", "MAE (0–100)"), ("pearson", "Pearson r"), ("spearman", "Spearman ρ"),
    ("kendall", "Kendall τ"), ("aligned_pct", "under 1 point apart"),
    ("discrepancy_pct", "20+ points apart"),
)


def fmt(value: Any, percent: bool = False) -> str:
    """A number for display; None is "—"."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value * 100:.1f}%" if percent else f"{value:.3f}"


def fmt_numeric(key: str, value: Any) -> str:
    """A figure of the numeric block: `*_pct` keys are already on 0–100, shown as "7.4%"."""
    if key.endswith("_pct") and isinstance(value, float):
        return f"{value:.1f}%"
    return fmt(value)


def fmt_ci(ci: Any, percent: bool = False) -> str:
    """A [low, high] interval for display."""
    if not ci:
        return ""
    return f"[{fmt(ci[0], percent)}, {fmt(ci[1], percent)}]"


def metric_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Flat (metric, value, ci_low, ci_high, undefined) rows of a report."""
    rows = []
    undefined = report.get("undefined") or {}
    for key, _, _ in METRICS:
        ci = report.get(f"{key}_ci") or [None, None]
        rows.append({"metric": key, "value": report.get(key), "ci_low": ci[0],
                     "ci_high": ci[1], "undefined": undefined.get(key, "")})
        if key == "agreement" and "agreement_all" in report:
            ci = report.get("agreement_all_ci") or [None, None]
            rows.append({"metric": "agreement_all", "value": report["agreement_all"],
                         "ci_low": ci[0], "ci_high": ci[1], "undefined": ""})
    numeric = report.get("numeric") or {}
    for key, _ in NUMERIC:
        if numeric:
            ci = numeric.get(f"{key}_ci") or [None, None]
            rows.append({"metric": key, "value": numeric.get(key), "ci_low": ci[0],
                         "ci_high": ci[1],
                         "undefined": (numeric.get("undefined") or {}).get(key, "")})
    return rows


def report_table(report: dict[str, Any]) -> Group:
    """A Rich renderable of a run report: summary, metrics, paired block, breakdown."""
    run = report.get("run") or {}
    parts: list[Any] = []
    head = Table.grid(padding=(0, 2))
    head.add_row("run", f"{run.get('id')} · {run.get('judge')} on {run.get('dataset')} "
                 f"· criterion {run.get('criterion')}")
    if criterion := criterion_line(run):
        head.add_row("criterion", criterion)
    head.add_row("policy", policy_line(report))
    head.add_row("comparisons", f"{report['comparisons']} · {report['misaligned']} of "
                 f"{report['comparisons']} misaligned")
    head.add_row("cannot compare", cannot_compare_line(report))
    if report.get("confusion"):
        c = report["confusion"]
        head.add_row("confusion", f"TP {c['tp']} · FN {c['fn']} (too strict) · TN {c['tn']} "
                     f"· FP {c['fp']} (too lenient) · FAIL recall "
                     f"{_ratio(c['tn'], c['tn'] + c['fp'])} · PASS recall "
                     f"{_ratio(c['tp'], c['tp'] + c['fn'])}")
    parts.append(head)
    table = Table(title="agreement with humans (95% intervals)")
    for col in ("metric", "value", "95% CI", "note"):
        table.add_column(col)
    undefined = report.get("undefined") or {}
    for key, label, pct in METRICS:
        if not applies(report, key):
            continue  # pass/fail statistics do not apply; the preference counts stand instead
        note = undefined.get(key, "")
        if key == "agreement" and (everything := agreement_all_line(report)):
            note = f"{note}; {everything}" if note else everything
        table.add_row(label, fmt(report.get(key), pct), fmt_ci(report.get(f"{key}_ci"), pct),
                      note)
    for key, label in NUMERIC if report.get("numeric") else ():
        num = report["numeric"]
        table.add_row(label, fmt_numeric(key, num.get(key)), fmt_ci(num.get(f"{key}_ci")),
                      (num.get("undefined") or {}).get(key, ""))
    parts.append(table)
    parts.extend(_extras(report))
    if rows := rater_rows(report.get("annotators") or {}):
        raters = Table(title="judge vs raters (0–100)")
        for col in RATER_COLUMNS:
            raters.add_column(col)
        for row in rows:
            raters.add_row(*row)
        parts.append(raters)
    if report.get("paired"):
        parts.append(_paired_table(report["paired"]))
    if report.get("breakdown"):
        parts.append(_breakdown_table(report["breakdown"]))
    for warning in report.get("warnings") or []:
        parts.append(f"[yellow]warning:[/] {warning}")
    return Group(*parts)


def _ratio(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "undefined (no such human labels)"


CAUSE_WORDS = {"text_labels": "text labels", "incompatible_scales": "incompatible scales",
               "errored_verdicts": "errored verdicts",
               "undecided_verdicts": "undecided (answer changed with the order)",
               "annotators_tied": "annotators tied", "unreadable_labels": "unreadable labels"}


def criterion_line(run: dict[str, Any]) -> str:
    """Which criterion the report is on and why (`report.criterion`), e.g. "overall: the
    criterion alignment run 6 aligned …"; "" for a report saved before it was said."""
    source = run.get("criterion_source") or {}
    return f"{run.get('criterion')}: {source['words']}" if source.get("words") else ""


def policy_line(report: dict[str, Any]) -> str:
    """Which policy the figures use, and the other policy's figure with its n where they
    differ."""
    run = report.get("run") or {}
    policy = str(run.get("policy", "consensus"))
    line = f"{policy} ({run.get('policy_meaning', '')})"
    both = report.get("policies") or {}
    if both.get("differ"):
        for name, figure in both.items():
            if name not in (policy, "differ") and isinstance(figure, dict):
                line += (f" · {name}: {fmt(figure['agreement'], True)} over "
                         f"{figure['comparisons']} ({figure['cannot_compare']} cannot compare)")
    return line


def agreement_all_line(report: dict[str, Any]) -> str:
    """The agreement counting undecided verdicts as misses, e.g. "counting 3 undecided as
    misses: 62.5% [30.6%, 86.3%]"; "" when no verdict is undecided."""
    if report.get("agreement_all") is None:
        return ""
    undecided = (report.get("cannot_compare_causes") or {}).get("undecided_verdicts", 0)
    return (f"counting {undecided} undecided as misses: {fmt(report['agreement_all'], True)} "
            f"{fmt_ci(report.get('agreement_all_ci'), True)}").rstrip()


def cannot_compare_line(report: dict[str, Any]) -> str:
    """`cannot_compare` with its causes, e.g. "3 (2 annotators tied, 1 errored verdicts)"."""
    causes = report.get("cannot_compare_causes") or {}
    parts = [f"{n} {CAUSE_WORDS.get(k, k)}" for k, n in causes.items() if n]
    return f"{report['cannot_compare']}" + (f" ({', '.join(parts)})" if parts else "")


def _extras(report: dict[str, Any]) -> list[str]:
    """One-line summaries of the annotator ceiling, stability and pairwise bias blocks."""
    lines = []
    ann = report.get("annotators")
    if ann:
        lines.append(humans_line(ann))
        if gap := rater_gap_line(ann):
            lines.append(gap)
    stab = report.get("stability")
    if stab:
        lines.append(f"stability over {stab['repeats']} repeats: "
                     f"{fmt(stab['not_unanimous_share'], True)} of items not unanimous · mean "
                     f"flip rate {fmt(stab['mean_flip_rate'], True)}")
    prefs = report.get("preferences")
    if prefs:
        lines.append("preferences (output 1 / output 2 / tie): humans " + _choices(prefs["human"])
                     + " · judge " + _choices(prefs["judge"]))
    bias = report.get("bias")
    if bias:
        length = bias["length"]
        lines.append(f"pairwise bias: order-inconsistent on {bias['order_inconsistent']} of "
                     f"{bias['position_swap_items']} items (position-swap consistency "
                     f"{fmt(bias['position_consistency'], True)}) · prefers the longer output "
                     f"{fmt(length['judge_prefers_longer'], True)} (humans "
                     f"{fmt(length['human_prefers_longer'], True)})")
    return lines


def humans_line(ann: dict[str, Any]) -> str:
    """The annotators among themselves (`report["annotators"]`, from
    `stats.ceiling.ceiling_figures`): ceiling, rater-to-rater gap, Fleiss κ, Krippendorff α."""
    # under `consensus` the headline is the judge vs the consensus: no second figure
    vs = ann.get("judge_vs_consensus_items")
    return (f"humans: ceiling (annotator vs others) {fmt(ann['ceiling'], True)} on "
            f"{ceiling_basis(ann)}, {ann['annotators']} annotators"
            + ("" if vs is None else " · judge vs consensus "
               f"{fmt(ann['judge_vs_consensus'], True)} ({vs} items)")
            + ("" if ann.get("mean_abs_diff_100") is None else " · rater-to-rater "
               f"gap {ann['mean_abs_diff_100']:.1f} on 0–100")
            + f" · Fleiss κ {fmt(ann.get('fleiss_kappa'))}"
            + f" · Krippendorff α {fmt(ann.get('krippendorff_alpha'))}")


def rater_gap_line(ann: dict[str, Any]) -> str:
    """A numeric judge's mean gap to one rater beside the raters' gap to each other
    (`ann["raters"]`, from `stats.raters.judge_vs_raters`), in the alignment outcome's
    words; "" without a raters block."""
    raters = ann.get("raters") or {}
    if raters.get("judge_gap_100") is None:
        return ""
    items = raters.get("rater_gap_items")
    where = "on the items" if items is None else (
        f"on {basis_words(str(ann.get('basis') or 'run'), int(items))} and a judge score")
    return (f"the judge's mean gap to one rater {_points(raters['judge_gap_100'])}; raters "
            f"differ from each other by {_points(raters.get('rater_gap_100'))} {where} "
            "(the ceiling of that gap)")


RATER_COLUMNS = ("rater", "n", "MAE (0–100)", "Spearman ρ", "Kendall τ")


def rater_rows(ann: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The judge vs the raters' mean, then vs each rater (`ann["raters"]`), as cells under
    `RATER_COLUMNS`; [] without a raters block."""
    raters = ann.get("raters") or {}
    if not raters.get("mean"):
        return []
    rows = [("the raters' mean", raters["mean"]), *sorted((raters.get("each") or {}).items())]
    return [(name, str(row.get("n")), _points(row.get("mae")), fmt(row.get("spearman")),
             fmt(row.get("kendall"))) for name, row in rows]


def _points(value: Any) -> str:
    return "—" if value is None else f"{value:.1f}"


def ceiling_basis(block: dict[str, Any]) -> str:
    """The items a ceiling block was measured on, in the words every surface uses
    (`stats.ceiling.basis_words`; a report saved before they were kept: its item count)."""
    return str(block.get("basis_words") or f"{block['items']} items with several raters")


def _choices(counts: dict[str, int]) -> str:
    return " / ".join(str(counts.get(c, 0)) for c in ("1", "2", "0"))


def _paired_table(paired: dict[str, Any]) -> Table:
    table = Table(title=f"run {paired['candidate_run']} vs run {paired['baseline_run']} "
                  "(same items)")
    table.add_column("")
    table.add_column("value")
    if paired.get("criterion"):
        table.add_row("criterion", f"{paired['criterion']}: {paired.get('criterion_words', '')}")
    table.add_row("pairs", str(paired["pairs"]))
    table.add_row(f"run {paired['baseline_run']} agreement on them",
                  fmt(paired.get("baseline_agreement"), True))
    table.add_row(f"run {paired['candidate_run']} agreement on them",
                  fmt(paired.get("candidate_agreement"), True))
    table.add_row("agreement difference", f"{fmt(paired['difference'], True)} "
                  f"{fmt_ci(paired['difference_ci'], True)}")
    table.add_row("McNemar exact p", fmt(paired["mcnemar_p"]))
    table.add_row("flipped to aligned", str(len(paired["flipped_to_aligned"])))
    table.add_row("flipped to misaligned", str(len(paired["flipped_to_misaligned"])))
    for note in paired.get("notes") or []:  # undecided counted as misses, errors left out
        table.add_row("note", note)
    return table


def _breakdown_table(block: dict[str, Any]) -> Table:
    table = Table(title=f"by {block['by']}")
    for col in ("group", "n", "agreement", "95% CI", "κ", "FAIL recall"):
        table.add_column(col)
    for row in block["rows"]:
        table.add_row(str(row["group"]), str(row["comparisons"]),
                      fmt(row["agreement"], True), fmt_ci(row["agreement_ci"], True),
                      fmt(row["kappa"]), fmt(row["fail_recall"], True))
    return table


def print_report(report: dict[str, Any], console: Console) -> None:
    """Print a run report as tables."""
    console.print(report_table(report))


def report_csv(report: dict[str, Any]) -> str:
    """CSV of a report: the breakdown rows when there is one, else one row per metric."""
    buffer = io.StringIO()
    if report.get("breakdown"):
        rows = [{k: v for k, v in row.items() if not k.endswith("_ci")}
                | {"ci_low": (row.get("agreement_ci") or [None])[0],
                   "ci_high": (row.get("agreement_ci") or [None, None])[1]}
                for row in report["breakdown"]["rows"]]
    else:
        rows = metric_rows(report)
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
