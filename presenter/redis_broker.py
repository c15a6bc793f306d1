"""Several processes, one talk: state, ``seq`` and fan-out in Redis.

Each deck's snapshot lives in a Redis hash; a change is applied by one Lua
script that compares, increments ``seq``, stores and publishes atomically,
so two processes never broadcast two different states with the same
``seq``. Every process subscribes to the deck channels and writes what it
hears to its own sockets. When Redis goes away, sockets stay open and
changes are refused with :class:`~presenter.core.errors.Unavailable`; when
it comes back, every process re-reads the snapshots and resyncs its pages.

Needs the optional ``redis`` package (``pip install presenter[redis]``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from presenter.core.errors import ProtocolError, Unavailable
from presenter.core.session import Snapshot
from presenter.core.state import SlideState

log = logging.getLogger("presenter.redis")

PREFIX = "presenter:"

# KEYS[1] the deck's hash; ARGV[1] canonical state JSON, ARGV[2] channel,
# ARGV[3] the highest seq the caller has seen (a Redis that restarted empty
# carries on from there, never from 0). Returns {changed (0/1), seq, state JSON}.
_APPLY = """
local current = redis.call('HGET', KEYS[1], 'state')
if current == ARGV[1] then
  return {0, tonumber(redis.call('HGET', KEYS[1], 'seq') or '0'), current}
end
if not current and tonumber(redis.call('HGET', KEYS[1], 'seq') or '0') < tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'seq', ARGV[3])
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1])
redis.call('PUBLISH', ARGV[2], '{"type":"state","seq":' .. seq .. ',"state":' .. ARGV[1] .. '}')
return {1, seq, ARGV[1]}
"""

# KEYS[1] the deck's hash; ARGV[1] seq, ARGV[2] state JSON. Only fills an empty hash.
_SEED = """
if redis.call('HEXISTS', KEYS[1], 'state') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'state', ARGV[2])
return 1
"""

FrameCallback = Callable[[str, str], None]
StatusCallback = Callable[[bool], None]


def canonical(state: SlideState) -> str:
    """The one JSON spelling of a state, so Redis can compare states as strings."""
    return json.dumps(state.to_json(), separators=(",", ":"))


class RedisBroker:
    """Shared state and fan-out through one Redis server.

    Args:
        url: ``redis://host:port/db``.
        retry: seconds between reconnection attempts (doubled up to 5 s).
    """

    def __init__(self, url: str, retry: float = 0.2) -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError:  # pragma: no cover - depends on the installation
            raise Unavailable(
                "the redis package is not installed: pip install 'presenter[redis]'"
            ) from None
        self._aioredis: Any = aioredis
        self.url = url
        self._retry = retry
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        # A pooled connection that died with Redis fails once; retry it on a new one.
        self._client: Any = aioredis.from_url(
            url,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            decode_responses=True,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._script: Any = self._client.register_script(_APPLY)
        self._seed: Any = self._client.register_script(_SEED)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._up = False
        self._on_frame: FrameCallback | None = None
        self._on_status: StatusCallback | None = None

    @staticmethod
    def _key(deck: str) -> str:
        return f"{PREFIX}deck:{deck}"

    @staticmethod
    def _channel(deck: str) -> str:
        return f"{PREFIX}channel:{deck}"

    @property
    def up(self) -> bool:
        """Whether the subscription to Redis is live."""
        return self._up

    async def check(self) -> None:
        """Ping Redis once.

        Raises:
            Unavailable: Redis does not answer.
        """
        try:
            await self._client.ping()
        except Exception as exc:
            raise Unavailable(f"Redis at {self.url} does not answer ({exc})") from None

    def start(self, on_frame: FrameCallback, on_status: StatusCallback) -> None:
        """Subscribe in the background; ``on_frame(deck, text)`` gets every state frame
        published by any process, ``on_status(up)`` every change of connectivity."""
        self._on_frame = on_frame
        self._on_status = on_status
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        """Unsubscribe and close the connections."""
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._client.aclose()

    async def load(self, deck: str) -> Snapshot | None:
        """The stored snapshot of ``deck`` (None when Redis has none).

        Raises:
            Unavailable: Redis cannot be reached.
        """
        try:
            row = await self._client.hmget(self._key(deck), ["seq", "state"])
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        return _snapshot(deck, row[0], row[1])

    async def apply(self, deck: str, state: SlideState, seen: int = 0) -> tuple[Snapshot, bool]:
        """Set the state of ``deck`` unless it is unchanged; publish it when changed.

        ``seen`` is the newest ``seq`` this process knows; numbering never restarts below it.

        Returns:
            The resulting snapshot and whether it changed.

        Raises:
            Unavailable: Redis cannot be reached; nothing changed.
        """
        try:
            changed, seq, stored = await self._script(
                keys=[self._key(deck)], args=[canonical(state), self._channel(deck), seen]
            )
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        snapshot = _snapshot(deck, seq, stored) or Snapshot(deck, int(seq), state)
        return snapshot, bool(changed)

    async def seed(self, snapshot: Snapshot) -> None:
        """Store ``snapshot`` if Redis has nothing for its deck (a Redis restarted empty),
        so numbering carries on from where the processes are instead of from 0.

        Raises:
            Unavailable: Redis cannot be reached.
        """
        try:
            await self._seed(
                keys=[self._key(snapshot.deck)], args=[snapshot.seq, canonical(snapshot.state)]
            )
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None

    def _set_up(self, up: bool) -> None:
        if up != self._up:
            self._up = up
            log.warning("Redis at %s is %s", self.url, "back" if up else "unavailable")
            if self._on_status is not None:
                self._on_status(up)

    async def _listen(self) -> None:
        delay = self._retry
        pattern = f"{PREFIX}channel:*"
        skip = len(pattern) - 1
        while not self._stopping.is_set():
            pubsub = self._client.pubsub()
            try:
                await pubsub.psubscribe(pattern)
                self._set_up(True)
                delay = self._retry
                while not self._stopping.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    if self._on_frame is not None:
                        self._on_frame(str(message["channel"])[skip:], str(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("Redis subscription failed: %s", exc)
                self._set_up(False)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


def _snapshot(deck: str, seq: object, state: object) -> Snapshot | None:
    if state is None:
        return None
    try:
        return Snapshot(deck, int(str(seq or 0)), SlideState.from_json(json.loads(str(state))))
    except (ValueError, ProtocolError):
        return None
