"""What one judge version is, and what one verdict is — as plain records, no database.

`JudgeSpec` is the content of an immutable judge version; `Verdict` is one result on one item.
Runners, optimizers, the store and the web app all pass these around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalign.scores import ScoreConfig, Value

JudgeKind = Literal["prompt", "code", "decomposed"]
OrderPolicy = Literal["tie", "uncertain"]
"""What a pairwise judge's answers become when the two orders disagree (`judges.pairwise`)."""
ORDER_POLICIES: tuple[OrderPolicy, ...] = get_args(OrderPolicy)


class JudgeSpec(BaseModel):
    """The content of one judge version.

    Attributes:
        kind: `prompt` (a template sent to a model), `code` (a registered Python function), or
            `decomposed` (one yes/no question per check, aggregated).
        prompt: the template; `{field}` names an item field. For a code judge: the function name.
        scale: the output score config.
        model: `provider/model`.
        params: sampling parameters (temperature, max_tokens, ...).
        few_shot: labeled examples shown to the judge: dicts with `fields`, `label`, `reasoning`.
        threshold: a decision threshold on p_pass (or on the numeric score) chosen by alignment;
            None means the model's own verdict decides.
        checks: for decomposed judges: `{"questions": [...], "aggregation": {...}}`; for
            pairwise judges: `position_swap` (ask both orders, default true) and
            `order_disagreement` (`tie` or `uncertain`, see `judges.pairwise`).
        guidelines: distilled guidelines appended to the prompt (kept apart for display).
    """

    model_config = ConfigDict(frozen=True)

    kind: JudgeKind = "prompt"
    prompt: str = ""
    scale: ScoreConfig = Field(default_factory=lambda: ScoreConfig(kind="pass_fail"))
    model: str = "local/qwen2.5-coder-1.5b"
    params: dict[str, Any] = Field(default_factory=dict)
    few_shot: list[dict[str, Any]] = Field(default_factory=list)
    threshold: float | None = None
    checks: dict[str, Any] = Field(default_factory=dict)
    guidelines: str = ""

    @field_validator("checks")
    @classmethod
    def _known_order_policy(cls, checks: dict[str, Any]) -> dict[str, Any]:
        policy = checks.get("order_disagreement")
        if policy is not None and policy not in ORDER_POLICIES:
            raise ValueError(f"checks.order_disagreement must be 'tie' or 'uncertain', got "
                             f"{policy!r}")
        return checks


@dataclass
class CheckResult:
    """One atomic check of a decomposed judge on one item."""

    question: str
    passed: bool | None
    p_yes: float | None = None
    p_null: float | None = None
    """P(yes) to the same question about a content-free response ("N/A"), when asked
    (`checks.content_free`); the verdict then reads `p_yes` against it."""


@dataclass
class Verdict:
    """One judge result on one item.

    `value` is None exactly when `error` is set: an unparseable answer is an error that keeps
    its raw text, never a guessed label.
    """

    value: Value | None
    reasoning: str = ""
    raw: str = ""
    p_pass: float | None = None
    error: str | None = None
    error_kind: str | None = None
    checks: list[CheckResult] = field(default_factory=list)
    attempts: int = 1
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None
    item_id: int | None = None
    sample: int = 0
