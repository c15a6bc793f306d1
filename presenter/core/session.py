"""Numbered live state: a deck's slide position and, generally, any record of it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from presenter.core.errors import ProtocolError
from presenter.core.state import SlideState

SLIDE = "slide"
"""The kind of the record that holds a deck's slide state."""


@dataclass(frozen=True, slots=True)
class Record:
    """One kind of live state of one deck: a JSON object and its sequence number.

    ``seq`` grows by one per accepted change of that kind and never goes
    back. The slide state is kind :data:`SLIDE`; later kinds (a talk timer,
    questions) are records too, stored and published the same way.
    """

    deck: str
    kind: str
    seq: int
    value: dict[str, Any]

    def encode(self) -> str:
        """The record as JSON text (how backends store and publish it)."""
        return json.dumps(
            {"deck": self.deck, "kind": self.kind, "seq": self.seq, "value": self.value},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str | bytes) -> Record:
        """Read what :meth:`encode` wrote.

        Raises:
            ValueError: ``text`` is not such a record.
        """
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a record is a JSON object")
        deck, kind, seq, value = (data.get(k) for k in ("deck", "kind", "seq", "value"))
        if not (isinstance(deck, str) and isinstance(kind, str)):
            raise ValueError("a record needs a deck and a kind")
        if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(value, dict):
            raise ValueError("a record needs an integer seq and an object value")
        return cls(deck, kind, seq, value)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The slide state of one deck at sequence number ``seq``.

    ``seq`` grows by one per accepted change and never goes back.
    """

    deck: str
    seq: int = 0
    state: SlideState = SlideState()  # noqa: RUF009 (immutable, safe to share)

    def to_json(self) -> dict[str, Any]:
        """The body of ``GET /decks/<id>/api/state``."""
        return {"deck": self.deck, "seq": self.seq, "state": self.state.to_json()}

    def record(self) -> Record:
        """This snapshot as the deck's :data:`SLIDE` record."""
        return Record(self.deck, SLIDE, self.seq, self.state.to_json())

    @classmethod
    def of(cls, record: Record) -> Snapshot:
        """The snapshot a :data:`SLIDE` record holds.

        A value that is not a valid state (a row damaged on disk) gives the
        first slide, keeping ``seq`` so numbering never goes back.
        """
        try:
            state = SlideState.from_json(record.value)
        except ProtocolError:
            state = SlideState()
        return cls(record.deck, record.seq, state)


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a deck's keyed collection (a question, a voter's ballot).

    Unlike a :class:`Record`, items are many per deck and each changes on its
    own, so ten thousand voters write ten thousand small items rather than one
    big value. ``value`` ``None`` means the item was deleted.
    """

    deck: str
    coll: str
    key: str
    value: dict[str, Any] | None

    def encode(self) -> str:
        """The item as JSON text (how backends publish it)."""
        return json.dumps(
            {"deck": self.deck, "coll": self.coll, "key": self.key, "value": self.value},
            separators=(",", ":"),
        )


@dataclass(frozen=True, slots=True)
class Event:
    """Something every process of a deck should hear that is never stored
    (reaction taps, presence counts). ``origin`` names the process that sent it."""

    deck: str
    name: str
    value: dict[str, Any]
    origin: str

    def encode(self) -> str:
        return json.dumps(
            {"deck": self.deck, "event": self.name, "value": self.value, "origin": self.origin},
            separators=(",", ":"),
        )


def decode_published(text: str | bytes) -> Record | Item | Event:
    """Read what a backend published: a record, an item or an event.

    Raises:
        ValueError: it is none of them.
    """
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("deck"), str):
        raise ValueError("a published message is a JSON object with a deck")
    deck = data["deck"]
    if "coll" in data:
        coll, key, value = data.get("coll"), data.get("key"), data.get("value")
        if not (isinstance(coll, str) and isinstance(key, str)):
            raise ValueError("an item needs a coll and a key")
        if value is not None and not isinstance(value, dict):
            raise ValueError("an item's value is an object or null")
        return Item(deck, coll, key, value)
    if "event" in data:
        name, value, origin = data.get("event"), data.get("value"), data.get("origin")
        if not (isinstance(name, str) and isinstance(value, dict) and isinstance(origin, str)):
            raise ValueError("an event needs a name, an object value and an origin")
        return Event(deck, name, value, origin)
    return Record.decode(text)
