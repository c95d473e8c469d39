"""Retrying one model call: bounded attempts, exponential backoff with jitter, a per-call timeout.

Retried: `RateLimitError` (waiting `Retry-After` when the provider sent it), `TransientError`,
timeouts and dropped connections. Not retried: any other `ProviderError` (bad key, bad request).
Unreadable answers are retried once by the scorer, not here.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from evalign.errors import ProviderError, RateLimitError, TransientError
from evalign.runner.limits import AdaptiveLimiter

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one call.

    Attributes:
        attempts: calls at most, the first included, for failures (5xx, timeouts, ...).
        rate_limit_attempts: calls at most while the provider keeps answering 429: being told
            to slow down is not a failure of the call, so it has its own, larger budget.
        base_delay: seconds before the first retry; doubles each time.
        max_delay: the longest single wait (also caps a provider's Retry-After).
        timeout: seconds one call may take before it counts as a transient failure.
    """

    attempts: int = 6
    rate_limit_attempts: int = 30
    base_delay: float = 0.5
    max_delay: float = 30.0
    timeout: float = 300.0

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff before retry number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


async def call_with_retry(call: Callable[[], Awaitable[T]], policy: RetryPolicy,
                          limiter: AdaptiveLimiter) -> tuple[T, int]:
    """Run `call` under the limiter until it succeeds or the attempts run out.

    Returns:
        The result and the number of attempts it took.

    Raises:
        ProviderError: the last failure, once the attempts are spent (or at once if not worth
            retrying).
    """
    attempt = failures = limited = 0
    while True:
        attempt += 1
        epoch = limiter.epoch
        try:
            async with limiter.slot() as epoch:
                result = await asyncio.wait_for(call(), timeout=policy.timeout)
                limiter.on_success()
        except RateLimitError as exc:
            limiter.on_rate_limited(epoch)
            limited += 1
            failure: ProviderError = exc
            spent = limited >= policy.rate_limit_attempts
            wait = min(policy.max_delay, exc.retry_after) if exc.retry_after is not None \
                else policy.backoff(limited)
        except (TransientError, TimeoutError, ConnectionError, OSError) as exc:
            failures += 1
            failure = exc if isinstance(exc, TransientError) else TransientError(_describe(exc))
            spent = failures >= policy.attempts
            wait = policy.backoff(failures)
        else:
            return result, attempt
        if spent:
            raise failure
        await asyncio.sleep(wait)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "the model call timed out"
    return f"connection failed: {exc}" if str(exc) else f"connection failed ({type(exc).__name__})"
