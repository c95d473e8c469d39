"""evalign: align LLM-as-a-judge evaluators with human judgement, proven on held-out items.

The public API lives here; everything else is internal and may change. Names load lazily, on
first use (module `__getattr__`), so `import evalign` and `evalign --help` stay fast: nothing
here imports scikit-learn, SciPy, pandas or FastAPI until a function that needs them runs.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        CriterionChoiceError,
        DataError,
        EvalignError,
        NotFoundError,
        ProviderError,
        UserError,
    )
    from evalign.items import Item
    from evalign.judges import CheckResult, CodeJudges, JudgeSpec, Verdict
    from evalign.providers import (
        GenerateRequest,
        GenerateResult,
        ModelAPI,
        ScriptedModel,
        get_model,
    )
    from evalign.report.build import dataset_agreement, disagreements, run_report
    from evalign.runner import (
        RunSummary,
        ScoreBatch,
        cancel_run,
        resume_run,
        run_judge,
        score_items,
    )
    from evalign.runner.judge import Judge
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

# public name → the module that defines it
_WHERE = {
    **dict.fromkeys(("AlignConfig", "AlignmentRun", "accept_alignment", "align",
                     "alignment_history", "cancel_alignment", "execute_alignment",
                     "get_alignment", "reject_alignment", "start_alignment"), "evalign.align"),
    "Dataset": "evalign.data.dataset",
    "export_dataset": "evalign.data.export",
    **dict.fromkeys(("ImportSummary", "import_file"), "evalign.data.importer"),
    **dict.fromkeys(("ConfigError", "ConflictError", "CriterionChoiceError", "DataError",
                     "EvalignError", "NotFoundError", "ProviderError", "UserError"),
                    "evalign.errors"),
    "Item": "evalign.items",
    **dict.fromkeys(("CheckResult", "CodeJudges", "JudgeSpec", "Verdict"), "evalign.judges"),
    **dict.fromkeys(("GenerateRequest", "GenerateResult", "ModelAPI", "ScriptedModel",
                     "get_model"), "evalign.providers"),
    **dict.fromkeys(("dataset_agreement", "disagreements", "run_report"),
                    "evalign.report.build"),
    **dict.fromkeys(("RunSummary", "ScoreBatch", "cancel_run", "resume_run", "run_judge",
                     "score_items"), "evalign.runner"),
    "Judge": "evalign.runner.judge",
    "ScoreConfig": "evalign.scores",
    **dict.fromkeys(("Comparison", "agreement_report", "annotator_agreement",
                     "comparisons_from_lists", "paired_report"), "evalign.stats"),
    **dict.fromkeys(("Store", "open_store"), "evalign.store"),
    "create_app": "evalign.web",
}

__all__ = [
    "AlignConfig",
    "AlignmentRun",
    "CheckResult",
    "CodeJudges",
    "Comparison",
    "ConfigError",
    "ConflictError",
    "CriterionChoiceError",
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


def __getattr__(name: str) -> Any:
    """Load a public name on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'evalign' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(ModuleType):
    """`evalign.align` is the function (the Python twin of `evalign align`), even after the
    package of the same name is imported: importing a submodule sets the parent's attribute
    to the submodule, which this setter ignores for that one name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "align" and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # Pickled by name, as a plain module is: a function or class that names `evalign`
        # must still ship to Ray, Spark or Dask workers (cloudpickle copies it by value).
        return import_module, (self.__name__,)


sys.modules[__name__].__class__ = _Package
