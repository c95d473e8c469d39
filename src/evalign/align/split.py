"""The honest split: train / validation / test, stratified by human label, grouped.

Items that share a `group_by` value (e.g. the same question asked twice, once with a complete
answer and once with a truncated one) always land in the same part, so a judge is never tuned on
one half of a pair and tested on the other. scikit-learn's `StratifiedGroupKFold` does the work.
Too few labeled items (or groups) for the parts is refused before anything runs, saying how
many there are and how many the split needs.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.model_selection import StratifiedGroupKFold

from evalign.align.examples import Example
from evalign.errors import ConfigError, UserError

DEFAULT_RATIOS = (0.5, 0.25, 0.25)


@dataclass(frozen=True)
class Split:
    """Indices into the example list for each part."""

    train: tuple[int, ...]
    val: tuple[int, ...]
    test: tuple[int, ...]

    def sizes(self) -> dict[str, int]:
        """`{"train": n, "val": n, "test": n}`."""
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def parse_ratios(text: str) -> tuple[float, float, float]:
    """Read `--split 0.5,0.25,0.25` (any three positive numbers; normalized to sum 1)."""
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise ConfigError(f"--split {text!r}: give three numbers, e.g. 0.5,0.25,0.25") from None
    if len(parts) != 3 or min(parts) <= 0:
        raise ConfigError(f"--split {text!r}: give three positive numbers, e.g. 0.5,0.25,0.25")
    total = sum(parts)
    return parts[0] / total, parts[1] / total, parts[2] / total


def split_examples(
    examples: Sequence[Example],
    ratios: tuple[float, float, float] = DEFAULT_RATIOS,
    *,
    group_by: str | None = None,
    seed: int = 0,
) -> Split:
    """Split examples into train / val / test, stratified by pass/fail and grouped.

    The test part is one fold of `round(1 / test_ratio)` folds; validation is one fold of the
    rest, sized the same way, so the parts approach `ratios` as closely as the groups allow.

    Raises:
        UserError: too few labeled items (or groups) for the requested parts.
    """
    check_enough(examples, ratios, group_by=group_by)
    indices = list(range(len(examples)))
    rest, test = _take_fold(examples, indices, ratios[2], group_by, seed)
    train, val = _take_fold(examples, rest, ratios[1] / (ratios[0] + ratios[1]), group_by, seed)
    return Split(tuple(sorted(train)), tuple(sorted(val)), tuple(sorted(test)))


def kfold_splits(
    examples: Sequence[Example], k: int, *, group_by: str | None = None, seed: int = 0
) -> list[Split]:
    """K-fold cross-validation: fold i is the test part, fold i+1 validation, the rest train."""
    if k < 3:
        raise ConfigError(f"--folds {k}: use at least 3 folds (train, validation and test)")
    check_enough(examples, folds=k, group_by=group_by)
    folds = _folds(examples, list(range(len(examples))), k, group_by, seed)
    splits = []
    for i in range(k):
        test, val = folds[i], folds[(i + 1) % k]
        train = [j for f in range(k) if f not in (i, (i + 1) % k) for j in folds[f]]
        splits.append(Split(tuple(sorted(train)), tuple(sorted(val)), tuple(sorted(test))))
    return splits


def needed_groups(ratios: tuple[float, float, float] = DEFAULT_RATIOS,
                  folds: int | None = None) -> int:
    """The fewest items (groups, with `group_by`) a split into these parts can be made from.

    K folds need k; a single split needs enough for the test fold of `round(1 / test_ratio)`
    folds and, in what is left, for the validation fold.
    """
    if folds:
        return folds
    k_test, k_val = _n_folds(ratios[2]), _n_folds(ratios[1] / (ratios[0] + ratios[1]))
    n = k_test
    while n - math.ceil(n / k_test) < k_val:
        n += 1
    return n


def check_group_field(examples: Sequence[Example], group_by: str | None) -> None:
    """Refuse a grouping field that some labeled items lack: each such item would be a group
    of its own, so near-duplicates could land on both sides of the split, unannounced.

    Raises:
        ConfigError: names the field, how many items lack it, the first one, and the fields
            and metadata keys the items do have.
    """
    if not group_by:
        return
    lacking = [e for e in examples
               if group_by not in e.item.fields() and group_by not in e.item.metadata]
    if not lacking:
        return
    first = lacking[0].item
    known = sorted({k for e in examples for k in (*e.item.fields(), *e.item.metadata)})
    raise ConfigError(
        f"group by {group_by!r}: {len(lacking)} of {len(examples)} labeled items have no field "
        f"or metadata key {group_by!r} (first: item {first.external_id or first.id}); the items "
        f"have: {', '.join(known) or 'no fields'}. Group by one of those, or leave grouping "
        "out to split item by item")


def check_enough(
    examples: Sequence[Example],
    ratios: tuple[float, float, float] = DEFAULT_RATIOS,
    *,
    folds: int | None = None,
    group_by: str | None = None,
) -> None:
    """Refuse, in one line, labeled examples too few for the split.

    Raises:
        UserError: says how many labeled items (and groups) there are, how many pass and
            fail, and how many the split needs.
    """
    need = needed_groups(ratios, folds)
    groups = len({e.group_key(group_by) for e in examples})
    if groups >= need:
        return
    passed = sum(e.passed for e in examples)
    have = f"{len(examples)} labeled item{'s' * (len(examples) != 1)}"
    counted = f"{have} ({passed} pass, {len(examples) - passed} fail)"
    if group_by:
        counted += f" in {groups} distinct value{'s' * (groups != 1)} of {group_by!r}"
    raise UserError(f"only {counted}: {_parts(ratios, folds)} needs at least {need} "
                    f"{_unit(group_by)}. Label more items before aligning")


def check_sample_enough(
    full: Sequence[Example],
    sampled: Sequence[Example],
    sample: int,
    ratios: tuple[float, float, float] = DEFAULT_RATIOS,
    *,
    folds: int | None = None,
    group_by: str | None = None,
) -> None:
    """Refuse a sample (`--sample N`) too small for the split, naming the sample as the cause.

    Args:
        full: every labeled example; sampled: those `--sample sample` kept (whole groups,
            `align.load.sample_examples`).

    Raises:
        UserError: the sample keeps too few items (groups): when every labeled item would do,
            says so and gives the smallest sample that always keeps enough groups; when even
            every item is too few, `check_enough`'s "label more items".
    """
    need = needed_groups(ratios, folds)
    groups = len({e.group_key(group_by) for e in sampled})
    if groups >= need:
        return
    check_enough(full, ratios, folds=folds, group_by=group_by)
    # Groups are drawn whole until the sample has N items: any need-1 groups hold at most
    # the need-1 largest, so one item more than those always brings a further group.
    sizes = sorted(Counter(e.group_key(group_by) for e in full).values(), reverse=True)
    enough = min(len(full), sum(sizes[:need - 1]) + 1)
    kept = f"{len(sampled)} of the {len(full)} labeled items"
    if group_by:
        kept += f" ({groups} distinct value{'s' * (groups != 1)} of {group_by!r})"
    raise UserError(f"--sample {sample} left too few: it kept {kept}, and "
                    f"{_parts(ratios, folds)} needs at least {need} {_unit(group_by)}. Use a "
                    f"larger sample (--sample {enough} or more always has enough) or leave "
                    "out --sample to use every labeled item")


def _parts(ratios: tuple[float, float, float], folds: int | None) -> str:
    return (f"{folds}-fold cross-validation" if folds else
            "a train/validation/test split of " + "/".join(f"{r:.0%}" for r in ratios))


def _unit(group_by: str | None) -> str:
    return f"distinct values of {group_by!r}" if group_by else "labeled items"


def _n_folds(ratio: float) -> int:
    return max(2, round(1 / ratio))


def _take_fold(
    examples: Sequence[Example], indices: list[int], ratio: float, group_by: str | None, seed: int
) -> tuple[list[int], list[int]]:
    folds = _folds(examples, indices, _n_folds(ratio), group_by, seed)
    held = folds[0]
    kept = [i for i in indices if i not in set(held)]
    return kept, held


def _folds(
    examples: Sequence[Example], indices: list[int], k: int, group_by: str | None, seed: int
) -> list[list[int]]:
    groups = [examples[i].group_key(group_by) for i in indices]
    if len(set(groups)) < k:
        raise UserError(
            f"only {len(set(groups))} distinct groups"
            + (f" of {group_by!r}" if group_by else "")
            + f" for {k} parts: label more items or use fewer parts"
        )
    labels = [int(examples[i].passed) for i in indices]
    if max(Counter(labels).values()) < k:
        # No label fills every fold, so stratification is impossible (scikit-learn refuses);
        # one label for all gives plain shuffled group folds that still keep pairs together.
        labels = [0] * len(labels)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # "The least populated class has only N members": expected with small label sets.
        warnings.simplefilter("ignore", UserWarning)
        return [
            [indices[j] for j in held]
            for _, held in splitter.split(indices, labels, groups)
        ]
