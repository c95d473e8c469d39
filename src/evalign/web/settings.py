"""What the operator decides about one server: who may reach it, how much it reads, for how long.

`ServerSettings` is built once (by `evalign serve` from its options, or by a test) and kept on
`app.state.settings`; nothing here is global. The defaults suit the default loopback bind.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass, field
from pathlib import Path

from evalign.errors import ConfigError
from evalign.store.urls import sqlite_file

MIB = 1 << 20
MIN_TOKEN_CHARS = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")
ANY_HOST = "*"


@dataclass(frozen=True)
class ServerSettings:
    """One server's limits and trust decisions.

    Attributes:
        bind: the address the server listens on; it and (for loopback) the loopback names are
            the Host headers it answers to.
        allowed_hosts: further Host names it answers to (`--allowed-host`; `*` turns the check
            off, for a reverse proxy that checks Host itself).
        max_body_bytes: the largest request body of every route but uploads (bytes).
        max_upload_bytes: the largest upload (a labeled file, multipart body; bytes).
        max_score_batch: the most items one online-scoring request may carry.
        session_ttl_s: how long a browser sign-in lasts (seconds).
        model_paths: folders or `.gguf` files a `local/PATH` model may come from, besides the
            model cache (`--allow-model-path`).
        upload_dir: where uploads wait for their import; None means next to the SQLite file
            (`DB.uploads/`), or the user's data folder for other stores.
        online_sample_pass: the share (0-1) of online PASS verdicts routed to the annotation
            queue with every FAIL (`--online-sample-pass`); None routes nothing.
        online_sample_seed: the seed of that deterministic sample (`--online-sample-seed`).
    """

    bind: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 1 * MIB
    max_upload_bytes: int = 100 * MIB
    max_score_batch: int = 100
    session_ttl_s: float = 12 * 3600.0
    model_paths: tuple[Path, ...] = field(default_factory=tuple)
    upload_dir: Path | None = None
    online_sample_pass: float | None = None
    online_sample_seed: str = "evalign"

    def host_names(self) -> frozenset[str] | None:
        """The Host names (lower case, no port) this server answers to; None when any."""
        extra = {bare_host(h) for h in self.allowed_hosts}
        if ANY_HOST in extra:
            return None
        names = extra | {bare_host(self.bind)}
        if _is_loopback(self.bind) or self.bind in WILDCARD_BINDS:
            names |= set(LOOPBACK_NAMES)
        if self.bind in WILDCARD_BINDS:
            names |= _own_names()
        names.discard("")
        return frozenset(names)


def check_token(token: str | None) -> str | None:
    """The access token, refused when too short to withstand guessing.

    Raises:
        ConfigError: a token shorter than 16 characters.
    """
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"EVALIGN_TOKEN is {len(token)} characters long: use at least {MIN_TOKEN_CHARS} "
            "random characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`)")
    return token


def upload_root(store_url: str, configured: Path | None) -> Path:
    """Where a store's uploads wait: the configured folder, else beside the SQLite file.

    Stores without a file (PostgreSQL, in-memory SQLite) use the user's data folder.
    """
    if configured is not None:
        return configured.expanduser()
    db = sqlite_file(store_url)
    if db is not None:
        return db.with_name(db.name + ".uploads")
    import platformdirs

    return Path(platformdirs.user_data_dir("evalign")) / "uploads"


def bare_host(host: str) -> str:
    """A `Host` header or an address as a lower-case name without port or IPv6 brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def is_address(host: str) -> bool:
    """Whether `host` (as `bare_host` returns it) is an IP address rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _own_names() -> set[str]:
    """This machine's names and addresses (what a client of a wildcard bind may type)."""
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    with contextlib.suppress(OSError):  # an unresolvable host name: its names still count
        names |= {str(a[4][0]).lower() for a in socket.getaddrinfo(socket.gethostname(), None)}
    return names
