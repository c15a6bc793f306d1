"""The hub: connections per deck, broadcast and throttled presence frames."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator

import pytest

from presenter.hub import Hub
from tests.unit.fakes import FakeConnection, frame, until

INTERVAL = 0.01
MARKERS = itertools.count()


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = Hub(presence_interval=INTERVAL)
    try:
        yield hub
    finally:
        hub.close()


async def presence_round(hub: Hub) -> None:
    """Return once every presence frame already due has gone out.

    A presenter joins a deck of its own: its presence timer, started now, is due
    after every one started before it, and asyncio runs timers in that order.
    """
    marker = FakeConnection(f"marker-{next(MARKERS)}", "presenter")
    hub.add(marker)
    await until(lambda: bool(marker.presence()), "the marker's presence")
    hub.remove(marker)


async def test_broadcast_reaches_only_that_decks_connections(hub: Hub) -> None:
    a1, a2 = FakeConnection("a"), FakeConnection("a", "presenter")
    b1 = FakeConnection("b")
    for conn in (a1, a2, b1):
        hub.add(conn)
    frame_a = '{"type":"reload","n":"A"}'
    hub.broadcast("a", frame(frame_a))
    hub.broadcast("c", frame('{"type":"reload","n":"C"}'))
    assert a1.frames == [frame_a]
    assert a2.frames == [frame_a]
    assert b1.frames == []


async def test_a_broadcast_encodes_its_frame_once_for_every_socket(hub: Hub) -> None:
    conns = [FakeConnection("a") for _ in range(3)]
    for conn in conns:
        hub.add(conn)
    hub.broadcast("a", frame('{"type":"state","seq":1,"state":{}}'))
    pushed = [conn.pushed[0] for conn in conns]
    assert all(frame is pushed[0] for frame in pushed)
    assert all(frame.websocket is pushed[0].websocket for frame in pushed)


async def test_removed_connections_get_nothing(hub: Hub) -> None:
    a1, a2 = FakeConnection("a"), FakeConnection("a")
    hub.add(a1)
    hub.add(a2)
    hub.remove(a1)
    hub.remove(a1)  # twice is harmless
    hub.remove(FakeConnection("never-added"))
    hub.broadcast("a", frame('{"type":"reload"}'))
    assert a1.frames == []
    assert a2.frames == ['{"type":"reload"}']
    assert hub.connections("a") == (a2,)


async def test_audience_count_excludes_presenters(hub: Hub) -> None:
    hub.add(FakeConnection("a"))
    hub.add(FakeConnection("a"))
    hub.add(FakeConnection("a", "presenter"))
    hub.add(FakeConnection("b"))
    assert hub.audience_count("a") == 2
    assert hub.audience_count("b") == 1
    assert hub.audience_count("nope") == 0


async def test_promote_makes_a_presenter(hub: Hub) -> None:
    conn = FakeConnection("a")
    hub.add(conn)
    hub.add(FakeConnection("a"))
    hub.promote(conn)
    assert conn.role == "presenter"
    assert hub.audience_count("a") == 1


async def test_presence_reaches_presenters_only(hub: Hub) -> None:
    presenter = FakeConnection("a", "presenter")
    audience = FakeConnection("a")
    other_presenter = FakeConnection("b", "presenter")
    hub.add(presenter)
    hub.add(audience)
    hub.add(other_presenter)
    await until(lambda: bool(presenter.frames and other_presenter.frames), "presence")
    assert [json.loads(f) for f in presenter.frames] == [
        {"type": "presence", "audience": 1, "following": 1, "browsing": 0}
    ]
    assert audience.frames == []
    assert other_presenter.presence() == [0]


async def test_presence_is_throttled(hub: Hub) -> None:
    presenter = FakeConnection("a", "presenter")
    hub.add(presenter)
    for _ in range(5):
        hub.add(FakeConnection("a"))
    assert presenter.frames == []  # nothing is sent synchronously
    await until(lambda: bool(presenter.frames), "presence")
    # Five joins, one frame: the next one is for the next join.
    hub.add(FakeConnection("a"))
    await until(lambda: len(presenter.frames) == 2, "presence after one more join")
    assert presenter.presence() == [5, 6]


async def test_presence_not_resent_when_count_unchanged(hub: Hub) -> None:
    presenter = FakeConnection("a", "presenter")
    hub.add(presenter)
    hub.add(FakeConnection("a"))
    await until(lambda: bool(presenter.frames), "presence")
    assert presenter.presence() == [1]
    passing = FakeConnection("a")
    hub.add(passing)
    hub.remove(passing)
    await presence_round(hub)  # the timer the passing socket started has fired
    assert presenter.presence() == [1]
    hub.add(FakeConnection("a"))
    await until(lambda: len(presenter.frames) == 2, "presence after a join")
    assert presenter.presence() == [1, 2]


async def test_presence_after_leave_and_promote(hub: Hub) -> None:
    presenter = FakeConnection("a", "presenter")
    a1, a2 = FakeConnection("a"), FakeConnection("a")
    for conn in (presenter, a1, a2):
        hub.add(conn)
    await until(lambda: presenter.presence() == [2], "presence 2")
    hub.remove(a1)
    await until(lambda: presenter.presence() == [2, 1], "presence 1")
    hub.promote(a2)
    await until(lambda: presenter.presence() == [2, 1, 0], "presence 0")
    assert a2.presence() == [0]  # a2 became a presenter before the last frame


async def test_close_cancels_pending_presence(hub: Hub) -> None:
    presenter = FakeConnection("a", "presenter")
    hub.add(presenter)
    hub.add(FakeConnection("a"))
    hub.close()
    await presence_round(hub)  # the cancelled timer would have fired by now
    assert presenter.frames == []
