"""Multi-annotator numeric ratings, as in SQuALITY's human evaluation.

Each record holds one response and a list of `reviews`; a review names its rater (`worker_id`)
and gives a number per criterion (`correctness`, `selection`, `overall`). Each review becomes one
label per criterion, by annotator `worker_<id>`, on a 0–100 scale unless `--scale` says otherwise.

The item: `id`, the output (`response`, `output`, `summary` or `answer`) and one input field
(`question`, `input` or `prompt`, under its own name). `--map` overrides these (`id`, `output`,
`input`) and makes any other key an input field read from its column (`--map truth=truth`).
Every column left over is kept as item metadata, which judge templates cannot name; the import
summary lists them. `--map label|reasoning|annotator|criterion` is refused: labels come from the
reviews.

A review's fields are read strictly, since a rating dropped without a word makes every figure
computed from the labels silently wrong:

- its rater: the first of `worker_id`, `annotator`, `rater`, `reviewer`, `annotator_id`, a text
  or number. A null, empty or non-scalar id is refused. Reviews that name no rater are named by
  position (`reviewer_1`, ...), but only when no review of the record names one: a record that
  mixes both is refused, since position names would pool different people.
- its comment: `comment`, `comments`, `note`, `notes`, `reasoning`, `rationale`,
  `explanation`, `justification`, `feedback` (any case), kept as the reasoning of every label
  of that review.
- every other field is a rating. `null` or an empty text means the rater did not rate that
  criterion (as an empty CSV cell): no label. A number, or a text that reads as one (`"80"`,
  read as a CSV cell is), is a label on the criterion's scale. Anything else (`"high"`, `"N/A"`,
  `true` on a numeric scale, a list, an object, a number off the scale) is refused with the
  file:line, the review, its rater and criterion, and what to do; nothing is imported.

When the file's folder also holds the passages file such ratings ship with, `import_file` joins
each item's reference answers as the `references` field (`evalign.data.passages`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from evalign.data.reader import Origin, Record
from evalign.data.records import LabelIn, Row
from evalign.data.scales import Scales, label_value
from evalign.data.spellings import is_placeholder
from evalign.errors import ConfigError, DataError
from evalign.items import Item
from evalign.scores import ScoreConfig, Value

DEFAULT_SCALE = ScoreConfig.parse("numeric:0:100")
REVIEWS = ("reviews", "ratings", "annotations")
_RATER_KEYS = ("worker_id", "annotator", "rater", "reviewer", "annotator_id")
_OUTPUT = ("response", "output", "summary", "answer")
INPUTS = ("question", "input", "prompt")
"""Where the item's one input field is read from, in order of preference."""
_LABEL_KEYS = ("label", "reasoning", "annotator", "criterion")  # the reviews hold these
COMMENT_KEYS = ("comment", "comments", "note", "notes", "reasoning", "rationale", "explanation",
                "justification", "feedback")
"""Review fields (lower-cased) that hold the rater's comment, never a rating."""


def looks_like_ratings(columns: Iterable[str]) -> bool:
    """Whether records with these columns carry a list of reviews."""
    return any(c in REVIEWS for c in columns)


