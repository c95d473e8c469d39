"""Small, generic inline-SVG charts: pure functions from numbers to an `<svg>` string.

Used by the HTML report and the web dashboard. No external assets, no scripts; every text is
escaped. Colours come from CSS custom properties with fallbacks, so a page can restyle them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

_FONT = 'font-family="system-ui, sans-serif" font-size="12"'
_BAR = "var(--ev-bar, #4c78a8)"
_GOOD = "var(--ev-good, #54a24b)"
_BAD = "var(--ev-bad, #e45756)"
_MUTED = "var(--ev-muted, #888)"


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value (None: undefined, drawn as "n/a") and an optional interval."""

    label: str
    value: float | None
    ci: Sequence[float] | None = None


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.1f}%" if percent else f"{value:.3g}"


def bar_chart(
    bars: Sequence[Bar],
    *,
    low: float = 0.0,
    high: float = 1.0,
    percent: bool = False,
    title: str = "",
    width: int = 520,
    row_height: int = 26,
) -> str:
    """A horizontal bar chart with optional 95% interval whiskers, axis from `low` to `high`.

    Negative values (e.g. κ) draw leftwards from 0 when `low` < 0.
    """
    label_w, value_w = 150, 70
    plot_w = width - label_w - value_w
    top = 22 if title else 6
    height = top + row_height * len(bars) + 6

    def x(v: float) -> float:
        v = min(max(v, low), high)
        return label_w + (v - low) / (high - low) * plot_w

    parts = [_open(width, height, title or "bar chart")]
    if title:
        parts.append(f'<text x="4" y="15" font-weight="bold">{escape(title)}</text>')
    zero = x(0.0 if low < 0 < high else low)
    for i, bar in enumerate(bars):
        y = top + i * row_height
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">'
                     f'{escape(bar.label)}</text>')
        if bar.value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 17}" fill="{_MUTED}">n/a</text>')
            continue
        left, right = sorted((zero, x(bar.value)))
        parts.append(f'<rect x="{left:.1f}" y="{y + 5}" width="{max(right - left, 1):.1f}" '
                     f'height="{row_height - 10}" fill="{_BAR}"><title>{escape(bar.label)}: '
                     f'{_fmt(bar.value, percent)}</title></rect>')
        if bar.ci is not None and len(bar.ci) == 2:
            a, b = x(bar.ci[0]), x(bar.ci[1])
            mid = y + row_height / 2
            parts.append(f'<path d="M{a:.1f} {mid}H{b:.1f}M{a:.1f} {mid - 5}V{mid + 5}'
                         f'M{b:.1f} {mid - 5}V{mid + 5}" stroke="#222" fill="none"/>')
        parts.append(f'<text x="{width - value_w + 6}" y="{y + 17}">'
                     f'{_fmt(bar.value, percent)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def confusion_grid(
    tp: int,
    fn: int,
    tn: int,
    fp: int,
    *,
    positive: str = "PASS",
    negative: str = "FAIL",
    size: int = 300,
) -> str:
    """A 2×2 confusion matrix: rows = human, columns = judge; agreeing cells green."""
    cell = (size - 80) / 2
    total = max(tp + fn + tn + fp, 1)
    rows = [(positive, [(tp, True), (fn, False)]), (negative, [(fp, False), (tn, True)])]
    parts = [_open(size, size, "confusion matrix")]
    parts.append(f'<text x="{80 + cell}" y="14" text-anchor="middle">judge</text>')
    for j, name in enumerate((positive, negative)):
        parts.append(f'<text x="{80 + cell * (j + 0.5):.1f}" y="34" text-anchor="middle">'
                     f'{escape(name)}</text>')
    parts.append(f'<text x="12" y="{40 + cell}" transform="rotate(-90 12 {40 + cell})" '
                 'text-anchor="middle">human</text>')
    for i, (name, cells) in enumerate(rows):
        y = 40 + cell * i
        parts.append(f'<text x="70" y="{y + cell / 2 + 4:.1f}" text-anchor="end">'
                     f'{escape(name)}</text>')
        for j, (count, good) in enumerate(cells):
            opacity = 0.15 + 0.85 * count / total
            parts.append(
                f'<rect x="{80 + cell * j:.1f}" y="{y:.1f}" width="{cell:.1f}" '
                f'height="{cell:.1f}" fill="{_GOOD if good else _BAD}" '
                f'fill-opacity="{opacity:.2f}" stroke="#fff"/>'
                f'<text x="{80 + cell * (j + 0.5):.1f}" y="{y + cell / 2 + 6:.1f}" '
                f'text-anchor="middle" font-size="18" font-weight="bold">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def calibration_plot(
    points: Sequence[tuple[float, float, int]],
    *,
    size: int = 300,
    x_label: str = "judge p_pass",
    y_label: str = "human pass rate",
) -> str:
    """A reliability diagram: (mean predicted, observed rate, count) per bin against y = x."""
    pad = 40
    span = size - 2 * pad

    def px(v: float) -> float:
        return pad + v * span

    def py(v: float) -> float:
        return size - pad - v * span

    parts = [_open(size, size, "calibration plot")]
    parts.append(f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" fill="none" '
                 f'stroke="{_MUTED}"/>')
    parts.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" '
                 f'stroke="{_MUTED}" stroke-dasharray="4 3"/>')
    for tick in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{px(tick)}" y="{size - pad + 14}" text-anchor="middle">'
                     f'{tick:g}</text><text x="{pad - 6}" y="{py(tick) + 4}" '
                     f'text-anchor="end">{tick:g}</text>')
    parts.append(f'<text x="{size / 2}" y="{size - 6}" text-anchor="middle">'
                 f'{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{size / 2}" transform="rotate(-90 12 {size / 2})" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    biggest = max((c for _, _, c in points), default=1) or 1
    coords = [(px(p), py(o)) for p, o, _ in points]
    if len(coords) > 1:
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_BAR}"/>')
    for (a, b), (p, o, c) in zip(coords, points, strict=True):
        radius = 3 + 6 * (c / biggest) ** 0.5
        parts.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{radius:.1f}" fill="{_BAR}" '
                     f'fill-opacity="0.7"><title>p={p:.2f} observed={o:.2f} n={c}'
                     '</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: float, height: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" {_FONT}>')
