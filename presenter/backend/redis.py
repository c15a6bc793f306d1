"""Several processes, one talk: live state, ``seq`` and fan-out in Redis.

Each record lives in a Redis hash (``presenter:deck:<deck>:<kind>``, fields
``seq`` and ``value``). A change is applied by one Lua script that compares
``seq``, stores and publishes atomically, so two processes never publish two
different values with the same ``seq``. Every process subscribes to the deck
channels and hears every record, its own included. When Redis goes away,
changes are refused with :class:`~presenter.core.errors.Unavailable` and the
status listener hears ``False``; when it comes back, ``True``.

Needs the optional ``redis`` package (``pip install presenter[redis]``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from presenter.backend import EventListener, ItemListener, RecordListener, StatusListener
from presenter.core.errors import Unavailable
from presenter.core.session import Event, Item, Record, decode_published

log = logging.getLogger("presenter.redis")

PREFIX = "presenter:"

# KEYS[1] the record's hash. ARGV[1] the value (canonical JSON), ARGV[2] the
# newest seq the caller knows, ARGV[3] the channel, ARGV[4] the published text
# up to its seq. Returns {changed (0/1), seq, value}.
_APPLY = """
local stored = redis.call('HGET', KEYS[1], 'value')
local current = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if stored == ARGV[1] then
  return {0, current, stored}
end
local seq = math.max(current, tonumber(ARGV[2])) + 1
redis.call('HSET', KEYS[1], 'seq', seq, 'value', ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4] .. seq .. ',"value":' .. ARGV[1] .. '}')
return {1, seq, ARGV[1]}
"""


# KEYS[1] the collection's hash, KEYS[2] the deck's set of collections.
# ARGV[1] the item's key, ARGV[2] its value (canonical JSON; '' deletes),
# ARGV[3] the channel, ARGV[4] the collection's name, ARGV[5] the published
# text. Returns 1 when it changed something.
_PUT_ITEM = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[2] == '' then
  if not old then return 0 end
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  if old == ARGV[2] then return 0 end
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[4])
end
redis.call('PUBLISH', ARGV[3], ARGV[5])
return 1
"""


def _items_key(deck: str, coll: str) -> str:
    return f"{PREFIX}items:{deck}:{coll}"


def _colls_key(deck: str) -> str:
    return f"{PREFIX}colls:{deck}"


def _key(deck: str, kind: str) -> str:
    return f"{PREFIX}deck:{deck}:{kind}"


def _channel(deck: str) -> str:
    return f"{PREFIX}channel:{deck}"


class RedisBackend:
    """Live state and fan-out through one Redis server.

    Args:
        url: ``redis://host:port/db``.
        retry: seconds between reconnection attempts (doubled up to 5 s).
    """

    def __init__(self, url: str, retry: float = 0.2) -> None:
        try:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import ExponentialBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError
            from redis.exceptions import TimeoutError as RedisTimeoutError
        except ImportError:  # pragma: no cover - depends on the installation
            raise Unavailable(
                "the redis package is not installed: pip install 'presenter[redis]'"
            ) from None
        self.url = url
        self._retry = retry
        # A pooled connection that died with Redis fails once; retry it on a new one.
        self._client: Any = aioredis.from_url(
            url,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            decode_responses=True,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._apply: Any = self._client.register_script(_APPLY)
        self._put_item: Any = self._client.register_script(_PUT_ITEM)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._up = False
        self._on_record: RecordListener | None = None
        self._on_status: StatusListener | None = None
        self._on_item: ItemListener | None = None
        self._on_event: EventListener | None = None

    async def start(
        self,
        on_record: RecordListener,
        on_status: StatusListener,
        on_item: ItemListener | None = None,
        on_event: EventListener | None = None,
    ) -> None:
        self._on_record = on_record
        self._on_status = on_status
        self._on_item = on_item
        self._on_event = on_event
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        self._stopping.set()
        self._on_record = self._on_status = None
        self._on_item = self._on_event = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._client.aclose()

    async def load(self, deck: str, kind: str) -> Record | None:
        try:
            seq, value = await self._client.hmget(_key(deck, kind), ["seq", "value"])
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        return _record(deck, kind, seq, value)

    async def apply(
        self, deck: str, kind: str, value: dict[str, Any], seen: int = 0
    ) -> tuple[Record, bool]:
        # One spelling per value, so Redis can tell an unchanged one by its text.
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        head = json.dumps({"deck": deck, "kind": kind}, separators=(",", ":"))[:-1] + ',"seq":'
        try:
            changed, seq, stored = await self._apply(
                keys=[_key(deck, kind)], args=[text, seen, _channel(deck), head]
            )
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        record = _record(deck, kind, seq, stored) or Record(deck, kind, int(seq), value)
        return record, bool(changed)

    async def load_items(self, deck: str) -> list[Item]:
        items = []
        try:
            for coll in await self._client.smembers(_colls_key(deck)):
                stored = await self._client.hgetall(_items_key(deck, coll))
                for key, text in stored.items():
                    with contextlib.suppress(ValueError):
                        value = json.loads(text)
                        if isinstance(value, dict):
                            items.append(Item(deck, coll, key, value))
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        return items

    async def put_item(self, deck: str, coll: str, key: str, value: dict[str, Any] | None) -> bool:
        text = "" if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)
        published = Item(deck, coll, key, value).encode()
        try:
            changed = await self._put_item(
                keys=[_items_key(deck, coll), _colls_key(deck)],
                args=[key, text, _channel(deck), coll, published],
            )
        except Exception as exc:
            raise Unavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        return bool(changed)

    async def publish(self, event: Event) -> None:
        try:
            await self._client.publish(_channel(event.deck), event.encode())
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
        while not self._stopping.is_set():
            pubsub = self._client.pubsub()
            try:
                await pubsub.psubscribe(f"{PREFIX}channel:*")
                self._set_up(True)
                delay = self._retry
                while not self._stopping.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    self._heard(str(message["data"]))
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

    def _heard(self, text: str) -> None:
        try:
            heard = decode_published(text)
        except ValueError:
            log.warning("ignoring a malformed message published on Redis")
            return
        if isinstance(heard, Record):
            if self._on_record is not None:
                self._on_record(heard)
        elif isinstance(heard, Item):
            if self._on_item is not None:
                self._on_item(heard)
        elif self._on_event is not None:
            self._on_event(heard)


def _record(deck: str, kind: str, seq: object, value: object) -> Record | None:
    if seq is None or value is None:
        return None
    try:
        parsed = json.loads(str(value))
        number = int(str(seq))
    except ValueError:
        return None
    return Record(deck, kind, number, parsed if isinstance(parsed, dict) else {})
