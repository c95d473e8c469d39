"""The Jinja2 environment: autoescaping on, and the few filters every page uses for numbers."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from evalign.web import charts

TEMPLATES = Path(__file__).parent / "templates"


def pct(value: float | None, digits: int = 1) -> str:
    """A 0–1 rate as a percentage; an undefined rate as an em dash, never a made-up 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f}%"


def ci(bounds: tuple[float, float] | list[float] | None, scale: float = 100.0) -> str:
    """A confidence interval as `[lo–hi]` (percent by default)."""
    if not bounds or any(b is None or math.isnan(b) for b in bounds):
        return ""
    lo, hi = bounds
    if scale == 100.0:
        return f"[{lo * 100:.0f}–{hi * 100:.0f}%]"
    return f"[{lo:.2f}–{hi:.2f}]"


def num(value: float | None, digits: int = 2) -> str:
    """A number with `digits` decimals, or an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"


def when(value: datetime | None) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM` UTC."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def pretty(value: Any) -> str:
    """Any JSON value as indented text (escaped by the template like all text)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def make_templates() -> Jinja2Templates:
    """The app's templates with evalign's filters installed."""
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.autoescape = True
    env.filters.update(pct=pct, ci=ci, num=num, when=when, pretty=pretty)
    env.globals.update(dashboard_chart=charts.dashboard_chart, top_metrics=charts.top_metrics,
                       meter=charts.meter)
    return templates


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template `name` with `context` plus the request and its CSRF token."""
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("csrf_token", getattr(request.state, "csrf", ""))
    return templates.TemplateResponse(request, name, context, status_code=status_code)
