"""The open live connections of this process, grouped by deck."""

from __future__ import annotations

import asyncio
from typing import Protocol

from presenter.core import protocol
from presenter.core.protocol import Role


class Connection(Protocol):
    """What the hub needs of a socket."""

    deck: str
    role: Role

    def send(self, frame: str) -> None:
        """Queue ``frame`` for the client; never raises for a closed socket."""


class Hub:
    """Tracks connections per deck, broadcasts frames and reports presence.

    Presence frames go to a deck's presenters at most once per
    ``presence_interval`` seconds, and only when the audience count changed.
    Must be used from the event loop's thread.
    """

    def __init__(self, presence_interval: float = 0.25) -> None:
        self._decks: dict[str, set[Connection]] = {}
        self._presence_interval = presence_interval
        self._presence_sent: dict[str, int] = {}
        self._presence_due: dict[str, asyncio.TimerHandle] = {}

    def add(self, conn: Connection) -> None:
        """Register an open connection."""
        self._decks.setdefault(conn.deck, set()).add(conn)
        self._presence_changed(conn.deck)

    def remove(self, conn: Connection) -> None:
        """Forget a closed connection (unknown ones are ignored)."""
        conns = self._decks.get(conn.deck)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        if not conns:
            del self._decks[conn.deck]
        self._presence_changed(conn.deck)

    def promote(self, conn: Connection) -> None:
        """Make ``conn`` a presenter; the audience count of its deck drops by one."""
        conn.role = "presenter"
        self._presence_changed(conn.deck)

    def audience_count(self, deck: str) -> int:
        """How many non-presenter connections ``deck`` has."""
        return sum(1 for conn in self._decks.get(deck, ()) if conn.role != "presenter")

    def connections(self, deck: str) -> list[Connection]:
        """A copy of the deck's connections."""
        return list(self._decks.get(deck, ()))

    def broadcast(self, deck: str, frame: str) -> None:
        """Send ``frame`` to every connection of ``deck``."""
        for conn in list(self._decks.get(deck, ())):
            conn.send(frame)

    def broadcast_presenters(self, deck: str, frame: str) -> None:
        """Send ``frame`` to the presenter connections of ``deck``."""
        for conn in list(self._decks.get(deck, ())):
            if conn.role == "presenter":
                conn.send(frame)

    def decks(self) -> list[str]:
        """Decks with at least one connection."""
        return list(self._decks)

    def _presence_changed(self, deck: str) -> None:
        if deck in self._presence_due:
            return
        loop = asyncio.get_running_loop()
        self._presence_due[deck] = loop.call_later(
            self._presence_interval, self._send_presence, deck
        )

    def _send_presence(self, deck: str) -> None:
        self._presence_due.pop(deck, None)
        count = self.audience_count(deck)
        if self._presence_sent.get(deck) == count:
            return
        self._presence_sent[deck] = count
        self.broadcast_presenters(deck, protocol.presence(count))

    def close(self) -> None:
        """Cancel pending presence timers."""
        for handle in self._presence_due.values():
            handle.cancel()
        self._presence_due.clear()
