"""Score configs: the scale of a label or verdict, and normalization to pass/fail and 0–100.

A score config is written as a short spec string on the command line:

    pass_fail                      PASS / FAIL (any case, also true/false, yes/no, 1/0)
    thumbs                         up / down
    stars                          1–5, pass from 3
    numeric:MIN:MAX[:THRESHOLD]    a number in [MIN, MAX]; pass when ≥ THRESHOLD (default midpoint)
    categorical:A,B,C[:B,C]        ordered labels; the optional second list is the pass set
                                   (default: the upper half)
    pairwise                       1 (first output better), 2 (second), 0 / tie
    text                           free text; never compared
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from evalign.errors import ConfigError

ScaleKind = Literal["pass_fail", "thumbs", "stars", "numeric", "categorical", "pairwise", "text"]
Value = str | float | int | bool
"""A label or verdict value after parsing: `"pass"`/`"fail"`, `"up"`/`"down"`, a number, a
category name, or a pairwise choice 0/1/2."""

_TRUE = {"pass", "true", "yes", "y", "1", "ok", "good", "up", "thumbs_up", "👍", "+1"}
_FALSE = {"fail", "false", "no", "n", "0", "bad", "down", "thumbs_down", "👎", "-1"}
_TIE = {"0", "tie", "draw", "equal", "both", "0.0"}
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class ScoreConfig(BaseModel):
    """The scale of a label or verdict."""

    model_config = ConfigDict(frozen=True)

    kind: ScaleKind
    min: float | None = None
    max: float | None = None
    threshold: float | None = None
    labels: tuple[str, ...] = ()
    pass_labels: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> ScoreConfig:
        if self.kind == "numeric":
            if self.min is None or self.max is None or not self.min < self.max:
                raise ValueError("numeric scale needs min < max")
            if self.threshold is not None and not self.min <= self.threshold <= self.max:
                raise ValueError("numeric threshold must lie within [min, max]")
        if self.kind == "categorical":
            if len(self.labels) < 2:
                raise ValueError("categorical scale needs at least two labels")
            if not set(self.pass_labels) <= set(self.labels):
                raise ValueError("categorical pass set must be a subset of its labels")
        return self

    # ---- construction -------------------------------------------------------------------

    @classmethod
    def parse(cls, spec: str | dict[str, Any] | ScoreConfig) -> ScoreConfig:
        """Build a score config from a spec string, a dict or a JSON string.

        Raises:
            ConfigError: the spec is not understood; the message shows the accepted forms.
        """
        if isinstance(spec, ScoreConfig):
            return spec
        try:
            if isinstance(spec, dict):
                return cls._from_dict(spec)
            text = spec.strip()
            if text.startswith("{"):
                return cls._from_dict(json.loads(text))
            return cls._from_string(text)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"bad scale {spec!r}: {exc}. Use pass_fail, thumbs, stars, "
                "numeric:MIN:MAX[:THRESHOLD], categorical:A,B,C[:PASS,...], pairwise or text"
            ) from exc

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> ScoreConfig:
        config = cls.model_validate(data)
        return config._with_defaults()

    @classmethod
    def _from_string(cls, text: str) -> ScoreConfig:
        kind, _, rest = text.partition(":")
        kind = kind.strip().lower().replace("-", "_")
        if kind in {"pass_fail", "passfail", "binary", "boolean", "bool"}:
            return cls(kind="pass_fail")
        if kind in {"thumbs", "stars", "pairwise", "text"}:
            return cls(kind=kind)._with_defaults()
        if kind == "numeric":
            parts = [p for p in rest.split(":") if p.strip()]
            if len(parts) not in (2, 3):
                raise ValueError("numeric needs MIN:MAX[:THRESHOLD]")
            nums = [float(p) for p in parts]
            return cls(kind="numeric", min=nums[0], max=nums[1],
                       threshold=nums[2] if len(nums) == 3 else None)._with_defaults()
        if kind == "categorical":
            labels_part, _, pass_part = rest.partition(":")
            labels = tuple(s.strip() for s in labels_part.split(",") if s.strip())
            passes = tuple(s.strip() for s in pass_part.split(",") if s.strip())
            return cls(kind="categorical", labels=labels, pass_labels=passes)._with_defaults()
        raise ValueError(f"unknown kind {kind!r}")

    def _with_defaults(self) -> ScoreConfig:
        if self.kind == "stars":
            return self.model_copy(update={"min": 1.0, "max": 5.0, "threshold": 3.0})
        if self.kind == "numeric" and self.threshold is None:
            assert self.min is not None and self.max is not None
            return self.model_copy(update={"threshold": (self.min + self.max) / 2})
        if self.kind == "categorical" and not self.pass_labels:
            upper = self.labels[len(self.labels) // 2:]
            return self.model_copy(update={"pass_labels": upper})
        return self

    def spec(self) -> str:
        """The short spec string that parses back to this config."""
        if self.kind == "numeric":
            return f"numeric:{_num(self.min)}:{_num(self.max)}:{_num(self.threshold)}"
        if self.kind == "categorical":
            return f"categorical:{','.join(self.labels)}:{','.join(self.pass_labels)}"
        return self.kind

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that `parse` reads back."""
        return self.model_dump(mode="json", exclude_defaults=True) | {"kind": self.kind}

    # ---- values ---------------------------------------------------------------------------

    def parse_value(self, raw: Any) -> Value:
        """Read a raw label or verdict into this scale's canonical value.

        Raises:
            ValueError: the value lies outside the scale (callers add file:line).
        """
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            raise ValueError("empty value")
        if self.kind == "text":
            return str(raw)
        text = str(raw).strip()
        low = text.lower()
        if self.kind in ("pass_fail", "thumbs"):
            return self._binary(low, text)
        if self.kind == "pairwise":
            return self._pairwise(low, text)
        if self.kind == "categorical":
            for label in self.labels:
                if label.lower() == low:
                    return label
            raise ValueError(f"must be one of {', '.join(self.labels)}, got {text!r}")
        return self._number(text)

    def _binary(self, low: str, text: str) -> str:
        yes, no = ("pass", "fail") if self.kind == "pass_fail" else ("up", "down")
        if low in _TRUE:
            return yes
        if low in _FALSE:
            return no
        raise ValueError(f"must be {yes.upper()} or {no.upper()}, got {text!r}")

    @staticmethod
    def _pairwise(low: str, text: str) -> int:
        if low in _TIE:
            return 0
        if low in {"1", "1.0", "a", "output_1", "first"}:
            return 1
        if low in {"2", "2.0", "b", "output_2", "second"}:
            return 2
        raise ValueError(f"must be 1, 2 or 0 (tie), got {text!r}")

    def _number(self, text: str) -> float:
        # Plain ASCII decimals only: float() also reads "1_0" as 10 and other scripts'
        # digits, which no label or answer means.
        if not _DECIMAL.fullmatch(text.strip()):
            raise ValueError(f"must be a number, got {text!r}")
        number = float(text)
        low, high = self.bounds()
        if math.isnan(number) or not low <= number <= high:
            raise ValueError(f"must lie in [{_num(low)}, {_num(high)}], got {text}")
        if self.kind == "stars" and number != int(number):
            raise ValueError(f"stars must be a whole number 1–5, got {text}")
        return int(number) if self.kind == "stars" else number

    def bounds(self) -> tuple[float, float]:
        """The scale's [min, max] on its own units (0/1 for binary scales)."""
        if self.kind in ("numeric", "stars"):
            assert self.min is not None and self.max is not None
            return self.min, self.max
        if self.kind == "categorical":
            return 0.0, float(len(self.labels) - 1)
        return 0.0, 1.0

    # ---- normalization ----------------------------------------------------------------------

    def to_pass(self, value: Value) -> bool | None:
        """Pass/fail of a canonical value; None where the scale has none (text, pairwise)."""
        if self.kind == "pass_fail":
            return value == "pass"
        if self.kind == "thumbs":
            return value == "up"
        if self.kind in ("numeric", "stars"):
            assert self.threshold is not None
            return float(value) >= self.threshold
        if self.kind == "categorical":
            return value in self.pass_labels
        return None

    def to_100(self, value: Value) -> float | None:
        """The value on 0–100: linear for numbers and booleans, bucket midpoints for categories.

        Rounded to `DECIMALS_100` places, so that 57 on 0–100 is 57.0, not 57.00000000000001.
        """
        if self.kind in ("pass_fail", "thumbs"):
            return 100.0 if self.to_pass(value) else 0.0
        if self.kind in ("numeric", "stars"):
            low, high = self.bounds()
            return round((float(value) - low) / (high - low) * 100.0, DECIMALS_100)
        if self.kind == "categorical":
            index = self.labels.index(str(value))
            return round((index + 0.5) / len(self.labels) * 100.0, DECIMALS_100)
        return None

    @property
    def group(self) -> str:
        """Which family the scale belongs to, for deciding what can be compared."""
        return {"pass_fail": "boolean", "thumbs": "boolean", "stars": "numeric",
                "numeric": "numeric"}.get(self.kind, self.kind)


DECIMALS_100 = 9
"""Decimal places kept on the 0–100 scale, and in gaps between two 0–100 values: far finer
than any scale's step, coarser than float noise (12.3 − 11.3 is 0.9999999999999982), so that
a gap of exactly one point is 1.0 and never counts as aligned (< 1)."""


def comparable(human: ScoreConfig, judge: ScoreConfig) -> bool:
    """Whether a human label on `human` and a verdict on `judge` can be compared.

    Text never compares; pairwise only with pairwise; categorical only with categorical of the
    same labels or with a boolean scale (through its pass set); boolean and numeric scales compare
    with each other through pass/fail and 0–100.
    """
    groups = {human.group, judge.group}
    if "text" in groups:
        return False
    if "pairwise" in groups:
        return groups == {"pairwise"}
    if groups == {"categorical"}:
        return human.labels == judge.labels
    return groups != {"categorical", "numeric"}


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


PASS_FAIL = ScoreConfig(kind="pass_fail")
