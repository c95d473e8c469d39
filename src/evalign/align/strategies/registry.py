"""The optimizer registry: strategy name → factory, in the order the pipeline applies them.

`guidelines` → `fewshot` → `threshold` → `calibrate` build on each other; `decompose` starts
from the base judge and competes with the best so far (on pairwise data it writes checks per
instruction and learns a tie margin). `--strategy` is checked against this registry, and the
run's phase list is made from the chosen strategies' phases only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from evalign.align.strategies.base import Optimizer
from evalign.align.strategies.calibrate import CalibrateOptimizer
from evalign.align.strategies.decompose import DecomposeOptimizer
from evalign.align.strategies.fewshot import FewShotOptimizer
from evalign.align.strategies.guidelines import GuidelinesOptimizer
from evalign.align.strategies.threshold import ThresholdOptimizer
from evalign.errors import ConfigError, SettingError

Factory = Callable[[], Optimizer]

OPTIMIZERS: Mapping[str, Factory] = MappingProxyType({
    "guidelines": GuidelinesOptimizer,
    "fewshot": FewShotOptimizer,
    "threshold": ThresholdOptimizer,
    "calibrate": CalibrateOptimizer,
    "decompose": DecomposeOptimizer,
})
"""Every strategy, in application order (read-only: a constant, not shared state)."""

STRATEGIES: tuple[str, ...] = tuple(OPTIMIZERS)
FIRST_PHASES = ("loading annotations", "building disagreement traces")
LAST_PHASES = ("verifying", "finalizing")
REFIT_PHASE = "refitting on all non-test items"


def make_optimizer(name: str) -> Optimizer:
    """A new optimizer for the strategy `name`.

    Raises:
        ConfigError: no strategy has that name (the message lists them).
    """
    factory = OPTIMIZERS.get(name)
    if factory is None:
        raise ConfigError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
    return factory()


def parse_strategies(text: str | Sequence[str]) -> tuple[str, ...]:
    """Read `--strategy guidelines,threshold` into registry order.

    Raises:
        SettingError: a name is not registered, or none is given (the message lists the names).
    """
    items = text.split(",") if isinstance(text, str) else text
    names = [s.strip() for s in items if s.strip()]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown or not names:
        # Named as the library names the setting: each shell renders its own name for it.
        given = ", ".join(map(repr, unknown)) or "(none)"
        raise SettingError(("strategies", f"unknown {given}; choose from {','.join(STRATEGIES)}"))
    return tuple(n for n in STRATEGIES if n in names)


def phases_for(strategies: Sequence[str], *, folds: int | None = None) -> list[str]:
    """The phases a run with these strategies goes through, in order (each listed once)."""
    middle = [make_optimizer(n).phase for n in parse_strategies(strategies)]
    refit = [REFIT_PHASE] if folds and folds > 1 else []
    return list(dict.fromkeys([*FIRST_PHASES, *middle, *LAST_PHASES[:1], *refit,
                               *LAST_PHASES[1:]]))
