"""The checks of a decomposed candidate: listed in the outcome, editable before `accept`.

A candidate built by `decompose` asks either fixed questions (a checklist written from the
criterion and the disagreements) or one question per point of each item's rubric. The outcome
lists them (`checks_listing`); a user who disagrees with a question edits a small file and
accepts with it (`evalign align accept RUN --checks FILE`), and `edit_checks` builds the version
that is saved. The file is YAML or JSON, either a list of questions or a mapping:

    questions: [Does the response cite a source?, Does the response answer the question?]
    glossary: {ARR: annual recurring revenue}
    split: rules            # or model; only for a per-item rubric
    question_template: Does the response cover {concept}?
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from evalign.errors import ConfigError
from evalign.judges.aggregate import METHODS, NUMERIC_METHODS
from evalign.judges.glossary import check_glossary
from evalign.judges.spec import JudgeSpec, Verdict

EDITABLE = ("questions", "glossary", "split", "question_template", "aggregation")
ASKED = frozenset({"questions", "glossary", "split", "question_template"})
"""The edits that change which checks are asked (what was learned on the old ones is void)."""
FEATURES = 5
"""How many features a logistic aggregation weighs (`evalign.judges.aggregate.features`)."""
SAMPLE_ITEMS = 3


def checks_listing(spec: JudgeSpec, verdicts: Sequence[Verdict] = ()) -> dict[str, Any] | None:
    """What the candidate asks: its fixed questions, or its rubric rule and sample questions.

    Returns None for a candidate that is not decomposed.
    """
    if spec.kind != "decomposed":
        return None
    config = spec.checks
    listing: dict[str, Any] = {k: config[k] for k in EDITABLE if k in config}
    if config.get("calibration"):
        listing["calibration"] = config["calibration"]  # learned, shown, not editable
    if config.get("instruction_checklist"):
        listing["instruction_checklist"] = True
        listing["pairwise_checks"] = config.get("pairwise_checks", "checklist")
        listing["examples"] = [[c.question for c in v.checks] for v in verdicts
                               if v.value is not None and v.checks][:SAMPLE_ITEMS]
    if config.get("rubric_field"):
        listing["rubric_field"] = config["rubric_field"]
        listing["split"] = config.get("split", "rules")
        listing["examples"] = [[c.question for c in v.checks] for v in verdicts
                               if v.value is not None and v.checks][:SAMPLE_ITEMS]
    return listing


def load_checks(path: str | Path) -> dict[str, Any]:
    """Read an edited checks file (see the module docstring).

    Raises:
        ConfigError: unreadable, not YAML/JSON, or a part of the wrong shape (with the file).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
        data: Any = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}:{exc.lineno}: cannot read the checks (JSON: {exc.msg}); give "
                          "a list of questions or a mapping of " + ", ".join(EDITABLE)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else str(file)
        what = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"{where}: cannot read the checks (YAML: {what}); give a list of "
                          "questions or a mapping of " + ", ".join(EDITABLE)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{file}: cannot read the checks ({why}); give the path of a UTF-8 "
                          "YAML or JSON file") from exc
    return check_edit(data, str(file))


def check_edit(data: Any, where: str = "checks") -> dict[str, Any]:
    """Validate an edit: a list of questions, or a mapping of the `EDITABLE` keys.

    Raises:
        ConfigError: an unknown key, an empty or non-text question, an unknown split.
    """
    if isinstance(data, list):
        data = {"questions": data}
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{where}: give a list of questions or a mapping with any of "
                          f"{', '.join(EDITABLE)}")
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(map(str, unknown))}; "
                          f"editable: {', '.join(EDITABLE)}")
    edit = dict(data)
    if "questions" in edit:
        edit["questions"] = _check_questions(edit["questions"], where)
    if "glossary" in edit:
        edit["glossary"] = check_glossary(edit["glossary"], where)
    if edit.get("split", "rules") not in ("rules", "model"):
        raise ConfigError(f"{where}: split is 'rules' or 'model', not {edit['split']!r}")
    if "question_template" in edit and "{concept}" not in str(edit["question_template"]):
        raise ConfigError(f"{where}: question_template must contain {{concept}}")
    if "aggregation" in edit:
        edit["aggregation"] = _check_aggregation(edit["aggregation"], where)
    return edit


