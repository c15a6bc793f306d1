"""In-process fan-out of a deck's frames.

Alone, a process publishes each accepted change here and the hub writes it to
the deck's sockets. Several processes share state and fan-out through Redis
instead (:mod:`presenter.redis_broker`), which needs a different contract:
it also numbers and stores the changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from presenter.core.frames import Frame

Subscriber = Callable[[str, Frame], None]
"""Called with ``(deck, frame)`` for every published frame."""


class Broker(Protocol):
    """Publishes a deck's frames to every subscriber."""

    def subscribe(self, subscriber: Subscriber) -> None:
        """Deliver every frame published from now on to ``subscriber``."""

    def publish(self, deck: str, frame: Frame) -> None:
        """Send ``frame`` to every subscriber."""


class LocalBroker:
    """The single-process broker: publishing calls the subscribers directly."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def publish(self, deck: str, frame: Frame) -> None:
        for subscriber in self._subscribers:
            subscriber(deck, frame)
