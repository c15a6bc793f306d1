"""One-time login tickets: a QR code on the speaker's screen logs a phone in once."""

from __future__ import annotations

import secrets
from collections.abc import Callable


class Tickets:
    """Issues random tickets that can each be redeemed once, within ``ttl`` seconds.

    Args:
        ttl: seconds a ticket stays valid.
        clock: returns the current time in seconds (``time.monotonic`` in production).
        limit: most tickets kept at once; the oldest are dropped beyond it.
    """

    def __init__(self, ttl: float, clock: Callable[[], float], limit: int = 256) -> None:
        self._ttl = ttl
        self._clock = clock
        self._limit = limit
        self._issued: dict[str, float] = {}

    def issue(self) -> str:
        """A new ticket."""
        self._expire()
        ticket = secrets.token_urlsafe(18)
        self._issued[ticket] = self._clock() + self._ttl
        while len(self._issued) > self._limit:
            del self._issued[next(iter(self._issued))]
        return ticket

    def redeem(self, ticket: str | None) -> bool:
        """Use a ticket; true only the first time, and only before it expires."""
        self._expire()
        if not ticket:
            return False
        return self._issued.pop(ticket, None) is not None

    def _expire(self) -> None:
        now = self._clock()
        for ticket in [t for t, deadline in self._issued.items() if deadline <= now]:
            del self._issued[ticket]