def _check_questions(questions: Any, where: str) -> list[str]:
    """Distinct, plain-text questions; each is asked exactly as written.

    A `{placeholder}` would reach the model unfilled (the item's fields are shown beside the
    question, never substituted into it), and a repeated question would weigh twice.
    """
    if not isinstance(questions, list) or not questions:
        raise ConfigError(f"{where}: questions must be a non-empty list of text")
    seen: dict[str, int] = {}
    for number, question in enumerate(questions, start=1):
        if not isinstance(question, str) or not question.strip():
            raise ConfigError(f"{where}: question {number} is empty or not text "
                              f"({question!r}); give each question as a line of text")
        text = question.strip()
        placeholder = re.search(r"\{\w+\}", text)
        if placeholder:
            raise ConfigError(f"{where}: question {number} has the placeholder "
                              f"{placeholder.group()}, which is never filled: the item's fields "
                              "are shown beside each question; ask it without the braces")
        if text in seen:
            raise ConfigError(f"{where}: question {number} repeats question {seen[text]}; "
                              "a repeated question would count twice")
        seen[text] = number
    return [q.strip() for q in questions]


def _check_aggregation(value: Any, where: str) -> dict[str, Any]:
    """An aggregation mapping whose method is known and whose parameters are numbers."""
    known = (*METHODS, *(m for m in NUMERIC_METHODS if m not in METHODS))
    if not isinstance(value, dict) or value.get("method") not in known:
        raise ConfigError(f"{where}: aggregation must be a mapping with method one of "
                          f"{', '.join(known)} (e.g. {{method: min_threshold, threshold: 0.5}})")
    for key in ("threshold", "max_failed", "intercept"):
        if key in value and not _number(value[key]):
            raise ConfigError(f"{where}: aggregation {key} must be a number")
    if value["method"] == "logistic" and not (
            isinstance(value.get("coef"), list) and len(value["coef"]) == FEATURES
            and all(_number(c) for c in value["coef"]) and "intercept" in value):
        raise ConfigError(f"{where}: a logistic aggregation needs coef (a list of {FEATURES} "
                          "numbers) and intercept")
    return dict(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def edit_checks(spec: JudgeSpec, edit: dict[str, Any]) -> JudgeSpec:
    """A copy of a decomposed `spec` with the edited parts replaced (validated first).

    Fixed questions replace a per-item rubric split; the learned aggregation is kept unless the
    edit gives one. An edit of what is asked, or of the aggregation, drops a numeric judge's
    calibration (learned on the old checks' scores): the saved version is untested, and its
    provenance says so.

    Raises:
        ConfigError: the candidate is not decomposed, or the edit is invalid.
    """
    if spec.kind != "decomposed":
        raise ConfigError("only a decomposed candidate has checks to edit (its strategy was "
                          "not decompose)")
    edit = check_edit(edit)
    method = (edit.get("aggregation") or {}).get("method")
    if spec.scale.group == "numeric" and method is not None and method not in NUMERIC_METHODS:
        raise ConfigError(f"checks: a numeric judge's aggregation is one of "
                          f"{', '.join(NUMERIC_METHODS)}, not {method!r} (it gives the score)")
    checks = dict(spec.checks) | edit
    if "questions" in edit:
        for key in ("rubric_field", "split"):
            checks.pop(key, None)
    if dropped_by_edit(spec, edit):
        # A map learned on the old checks' scores would silently misplace the new ones.
        checks.pop("calibration", None)
    return spec.model_copy(update={"checks": checks})


def dropped_by_edit(spec: JudgeSpec, edit: dict[str, Any]) -> list[str]:
    """What an edit makes the saved version lose: the calibration learned on the old checks,
    or on the old aggregation's score (a map fitted to a share of checks met would misplace a
    geometric mean; an averaged calibration holds its own aggregations, so the edited one would
    silently change nothing)."""
    if not spec.checks.get("calibration"):
        return []
    new_aggregation = "aggregation" in edit and edit["aggregation"] != spec.checks.get(
        "aggregation")
    return ["calibration"] if set(edit) & ASKED or new_aggregation else []
