"""Audience counts across processes: each reports its own, every one adds them up.

With ``--workers`` each process holds some of a deck's sockets. Every process
publishes its own counts per deck (when they change, and again every
``refresh`` seconds) as an event through the backend; each keeps what the
others said and drops a process it has not heard from for ``expire``
seconds. With one process the events come back to their sender and are
ignored: the counts are then the hub's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from presenter.backend import Backend
from presenter.core.errors import Unavailable
from presenter.core.session import Event
from presenter.hub import Hub

PRESENCE_EVENT = "presence"


class SharedPresence:
    """Connects a hub's presence to the other processes' through ``backend``.

    Args:
        origin: this process's name in events (unique among processes).
        refresh: seconds between reports of unchanged counts.
        expire: seconds after which a silent process's counts are dropped.
    """

    def __init__(
        self,
        backend: Backend,
        hub: Hub,
        origin: str,
        refresh: float = 2.0,
        expire: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._hub = hub
        self._origin = origin
        self._refresh = refresh
        self._expire = expire
        self._clock = clock
        self._local: dict[str, tuple[int, int]] = {}
        self._remote: dict[str, dict[str, tuple[int, int, float]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        hub.remote_presence = self.remote
        hub.on_local_presence = self.local_changed

    def start(self) -> None:
        """Report and expire on a timer from now on (call from the running loop)."""
        self._timer = asyncio.get_running_loop().call_later(self._refresh, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for task in self._tasks:
            task.cancel()

    def remote(self, deck: str) -> tuple[int, int]:
        """What the other processes last said about ``deck``: audience, following."""
        audience = following = 0
        for count, follow, _ in self._remote.get(deck, {}).values():
            audience += count
            following += follow
        return audience, following

    def local_changed(self, deck: str, audience: int, following: int) -> None:
        """This process's counts of ``deck`` changed (the hub tells)."""
        if self._local.get(deck) == (audience, following):
            return
        self._local[deck] = (audience, following)
        self._report(deck)

    def _report(self, deck: str) -> None:
        audience, following = self._local[deck]
        value = {"audience": audience, "following": following}
        task = asyncio.ensure_future(
            self._backend.publish(Event(deck, PRESENCE_EVENT, value, self._origin))
        )
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            with contextlib.suppress(Unavailable):
                task.result()  # the next refresh tries again

    def heard_event(self, event: Event) -> None:
        """A presence report from any process (this one's own are ignored)."""
        if event.name != PRESENCE_EVENT or event.origin == self._origin:
            return
        audience, following = event.value.get("audience"), event.value.get("following")
        if not (isinstance(audience, int) and isinstance(following, int)):
            return
        if audience < 0 or not 0 <= following <= audience:
            return
        self._remote.setdefault(event.deck, {})[event.origin] = (
            audience,
            following,
            self._clock(),
        )
        self._hub.presence_changed(event.deck)

    def _tick(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._refresh, self._tick)
        for deck, counts in list(self._local.items()):
            self._report(deck)
            if counts == (0, 0):
                del self._local[deck]  # said once more; silence means zero
        now = self._clock()
        for deck, processes in list(self._remote.items()):
            stale = [o for o, (_, _, at) in processes.items() if now - at > self._expire]
            for origin in stale:
                del processes[origin]
            if stale:
                self._hub.presence_changed(deck)
            if not processes:
                del self._remote[deck]
