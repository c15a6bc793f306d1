"""Test doubles shared by the unit tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from presenter.core.frames import Frame
from presenter.core.protocol import Role
from presenter.core.session import Item, Record
from tests.helpers import TIMEOUT_FACTOR

# How long a condition is polled for before a test gives up.
WAIT = 5.0 * TIMEOUT_FACTOR


def frame(text: str) -> Frame:
    """A Frame of a message written out by hand (its type and seq read from it)."""
    value = json.loads(text)
    seq = value.get("seq")
    return Frame(text, str(value.get("type", "")), seq if isinstance(seq, int) else None)


@dataclass(eq=False)
class FakeConnection:
    """A hub connection that records the frames sent to it."""

    deck: str
    role: Role = "audience"
    frames: list[str] = field(default_factory=list)
    pushed: list[Frame] = field(default_factory=list)
    dropped: bool = False

    def send(self, frame: Frame) -> None:
        self.push(frame)

    def push(self, frame: Frame) -> None:
        self.pushed.append(frame)
        self.frames.append(frame.text)

    def drop(self) -> None:
        self.dropped = True

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        """The decoded frames of one ``type``."""
        decoded = [json.loads(frame) for frame in self.frames]
        return [f for f in decoded if f["type"] == kind]

    def presence(self) -> list[int]:
        return [f["audience"] for f in self.of_type("presence")]

    def states(self) -> list[dict[str, Any]]:
        return self.of_type("state")


async def until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail after ``WAIT`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {WAIT:.1f}s")
        await asyncio.sleep(0.005)


class MemoryStore:
    """A :class:`presenter.backend.local.Store` in memory: records and items, no file."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Record] = {}
        self._items: dict[tuple[str, str, str], Item] = {}

    def load(self, deck: str, kind: str) -> Record | None:
        return self._rows.get((deck, kind))

    async def save(self, record: Record) -> None:
        self._rows[(record.deck, record.kind)] = record

    def load_items(self, deck: str) -> list[Item]:
        return [item for item in self._items.values() if item.deck == deck]

    async def save_item(self, item: Item) -> None:
        if item.value is None:
            self._items.pop((item.deck, item.coll, item.key), None)
        else:
            self._items[(item.deck, item.coll, item.key)] = item

    def close(self) -> None:
        self._rows.clear()
        self._items.clear()
