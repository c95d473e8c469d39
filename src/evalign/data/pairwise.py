"""Pairwise preference data: an input, two outputs, and which is better (1, 2, or 0 = tie).

Reads LLMBar / MT-Bench style records (`input, output_1, output_2, label`) and PandaLM's
(`instruction` + `input`, `response1`/`response2`, `annotator1..3`) without a mapping. Each
`annotatorN` column gives one label, by an annotator named after the column; `majority_label`
and any other column is kept as metadata, never as a further annotator.

`--map` names the columns of `id`, `input`, `output_1`, `output_2` and `label` (an explicit
label column is the one label source, even beside `annotatorN` columns); any other key makes an
input field read from its column (`--map app=motivation_app`, or `--map cmp_key=cmp_key` to
keep a column as an input field rather than metadata). The first record fixes the mapping: a
mapped column it lacks is refused at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from evalign.data.columns import judge_like, likeliest
from evalign.data.reader import Origin, Record
from evalign.data.records import DEFAULT_ANNOTATOR, LabelIn, Row
from evalign.data.scales import Scales, is_blank, label_value
from evalign.errors import ConfigError
from evalign.items import Item
from evalign.scores import ScoreConfig

DEFAULT_SCALE = ScoreConfig(kind="pairwise")
DEFAULT_CRITERION = "preference"
"""Pairwise labels default to their own criterion, so they never clash with pass/fail ones."""

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "idx", "question_id", "item_id"),
    "input": ("input", "prompt", "question", "instruction"),
    "output_1": ("output_1", "response1", "response_1", "output_a", "response_a", "answer_1",
                 "answer_a", "output1"),
    "output_2": ("output_2", "response2", "response_2", "output_b", "response_b", "answer_2",
                 "answer_b", "output2"),
    "label": ("label", "winner", "preference", "choice", "human_label"),
}
_NOT_FIELDS = {
    "output": "map output_1 and output_2 (the two outputs)",
    "reasoning": "pairwise labels carry no reasoning column",
    "annotator": "labels come from the label column (by --annotator) or from annotatorN columns",
    "criterion": "name the criterion with --criterion",
}
"""Keys a table reads that pairwise data does not, with what to do instead."""
_ANNOTATOR = re.compile(r"^annotator_?\d+$", re.IGNORECASE)
_CHOICES = {"model_a": 1, "model_b": 2, "tie (bothbad)": 0}


def looks_pairwise(columns: Iterable[str]) -> bool:
    """Whether records with these columns hold two outputs to compare."""
    names = {c.lower() for c in columns}
    return bool(names & set(ALIASES["output_1"])) and bool(names & set(ALIASES["output_2"]))


def _resolve(origin: Origin, columns: list[str], explicit: Mapping[str, str], line: int
             ) -> dict[str, str]:
    for key, column in explicit.items():
        if column not in columns:
            raise origin.error(
                f"column {column!r} (mapped with --map {key}={column}) is missing; "
                f"columns: {', '.join(columns)}", line)
    mapping = {k: v for k, v in explicit.items() if k in ALIASES}
    lower = {c.lower(): c for c in columns}
    for key, aliases in ALIASES.items():
        if key not in mapping:
            found = [lower[a] for a in aliases if a in lower and lower[a] not in mapping.values()
                     and not (key == "label" and judge_like(lower[a]))]
            if key == "label" and len(found) > 1:
                raise origin.error(
                    f"{len(found)} columns could hold the human preference "
                    f"({', '.join(repr(c) for c in found)}) and evalign does not guess which: "
                    f"name it with --map label=COLUMN (e.g. --map label={likeliest(found)})", line)
            if found:
                mapping[key] = found[0]
    for key in ("output_1", "output_2"):
        if key not in mapping:
            raise origin.error(
                f"no {key} column for pairwise data: name it with --map {key}=COLUMN; "
                f"columns: {', '.join(columns)}",
                line,
            )
    return mapping


class PairReader:
    """Turns pairwise records into rows; the first record fixes the column mapping."""

    def __init__(self, origin: Origin, scales: Scales, mapping: Mapping[str, str] | None,
                 criterion: str | None, annotator: str | None):
        self.origin = origin
        self.scales = scales
        self.explicit = dict(mapping or {})
        refused = next((k for k in self.explicit if k in _NOT_FIELDS), None)
        if refused is not None:
            raise ConfigError(f"--map {refused}=... does not apply to pairwise data: "
                              f"{_NOT_FIELDS[refused]}")
        self.fields = {k: v for k, v in self.explicit.items() if k not in ALIASES}
        self.criterion = criterion or DEFAULT_CRITERION
        self.annotator = annotator or DEFAULT_ANNOTATOR
        self.mapping: dict[str, str] = {}
        self.annotators: list[str] = []

    def rows(self, records: Iterable[Record]) -> Iterator[Row]:
        """One row per record."""
        for line, record in records:
            if not self.mapping:
                self.mapping = _resolve(self.origin, list(record), self.explicit,
                                        self.origin.header_line or line)
                self.annotators = [] if "label" in self.explicit else [
                    c for c in record if _ANNOTATOR.match(c)]
            yield self._row(line, record)

    def _row(self, line: int, record: dict[str, Any]) -> Row:
        for key in ("output_1", "output_2"):
            if self.mapping[key] not in record:
                raise self.origin.error(f'"{self.mapping[key]}" ({key}) is missing', line)
        for key, column in self.fields.items():
            if column not in record:
                raise self.origin.error(f'"{column}" (input {key!r}) is missing', line)
        used = set(self.mapping.values()) | set(self.fields.values()) | set(self.annotators)
        fields = {key: record[column] for key, column in self.fields.items()}
        item = Item(
            inputs={"input": self._input(record), **fields},
            output=_text(record[self.mapping["output_1"]]),
            output_2=_text(record[self.mapping["output_2"]]),
            # A PandaLM instruction joined into `input` stays metadata too, so that a split can
            # keep one instruction's pairs on one side (`--group-by instruction`).
            metadata={k: v for k, v in record.items() if k not in used},
            external_id=_text(record.get(self.mapping.get("id", ""), "")).strip(),
        )
        return Row(item, tuple(self._labels(line, record)), line)

    def _input(self, record: dict[str, Any]) -> str:
        # PandaLM splits the prompt into an instruction and an optional input: join them.
        if "instruction" in record and self.mapping.get("input") != "instruction":
            parts = [_text(record["instruction"]), _text(record.get(self.mapping.get("input", "")))]
            return "\n\n".join(p for p in parts if p.strip())
        return _text(record.get(self.mapping.get("input", ""), ""))

    def _labels(self, line: int, record: dict[str, Any]) -> Iterator[LabelIn]:
        scale = self.scales.scale(self.criterion)
        if self.annotators:
            sources = [(c, c) for c in self.annotators]
        elif "label" in self.mapping:
            sources = [(self.mapping["label"], self.annotator)]
        else:
            sources = []
        for column, annotator in sources:
            raw = record.get(column)
            if is_blank(raw):
                continue
            raw = _CHOICES.get(str(raw).strip().lower(), raw)
            yield LabelIn(self.criterion, label_value(self.origin, line, column, raw, scale),
                          annotator)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def parse(
    origin: Origin,
    records: Iterable[Record],
    scales: Scales,
    *,
    mapping: Mapping[str, str] | None = None,
    criterion: str | None = None,
    annotator: str | None = None,
) -> Iterator[Row]:
    """Rows from pairwise records (see `PairReader`)."""
    return PairReader(origin, scales, mapping, criterion, annotator).rows(records)
