"""A run's errors by cause, and the raw answers that could not be read most often.

A run must never look cleaner than it was: every surface that shows a run (the summary line
of `evalign run`, `--json`, `runs show`) says how many verdicts are errors and why, using the
`error_kind` each verdict was stored with:

    unreadable, unparseable   the answer holds no verdict the reader can find
    ambiguous                 the answer holds both verdicts and nothing decides between them
    out_of_scale              a number outside the judge's scale
    empty                     the model answered nothing
    context_length            the prompt is longer than the model's context window
    transient, rate_limited,  the call failed after the runner's retries (server errors,
    provider_error            timeouts, 429s, refused requests)
    code_error                a code judge raised

A pairwise judge that declined to decide (its answer changed with the order, order policy
`uncertain`: error kind `uncertain`) gave a non-decision, not a failed call: it is counted
apart as *undecided* and never as an error, so it neither fails a run nor trips
`--max-error-rate`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evalign.judges.pairwise import UNCERTAIN
from evalign.store.repo_verdicts import error_tallies
from evalign.store.session import Session

#: Kinds of an answer that came back but holds no usable verdict.
READING_KINDS = frozenset({"unreadable", "unparseable", "ambiguous"})
#: Kinds of a call that never produced an answer.
PROVIDER_KINDS = frozenset({"transient", "rate_limited", "provider_error"})
COMMON_RAW = 3  # raw answers shown
RAW_PREVIEW = 80  # characters of each

_LABELS = {
    "out_of_scale": "out of the judge's scale",
    "empty": "empty answers",
    "context_length": "over the model's context length",
    "code_error": "code judge errors",
}


@dataclass(frozen=True)
class ErrorCounts:
    """Errors of one run by cause.

    Attributes:
        total: verdicts stored (errors and undecided verdicts included).
        by_kind: error kind -> count (only kinds that occurred; an unknown kind is kept as is;
            never `uncertain`: those are `undecided`).
        common_raw: the commonest raw answers among unreadable or ambiguous verdicts,
            as (text, count), most frequent first, text cut to RAW_PREVIEW characters.
        undecided: verdicts a pairwise judge declined to decide (order policy `uncertain`):
            no value, yet not errors.
    """

    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    common_raw: list[tuple[str, int]] = field(default_factory=list)
    undecided: int = 0

    @property
    def errors(self) -> int:
        """Verdicts that are errors (undecided verdicts are not)."""
        return sum(self.by_kind.values())

    @property
    def unreadable(self) -> int:
        """Answers that came back but are unreadable or ambiguous."""
        return sum(n for kind, n in self.by_kind.items() if kind in READING_KINDS)

    @property
    def provider(self) -> int:
        """Calls that failed after retries."""
        return sum(n for kind, n in self.by_kind.items() if kind in PROVIDER_KINDS)

    @property
    def share(self) -> float | None:
        """Errors over verdicts; None when there are no verdicts."""
        return self.errors / self.total if self.total else None

    def causes(self) -> list[tuple[str, int]]:
        """(label, count) per cause, in a fixed order, for the run summary."""
        rows = [("unreadable or ambiguous", self.unreadable),
                ("provider errors after retries", self.provider)]
        grouped = READING_KINDS | PROVIDER_KINDS
        rows += [(_LABELS.get(kind, kind), n) for kind, n in sorted(self.by_kind.items())
                 if kind not in grouped]
        return [(label, n) for label, n in rows if n]

    def to_dict(self) -> dict[str, Any]:
        """The `--json` form."""
        return {"total": self.total, "errors": self.errors, "undecided": self.undecided,
                "unreadable": self.unreadable, "provider": self.provider, "share": self.share,
                "by_kind": dict(self.by_kind),
                "common_raw": [{"raw": raw, "count": n} for raw, n in self.common_raw]}


def count_errors(session: Session, run_id: int) -> ErrorCounts:
    """The error counts of a stored run (an error stored without a kind counts as a provider
    error; one of kind `uncertain` is undecided, not an error)."""
    tallies = error_tallies(session, run_id, raw_kinds=READING_KINDS, common=COMMON_RAW)
    by_kind = _merged((kind or "provider_error", n) for kind, n in tallies.by_kind)
    undecided = by_kind.pop(UNCERTAIN, 0)
    return ErrorCounts(total=tallies.total, by_kind=by_kind, undecided=undecided,
                       common_raw=[(_preview(raw), n) for raw, n in tallies.common_raw])


def _merged(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for kind, n in pairs:
        merged[kind] = merged.get(kind, 0) + n
    return merged


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= RAW_PREVIEW else flat[:RAW_PREVIEW - 1] + "…"
