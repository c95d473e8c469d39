"""A `--sample N` too small for the split is named as the cause, not "label more items"."""

from __future__ import annotations

import pytest

from evalign.align import AlignConfig, start_alignment
from evalign.align.load import Loaded, sample_examples
from evalign.align.split import check_sample_enough, needed_groups
from evalign.errors import UserError
from evalign.store import Store
from tests.align.helpers import seed_store


def test_a_small_sample_is_blamed_and_a_sample_that_works_suggested(sqlite_store: Store) -> None:
    seed_store(sqlite_store)  # 16 questions, two labeled answers each: 32 items
    config = AlignConfig(dataset="bench", group_by="question", strategies=("threshold",),
                         sample=4)
    with pytest.raises(UserError) as caught:
        start_alignment(sqlite_store, "gn", config)
    message = str(caught.value)
    assert message.startswith("--sample 4 left too few: it kept 4 of the 32 labeled items "
                              "(2 distinct values of 'question')"), message
    assert f"needs at least {needed_groups()} distinct values of 'question'" in message
    # Groups of 2, 4 needed: any 3 groups hold 6 items, so a sample of 7 always brings a 4th.
    assert "--sample 7 or more always has enough" in message and "Label more" not in message
    start_alignment(sqlite_store, "gn", config.model_copy(update={"sample": 7}))


def test_the_suggested_sample_keeps_enough_groups_for_every_seed(sqlite_store: Store) -> None:
    from evalign.align.load import load_dataset

    seed_store(sqlite_store)
    with sqlite_store.session() as s:
        loaded = load_dataset(s, "bench", None)
    uneven = Loaded(examples=loaded.examples[:-1], verdicts={}, criterion=loaded.criterion)
    for seed in range(20):
        kept = sample_examples(uneven, 7, "question", seed).examples
        check_sample_enough(uneven.examples, kept, 7, group_by="question")


def test_too_few_labels_even_without_the_sample_still_says_label_more(
        sqlite_store: Store) -> None:
    seed_store(sqlite_store, questions=3)  # 3 groups: fewer than any split needs
    config = AlignConfig(dataset="bench", group_by="question", strategies=("threshold",),
                         sample=4)
    with pytest.raises(UserError, match=r"^only 6 labeled items .*Label more items"):
        start_alignment(sqlite_store, "gn", config)
