"""The project's own exceptions: every failure a user can cause or meet is one of these.

Each carries one plain sentence (``str(err)``) and, where there is one, a way on (``hint``).
"""

from __future__ import annotations


class SynthError(Exception):
    """Base class: a message meant for a person, never a traceback."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    def full(self) -> str:
        """The message followed by the hint, for one-line display."""
        if not self.hint:
            return self.message
        # a message from elsewhere (pydantic's, an OS error's) may end without a stop
        stop = "" if self.message.rstrip().endswith((".", "!", "?", ":", ")")) else "."
        return f"{self.message}{stop} {self.hint}".strip()


class InputError(SynthError):
    """Bad input from a file or the user: names the file, line or field."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None,
                 field: str = "", hint: str = "") -> None:
        where = path
        if line is not None:
            where = f"{path}, line {line}" if path else f"line {line}"
        if field:
            where = f"{where}, field '{field}'" if where else f"field '{field}'"
        text = f"{where}: {message}" if where else message
        super().__init__(text, hint)
        self.path = path
        self.line = line
        self.field = field
        self.reason = message


class ConfigError(InputError):
    """The configuration file or an environment variable holds a bad value."""


class BackendError(SynthError):
    """A model backend failed; ``kind`` says how (for retry decisions and tests)."""

    #: kinds that a loop may retry after a pause
    RETRYABLE = frozenset({"unreachable", "busy", "timeout", "stream", "server"})

    def __init__(self, message: str, hint: str = "", *, kind: str = "error") -> None:
        super().__init__(message, hint)
        self.kind = kind

    @property
    def retryable(self) -> bool:
        return self.kind in self.RETRYABLE


class StoreError(SynthError):
    """The pool database could not be opened or written."""
