"""The live state of every deck this process serves, and its one route to the sockets.

A change (a presenter's ``state``) is decided here from the newest record
this process knows, applied through the backend (which numbers, stores and
publishes it), and reaches sockets only when the backend reports it back:
every accepted record, from this process or another, takes the same path,
:meth:`LiveState.heard`, to the hub. Nothing here knows which backend is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from presenter.backend import (
    Backend,
    EventListener,
    ItemListener,
    RecordListener,
    StatusListener,
)
from presenter.core import protocol
from presenter.core.errors import Unavailable
from presenter.core.frames import Frame
from presenter.core.session import SLIDE, Event, Item, Record, Snapshot
from presenter.core.state import SlideState
from presenter.core.timer import TIMER, Action, TalkTimer
from presenter.hub import Hub

log = logging.getLogger("presenter.live")


class LiveState:
    """The live records of every deck, kept as this process last heard them.

    Args:
        backend: where records are stored and published.
        hub: this process's sockets.
        clock: wall-clock seconds (the talk timer's time).
    """

    def __init__(self, backend: Backend, hub: Hub, clock: Callable[[], float] = time.time) -> None:
        self._backend = backend
        self._hub = hub
        self._clock = clock
        self._records: dict[tuple[str, str], Record] = {}
        self._sent: dict[tuple[str, str], int] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._others: list[RecordListener] = []
        self._moves: list[Callable[[str, SlideState, SlideState], Awaitable[None]]] = []
        self._items: list[ItemListener] = []
        self._events: list[EventListener] = []
        self._statuses: list[StatusListener] = []

    @property
    def backend(self) -> Backend:
        """Where the live state is stored (what else is live is stored there too)."""
        return self._backend

    def listen(
        self,
        records: RecordListener | None = None,
        items: ItemListener | None = None,
        events: EventListener | None = None,
        status: StatusListener | None = None,
    ) -> None:
        """Also tell these about what the backend reports: records of kinds other
        than the slide and the timer, items, events, and when it is reachable
        again after an outage (what was missed meanwhile is theirs to read
        anew). Call before :meth:`start`."""
        if records is not None:
            self._others.append(records)
        if items is not None:
            self._items.append(items)
        if events is not None:
            self._events.append(events)
        if status is not None:
            self._statuses.append(status)

    def on_move(self, listener: Callable[[str, SlideState, SlideState], Awaitable[None]]) -> None:
        """Also await ``listener(deck, before, after)`` after each change of a deck's
        slide state made through this process (not those heard from others)."""
        self._moves.append(listener)

    async def start(self, decks: list[str]) -> None:
        """Connect the backend and read every deck's state before serving."""
        await self._backend.start(self.heard, self._status, self._heard_item, self._heard_event)
        for deck in decks:
            await self.track(deck)

    async def stop(self) -> None:
        """Disconnect the backend."""
        await self._backend.stop()

    async def track(self, deck: str) -> None:
        """Read a deck's state (a deck added while running); unreadable now, later."""
        with contextlib.suppress(Unavailable):
            await self._current(deck, SLIDE)
            await self._current(deck, TIMER)

    def snapshot(self, deck: str) -> Snapshot:
        """The slide state of ``deck`` as this process knows it (the first slide, seq 0,
        before anything is known)."""
        record = self._records.get((deck, SLIDE))
        return Snapshot.of(record) if record is not None else Snapshot(deck)

    async def set_state(self, deck: str, state: SlideState) -> Snapshot:
        """Apply a presenter's state and return the resulting snapshot.

        An unchanged state is not stored or broadcast and keeps its ``seq``.
        Changes to one deck are applied one at a time, in the order they came;
        sockets get a change once it is stored.

        Raises:
            Unavailable: the state cannot be stored (Redis unreachable, the
                SQLite file locked); nothing changed and nothing was sent.
        """
        key = (deck, SLIDE)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            current = await self._current(deck, SLIDE)
            if current is None and state == SlideState():
                return Snapshot(deck)  # the start of a deck nobody moved yet
            seen = current.seq if current is not None else 0
            before = Snapshot.of(current).state if current is not None else SlideState()
            record, changed = await self._backend.apply(deck, SLIDE, state.to_json(), seen)
            self._remember(record)
        if changed and (state.indexh, state.indexv) != (0, 0) and self.timer(deck)[1].pristine:
            # The talk starts when the speaker leaves the first slide.
            with contextlib.suppress(Unavailable):
                await self.work_timer(deck, "start")
        if changed:
            for listener in self._moves:
                try:
                    await listener(deck, before, state)
                except Unavailable:
                    pass  # the slide moved; what follows from it can be done by hand
                except Exception:
                    log.exception("a slide-change listener failed on deck %s", deck)
        return Snapshot.of(record)

    def timer(self, deck: str) -> tuple[int, TalkTimer]:
        """The talk timer of ``deck`` and its ``seq`` (0 and a reset timer before any)."""
        record = self._records.get((deck, TIMER))
        if record is None:
            return 0, TalkTimer()
        return record.seq, TalkTimer.from_json(record.value)

    def timer_frame(self, deck: str) -> Frame:
        """The ``timer`` message for a presenter who just arrived."""
        seq, timer = self.timer(deck)
        return protocol.timer(seq, timer, self._clock())

    async def work_timer(self, deck: str, action: Action) -> TalkTimer:
        """Start, pause or reset the talk timer of ``deck`` for every presenter device.

        Raises:
            Unavailable: it cannot be stored; nothing changed.
        """
        key = (deck, TIMER)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            current = await self._current(deck, TIMER)
            before = TalkTimer.from_json(current.value) if current is not None else TalkTimer()
            after = before.apply(action, self._clock())
            if after == before:
                return before
            seen = current.seq if current is not None else 0
            record, _ = await self._backend.apply(deck, TIMER, after.to_json(), seen)
            self._remember(record)
            return TalkTimer.from_json(record.value)

    async def _current(self, deck: str, kind: str) -> Record | None:
        record = self._records.get((deck, kind))
        if record is None:
            loaded = await self._backend.load(deck, kind)
            if loaded is not None:
                self._remember(loaded)
            record = self._records.get((deck, kind))
        return record

    def _remember(self, record: Record) -> bool:
        key = (record.deck, record.kind)
        known = self._records.get(key)
        if known is not None and record.seq <= known.seq:
            return False
        self._records[key] = record
        return True

    def heard(self, record: Record) -> None:
        """An accepted record from the backend: remember it and send it to the deck's
        sockets, once (records are numbered; an old or repeated one is dropped)."""
        self._remember(record)
        key = (record.deck, record.kind)
        if record.seq <= self._sent.get(key, 0):
            return
        self._sent[key] = record.seq
        if record.kind not in (SLIDE, TIMER):
            for listener in self._others:
                self._tell(listener, record)
            return
        if record.kind == TIMER:  # the speaker's business only
            timer = TalkTimer.from_json(record.value)
            frame = protocol.timer(record.seq, timer, self._clock())
            self._hub.broadcast_presenters(record.deck, frame)
            return
        snapshot = Snapshot.of(record)
        self._hub.broadcast(record.deck, protocol.state_frame(snapshot.seq, snapshot.state))

    def _heard_item(self, item: Item) -> None:
        for listener in self._items:
            self._tell(listener, item)

    def _heard_event(self, event: Event) -> None:
        for listener in self._events:
            self._tell(listener, event)

    @staticmethod
    def _tell(listener: Callable[[Any], None], what: Record | Item | Event | bool) -> None:
        # One listener's bug must not stop the others, nor the backend's reader.
        try:
            listener(what)
        except Exception:
            about = what if isinstance(what, bool) else f"{type(what).__name__} of {what.deck}"
            log.exception("a listener failed on %s", about)

    def _status(self, up: bool) -> None:
        for listener in self._statuses:
            self._tell(listener, up)
        if not up:
            frame = protocol.error("unavailable", "the shared state is unavailable")
            for deck in self._hub.decks():
                self._hub.broadcast_presenters(deck, frame)
            return
        # Back: changes made elsewhere while we could not hear them are picked up now.
        asyncio.get_running_loop().create_task(self._resync())

    async def _resync(self) -> None:
        for known in list(self._records.values()):
            with contextlib.suppress(Unavailable):  # gone again: the next "up" retries
                stored = await self._backend.load(known.deck, known.kind)
                if stored is None and known.seq > 0:
                    # The store came back empty: give it what we know, so seq never goes back.
                    stored, _ = await self._backend.apply(
                        known.deck, known.kind, known.value, known.seq - 1
                    )
                if stored is not None:
                    self.heard(stored)
