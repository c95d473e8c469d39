"""Judges: specs, template rendering, prompts, answer parsing, built-in and code judges.

The `Judge` facade, which calls a judge through the runner's retries and cache, lives in
`evalign.runner.judge` (public as `evalign.Judge`).
"""

from evalign.judges.code import CodeJudges
from evalign.judges.scorer import score_item
from evalign.judges.spec import CheckResult, JudgeSpec, Verdict

__all__ = ["CheckResult", "CodeJudges", "JudgeSpec", "Verdict", "score_item"]
