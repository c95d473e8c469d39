"""What `decompose` chose for its candidate, in words, with the figures each choice was made by.

`decompose` makes several choices on train and validation: how a per-item rubric is split,
whether each check is read against a content-free response, how the checks are combined, and
for pairwise data which answers compare the outputs. They are stored in the outcome's `details`;
this module is the one place that puts them in words, so `evalign align status` and the web
alignment-run page say the same thing. It reads the outcome only (a dict, as stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PAIRWISE_MODES = {
    "checklist": "the checks written for each instruction",
    "whole": "the whole-instruction check alone",
    "both": "the written checks and the whole-instruction check",
}
"""What each `checks.pairwise_checks` mode compares the outputs by."""


@dataclass(frozen=True)
class Choice:
    """One choice: `key` names it (split, content_free, aggregation, pairwise_checks), `text`
    says what was kept and the figures it was chosen by."""

    key: str
    text: str


def decompose_choices(outcome: Mapping[str, Any]) -> list[Choice]:
    """The choices behind a `decompose` candidate, in the order they were made.

    Args:
        outcome: an alignment outcome as stored (`AlignmentOutcome.to_dict()` or the API's
            JSON); only `details` and `candidate_spec` are read.

    Returns:
        One `Choice` per choice the outcome records; empty for other strategies and for runs
        stored before a choice existed. Agreements are shown as percentages, MAEs on 0–100.
    """
    details = outcome.get("details") or {}
    checks = (outcome.get("candidate_spec") or {}).get("checks") or {}
    by_mae = details.get("val_mae") is not None
    found = [_split(details, checks, by_mae), _content_free(details, by_mae),
             _aggregation(details, by_mae), _pairwise(details)]
    return [c for c in found if c is not None]


def _split(details: Mapping[str, Any], checks: Mapping[str, Any], by_mae: bool) -> Choice | None:
    choice = details.get("split_choice")
    if not isinstance(choice, Mapping) or not choice:
        return None
    return Choice("split", f"Rubric split kept: {checks.get('split') or '—'} "
                           f"({_figures(choice, by_mae)}).")


def _content_free(details: Mapping[str, Any], by_mae: bool) -> Choice | None:
    if "content_free" not in details:
        return None
    figures = details.get("content_free_val_mae" if by_mae else "content_free_val_agreement")
    shown = f" ({_figures(figures, by_mae)})" if isinstance(figures, Mapping) else ""
    if details["content_free"]:
        return Choice("content_free",
                      "Checks read against a content-free response: on. Each check is also "
                      "asked with the response replaced by \"N/A\", and the rule reads how much "
                      f"more likely the answer is yes for the real response{shown}.")
    return Choice("content_free",
                  "Checks read against a content-free response: off. The rule reads the plain "
                  f"P(yes); the contrast did not do better, and it costs a call per check{shown}.")


def _aggregation(details: Mapping[str, Any], by_mae: bool) -> Choice | None:
    aggregation = details.get("aggregation")
    if not isinstance(aggregation, Mapping) or "method" not in aggregation:
        return None
    method = str(aggregation["method"])
    calibration = details.get("calibration")
    members = calibration.get("members") if isinstance(calibration, Mapping) else None
    if isinstance(members, list) and members:
        named = ", ".join(str((m.get("aggregation") or {}).get("method")) for m in members)
        how = f"the average of {len(members)} calibrated readings ({named})"
    elif isinstance(calibration, Mapping) and calibration.get("method"):
        how = f"{method}, mapped onto the human scale by {calibration['method']} calibration"
    else:
        how = method
    figures = details.get("val_mae" if by_mae else "method_val_agreement") or {}
    selected = figures.get("selected") if isinstance(figures, Mapping) else None
    nested = ("" if selected is None else
              f" Nested validation {'MAE' if by_mae else 'agreement'} (the choice made again "
              f"without each fold, scored on it): {_figure(selected, by_mae)}.")
    return Choice("aggregation", f"Checks combined by {how}.{nested}")


def _pairwise(details: Mapping[str, Any]) -> Choice | None:
    mode = details.get("pairwise_checks")
    if mode is None:
        return None
    figures = details.get("pairwise_checks_agreement")
    shown = (f" ({_figures(figures, False, over='train + validation')})"
             if isinstance(figures, Mapping) else "")
    margin = details.get("tie_margin")
    tie = ("" if margin is None else "; a tie only when they are equal" if not margin else
           f"; a tie when they differ by at most {float(margin):.2f}")
    return Choice("pairwise_checks", f"Outputs compared by {PAIRWISE_MODES.get(str(mode), mode)}"
                                     f"{shown}{tie}.")


def _figures(figures: Mapping[str, Any], by_mae: bool, over: str = "validation") -> str:
    """'validation MAE: a 14.7, b 17.2' (or agreement, as percentages; `over` names the items
    the figures were measured on)."""
    shown = ", ".join(f"{name} {_figure(value, by_mae)}" for name, value in figures.items())
    return f"{over} {'MAE' if by_mae else 'agreement'}: {shown}"


def _figure(value: Any, by_mae: bool) -> str:
    """One figure; an undefined one (None, NaN) as an em dash, never a made-up number."""
    if value is None or value != value:
        return "—"
    return f"{float(value):.1f}" if by_mae else f"{100 * float(value):.1f}%"
