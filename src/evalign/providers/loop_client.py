"""An SDK client kept per event loop, shared by the hosted providers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar


class _Closable(Protocol):
    async def close(self) -> Any: ...


ClientT = TypeVar("ClientT", bound=_Closable)


class LoopClient(Generic[ClientT]):
    """Makes the client on first use and again whenever the running event loop changes.

    An httpx connection pool belongs to the loop it was opened on, and one runner may call
    `asyncio.run()` several times, so a client is never carried over to another loop.

    Args:
        make: builds a fresh client.
        abandon: lets go of a client whose loop has ended (closing it would need that loop);
            by default it is only dropped.
    """

    def __init__(self, make: Callable[[], ClientT],
                 abandon: Callable[[ClientT], None] | None = None):
        self._make = make
        self._abandon = abandon
        self._client: ClientT | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> ClientT:
        """The client of the running loop."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            if self._client is not None and self._abandon is not None:
                self._abandon(self._client)
            self._client = self._make()
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the current client's connections (a later `get` opens new ones)."""
        if self._client is not None:
            await self._client.close()
            self._client = None
