"""Browser sign-in sessions: a signed cookie that carries when it was issued, and sign-out.

The cookie is `ISSUED.NONCE.MAC`: `ISSUED` the Unix time of sign-in, `NONCE` random, `MAC` an
HMAC-SHA256 of both keyed by the access token. So the token never sits in a cookie, changing the
token ends every session, and a session ends `ttl_s` after sign-in whatever the browser keeps.
Signing out revokes the nonce on the server too (until the cookie would have expired anyway), so
a copied cookie stops working at sign-out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

Clock = Callable[[], float]

CLOCK_SKEW_S = 60.0
"""How far in the future an issue time may lie (clocks of several server processes)."""


class Sessions:
    """Issue, check and revoke session cookies for one access token.

    Args:
        token: the server's access token (the signing key).
        ttl_s: session lifetime in seconds.
        max_revoked: how many signed-out sessions are remembered; past it the oldest is
            forgotten (it expires on its own within `ttl_s` anyway).
        clock: wall-clock time in seconds (tests pass their own).
    """

    def __init__(self, token: str, ttl_s: float, *, max_revoked: int = 100_000,
                 clock: Clock = time.time):
        self._key = token.encode()
        self.ttl_s = ttl_s
        self._clock = clock
        self._max_revoked = max_revoked
        self._revoked: OrderedDict[str, float] = OrderedDict()  # nonce → expiry
        self._lock = threading.Lock()

    def issue(self) -> str:
        """A new session cookie value."""
        issued = str(int(self._clock()))
        nonce = secrets.token_urlsafe(16)
        return f"{issued}.{nonce}.{self._mac(issued, nonce)}"

    def valid(self, cookie: str) -> bool:
        """Whether `cookie` is a session this server issued, unexpired and not signed out."""
        parts = cookie.split(".")
        if len(parts) != 3 or not parts[0].isdigit():
            return False
        issued, nonce, mac = parts
        if not hmac.compare_digest(mac.encode(), self._mac(issued, nonce).encode()):
            return False
        age = self._clock() - int(issued)
        if not -CLOCK_SKEW_S <= age < self.ttl_s:
            return False
        with self._lock:
            return nonce not in self._revoked

    def revoke(self, cookie: str) -> None:
        """Sign the session out (a cookie that is not a valid session is ignored)."""
        if not self.valid(cookie):
            return
        issued, nonce, _ = cookie.split(".")
        now = self._clock()
        with self._lock:
            self._revoked[nonce] = int(issued) + self.ttl_s
            while self._revoked and (len(self._revoked) > self._max_revoked
                                     or next(iter(self._revoked.values())) <= now):
                self._revoked.popitem(last=False)

    def _mac(self, issued: str, nonce: str) -> str:
        message = f"evalign-session|{issued}|{nonce}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
