"""Every error the core raises.

Exception tree::

    PresenterError
    ├── ProtocolError   a wire message or state object is not acceptable;
    │                   carries ``code`` (an ``error`` frame's code)
    ├── DeckError       a deck cannot be found or loaded; carries ``path``
    │                   and, when known, ``line``
    └── Unavailable     the live state cannot be stored (Redis unreachable,
                        the SQLite file locked or gone); nothing changed,
                        try again

Handlers turn these into one clear line, an HTTP status or an ``error`` frame;
they never reach the user as a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

ErrorCode = Literal[
    "bad_json",
    "bad_message",
    "unknown_type",
    "unauthorized",
    "forbidden",
    "rate_limited",
    "unavailable",
    "disabled",
    "too_long",
    "empty",
    "closed",
    "not_found",
    "too_many",
]


class PresenterError(Exception):
    """Base class of every error raised on purpose by presenter."""


class ProtocolError(PresenterError):
    """A client sent something the protocol does not accept.

    Args:
        code: one of the documented error codes.
        message: a sentence for a human, safe to send back to the client.
        about: what the error frame also says about the message that caused it
            (``for``, its type, and its ``ref``, ``id`` or ``poll``).
    """

    def __init__(self, code: ErrorCode, message: str, about: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.about = about or {}


class DeckError(PresenterError):
    """A deck folder is missing, empty or holds a source that cannot be read.

    Args:
        path: the file or folder at fault.
        message: what is wrong, without the path.
        line: 1-based line number in ``path`` when the fault has one.
    """

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")

    @property
    def short(self) -> str:
        """The message with the file name only (``slides.md:3: ...``), for speakers' screens."""
        where = f"{self.path.name}:{self.line}" if self.line is not None else self.path.name
        return f"{where}: {self.message}"


class Unavailable(PresenterError):
    """The live state cannot be stored right now (Redis or the SQLite file)."""
