"""Polls: how a deck writes them, what a vote may be, and a poll's state.

A poll's votes are counted by :class:`presenter.interaction.Interaction`;
here are only values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from presenter.core.errors import ProtocolError

MAX_OPTIONS = 12
MAX_POLL_TEXT = 200
FENCE_INFO = "poll"

Status = Literal["ready", "open", "closed"]
PollAction = Literal["open", "close", "reveal", "conceal", "reset"]
POLL_ACTIONS: tuple[PollAction, ...] = ("open", "close", "reveal", "conceal", "reset")

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SETTING = re.compile(r"^(id|multiple|hideResults)\s*:\s*(.*)$")


@dataclass(frozen=True, slots=True)
class PollSpec:
    """A poll as the deck writes it; ``h``/``v`` is the slide holding it."""

    id: str
    question: str
    options: tuple[str, ...]
    multiple: bool = False
    hide_results: bool = False
    h: int = 0
    v: int = 0

    def to_json(self) -> dict[str, Any]:
        """What pages are told about it (in their config)."""
        return {
            "id": self.id,
            "question": self.question,
            "options": list(self.options),
            "multiple": self.multiple,
            "hideResults": self.hide_results,
            "slide": {"h": self.h, "v": self.v},
        }


class PollSyntaxError(ValueError):
    """A poll the deck wrote that cannot be used; the message says why."""


def slug(text: str) -> str:
    """An id made from a poll's question: lower-case words joined by ``-``."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    made = "-".join(words)[:48].strip("-")
    return made or "poll"


def parse_block(body: str) -> PollSpec:
    """A ```` ```poll ```` block's text: the question, ``- `` options, settings.

    The id is the ``id:`` setting, else made from the question; the caller
    makes ids unique within a deck.

    Raises:
        PollSyntaxError: no question, fewer than two options, a bad setting.
    """
    question = ""
    options: list[str] = []
    settings: dict[str, str] = {}
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("- ", "* ")) or line in ("-", "*"):
            options.append(line[2:].strip())
            continue
        setting = _SETTING.match(line)
        if setting and question:
            settings[setting.group(1)] = setting.group(2).strip()
            continue
        if question:
            raise PollSyntaxError(f"poll: unexpected line {line[:40]!r} (options start with '- ')")
        question = line
    return make_spec(
        question,
        options,
        settings.get("id"),
        _flag(settings.get("multiple"), "multiple"),
        _flag(settings.get("hideResults"), "hideResults"),
    )


def make_spec(
    question: str, options: list[str], poll_id: str | None, multiple: bool, hide_results: bool
) -> PollSpec:
    """A checked :class:`PollSpec` (HTML decks build theirs from ``data-poll`` markup).

    Raises:
        PollSyntaxError: what is wrong with it.
    """
    if not question:
        raise PollSyntaxError("poll: the first line must be the question")
    if len(question) > MAX_POLL_TEXT:
        raise PollSyntaxError(f"poll: the question is over {MAX_POLL_TEXT} characters")
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise PollSyntaxError(f"poll: needs 2 to {MAX_OPTIONS} options ('- ' lines)")
    if any(not option or len(option) > MAX_POLL_TEXT for option in options):
        raise PollSyntaxError("poll: an option is empty or too long")
    if poll_id is not None and not _ID.match(poll_id):
        raise PollSyntaxError(
            f"poll: id {poll_id!r} must be lower-case letters, digits, '-' or '_'"
        )
    return PollSpec(poll_id or slug(question), question, tuple(options), multiple, hide_results)


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.lower() == "false":
        return False
    if value.lower() == "true":
        return True
    raise PollSyntaxError(f"poll: {name} must be true or false")


def unique_ids(specs: list[PollSpec], explicit: set[str] | None = None) -> list[PollSpec]:
    """``specs`` with ids made unique in order (``-2``, ``-3``, ...).

    Raises:
        PollSyntaxError: two polls set the same ``id`` themselves.
    """
    seen: set[str] = set()
    unique = []
    for spec in specs:
        poll_id = spec.id
        if poll_id in seen:
            if explicit and poll_id in explicit:
                raise PollSyntaxError(f"poll: two polls have the id {poll_id!r}")
            n = 2
            while f"{poll_id}-{n}" in seen:
                n += 1
            poll_id = f"{poll_id}-{n}"
        seen.add(poll_id)
        unique.append(replace(spec, id=poll_id))
    return unique


def parse_choices(spec: PollSpec, value: object) -> tuple[int, ...]:
    """A vote's ``choices``, checked against the poll; ``()`` withdraws.

    Raises:
        ProtocolError: ``bad_message`` for anything but distinct option
            indexes, or several on a single-choice poll.
    """
    if not isinstance(value, list):
        raise ProtocolError("bad_message", "choices must be a list of option numbers")
    choices = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ProtocolError("bad_message", "choices must be a list of option numbers")
        if not 0 <= item < len(spec.options) or item in choices:
            raise ProtocolError("bad_message", "a choice is not an option of this poll")
        choices.append(item)
    if len(choices) > 1 and not spec.multiple:
        raise ProtocolError("bad_message", "this poll takes one choice")
    return tuple(sorted(choices))


@dataclass(frozen=True, slots=True)
class PollState:
    """Where a poll stands. ``round`` grows on each reset: votes of earlier
    rounds no longer count."""

    status: Status = "ready"
    revealed: bool = False
    round: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "revealed": self.revealed, "round": self.round}

    @classmethod
    def from_json(cls, value: object) -> PollState:
        """Read the stored form; anything damaged reads as a poll not yet opened."""
        if not isinstance(value, dict):
            return cls()
        status, revealed, count = value.get("status"), value.get("revealed"), value.get("round")
        if status not in ("ready", "open", "closed") or not isinstance(revealed, bool):
            return cls()
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return cls()
        return cls(status, revealed, count)

    def after(self, action: PollAction) -> PollState:
        """The state after a presenter's ``action``."""
        if action == "open":
            return replace(self, status="open")
        if action == "close":
            return replace(self, status="closed")
        if action in ("reveal", "conceal"):
            return replace(self, revealed=action == "reveal")
        return PollState(round=self.round + 1)


def tally(spec: PollSpec, ballots: dict[str, tuple[int, ...]]) -> list[int]:
    """Votes per option."""
    counts = [0] * len(spec.options)
    for choices in ballots.values():
        for choice in choices:
            if 0 <= choice < len(counts):
                counts[choice] += 1
    return counts
