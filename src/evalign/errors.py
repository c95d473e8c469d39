"""The one exception tree of evalign.

    EvalignError                 base; never raised directly
    ├── UserError                the user can fix it; the CLI prints the message and exits 2
    │   ├── DataError            a malformed input file or value (carries file:line)
    │   ├── ConfigError          a bad option, scale spec, template or model string
    │   │   ├── CriterionChoiceError  labels on several criteria: say which one to compare
    │   │   └── SettingError     a bad value of a named setting; each shell names it its way
    │   ├── NotFoundError        a named dataset, judge, run ... does not exist
    │   ├── ConflictError        a name is taken, or a state forbids the action
    │   ├── StoreBusy            the store stayed locked past a deadline: try again (exit 75)
    │   └── MissingExtraError    an optional dependency is not installed
    ├── ProviderError            a model call failed (after the runner's retries)
    │   ├── RateLimitError       429; carries retry_after seconds when the provider sent it
    │   ├── TransientError       5xx, timeouts, dropped connections: worth retrying
    │   ├── ContextLengthError   the prompt does not fit the model's context window
    │   └── ParseError           the answer could not be read as a verdict (keeps the raw text)
    └── ModelFileError           a local model file is missing or fails its sha256

Anything else that escapes is a bug and the CLI shows its traceback.
"""

from __future__ import annotations

from collections.abc import Callable


class EvalignError(Exception):
    """Base of every error evalign raises on purpose."""


class UserError(EvalignError):
    """An error the user can fix; the message says what to do next."""

    exit_code = 2


class DataError(UserError):
    """A malformed input file or value.

    Args:
        message: what is wrong and what to do.
        source: the file name (or other source) the problem is in.
        line: the 1-based line (or CSV row) number, when known.
    """

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        self.problem = message
        where = source or ""
        if source and line is not None:
            where = f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(UserError):
    """A bad option, scale spec, template or model string."""


class CriterionChoiceError(ConfigError):
    """A dataset has labels on several criteria and nothing says which one to compare.

    Args:
        choices: the criteria the caller may name, by name.
    """

    def __init__(self, choices: list[str]):
        self.choices = choices
        super().__init__(
            f"the dataset has labels on several criteria ({', '.join(choices)}): name one with "
            "--criterion NAME (on the web: ?criterion=NAME)"
        )


class SettingError(ConfigError):
    """Bad values of named settings (`strategies`, `ratios`, ...), named as the library names them.

    The CLI and the web API call the same setting differently (`--strategy` / `strategies`), so
    the error keeps the names apart from the words and each shell renders it (`render`) with
    its own; `str()` uses the library's names.

    Args:
        problems: (setting, what is wrong and what to do) pairs. The text may name other
            settings as `{name}` (e.g. "give {dataset} or {from_runs}"), rendered the same way.
    """

    def __init__(self, *problems: tuple[str, str]):
        self.problems = problems
        super().__init__(self.render({}))

    def render(self, names: dict[str, str]) -> str:
        """The message with each setting called `names.get(setting, setting)`."""
        def named(setting: str) -> str:
            return names.get(setting, setting)

        fields = _AnyName(named)
        return "; ".join(f"{named(setting)}: {text.format_map(fields)}"
                         for setting, text in self.problems)


class _AnyName(dict[str, str]):
    """A mapping for `str.format_map` that names any setting through `named`."""

    def __init__(self, named: Callable[[str], str]):
        super().__init__()
        self.named = named

    def __missing__(self, key: str) -> str:
        return self.named(key)


class NotFoundError(UserError):
    """A named object does not exist."""


class ConflictError(UserError):
    """A name is taken or the object's state forbids the action."""


class StoreBusy(UserError):
    """The database stayed locked (another writer) until the deadline; nothing was written.

    Args:
        message: what was being done and what to do.
        retry_after: seconds worth waiting before trying again (the web's `Retry-After`).
    """

    exit_code = 75  # EX_TEMPFAIL: a temporary failure, worth retrying

    def __init__(self, message: str, retry_after: float = 5.0):
        super().__init__(message)
        self.retry_after = retry_after


class MissingExtraError(UserError):
    """An optional dependency is missing: the message names the pip extra."""

    def __init__(self, package: str, extra: str):
        super().__init__(
            f"{package} is not installed: run `pip install 'evalign[{extra}]'` to use this feature"
        )


class ProviderError(EvalignError):
    """A model call failed."""

    kind = "provider_error"


class RateLimitError(ProviderError):
    """The provider answered 429."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(ProviderError):
    """A failure worth retrying: 5xx, timeout, dropped connection."""

    kind = "transient"


class ContextLengthError(ProviderError):
    """The prompt (plus the answer's room) is longer than the model's context window."""

    kind = "context_length"


class ParseError(ProviderError):
    """The model's answer could not be read as a verdict.

    Args:
        message: what was wrong; the stored message starts with the kind (`"ambiguous: ..."`),
            so a verdict's error text says why even where only the text is kept.
        raw: the answer exactly as the model wrote it.
        kind: why, machine-readable (one of `KINDS`): `empty` (no text at all), `unreadable`
            (no verdict found, or the answer ends inside a reasoning block), `ambiguous` (both
            verdicts appear and nothing decides between them), `out_of_scale` (a number the
            judge's scale cannot hold). The runner stores it as the verdict's `error_kind`.

    Raises:
        ValueError: `kind` is not one of `KINDS` (a bug in the caller).
    """

    KINDS = ("empty", "unreadable", "ambiguous", "out_of_scale")
    kind = "unreadable"

    def __init__(self, message: str, raw: str, kind: str = "unreadable"):
        if kind not in self.KINDS:
            raise ValueError(f"ParseError kind must be one of {self.KINDS}, got {kind!r}")
        prefix = "" if message.startswith(f"{kind}:") else f"{kind}: "
        super().__init__(prefix + message)
        self.raw = raw
        self.kind = kind


class ModelFileError(EvalignError):
    """A local model file is missing or its sha256 does not match."""
