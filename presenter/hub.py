"""The open live connections of this process, grouped by deck.

One connection's failure never reaches the others: a connection whose
``push`` or ``heartbeat`` raises is dropped and forgotten, and the broadcast,
keep-alive round or API call that met it carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Protocol, cast

from presenter.core import protocol
from presenter.core.frames import Frame
from presenter.core.protocol import Role


class Connection(Protocol):
    """What the hub needs of a socket (WebSocket or SSE stream)."""

    deck: str
    role: Role

    def send(self, frame: Frame) -> None:
        """Send one message to this client; never raises for a closed socket."""

    def push(self, frame: Frame) -> None:
        """Send a broadcast frame; a client that cannot keep up may get only the
        newest of the frames whose ``latest_wins`` is true. Never raises."""

    def drop(self) -> None:
        """Close at once, without a closing handshake (the hub gave up on it)."""


log = logging.getLogger("presenter.hub")


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
        self._presence_sent: dict[str, tuple[int, int]] = {}
        # Set when presence is shared between processes (see presenter.presence).
        self.remote_presence: Callable[[str], tuple[int, int]] | None = None
        self.on_local_presence: Callable[[str, int, int], None] | None = None
        self._presence_due: dict[str, asyncio.TimerHandle] = {}
        self._keepalives: dict[float, KeepAlive] = {}

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
        """Register a connection that needs :meth:`Streamed.heartbeat` about every
        ``heartbeat_every`` seconds (SSE comments, WebSocket pings), as well as :meth:`add`."""
        self.add(conn)
        if heartbeat_every > 0:
            self._keepalive(heartbeat_every).add(conn)

    def remove_stream(self, conn: Connection) -> None:
        """Forget a closed connection registered with :meth:`add_stream`."""
        for group in self._keepalives.values():
            group.discard(conn)
        self.remove(conn)

    def _keepalive(self, every: float) -> KeepAlive:
        group = self._keepalives.get(every)
        if group is None:
            group = self._keepalives[every] = KeepAlive(every, self.failed)
        return group

    def promote(self, conn: Connection) -> None:
        """Make ``conn`` a presenter; the audience count of its deck drops by one."""
        conn.role = "presenter"
        self._presence_changed(conn.deck)

    def audience_count(self, deck: str) -> int:
        """How many non-presenter connections ``deck`` has."""
        return sum(1 for conn in self._decks.get(deck, ()) if conn.role != "presenter")

    def local_presence(self, deck: str) -> tuple[int, int]:
        """This process's audience connections of ``deck``, and how many of them
        follow the presenter (a connection follows unless it said otherwise)."""
        audience = following = 0
        for conn in self._decks.get(deck, ()):
            if conn.role != "presenter":
                audience += 1
                following += getattr(conn, "following", True)
        return audience, following

    def presence(self, deck: str) -> tuple[int, int]:
        """The audience of ``deck`` and how many follow, across every process."""
        audience, following = self.local_presence(deck)
        if self.remote_presence is not None:
            more, more_following = self.remote_presence(deck)
            audience, following = audience + more, following + more_following
        return audience, following

    def presence_frame(self, deck: str) -> Frame:
        """The ``presence`` frame of ``deck`` as it stands."""
        return protocol.presence(*self.presence(deck))

    def set_following(self, conn: Connection, following: bool) -> None:
        """Record whether an audience connection follows the presenter or browses."""
        if getattr(conn, "following", True) != following:
            conn.following = following  # type: ignore[attr-defined]
            self.presence_changed(conn.deck)

    def connections(self, deck: str) -> tuple[Connection, ...]:
        """The deck's connections (a snapshot; safe to iterate while they change)."""
        snapshot = self._snapshots.get(deck)
        if snapshot is None:
            snapshot = tuple(self._decks.get(deck, ()))
            self._snapshots[deck] = snapshot
        return snapshot

    def broadcast(self, deck: str, frame: Frame) -> None:
        """Send ``frame`` to every connection of ``deck``; never raises."""
        for conn in self.connections(deck):
            try:
                conn.push(frame)
            except Exception:
                self.failed(conn)

    def broadcast_audience(self, deck: str, frame: Frame) -> None:
        """Send ``frame`` to the audience connections of ``deck``; never raises."""
        for conn in self.connections(deck):
            if conn.role != "presenter":
                try:
                    conn.push(frame)
                except Exception:
                    self.failed(conn)

    def broadcast_presenters(self, deck: str, frame: Frame) -> None:
        """Send ``frame`` to the presenter connections of ``deck``; never raises."""
        for conn in self.connections(deck):
            if conn.role == "presenter":
                try:
                    conn.push(frame)
                except Exception:
                    self.failed(conn)

    def failed(self, conn: Connection) -> None:
        """Forget and drop a connection that raised where it must not (a bug of ours)."""
        log.exception("dropping a live connection of deck %s that failed", conn.deck)
        self.remove_stream(conn)
        try:
            conn.drop()
        except Exception:
            log.exception("dropping it failed too")

    def decks(self) -> list[str]:
        """Decks with at least one connection."""
        return list(self._decks)

    def presence_changed(self, deck: str) -> None:
        """Send presenters the new presence of ``deck`` soon (at most every
        ``presence_interval`` seconds), if it changed."""
        self._presence_changed(deck)

    def _presence_changed(self, deck: str) -> None:
        if deck in self._presence_due:
            return
        loop = asyncio.get_running_loop()
        self._presence_due[deck] = loop.call_later(
            self._presence_interval, self._send_presence, deck
        )

    def _send_presence(self, deck: str) -> None:
        self._presence_due.pop(deck, None)
        if self.on_local_presence is not None:
            try:
                self.on_local_presence(deck, *self.local_presence(deck))
            except Exception:
                log.exception("sharing the presence of deck %s failed", deck)
        counts = self.presence(deck)
        if self._presence_sent.get(deck) == counts:
            return
        self._presence_sent[deck] = counts
        self.broadcast_presenters(deck, protocol.presence(*counts))

    def close(self) -> None:
        """Cancel pending presence and heartbeat timers."""
        for handle in self._presence_due.values():
            handle.cancel()
        self._presence_due.clear()
        for group in self._keepalives.values():
            group.close()


