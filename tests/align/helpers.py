"""A small synthetic alignment set and scripted models for the alignment tests.

Each question has a complete answer (pass: it names every grading-note concept) and a truncated
one (fail: one concept missing). The scripted judge answers each check by looking for the concept
in the response, so a decomposed judge can reach full agreement while a whole-prompt judge that
always says PASS sits at 50%.
"""

from __future__ import annotations

import re
from typing import Any

from evalign.data.records import LabelIn, Row
from evalign.items import Item
from evalign.judges.spec import JudgeSpec
from evalign.providers.base import GenerateRequest
from evalign.providers.scripted import ScriptedModel
from evalign.scores import ScoreConfig
from evalign.store import Store, repo_datasets
from evalign.store.repo_judges import create_judge

WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta", "lambda", "rho"]
PROMPT = ("Check if the response contains points mentioned from the grading notes and return "
          "'pass' or 'fail'.\n\nResponse: {response}\nGrading Notes: {grading_notes}")


def rows(questions: int = 16) -> list[Row]:
    """Two rows per question: pass (every concept present) and fail (one concept missing)."""
    out = []
    for q in range(questions):
        concepts = [WORDS[(q + k) % len(WORDS)] for k in range(3)]
        notes = ", ".join(concepts)
        full = f"Answer {q}: " + " and ".join(f"{c} matters" for c in concepts) + "."
        short = f"Answer {q}: " + " and ".join(f"{c} matters" for c in concepts[:-1]) + "."
        for text, label, why in ((full, "pass", "covers every point"),
                                 (short, "fail", f"misses {concepts[-1]}")):
            item = Item({"question": f"question number {q}?", "grading_notes": notes,
                         "secret": label}, text, external_id=f"{q}-{label}")
            out.append(Row(item, (LabelIn("default", label, reasoning=why),), len(out) + 1))
    return out


def seed_store(store: Store, name: str = "bench", questions: int = 16) -> None:
    """A labeled dataset `name` and a custom judge `gn` (always PASS) on it."""
    with store.session() as s:
        repo_datasets.write_dataset(s, name, rows(questions), repo_datasets.Criteria(s))
        create_judge(s, "gn", JudgeSpec(prompt=PROMPT, model="scripted/constant:PASS"))


def check_answer(request: GenerateRequest) -> str:
    """Yes when the quoted concept of a check appears in the response; PASS for prompts."""
    text = str(request.messages[-1]["content"])
    if request.choices == ("Yes", "No"):
        quoted = re.findall(r'"([^"]+)"', text) or re.findall(r"mention (\w+)\?", text)
        concept = quoted[-1]
        response = text.split("Response:\n", 1)[1].rsplit("\n\n", 1)[0]
        return "Yes" if concept in response else "No"
    if request.choices:
        return "PASS"
    if text.startswith("Rewrite the grading notes"):
        notes = text.split("Grading notes:\n", 1)[1]
        return "\n".join(f"- {point.strip(' *')}" for point in re.split(r"[,;]", notes))
    return "- Check that every point of the grading notes is covered.\n- Be strict."


def as_dict(outcome: Any) -> dict[str, Any]:
    """An alignment outcome as a plain dict, whether stored as a dict or as a typed record."""
    return outcome if isinstance(outcome, dict) else dict(outcome.model_dump(mode="json"))


class Recorder(ScriptedModel):
    """A scripted model that keeps every request it saw."""

    def __init__(self) -> None:
        super().__init__(check_answer)
        self.requests: list[GenerateRequest] = []

    async def generate(self, request: GenerateRequest):  # type: ignore[no-untyped-def]
        self.requests.append(request)
        return await super().generate(request)


def lenient_rows(n: int = 24) -> list[Row]:
    """Numeric items: human scores spread 10–90 on `overall`; a `truth` field says human + 40,
    capped at 100 (what a too lenient judge answers)."""
    out = []
    for k in range(n):
        human = 10 + (k * 37) % 81
        item = Item({"question": f"q{k}", "truth": str(min(100, human + 40))}, f"answer {k}",
                    external_id=str(k))
        out.append(Row(item, (LabelIn("overall", float(human)),), k + 1))
    return out


def seed_rated(store: Store) -> None:
    """Dataset `rated` (`lenient_rows`) and judge `rater` answering its `truth` field."""
    scale = ScoreConfig(kind="numeric", min=0, max=100, threshold=50)
    with store.session() as s:
        repo_datasets.write_dataset(s, "rated", lenient_rows(), repo_datasets.Criteria(s, scale))
        create_judge(s, "rater", JudgeSpec(prompt="Rate 0-100: {question} {output} {truth}",
                                           scale=scale, model="scripted/field:truth"))
