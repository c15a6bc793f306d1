"""Audience questions: what may be asked, who sees what, and what presenters do to them.

Pure values: :class:`presenter.interaction.Interaction` stores them through the
backend and sends them out.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Literal

from presenter.core.errors import ProtocolError

MAX_QUESTION = 280
MAX_NAME = 40
MAX_REF = 40

Status = Literal["pending", "visible", "hidden"]
STATUSES: tuple[Status, ...] = ("pending", "visible", "hidden")
Moderation = Literal["approve", "hide", "answer", "unanswer", "pin", "unpin"]
MODERATIONS: tuple[Moderation, ...] = ("approve", "hide", "answer", "unanswer", "pin", "unpin")

# Bidirectional overrides and isolates: they can make a question read as
# something else than what was typed.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_SPACES = {"\n", "\r", "\t", "\v", "\f", "\x85", "\u2028", "\u2029"}


def clean_text(value: object, limit: int, what: str) -> str:
    """Audience text as it may be stored: line breaks as spaces, control
    characters removed, trimmed, at most ``limit`` characters.

    Raises:
        ProtocolError: ``bad_message`` when ``value`` is not a string,
            ``too_long`` when it is longer than ``limit`` once cleaned.
    """
    if not isinstance(value, str):
        raise ProtocolError("bad_message", f"{what} must be a string")
    if len(value) > limit * 8:  # not worth cleaning
        raise ProtocolError("too_long", f"{what} is at most {limit} characters")
    kept = []
    for char in value:
        if char in _SPACES:
            kept.append(" ")
        elif char in _BIDI or unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    text = "".join(kept).strip()
    if len(text) > limit:
        raise ProtocolError("too_long", f"{what} is at most {limit} characters")
    return text


def question_id(voter: str, ref: str) -> str:
    """The id of the question ``voter`` asks under ``ref``: the same on a retry."""
    return "q" + hashlib.sha256(f"{voter}\0{ref}".encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Question:
    """One question. ``asker`` (a voter id) stays on the server."""

    id: str
    text: str
    name: str
    at: int  # when it was asked, ms since the epoch
    asker: str
    status: Status = "visible"
    answered: bool = False

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "id": self.id,
            "text": self.text,
            "name": self.name,
            "at": self.at,
            "asker": self.asker,
            "status": self.status,
            "answered": self.answered,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Question | None:
        """Read the stored form; ``None`` for anything damaged."""
        try:
            question = cls(
                id=str(value["id"]),
                text=str(value["text"]),
                name=str(value.get("name", "")),
                at=int(value["at"]),
                asker=str(value.get("asker", "")),
                status=value.get("status", "visible"),
                answered=bool(value.get("answered", False)),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return question if question.status in STATUSES else None

    def visible_to(self, voter: str) -> bool:
        """Whether an audience member sees it: approved, or their own awaiting approval."""
        return self.status == "visible" or (self.status == "pending" and self.asker == voter)

    def view(self, votes: int, presenter: bool) -> dict[str, Any]:
        """The wire form; presenters also get the status, the audience never the asker."""
        shown: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "name": self.name,
            "votes": votes,
            "answered": self.answered,
            "at": self.at,
        }
        if presenter:
            shown["status"] = self.status
        return shown

    def moderated(self, action: Moderation) -> Question:
        """The question after a presenter's ``action`` (pins are the deck's, see
        :class:`QaSettings`, and leave it as it is)."""
        if action == "approve":
            return replace(self, status="visible")
        if action == "hide":
            return replace(self, status="hidden")
        if action in ("answer", "unanswer"):
            return replace(self, answered=action == "answer")
        return self


# The switches of a ``questions`` message: wire name -> attribute of QaSettings.
SWITCHES = {
    "open": "open",
    "moderated": "moderated",
    "showPinned": "show_pinned",
    "showReactions": "show_reactions",
}


@dataclass(frozen=True, slots=True)
class QaSettings:
    """A deck's question switches and its pinned question."""

    open: bool = True
    moderated: bool = False
    show_pinned: bool = False
    show_reactions: bool = False
    pinned: str | None = None

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {wire: getattr(self, name) for wire, name in SWITCHES.items()}
        value["pinned"] = self.pinned
        return value

    @classmethod
    def from_json(cls, value: object) -> QaSettings:
        """Read the stored form; anything damaged reads as the defaults."""
        if not isinstance(value, dict):
            return cls()
        found: dict[str, Any] = {}
        for wire, name in SWITCHES.items():
            if isinstance(value.get(wire), bool):
                found[name] = value[wire]
        pinned = value.get("pinned")
        found["pinned"] = pinned if isinstance(pinned, str) else None
        return cls(**found)

    def switched(self, changes: dict[str, bool]) -> QaSettings:
        """These settings with some switches (wire names) changed."""
        changed: dict[str, Any] = {SWITCHES[k]: v for k, v in changes.items()}
        return replace(self, **changed)


def parse_switches(value: dict[str, Any]) -> dict[str, bool]:
    """The switches a ``questions`` message sets.

    Raises:
        ProtocolError: ``bad_message`` for a switch that is not a boolean, or none at all.
    """
    changes: dict[str, bool] = {}
    for wire in SWITCHES:
        if wire in value:
            if not isinstance(value[wire], bool):
                raise ProtocolError("bad_message", f"{wire} must be true or false")
            changes[wire] = value[wire]
    if not changes:
        raise ProtocolError(
            "bad_message", "questions needs open, moderated, showPinned or showReactions"
        )
    return changes
