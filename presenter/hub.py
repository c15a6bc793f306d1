"""The open live connections of this process, grouped by deck."""

from __future__ import annotations

import asyncio
from typing import Protocol

from presenter.core import protocol
from presenter.core.frames import Frame
from presenter.core.protocol import Role


class Connection(Protocol):
    """What the hub needs of a socket (WebSocket or SSE stream)."""

    deck: str
    role: Role

    def send(self, frame: str) -> None:
        """Send one message to this client; never raises for a closed socket."""

    def push(self, frame: Frame) -> None:
        """Send a broadcast frame; a client that cannot keep up may get only the
        newest of the frames whose ``latest_wins`` is true. Never raises."""


class Streamed(Connection, Protocol):
    """A connection that needs traffic now and then to stay open (SSE)."""

    def heartbeat(self) -> None:
        """Write something harmless."""


class Hub:
    """Tracks connections per deck, broadcasts frames and reports presence.

    A broadcast encodes its frame once and hands the same bytes to every
    connection; it never waits for a slow one. Presence frames go to a deck's
    presenters at most once per ``presence_interval`` seconds, and only when
    the audience count changed. Must be used from the event loop's thread.
    """

    def __init__(self, presence_interval: float = 0.25) -> None:
        self._decks: dict[str, set[Connection]] = {}
        # Broadcasts iterate a tuple rebuilt only when membership changes.
        self._snapshots: dict[str, tuple[Connection, ...]] = {}
        self._presence_interval = presence_interval
        self._presence_sent: dict[str, int] = {}
        self._presence_due: dict[str, asyncio.TimerHandle] = {}
        self._streams: set[Streamed] = set()
        self._heartbeat: asyncio.TimerHandle | None = None

    def add(self, conn: Connection) -> None:
        """Register an open connection."""
        self._decks.setdefault(conn.deck, set()).add(conn)
        self._snapshots.pop(conn.deck, None)
        self._presence_changed(conn.deck)

    def remove(self, conn: Connection) -> None:
        """Forget a closed connection (unknown ones are ignored)."""
        conns = self._decks.get(conn.deck)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        self._snapshots.pop(conn.deck, None)
        if not conns:
            del self._decks[conn.deck]
        self._presence_changed(conn.deck)

    def add_stream(self, conn: Streamed, heartbeat_every: float = 15.0) -> None:
        """Register an SSE stream: like :meth:`add`, plus a heartbeat every so often."""
        self.add(conn)
        self._streams.add(conn)
        if self._heartbeat is None:
            self._schedule_heartbeat(heartbeat_every)

    def remove_stream(self, conn: Streamed) -> None:
        """Forget a closed SSE stream."""
        self._streams.discard(conn)
        self.remove(conn)

    def _schedule_heartbeat(self, every: float) -> None:
        loop = asyncio.get_running_loop()
        self._heartbeat = loop.call_later(every, self._beat, every)

    def _beat(self, every: float) -> None:
        self._heartbeat = None
        for conn in list(self._streams):
            conn.heartbeat()
        if self._streams:
            self._schedule_heartbeat(every)

    def promote(self, conn: Connection) -> None:
        """Make ``conn`` a presenter; the audience count of its deck drops by one."""
        conn.role = "presenter"
        self._presence_changed(conn.deck)

    def audience_count(self, deck: str) -> int:
        """How many non-presenter connections ``deck`` has."""
        return sum(1 for conn in self._decks.get(deck, ()) if conn.role != "presenter")

    def connections(self, deck: str) -> tuple[Connection, ...]:
        """The deck's connections (a snapshot; safe to iterate while they change)."""
        snapshot = self._snapshots.get(deck)
        if snapshot is None:
            snapshot = tuple(self._decks.get(deck, ()))
            self._snapshots[deck] = snapshot
        return snapshot

    def broadcast(self, deck: str, frame: Frame | str) -> None:
        """Send ``frame`` to every connection of ``deck``."""
        if isinstance(frame, str):
            frame = Frame.parse(frame)
        for conn in self.connections(deck):
            conn.push(frame)

    def broadcast_presenters(self, deck: str, frame: Frame | str) -> None:
        """Send ``frame`` to the presenter connections of ``deck``."""
        if isinstance(frame, str):
            frame = Frame.parse(frame)
        for conn in self.connections(deck):
            if conn.role == "presenter":
                conn.push(frame)

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
        """Cancel pending presence and heartbeat timers."""
        for handle in self._presence_due.values():
            handle.cancel()
        self._presence_due.clear()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
