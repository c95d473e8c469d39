"""evalign: align LLM-as-a-judge evaluators with human judgement, proven on held-out items.

The public API lives here; everything else is internal and may change.
"""

from evalign.data.dataset import Dataset
from evalign.data.export import export_dataset
from evalign.data.importer import ImportSummary, import_file
from evalign.errors import (
    ConfigError,
    ConflictError,
    DataError,
    EvalignError,
    NotFoundError,
    ProviderError,
    UserError,
)
from evalign.items import Item
from evalign.judges import CheckResult, CodeJudges, Judge, JudgeSpec, Verdict
from evalign.providers import GenerateRequest, GenerateResult, ModelAPI, ScriptedModel, get_model
from evalign.report.build import dataset_agreement, disagreements, run_report
from evalign.runner import RunSummary, ScoreBatch, cancel_run, resume_run, run_judge, score_items
from evalign.scores import ScoreConfig
from evalign.stats import (
    Comparison,
    agreement_report,
    annotator_agreement,
    comparisons_from_lists,
    paired_report,
)
from evalign.store import Store, open_store

__all__ = [
    "CheckResult",
    "CodeJudges",
    "Comparison",
    "ConfigError",
    "ConflictError",
    "DataError",
    "Dataset",
    "EvalignError",
    "GenerateRequest",
    "GenerateResult",
    "ImportSummary",
    "Item",
    "Judge",
    "JudgeSpec",
    "ModelAPI",
    "NotFoundError",
    "ProviderError",
    "RunSummary",
    "ScoreBatch",
    "ScoreConfig",
    "ScriptedModel",
    "Store",
    "UserError",
    "Verdict",
    "agreement_report",
    "annotator_agreement",
    "cancel_run",
    "comparisons_from_lists",
    "dataset_agreement",
    "disagreements",
    "export_dataset",
    "get_model",
    "import_file",
    "open_store",
    "paired_report",
    "resume_run",
    "run_judge",
    "run_report",
    "score_items",
]
