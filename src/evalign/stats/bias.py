"""Bias probes for pairwise judges: position (swap the outputs) and length preference.

Choices use the pairwise scale: 1 = first output better, 2 = second, 0 = tie.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from evalign.stats.binary import wilson_ci

_SWAP = {1: 2, 2: 1, 0: 0}


def position_consistency(
    original: Mapping[Hashable, int], swapped: Mapping[Hashable, int]
) -> dict[str, Any]:
    """Share of items whose verdict survives swapping the two outputs.

    `swapped[i]` is the choice made with output_1 and output_2 exchanged; consistent when it
    names the same output (1 ↔ 2, tie ↔ tie). Inconsistent items are split by which position
    the judge favoured both times.
    """
    items = [i for i in original if i in swapped]
    consistent = sum(1 for i in items if _SWAP[int(swapped[i])] == int(original[i]))
    first = sum(1 for i in items if int(original[i]) == 1 and int(swapped[i]) == 1)
    second = sum(1 for i in items if int(original[i]) == 2 and int(swapped[i]) == 2)
    return {
        "items": len(items),
        "consistency": consistent / len(items) if items else None,
        "consistency_ci": wilson_ci(consistent, len(items)),
        "favours_first_both_times": first,
        "favours_second_both_times": second,
    }


def length_preference(
    choices: Sequence[int],
    human: Sequence[int],
    len_1: Sequence[int],
    len_2: Sequence[int],
) -> dict[str, Any]:
    """Share of non-tie verdicts picking the longer output, next to the humans' share.

    Pairs of equal length and ties are left out of each share.
    """
    def longer_share(picks: Sequence[int]) -> tuple[int, int]:
        hits = total = 0
        for pick, a, b in zip(picks, len_1, len_2, strict=True):
            if int(pick) == 0 or a == b:
                continue
            total += 1
            hits += (int(pick) == 1) == (a > b)
        return hits, total

    jh, jn = longer_share(choices)
    hh, hn = longer_share(human)
    judge_rate = jh / jn if jn else None
    human_rate = hh / hn if hn else None
    return {
        "judge_prefers_longer": judge_rate,
        "judge_prefers_longer_ci": wilson_ci(jh, jn),
        "human_prefers_longer": human_rate,
        "human_prefers_longer_ci": wilson_ci(hh, hn),
        "excess": None if judge_rate is None or human_rate is None else judge_rate - human_rate,
        "pairs": jn,
    }
