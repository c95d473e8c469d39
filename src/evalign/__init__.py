"""evalign: align LLM-as-a-judge evaluators with human judgement, proven on held-out items.

The public API lives here; everything else is internal and may change.
"""

# `evalign.align` is the function below (the Python twin of `evalign align`); the package of the
# same name stays importable as `evalign.align.<module>`.
from evalign.align import (
    AlignConfig,
    AlignmentRun,
    accept_alignment,
    align,
    alignment_history,
    cancel_alignment,
    execute_alignment,
    get_alignment,
    reject_alignment,
    start_alignment,
)
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
from evalign.web import create_app

__all__ = [
    "AlignConfig",
    "AlignmentRun",
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
    "accept_alignment",
    "agreement_report",
    "align",
    "alignment_history",
    "annotator_agreement",
    "cancel_alignment",
    "cancel_run",
    "comparisons_from_lists",
    "create_app",
    "dataset_agreement",
    "disagreements",
    "execute_alignment",
    "export_dataset",
    "get_alignment",
    "get_model",
    "import_file",
    "open_store",
    "paired_report",
    "reject_alignment",
    "resume_run",
    "run_judge",
    "run_report",
    "score_items",
    "start_alignment",
]
