"""Applies presenter changes: validate, persist, then publish to every socket.

Two modes. Alone (the default), this process numbers the changes, stores
each one in the state store (SQLite) before broadcasting it, and is the
only one serving the deck. Shared (``--broker redis://...``), Redis numbers
and stores the changes and every process broadcasts what Redis publishes;
this process keeps a copy of each deck's snapshot for welcomes and reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from presenter.broker import Broker
from presenter.core import protocol
from presenter.core.errors import ProtocolError, Unavailable
from presenter.core.frames import Frame
from presenter.core.session import Session, Snapshot
from presenter.core.state import SlideState
from presenter.hub import Hub
from presenter.redis_broker import RedisBroker
from presenter.store import StateStore

log = logging.getLogger("presenter.live")


class Live:
    """The live sessions of every deck this process serves.

    Args:
        store: where snapshots persist when this process is alone.
        broker: in-process fan-out (used when alone).
        hub: this process's sockets.
        shared: the Redis broker when several processes serve the decks.
    """

    def __init__(
        self, store: StateStore, broker: Broker, hub: Hub, shared: RedisBroker | None = None
    ) -> None:
        self._store = store
        self._broker = broker
        self._hub = hub
        self._shared = shared
        self._sessions: dict[str, Session] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._sent: dict[str, int] = {}
        broker.subscribe(hub.broadcast)

    async def start(self, decks: list[str]) -> None:
        """Connect to the shared state (if any) and read every deck's snapshot."""
        if self._shared is None:
            return
        self._shared.start(self._heard, self._status)
        for deck in decks:
            with contextlib.suppress(Unavailable):
                self._accept(await self._shared.load(deck))

    async def stop(self) -> None:
        """Disconnect from the shared state."""
        if self._shared is not None:
            await self._shared.stop()

    def _session(self, deck: str) -> Session:
        """The deck's session, read from the store the first time.

        Raises:
            Unavailable: the store cannot be read; nothing is assumed (a
                session started at ``seq`` 0 could go back), the next call retries.
        """
        session = self._sessions.get(deck)
        if session is None:
            initial = None if self._shared is not None else self._store.load(deck)
            session = Session(initial or Snapshot(deck))
            self._sessions[deck] = session
        return session

    def snapshot(self, deck: str) -> Snapshot:
        """The current snapshot of ``deck`` as this process knows it.

        When the store cannot be read yet, the start of the deck (``seq`` 0),
        which pages replace as soon as a real state arrives.
        """
        try:
            return self._session(deck).snapshot
        except Unavailable:
            return Snapshot(deck)

    async def set_state(self, deck: str, state: SlideState) -> Snapshot:
        """Apply a presenter's state and return the resulting snapshot.

        An unchanged state is not stored or broadcast and keeps its ``seq``.
        A changed one is stored before anything is sent.

        Changes to one deck are applied one at a time, in the order they came.

        Raises:
            Unavailable: the state cannot be stored (Redis unreachable, the
                SQLite file locked); nothing changed and nothing was sent.
        """
        if self._shared is not None:
            snapshot, _ = await self._shared.apply(deck, state, self.snapshot(deck).seq)
            self._session(deck).commit(snapshot)  # sockets get it from the subscription
            return snapshot
        lock = self._locks.get(deck)
        if lock is None:
            lock = self._locks[deck] = asyncio.Lock()
        async with lock:
            session = self._session(deck)
            proposed = session.propose(state)
            if proposed is None:
                return session.snapshot
            await self._store.save(proposed)
            session.commit(proposed)
            text = protocol.state_frame(proposed.seq, proposed.state)
            self._broker.publish(deck, Frame(text, "state", proposed.seq))
        return proposed

    def _accept(self, snapshot: Snapshot | None, text: str | None = None) -> None:
        """Take a snapshot from Redis if it is newer and broadcast it to this process's sockets."""
        if snapshot is None:
            return
        self._session(snapshot.deck).commit(snapshot)
        if snapshot.seq <= self._sent.get(snapshot.deck, 0):
            return
        self._sent[snapshot.deck] = snapshot.seq
        frame = text or protocol.state_frame(snapshot.seq, snapshot.state)
        self._hub.broadcast(snapshot.deck, Frame(frame, "state", snapshot.seq))

    def _heard(self, deck: str, text: str) -> None:
        try:
            value = json.loads(text)
            snapshot = Snapshot(deck, int(value["seq"]), SlideState.from_json(value["state"]))
        except (ValueError, KeyError, TypeError, ProtocolError):
            log.warning("ignoring a malformed frame published for deck %s", deck)
            return
        self._accept(snapshot, text)

    def _status(self, up: bool) -> None:
        if not up:
            frame = protocol.error("unavailable", "the shared state (Redis) is unavailable")
            for deck in self._hub.decks():
                self._hub.broadcast_presenters(deck, frame)
            return
        # Back: changes made elsewhere while we could not hear them are picked up now.
        asyncio.get_running_loop().create_task(self._resync())

    async def _resync(self) -> None:
        assert self._shared is not None
        for deck, session in list(self._sessions.items()):
            with contextlib.suppress(Unavailable):  # gone again: the next "up" retries
                stored = await self._shared.load(deck)
                if stored is None and session.snapshot.seq > 0:
                    # Redis came back empty: give it what we know, so seq never goes back.
                    await self._shared.seed(session.snapshot)
                    stored = await self._shared.load(deck)
                self._accept(stored)
