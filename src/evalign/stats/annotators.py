"""Agreement among human annotators: the ceiling a judge can be expected to reach.

Input is `ratings`: item → {annotator: canonical value} on one scale. Categories for κ,
raw agreement and the ceiling are what a judge's agreement with the humans compares
(`stats.comparison.Comparison.aligned`): the choice 1 / 2 / tie on a pairwise scale, else
pass/fail at the scale's threshold or pass set (numeric, stars 1–5, categorical, thumbs), so
the ceiling reads on the same coding as the headline agreement beside it. The finer reading
of an ordered scale is Krippendorff's α on the values themselves (interval for numeric and
stars, ordinal for categorical, nominal otherwise) and, on 0–100, the mean rater-to-rater gap,
the ceiling of a numeric judge's error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping
from itertools import combinations
from typing import Any, Literal

import numpy as np

from evalign.scores import ScoreConfig, Value

Ratings = Mapping[Hashable, Mapping[str, Value]]
AlphaLevel = Literal["nominal", "ordinal", "interval"]


def alpha_level(scale: ScoreConfig) -> AlphaLevel:
    """The Krippendorff α level of measurement that fits a scale."""
    if scale.group == "numeric":
        return "interval"
    if scale.kind == "categorical":
        return "ordinal"
    return "nominal"


def category(scale: ScoreConfig, value: Value) -> Hashable:
    """The category a value counts as for κ, raw agreement and the ceiling: the choice on a
    pairwise scale, else its pass/fail (the value itself on a scale without one, text)."""
    if scale.kind == "pairwise":
        return value
    passed = scale.to_pass(value)
    return value if passed is None else passed


def _code(scale: ScoreConfig, value: Value) -> float:
    if scale.kind == "categorical":
        return float(scale.labels.index(str(value)))
    if scale.group == "numeric":
        return float(value)
    if scale.kind in ("pass_fail", "thumbs"):
        return 1.0 if scale.to_pass(value) else 0.0
    return float(value)


def majority(values: list[Hashable]) -> Hashable | None:
    """The most frequent category; None on a tie for first place or no values."""
    if not values:
        return None
    ranked = Counter(values).most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def fleiss_kappa(table: np.ndarray[Any, Any]) -> float:
    """Fleiss' κ of an items × categories count table (raters per item may vary, ≥ 2).

    NaN when chance agreement is 1 (every rating in one category) or no item has 2 raters.
    """
    n_i = table.sum(axis=1)
    keep = n_i >= 2
    table, n_i = table[keep], n_i[keep]
    if table.shape[0] == 0:
        return math.nan
    p_i = ((table * table).sum(axis=1) - n_i) / (n_i * (n_i - 1))
    p_j = table.sum(axis=0) / n_i.sum()
    p_e = float((p_j * p_j).sum())
    if p_e >= 1.0:
        return math.nan
    return (float(p_i.mean()) - p_e) / (1 - p_e)


def annotator_agreement(ratings: Ratings, scale: ScoreConfig) -> dict[str, Any]:
    """Inter-annotator agreement of a dataset's labels on one criterion.

    Returns:
        `{"items", "annotators", "annotator_names", "labels", "fleiss_kappa",
        "krippendorff_alpha", "krippendorff_level", "mean_pairwise_agreement",
        "pairwise_cohen_kappa": {"A|B": κ}, "pairwise_agreement": {"A|B": rate},
        "annotator_vs_others": {name: rate}, "ceiling", "mean_abs_diff_100", "undefined"}`.
        `items` counts items with at least two annotators, tied ones included; `ceiling` is
        the average annotator's agreement with the majority of the others, in the coding of
        `category`; `mean_abs_diff_100` the mean rater-to-rater gap on 0–100 (ordered
        scales only), the ceiling of a numeric judge's error.
    """
    names = sorted({a for per in ratings.values() for a in per})
    multi = {item: per for item, per in ratings.items() if len(per) >= 2}
    undefined: dict[str, str] = {}
    out: dict[str, Any] = {"items": len(multi), "annotators": len(names),
                           "annotator_names": names,
                           "labels": sum(len(p) for p in ratings.values()),
                           "krippendorff_level": alpha_level(scale)}
    cats = {item: {a: category(scale, v) for a, v in per.items()} for item, per in multi.items()}
    out["fleiss_kappa"] = _nan_to_none(_fleiss(cats), "fleiss_kappa", undefined,
                                       "fewer than 2 items with 2 annotators or one category")
    out["krippendorff_alpha"] = _nan_to_none(_alpha(multi, names, scale), "krippendorff_alpha",
                                             undefined, "no variation or too few ratings")
    kappas, rates = _pairwise(cats, names)
    out["pairwise_cohen_kappa"], out["pairwise_agreement"] = kappas, rates
    shared = [r for r in rates.values() if r is not None]
    out["mean_pairwise_agreement"] = float(np.mean(shared)) if shared else None
    if not shared:
        undefined["mean_pairwise_agreement"] = "no two annotators labeled the same item"
    vs_others = _vs_others(cats, names)
    out["annotator_vs_others"] = vs_others
    values = [v for v in vs_others.values() if v is not None]
    out["ceiling"] = float(np.mean(values)) if values else None
    out["mean_abs_diff_100"] = mean_rater_gap(multi, scale)
    out["undefined"] = undefined
    return out


def majority_labels(ratings: Ratings, scale: ScoreConfig) -> dict[Hashable, Hashable | None]:
    """Per item, the majority category of its annotators (None on a tie)."""
    return {item: majority([category(scale, v) for v in per.values()])
            for item, per in ratings.items()}


def _fleiss(cats: Mapping[Hashable, Mapping[str, Hashable]]) -> float:
    values = sorted({c for per in cats.values() for c in per.values()}, key=repr)
    if not cats or not values:
        return math.nan
    index = {c: k for k, c in enumerate(values)}
    table = np.zeros((len(cats), len(values)))
    for row, per in enumerate(cats.values()):
        for c in per.values():
            table[row, index[c]] += 1
    return fleiss_kappa(table)


def _alpha(multi: Ratings, names: list[str], scale: ScoreConfig) -> float:
    if len(multi) < 2:
        return math.nan
    data = np.full((len(names), len(multi)), np.nan)
    col = {name: k for k, name in enumerate(names)}
    for j, per in enumerate(multi.values()):
        for annotator, value in per.items():
            data[col[annotator], j] = _code(scale, value)
    if len(np.unique(data[np.isfinite(data)])) < 2:
        return math.nan
    import krippendorff

    level = alpha_level(scale)
    domain = np.arange(len(scale.labels), dtype=float) if level == "ordinal" else None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level,
                                    value_domain=domain))


def _pairwise(
    cats: Mapping[Hashable, Mapping[str, Hashable]], names: list[str]
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    # imported here, not at module level: SciPy/scikit-learn take seconds to import
    from sklearn.metrics import cohen_kappa_score

    kappas: dict[str, float | None] = {}
    rates: dict[str, float | None] = {}
    for a, b in combinations(names, 2):
        pairs = [(per[a], per[b]) for per in cats.values() if a in per and b in per]
        key = f"{a}|{b}"
        if not pairs:
            kappas[key] = rates[key] = None
            continue
        x, y = [repr(p[0]) for p in pairs], [repr(p[1]) for p in pairs]
        rates[key] = float(np.mean([u == v for u, v in zip(x, y, strict=True)]))
        kappas[key] = None if len(set(x) | set(y)) < 2 else float(cohen_kappa_score(x, y))
    return kappas, rates


def _vs_others(
    cats: Mapping[Hashable, Mapping[str, Hashable]], names: list[str]
) -> dict[str, float | None]:
    result: dict[str, float | None] = {}
    for name in names:
        hits = []
        for per in cats.values():
            if name not in per:
                continue
            rest = majority([c for a, c in per.items() if a != name])
            if rest is not None:
                hits.append(per[name] == rest)
        result[name] = float(np.mean(hits)) if hits else None
    return result


def mean_rater_gap(multi: Ratings, scale: ScoreConfig) -> float | None:
    """The mean rater-to-rater gap on 0–100: |a − b| over every pair of annotators of the
    same item, averaged over all such pairs. None on a scale without 0–100 values (pass/fail,
    pairwise, text) or when no item has two annotators."""
    if scale.group not in ("numeric", "categorical"):
        return None
    diffs = []
    for per in multi.values():
        scores = [scale.to_100(v) for v in per.values()]
        diffs += [abs(float(a) - float(b)) for a, b in combinations(scores, 2)
                  if a is not None and b is not None]
    return float(np.mean(diffs)) if diffs else None


def _nan_to_none(value: float, name: str, undefined: dict[str, str], reason: str) -> float | None:
    if math.isfinite(value):
        return value
    undefined[name] = reason
    return None
