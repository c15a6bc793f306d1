"""A token bucket: how often one socket may send audience messages."""

from __future__ import annotations

from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; each message takes one.

    Args:
        clock: seconds, monotonic (``time.monotonic``).
        rate: tokens added per second.
        burst: the most tokens held (and the bucket starts full).
    """

    __slots__ = ("_burst", "_clock", "_rate", "_tokens", "_when")

    def __init__(self, clock: Callable[[], float], rate: float = 5.0, burst: int = 10) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._when = clock()

    def take(self) -> bool:
        """Take a token if there is one; False when the sender is over its rate."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._when) * self._rate)
        self._when = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True
