"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external assets).

Jinja2 autoescapes every item text; the SVG charts come from `evalign.report.svg`, which
escapes its own labels.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from evalign.report.svg import Bar, bar_chart, calibration_plot, confusion_grid
from evalign.report.text import (
    METRICS,
    NUMERIC,
    RATER_COLUMNS,
    agreement_all_line,
    applies,
    cannot_compare_line,
    ceiling_basis,
    criterion_line,
    fmt,
    fmt_ci,
    fmt_numeric,
    humans_line,
    policy_line,
    rater_gap_line,
    rater_rows,
)

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evalign report · run {{ run.id }}</title>
<style>
:root { --ev-bar: #4c78a8; --ev-good: #54a24b; --ev-bad: #e45756; --ev-muted: #888; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.sub { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card .v { font-size: 24px; font-weight: 600; } .card .l { color: #666; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #eee; text-align: left; padding: 6px 8px;
         vertical-align: top; }
td.text { white-space: pre-wrap; max-width: 420px; overflow-wrap: anywhere; }
.warn { background: #fff6e0; border-left: 4px solid #f0a202; padding: 6px 10px;
        margin: 6px 0; }
.kind { font-weight: 600; } .fp { color: #b3261e; } .fn { color: #8a5a00; }
</style></head><body>
<h1>Judge {{ run.judge }} vs humans</h1>
<div class="sub">run {{ run.id }} · dataset {{ run.dataset }} · criterion {{ run.criterion }}
 · human scale {{ run.human_scale }} · judge scale {{ run.judge_scale }} · {{ run.status }}</div>
{% if criterion %}<div class="sub" id="criterion">criterion {{ criterion }}</div>{% endif %}
<div class="sub">policy {{ policy }} · cannot compare {{ cannot }}</div>
{% for w in report.warnings %}<div class="warn">{{ w }}</div>{% endfor %}
<div class="cards">
{% for card in cards %}<div class="card"><div class="v">{{ card.value }}</div>
<div class="l">{{ card.label }}</div><div class="l">{{ card.ci }}</div>
{% if card.note %}<div class="l">{{ card.note }}</div>{% endif %}</div>{% endfor %}
</div>
<h2>Where judge and humans stand</h2>
<div class="charts">
{% if confusion %}<div>{{ confusion }}</div>{% endif %}
<div>{{ bars }}</div>
{% if calibration %}<div><div>Calibration of p_pass</div>{{ calibration }}</div>{% endif %}
</div>
{% if numeric %}<h2>Numeric agreement (0–100)</h2><table><tr><th>metric</th><th>value</th>
<th>95% CI</th></tr>{% for row in numeric %}<tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td>
<td>{{ row[2] }}</td></tr>{% endfor %}</table>{% endif %}
{% if humans %}<h2>Humans among themselves</h2><p id="humans">{{ humans }}</p>
{% if rater_gap %}<p id="rater-gap">{{ rater_gap }}</p>{% endif %}
{% if raters %}<table id="raters"><caption>judge vs raters (0–100)</caption><tr>
{% for c in rater_columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in raters %}<tr>{% for v in r %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}{% endif %}
{% if paired %}<h2>Run {{ paired.candidate_run }} vs run {{ paired.baseline_run }}</h2>
<p>Agreement difference {{ pct(paired.difference) }} {{ ci(paired.difference_ci) }} on
{{ paired.pairs }} pairs (run {{ paired.baseline_run }} {{ pct(paired.baseline_agreement) }},
run {{ paired.candidate_run }} {{ pct(paired.candidate_agreement) }});
McNemar exact p = {{ num(paired.mcnemar_p) }};
{{ paired.flipped_to_aligned|length }} items flipped to aligned,
{{ paired.flipped_to_misaligned|length }} to misaligned.</p>
{% if paired.criterion %}<p id="paired-criterion">Both runs on criterion {{ paired.criterion }}:
{{ paired.criterion_words }}</p>{% endif %}
{% for note in paired.notes or [] %}<p>{{ note }}</p>{% endfor %}{% endif %}
{% if breakdown %}<h2>By {{ breakdown.by }}</h2><table><tr><th>group</th><th>n</th>
<th>agreement</th><th>95% CI</th><th>κ</th></tr>{% for r in breakdown.rows %}<tr>
<td>{{ r.group }}</td><td>{{ r.comparisons }}</td><td>{{ pct(r.agreement) }}</td>
<td>{{ ci(r.agreement_ci) }}</td><td>{{ num(r.kappa) }}</td></tr>{% endfor %}</table>
{% endif %}
<h2>Disagreements ({{ rows|length }})</h2>
{% if rows %}<table><tr><th>item</th><th>kind</th><th>annotator</th><th>human</th><th>judge</th>
<th>output</th><th>human reasoning</th><th>judge reasoning</th></tr>
{% for r in rows %}<tr><td>{{ r.external_id }}</td>
<td class="kind {{ r.kind }}">{{ r.kind }}</td><td>{{ r.annotator }}</td>
{# on a pairwise scale 0 is a tie, shown as the word #}
<td>{{ 'tie' if r.kind == 'mismatch' and r.human == 0 else r.human }}</td>
<td>{{ 'tie' if r.kind == 'mismatch' and r.judge == 0 else r.judge }}</td>
<td class="text">{{ (r.output or '')[:600] }}</td>
<td class="text">{{ r.human_reasoning }}</td><td class="text">{{ r.judge_reasoning }}</td>
</tr>{% endfor %}</table>{% else %}<p>None: the judge agrees with every label.</p>{% endif %}
<p class="sub">Generated by evalign. Intervals: Wilson for proportions, fixed-seed bootstrap
for κ, F1, MCC and correlations.</p>
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def report_html(report: dict[str, Any], *, max_rows: int = 200) -> str:
    """Render a run report (from `run_report`) as one self-contained HTML page."""
    template = _ENV.from_string(_TEMPLATE)
    annotators = report.get("annotators") or {}
    return template.render(
        run=report.get("run") or {}, report=report, cards=_cards(report),
        policy=policy_line(report), cannot=cannot_compare_line(report),
        criterion=criterion_line(report.get("run") or {}),
        confusion=_confusion(report), bars=Markup(bar_chart(_bars(report), low=-1.0, high=1.0,
                                                            title="agreement statistics")),
        calibration=_calibration(report), numeric=_numeric(report),
        # the annotators' figures in the text report's words (report.text), from the same
        # block (`report["annotators"]`: stats.ceiling.ceiling_figures, stats.raters)
        humans=humans_line(annotators) if annotators else "",
        rater_gap=rater_gap_line(annotators), raters=rater_rows(annotators),
        rater_columns=RATER_COLUMNS,
        paired=report.get("paired"), breakdown=report.get("breakdown"),
        rows=(report.get("disagreements") or [])[:max_rows],
        pct=lambda v: fmt(v, True), num=fmt, ci=lambda v: fmt_ci(v, True),
    )


def _cards(report: dict[str, Any]) -> list[dict[str, str]]:
    cards = [{"label": "agreement", "value": fmt(report["agreement"], True),
              "ci": fmt_ci(report["agreement_ci"], True), "note": agreement_all_line(report)},
             {"label": "misaligned", "value": f"{report['misaligned']} of "
              f"{report['comparisons']}", "ci": f"{report['cannot_compare']} cannot compare"},
             {"label": "Cohen's κ", "value": fmt(report["kappa"]),
              "ci": fmt_ci(report["kappa_ci"])},
             *({"label": label, "value": fmt(report[key], True),
                "ci": fmt_ci(report[f"{key}_ci"], True)}
               for key, label in (("fail_recall", "FAIL recall"),
                                  ("fail_precision", "FAIL precision"))
               if applies(report, key))]
    annotators = report.get("annotators")
    if annotators and annotators.get("ceiling") is not None:
        vs = annotators.get("judge_vs_consensus_items")
        cards.append({"label": "human ceiling (annotator vs others)",
                      "value": fmt(annotators["ceiling"], True),
                      "ci": f"on {ceiling_basis(annotators)}"
                      + ("" if vs is None else " · judge vs consensus "
                         f"{fmt(annotators['judge_vs_consensus'], True)} ({vs} items)")})
    return cards


def _bars(report: dict[str, Any]) -> list[Bar]:
    return [Bar(label, report.get(key), report.get(f"{key}_ci")) for key, label, _ in METRICS
            if applies(report, key)]


def _confusion(report: dict[str, Any]) -> Markup | None:
    c = report.get("confusion")
    if not c:
        return None
    return Markup(confusion_grid(c["tp"], c["fn"], c["tn"], c["fp"]))


def _calibration(report: dict[str, Any]) -> Markup | None:
    table = report.get("calibration")
    if not table:
        return None
    points = [(row["mean_p_pass"], row["human_pass_rate"], row["count"]) for row in table]
    return Markup(calibration_plot(points))


def _numeric(report: dict[str, Any]) -> list[tuple[str, str, str]] | None:
    num = report.get("numeric")
    if not num:
        return None
    keys = ("mae", "pearson", "spearman", "kendall", "aligned_pct", "discrepancy_pct",
            "judge_higher", "human_higher", "equal")
    # named as the text report names them ("aligned" alone means agreement elsewhere)
    labels = dict(NUMERIC)
    return [(labels.get(k, k.replace("_", " ")), fmt_numeric(k, num.get(k)),
             fmt_ci(num.get(f"{k}_ci"))) for k in keys]