class KeepAlive:
    """Calls ``heartbeat()`` on each member once per ``every`` seconds.

    One timer for all members: a wheel of slots visited in turn, a slot per
    tick (a second, or a quarter of ``every`` when that is shorter). A member
    joins the slots round-robin and stays in its slot, so ten thousand
    sockets get their pings spread over the interval, each exactly ``every``
    seconds apart, and the first within ``every`` seconds of joining.
    """

    def __init__(self, every: float, on_error: Callable[[Connection], None]) -> None:
        self._every = every
        self._on_error = on_error
        self._tick_every = min(1.0, every / 4)
        self._wheel: list[dict[Connection, None]] = [
            {} for _ in range(max(1, round(every / self._tick_every)))
        ]
        self._slot_of: dict[Connection, int] = {}
        self._cursor = 0  # the slot the next tick visits
        self._placed = 0  # round-robin counter for new members
        self._timer: asyncio.TimerHandle | None = None

    def add(self, conn: Streamed) -> None:
        if conn in self._slot_of:
            return
        slot = self._placed % len(self._wheel)
        self._placed += 1
        self._wheel[slot][conn] = None
        self._slot_of[conn] = slot
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._tick_every, self._tick)

    def discard(self, conn: Connection) -> None:
        slot = self._slot_of.pop(conn, None)
        if slot is not None:
            self._wheel[slot].pop(conn, None)

    def _tick(self) -> None:
        self._timer = None
        slot = self._wheel[self._cursor]
        self._cursor = (self._cursor + 1) % len(self._wheel)
        self._beat(list(slot))
        if self._slot_of:
            self._timer = asyncio.get_running_loop().call_later(self._tick_every, self._tick)

    def _beat(self, members: Iterable[Connection]) -> None:
        for conn in members:
            if conn not in self._slot_of:
                continue  # left during this round
            try:
                cast(Streamed, conn).heartbeat()  # only add() puts members here
            except Exception:
                self._on_error(conn)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
