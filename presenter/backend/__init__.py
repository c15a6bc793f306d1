"""The one seam for live state: load, apply, subscribe.

Every piece of live state is a :class:`~presenter.core.session.Record` (a
deck, a kind, a JSON value, a ``seq``). A backend stores records and tells
every process that listens about each accepted change, its own included:

* :class:`~presenter.backend.local.LocalBackend`: one process, SQLite.
* :class:`~presenter.backend.redis.RedisBackend`: any number of processes and
  machines sharing one Redis.

:class:`presenter.livestate.LiveState` talks to this protocol only, so a new
kind of live state is written once and works with both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from presenter.core.session import Event, Item, Record

RecordListener = Callable[[Record], None]
"""Called with every accepted record, in ``seq`` order per deck and kind."""
ItemListener = Callable[[Item], None]
"""Called with every stored change of an item, in the order they were stored."""
EventListener = Callable[[Event], None]
"""Called with every event published for any deck, this process's own included."""
StatusListener = Callable[[bool], None]
"""Called when the backend becomes unreachable (False) or reachable again (True)."""


class Backend(Protocol):
    """Stores live state and fans every accepted change out to every process."""

    async def start(
        self,
        on_record: RecordListener,
        on_status: StatusListener,
        on_item: ItemListener | None = None,
        on_event: EventListener | None = None,
    ) -> None:
        """Connect and start telling ``on_record`` about accepted records (from
        any process), ``on_item`` about stored items, ``on_event`` about
        published events and ``on_status`` about reachability."""

    async def stop(self) -> None:
        """Disconnect; no listener is called after this returns."""

    async def load(self, deck: str, kind: str) -> Record | None:
        """The stored record, or ``None`` when there is none.

        Raises:
            Unavailable: the storage cannot be reached.
        """

    async def apply(
        self, deck: str, kind: str, value: dict[str, Any], seen: int = 0
    ) -> tuple[Record, bool]:
        """Make ``value`` the newest record of ``deck`` and ``kind``, and publish it.

        The newest value wins, whoever sent it (as a presenter's last click
        does). The backend numbers it: one more than the stored ``seq``, or
        than ``seen`` (the newest ``seq`` the caller knows) if that is higher,
        so numbering never goes back, even after a Redis came back empty. A
        value equal to the stored one is no change: nothing is stored or
        published.

        Returns:
            The record now stored, and whether this call changed it.

        Raises:
            Unavailable: it could not be stored; nothing changed.
        """

    async def load_items(self, deck: str) -> list[Item]:
        """Every stored item of ``deck``, in no particular order.

        Raises:
            Unavailable: the storage cannot be reached.
        """

    async def put_item(self, deck: str, coll: str, key: str, value: dict[str, Any] | None) -> bool:
        """Store (or, with ``None``, delete) one item and publish the change.

        Storing what is stored already is no change: nothing is published.
        Once this returns the change survives ``kill -9``.

        Returns:
            Whether it changed anything.

        Raises:
            Unavailable: it could not be stored; nothing changed.
        """

    async def publish(self, event: Event) -> None:
        """Tell every process (this one too) about ``event``; nothing is stored.

        Raises:
            Unavailable: it could not be sent.
        """
