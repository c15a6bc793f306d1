"""Failed presenter logins, counted per client address, so the token cannot be guessed.

Every way of logging in (the API's bearer token, a socket's ``auth``,
``?token=``, ``?login=`` tickets and the login form) asks the same
:class:`LoginThrottle` first and reports failures to it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable


def client_key(address: str) -> str:
    """The key failures are counted under: the address, or its /64 for IPv6.

    One IPv6 host usually holds a whole /64, so counting single addresses
    would let it try again from the next one.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class LoginThrottle:
    """A leaky bucket of failed logins per client address.

    An address may fail ``burst`` times in a row; after that it gets one more
    attempt every ``refill`` seconds. While it is over budget every attempt is
    refused without being checked, the right token included, so guessing runs
    at one try per ``refill`` seconds at best. A success empties the bucket.

    Args:
        clock: returns the current time in seconds (``time.monotonic``).
        burst: failures allowed in a row.
        refill: seconds for one failure to leak away.
        capacity: most addresses remembered; beyond it the oldest are forgotten.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        burst: int = 10,
        refill: float = 6.0,
        capacity: int = 10_000,
    ) -> None:
        self._clock = clock
        self._burst = burst
        self._refill = refill
        self._capacity = capacity
        self._levels: dict[str, tuple[float, float]] = {}  # key -> (level, when)

    def _level(self, key: str, now: float) -> float:
        entry = self._levels.get(key)
        if entry is None:
            return 0.0
        level, when = entry
        return max(0.0, level - (now - when) / self._refill)

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it may try now."""
        level = self._level(client_key(address), self._clock())
        if level <= self._burst - 1:
            return 0.0
        return (level - (self._burst - 1)) * self._refill

    def failed(self, address: str) -> None:
        """Count a wrong token or ticket from ``address``."""
        key = client_key(address)
        now = self._clock()
        level = self._level(key, now) + 1.0
        self._levels.pop(key, None)  # re-inserted last: dict order is age order
        self._levels[key] = (level, now)
        if len(self._levels) > self._capacity:
            self._forget(now)

    def succeeded(self, address: str) -> None:
        """Forget the failures of ``address`` after a good login."""
        self._levels.pop(client_key(address), None)

    def _forget(self, now: float) -> None:
        for key in [k for k in self._levels if self._level(k, now) == 0.0]:
            del self._levels[key]
        while len(self._levels) > self._capacity:
            del self._levels[next(iter(self._levels))]
