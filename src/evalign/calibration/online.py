"""Routing items scored online into the annotation queue: every FAIL, a share of PASSes.

    sampling = OnlineSampling(pass_share=0.1, seed="prod")
    routed = route_scored(store, "judge@3", items, verdicts, passed, sampling)

Which PASSes go is decided by a hash of the item's content and the seed, not by chance: the
same item with the same seed is always routed or always not, so a sample can be reproduced and
audited. Verdicts that are errors (or whose pass/fail cannot be read) are not routed: a human
label would have no verdict to agree with. The share is the operator's (`evalign serve
--online-sample-pass`); nothing a scoring request carries changes it or any verdict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from evalign.errors import ConfigError
from evalign.items import Item
from evalign.judges.spec import Verdict
from evalign.store import Store
from evalign.store.content import content_hash
from evalign.store.repo_online import route_in

_SCALE = float(1 << 64)


@dataclass(frozen=True)
class OnlineSampling:
    """Which online-scored items go to the annotation queue.

    Attributes:
        pass_share: the share (0-1) of PASS verdicts routed; every FAIL is routed.
        seed: mixed into the hash that picks the PASSes (another seed, another sample).
    """

    pass_share: float
    seed: str = "evalign"

    def __post_init__(self) -> None:
        if not 0.0 <= self.pass_share <= 1.0:
            raise ConfigError(f"--online-sample-pass {self.pass_share} is not a share between "
                              "0 and 1 (0.1 routes one PASS in ten, and every FAIL)")


def sample_point(item: Item, seed: str) -> float:
    """Where the item falls in [0, 1): sha256 of the seed and the item's content hash."""
    digest = hashlib.sha256(
        f"{seed}\0{content_hash(item.inputs, item.output, item.output_2)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def should_route(item: Item, passed: bool | None, sampling: OnlineSampling) -> bool:
    """Every FAIL; a PASS when its sample point lies below the share; never an error."""
    if passed is None:
        return False
    return not passed or sample_point(item, sampling.seed) < sampling.pass_share


def route_scored(store: Store, judge_ref: str, items: Sequence[Item],
                 verdicts: Sequence[Verdict], passed: Sequence[bool | None],
                 sampling: OnlineSampling) -> list[bool]:
    """Route the sampled items with their verdicts into the judge's online dataset and run.

    Args:
        store: the store.
        judge_ref: the judge version (`NAME@V`) that produced the verdicts.
        items: the scored items; `verdicts` and `passed` (None for an error) in the same order.
        sampling: the share of PASSes and the seed.

    Returns:
        For each item, whether it was routed.

    Raises:
        ConfigError: the three sequences differ in length.
        NotFoundError: no such judge version.
    """
    if not len(items) == len(verdicts) == len(passed):
        raise ConfigError(f"{len(items)} items, {len(verdicts)} verdicts and {len(passed)} "
                          "pass/fail readings: each item needs one of each")
    chosen = [should_route(item, p, sampling) for item, p in zip(items, passed, strict=True)]
    pairs = [(item, v) for item, v, keep in zip(items, verdicts, chosen, strict=True) if keep]
    if pairs:
        route_in(store, judge_ref, pairs)
    return chosen