def parse(
    origin: Origin,
    records: Iterable[Record],
    scales: Scales,
    *,
    criterion: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Iterator[Row]:
    """One row per record, with one label per review and rated criterion.

    Args:
        criterion: when given, a prefix for the criterion names (`PREFIX/overall`).
        mapping: `--map` pairs: `id`, `output`, `input`, or an input field's name → column.

    Raises:
        ConfigError: a mapping key for labels (`label`, `reasoning`, `annotator`, `criterion`).
        DataError: no reviews list, no output, a mapped column missing, a review that is not
            an object, a rater id or rating that cannot be read (see the module docstring).
    """
    explicit = dict(mapping or {})
    refused = [key for key in explicit if key in _LABEL_KEYS]
    if refused:
        raise ConfigError(
            f"--map {refused[0]}=... does not apply to the ratings format: its labels come "
            "from each record's reviews (one per rater and numeric field); map id, output, "
            "input or input fields (--map NAME=COLUMN) only")
    return (_row(origin, line, record, scales, criterion, explicit) for line, record in records)


def metadata_note(columns: Iterable[str], mapping: Mapping[str, str]) -> list[str]:
    """A note naming the first record's columns kept as item metadata, which no judge template
    can name (empty when there are none)."""
    names = list(columns)
    claimed = {next((k for k in REVIEWS if k in names), None), *mapping.values()}
    for key, keys in (("output", _OUTPUT), ("input", INPUTS), ("id", ("id",))):
        if key not in mapping:
            claimed.add(next((k for k in keys if k in names), None))
    extra = [name for name in names if name not in claimed]
    if not extra:
        return []
    return [f"columns {', '.join(repr(c) for c in extra)} kept as item metadata, which a judge "
            f"template cannot name: make one an input field with --map {extra[0]}={extra[0]}"]


def _row(origin: Origin, line: int, record: dict[str, Any], scales: Scales,
         prefix: str | None, mapping: dict[str, str]) -> Row:
    for key, column in mapping.items():
        if column not in record:
            raise origin.error(f'"{column}" (mapped with --map {key}={column}) is missing', line)
    reviews_key = next((k for k in REVIEWS if k in record), None)
    output_key = mapping.get("output") or next((k for k in _OUTPUT if k in record), None)
    if reviews_key is None or not isinstance(record[reviews_key], list):
        raise origin.error('"reviews" must be a list of {"worker_id", CRITERION: NUMBER}', line)
    if output_key is None:
        raise origin.error(f"no output: expected one of {', '.join(_OUTPUT)} "
                           "(or --map output=COLUMN)", line)
    input_key = mapping.get("input") or next((k for k in INPUTS if k in record), None)
    id_key = mapping.get("id", "id")
    inputs: dict[str, Any] = {}
    if input_key is not None:  # a mapped input is named `input`, as in a table
        inputs["input" if "input" in mapping else input_key] = record[input_key]
    fields = {k: c for k, c in mapping.items() if k not in ("id", "input", "output")}
    inputs.update({name: record[column] for name, column in fields.items()})
    skip = {reviews_key, output_key, input_key, id_key, *fields.values()}
    item = Item(
        inputs=inputs,
        output=str(record[output_key] or ""),
        metadata={k: v for k, v in record.items() if k not in skip},
        external_id=str(record.get(id_key) or ""),
    )
    reviews: list[Any] = record[reviews_key]
    for index, review in enumerate(reviews):
        if not isinstance(review, dict):
            raise origin.error(f"reviews[{index}] must be an object", line)
    rater_keys = [_rater_key(review) for review in reviews]
    if any(rater_keys) and None in rater_keys:
        raise origin.error(
            f"reviews[{rater_keys.index(None)}] names no rater ({', '.join(_RATER_KEYS)}) while "
            "other reviews of the record do: give every review its rater, or none (raters are "
            "then named by position, reviewer_1, ...)", line)
    labels = [
        label
        for index, (review, rater_key) in enumerate(zip(reviews, rater_keys, strict=True))
        for label in _labels(origin, line, index, review, rater_key, scales, prefix)
    ]
    return Row(item, tuple(labels), line)


def _labels(
    origin: Origin, line: int, index: int, review: dict[str, Any], rater_key: str | None,
    scales: Scales, prefix: str | None,
) -> Iterator[LabelIn]:
    rater = _rater(origin, line, index, review, rater_key)
    notes = [str(v).strip() for k, v in review.items()
             if k.lower() in COMMENT_KEYS and v is not None and str(v).strip()]
    for key, raw in review.items():
        if key == rater_key or key.lower() in COMMENT_KEYS or _not_rated(raw):
            continue
        name = f"{prefix}/{key}" if prefix else key
        value = _rating(origin, line, f"reviews[{index}].{key}", raw, scales.scale(name), rater)
        yield LabelIn(name, value, rater, reasoning="\n\n".join(notes))


def _rater_key(review: dict[str, Any]) -> str | None:
    return next((k for k in _RATER_KEYS if k in review), None)


def _rater(origin: Origin, line: int, index: int, review: dict[str, Any],
           rater_key: str | None) -> str:
    if rater_key is None:
        return f"reviewer_{index + 1}"
    raw = review[rater_key]
    if isinstance(raw, bool) or not isinstance(raw, str | int | float) or not str(raw).strip():
        raise origin.error(
            f'"reviews[{index}].{rater_key}" is {json.dumps(raw)}, not a rater id: give the '
            "rater's id (a text or number), or drop the key from every review of the record "
            "to name raters by position", line)
    return f"worker_{str(raw).strip()}"


def _not_rated(raw: Any) -> bool:
    """A null or empty rating: the rater did not rate that criterion."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _rating(origin: Origin, line: int, column: str, raw: Any, scale: ScoreConfig,
            rater: str) -> Value:
    where = f'"{column}" (rater {rater})'
    if isinstance(raw, list | dict):
        raise origin.error(f"{where} is {'a list' if isinstance(raw, list) else 'an object'}, "
                           "not one rating: give one number per rater and criterion", line)
    if isinstance(raw, bool) and scale.kind not in ("pass_fail", "thumbs"):
        raise origin.error(f"{where} is {json.dumps(raw)}, not a rating on {scale.spec()}: "
                           "write the rating as a number, or import with --scale pass_fail",
                           line)
    if isinstance(raw, str) and is_placeholder(raw):
        raise origin.error(f"{where} is {raw.strip()!r}, which stands for no rating: write null "
                           "to leave that criterion unrated, or the rating", line)
    try:
        return label_value(origin, line, column, raw, scale)
    except DataError as exc:
        advice = ("; write the rating as a number, or null if it was not rated (a field that "
                  'is no rating belongs under "comment")') if isinstance(raw, str) else ""
        raise origin.error(f"{exc.problem}; rater {rater}{advice}", line) from None
