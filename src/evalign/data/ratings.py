"""Multi-annotator numeric ratings, as in SQuALITY's human evaluation.

Each record holds one response and a list of `reviews`; a review names its rater (`worker_id`)
and gives a number per criterion (`correctness`, `selection`, `overall`). Each review becomes one
label per criterion, by annotator `worker_<id>`, on a 0–100 scale unless `--scale` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from evalign.data.reader import Origin, Record
from evalign.data.records import LabelIn, Row
from evalign.data.scales import Scales, label_value
from evalign.items import Item
from evalign.scores import ScoreConfig

DEFAULT_SCALE = ScoreConfig.parse("numeric:0:100")
REVIEWS = ("reviews", "ratings", "annotations")
_RATER_KEYS = ("worker_id", "annotator", "rater", "reviewer", "annotator_id")
_OUTPUT = ("response", "output", "summary", "answer")
_INPUT = ("question", "input", "prompt")


def looks_like_ratings(columns: Iterable[str]) -> bool:
    """Whether records with these columns carry a list of reviews."""
    return any(c in REVIEWS for c in columns)


def parse(
    origin: Origin,
    records: Iterable[Record],
    scales: Scales,
    *,
    criterion: str | None = None,
) -> Iterator[Row]:
    """One row per record, with one label per review and rated criterion.

    Args:
        criterion: when given, a prefix for the criterion names (`PREFIX/overall`).

    Raises:
        DataError: no reviews list, no output, a review that is not an object, a rating
            outside its scale.
    """
    for line, record in records:
        yield _row(origin, line, record, scales, criterion)


def _row(
    origin: Origin, line: int, record: dict[str, Any], scales: Scales, prefix: str | None
) -> Row:
    reviews_key = next((k for k in REVIEWS if k in record), None)
    output_key = next((k for k in _OUTPUT if k in record), None)
    if reviews_key is None or not isinstance(record[reviews_key], list):
        raise origin.error('"reviews" must be a list of {"worker_id", CRITERION: NUMBER}', line)
    if output_key is None:
        raise origin.error(f"no output: expected one of {', '.join(_OUTPUT)}", line)
    input_key = next((k for k in _INPUT if k in record), None)
    skip = {reviews_key, output_key, input_key, "id"}
    item = Item(
        inputs={input_key: record[input_key]} if input_key else {},
        output=str(record[output_key] or ""),
        metadata={k: v for k, v in record.items() if k not in skip},
        external_id=str(record.get("id") or ""),
    )
    labels = [
        label
        for index, review in enumerate(record[reviews_key])
        for label in _labels(origin, line, index, review, scales, prefix)
    ]
    return Row(item, tuple(labels), line)


def _labels(
    origin: Origin, line: int, index: int, review: Any, scales: Scales, prefix: str | None
) -> Iterator[LabelIn]:
    if not isinstance(review, dict):
        raise origin.error(f"reviews[{index}] must be an object", line)
    rater_key = next((k for k in _RATER_KEYS if k in review), None)
    rater = f"worker_{review[rater_key]}" if rater_key else f"reviewer_{index + 1}"
    for key, raw in review.items():
        if key == rater_key or raw is None or isinstance(raw, str | bool):
            continue  # only numeric fields are ratings
        name = f"{prefix}/{key}" if prefix else key
        value = label_value(origin, line, f"reviews[{index}].{key}", raw, scales.scale(name))
        yield LabelIn(name, value, rater)
