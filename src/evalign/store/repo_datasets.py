"""Former home of the dataset repository, kept as re-exports for callers not yet moved.

New code imports from the modules by concept: `repo_criteria` (criteria and scales),
`repo_items` (datasets and items), `repo_labels` (labels), `repo_writes` (writing a dataset).
"""

from evalign.store.repo_criteria import (
    Criteria,
    get_criterion,
    get_or_create_criterion,
    get_or_create_score_config,
    scale_of,
)
from evalign.store.repo_items import (
    DatasetSummary,
    count_items,
    dataset_exists,
    delete_dataset,
    get_dataset,
    iter_items,
    list_datasets,
    to_item,
)
from evalign.store.repo_label_counts import dataset_annotators, label_balance
from evalign.store.repo_labels import (
    LabelRecord,
    balance_key,
    criterion_for,
    dataset_criteria,
    labels_for,
    upsert_label,
)
from evalign.store.repo_writes import WriteMode, WriteStats, write_dataset

__all__ = [
    "Criteria",
    "DatasetSummary",
    "LabelRecord",
    "WriteMode",
    "WriteStats",
    "balance_key",
    "count_items",
    "criterion_for",
    "dataset_annotators",
    "dataset_criteria",
    "dataset_exists",
    "delete_dataset",
    "get_criterion",
    "get_dataset",
    "get_or_create_criterion",
    "get_or_create_score_config",
    "iter_items",
    "label_balance",
    "labels_for",
    "list_datasets",
    "scale_of",
    "to_item",
    "upsert_label",
    "write_dataset",
]
