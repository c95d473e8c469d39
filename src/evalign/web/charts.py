"""Server-rendered SVG charts for the pages (no JS, no external assets).

Horizontal rate charts come from `evalign.report.svg`; the grouped pass/fail columns with
hover breakdowns that the dashboard needs are drawn here.

Every text that goes into the SVG is escaped; each bar carries a `<title>`, which browsers show
on hover, so breakdowns are readable without script.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from evalign.report.svg import Bar as SvgBar
from evalign.report.svg import bar_chart

if TYPE_CHECKING:
    from evalign.web.services.dashboard import Dashboard


@dataclass
class Bar:
    """One bar: a value, its colour class and the text shown on hover."""

    label: str
    value: float
    css: str
    title: str = ""


@dataclass
class Group:
    """Bars drawn side by side under one label."""

    label: str
    bars: list[Bar]


def grouped_bars(groups: list[Group], *, height: int = 220, unit: str = "",
                 caption: str = "") -> Markup:
    """A vertical grouped bar chart scaled to the largest value."""
    if not groups:
        return Markup("")
    top = max((b.value for g in groups for b in g.bars), default=0.0) or 1.0
    bar_w, gap, pad, base = 26, 30, 36, height - 40
    widths = [len(g.bars) * bar_w + gap for g in groups]
    width = pad + sum(widths) + 10
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" aria-label="{escape(caption)}">']
    parts += [f'<line x1="{pad}" y1="{base}" x2="{width - 10}" y2="{base}" class="axis"/>']
    x = pad + gap // 2
    for group, w in zip(groups, widths, strict=True):
        for i, bar in enumerate(group.bars):
            h = (base - 20) * bar.value / top
            bx = x + i * bar_w
            tip = bar.title or f"{bar.label}: {bar.value:g}{unit}"
            parts.append(f'<g class="bar {escape(bar.css)}" tabindex="0">'
                         f'<title>{escape(tip)}</title>'
                         f'<rect x="{bx}" y="{base - h:.1f}" width="{bar_w - 4}" height="{h:.1f}" '
                         f'rx="3"/><text x="{bx + (bar_w - 4) / 2}" y="{base - h - 4:.1f}" '
                         f'class="val">{bar.value:g}</text></g>')
        label = group.label if len(group.label) <= 18 else group.label[:17] + "…"
        parts.append(f'<text x="{x + (w - gap) / 2}" y="{base + 16}" class="lbl">'
                     f'{escape(label)}</text>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


def meter(rate: float | None, css: str = "aligned", width: int = 120) -> Markup:
    """A thin horizontal meter for a 0–1 rate (empty when undefined)."""
    filled = 0.0 if rate is None else max(0.0, min(1.0, rate)) * width
    return Markup(f'<svg class="meter" width="{width}" height="8" aria-hidden="true">'
                  f'<rect width="{width}" height="8" rx="4" class="track"/>'
                  f'<rect width="{filled:.1f}" height="8" rx="4" class="{escape(css)}"/></svg>')


def dashboard_chart(view: Dashboard, mode: str) -> Markup:
    """The Eval Alignment bar chart: pass/fail totals (or, on a pairwise scale, preferences),
    aggregate or per metric."""
    if view.pairwise:
        return preference_chart(view, mode)
    if mode == "metric":
        groups = [Group(r.metric, [
            Bar("pass", r.judge_pass, "pass", _tip(r.metric, "PASS", r.judge_pass,
                                                  r.breakdown, ("tp", "fp"))),
            Bar("fail", r.judge_fail, "fail", _tip(r.metric, "FAIL", r.judge_fail,
                                                  r.breakdown, ("tn", "fn")))])
            for r in view.metrics]
        return grouped_bars(groups, caption="Pass and fail verdicts per metric")
    human_pass = sum(r.human_pass for r in view.metrics)
    human_fail = sum(r.human_fail for r in view.metrics)
    judge_pass = sum(r.judge_pass for r in view.metrics)
    judge_fail = sum(r.judge_fail for r in view.metrics)
    groups = [Group("Human annotations", [
        Bar("pass", human_pass, "pass", _annotations("Human PASS", view, ("tp", "fn"))),
        Bar("fail", human_fail, "fail", _annotations("Human FAIL", view, ("tn", "fp")))]),
              Group("Metrics", [Bar("pass", judge_pass, "pass"), Bar("fail", judge_fail, "fail")])]
    return grouped_bars(groups, caption="Human annotations vs metrics, pass/fail totals")


_CHOICES = (("1", "output 1", "c1"), ("2", "output 2", "c2"), ("0", "tie", "tie"))


def preference_chart(view: Dashboard, mode: str) -> Markup:
    """Pairwise preferences: how often humans and each judge chose output 1, output 2 or a tie."""
    def bars(counts: dict[str, int], who: str) -> list[Bar]:
        return [Bar(name, counts.get(key, 0), css, f"{who}: {name} ×{counts.get(key, 0)}")
                for key, name, css in _CHOICES]

    rows = [(r.metric, r.agreement.preferences) for r in view.metrics]
    if mode == "metric":
        groups = [Group(metric, bars(prefs.judge, metric)) for metric, prefs in rows if prefs]
        return grouped_bars(groups, caption="Preferences per metric: output 1, output 2, tie")
    human: dict[str, int] = {}
    judge: dict[str, int] = {}
    for _, prefs in rows:
        for key, _, _ in _CHOICES:
            if prefs:
                human[key] = human.get(key, 0) + prefs.human.get(key, 0)
                judge[key] = judge.get(key, 0) + prefs.judge.get(key, 0)
    groups = [Group("Human annotations", bars(human, "humans")),
              Group("Metrics", bars(judge, "metrics"))]
    return grouped_bars(groups, caption="Preferences of humans and metrics: output 1, output 2, "
                                        "tie")


def _annotations(title: str, view: Dashboard, cells: tuple[str, str]) -> str:
    counts: dict[str, int] = {}
    for row in view.metrics:
        for cell in cells:
            for name, n in row.breakdown.get(cell, {}).items():
                counts[name] = counts.get(name, 0) + n
    names = ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items())) or "none"
    return f"{title} comparisons; annotations behind them: {names}"


def _tip(metric: str, verdict: str, count: int, breakdown: dict[str, dict[str, int]],
         cells: tuple[str, str]) -> str:
    lines = [f"{metric}: {count} {verdict} verdicts; human annotations behind them:"]
    for cell in cells:
        names = ", ".join(f"{k} ×{v}" for k, v in breakdown.get(cell, {}).items()) or "none"
        lines.append(f"{cell.upper()}: {names}")
    return "\n".join(lines)


def top_metrics(view: Dashboard) -> Markup:
    """Metrics ranked by agreement, with 95% intervals (the report's bar chart)."""
    bars = [SvgBar(f"{r.metric} (n={r.agreement.n})", r.agreement.rate, r.agreement.rate_ci)
            for r in view.metrics]
    if not bars:
        return Markup("")
    return Markup(bar_chart(bars, percent=True, title="Agreement with humans (95% CI)",
                            width=620))
