"""Judges: specs, template rendering, prompts, answer parsing, built-in and code judges."""

from evalign.judges.code import CodeJudges
from evalign.judges.judge import Judge
from evalign.judges.scorer import score_item
from evalign.judges.spec import CheckResult, JudgeSpec, Verdict

__all__ = ["CheckResult", "CodeJudges", "Judge", "JudgeSpec", "Verdict", "score_item"]
