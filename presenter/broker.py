"""Fan-out of state frames between the processes that serve one deck.

A broker carries already-encoded frames. The in-process broker delivers to
its subscribers at once; a Redis broker (for several processes) will share
the same interface.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Subscriber = Callable[[str, str], None]
"""Called with ``(deck, frame)`` for every published frame."""


class Broker(Protocol):
    """Publishes a deck's frames to every subscribed process."""

    def subscribe(self, subscriber: Subscriber) -> None:
        """Deliver every frame published from now on to ``subscriber``."""

    def publish(self, deck: str, frame: str) -> None:
        """Send ``frame`` to every subscriber of every process."""


class LocalBroker:
    """The single-process broker: publishing calls the subscribers directly."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, deck: str, frame: str) -> None:
        for subscriber in self._subscribers:
            subscriber(deck, frame)
