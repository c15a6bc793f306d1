"""GET /decks/<id>/events: the live protocol as Server-Sent Events, on a real server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.conftest import LiveServer
from tests.helpers import MARKDOWN_DECK
from tests.redis_support import RedisServer

from .conftest import MakeServer
from .sse_client import SseClient, sse
from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    presenter_cookie,
    recv,
    recv_match,
    recv_type,
    state,
    watcher_caught_up,
)

EVENTS = "/decks/md/events"
HEARTBEAT = 0.2


@pytest.fixture
async def server(make_server: MakeServer) -> LiveServer:
    return await make_server(sse_heartbeat=HEARTBEAT)


async def welcome_of(client: SseClient) -> tuple[str | None, dict[str, object]]:
    """Skip ``retry:`` and return the first message, which must be the welcome."""
    event_id, value = await client.message()
    assert value["type"] == "welcome", value
    return event_id, value


async def test_stream_headers_retry_and_welcome(server: LiveServer) -> None:
    await apost_state(server, state(indexh=2, indexf=1))
    async with sse(server.port, EVENTS) as client:
        assert client.status == 200
        assert client.headers["content-type"].startswith("text/event-stream")
        assert "no-store" in client.headers.get("cache-control", "")
        first = await client.event()
        assert first.retry == 2000, "the stream should open with a retry: hint"
        event_id, welcome = await welcome_of(client)
    assert welcome["seq"] == 1
    assert event_id == "1"
    assert welcome["role"] == "audience"
    assert welcome["deck"] == "md"
    assert welcome["state"] == state(indexh=2, indexf=1)


async def test_welcome_is_the_same_message_as_the_websocket_one(server: LiveServer) -> None:
    await apost_state(server, state(indexh=3))
    async with connect(server.ws("md"), open_timeout=TIMEOUT) as ws:
        over_ws = await recv(ws)
    async with sse(server.port, EVENTS) as client:
        _, over_sse = await welcome_of(client)
    assert over_sse == over_ws


async def test_state_changes_arrive_as_events_with_seq_ids(server: LiveServer) -> None:
    async with sse(server.port, EVENTS) as client:
        event_id, welcome = await welcome_of(client)
        assert (event_id, welcome["seq"]) == ("0", 0)
        for n in range(1, 4):
            resp = await apost_state(server, state(indexh=n, paused=n == 2))
            assert resp.status == 200
            event_id, frame = await client.message_of("state")
            assert frame == {"type": "state", "seq": n, "state": state(indexh=n, paused=n == 2)}
            assert event_id == str(n)
        # An unchanged state is not broadcast.
        await apost_state(server, state(indexh=3))
        await apost_state(server, state(indexh=4))
        event_id, frame = await client.message_of("state")
        assert (event_id, frame["seq"]) == ("4", 4)


async def test_idle_stream_gets_heartbeat_comments(server: LiveServer) -> None:
    async with sse(server.port, EVENTS) as client:
        await welcome_of(client)
        loop = asyncio.get_running_loop()
        started = loop.time()
        beats = 0
        while beats < 2:
            event = await client.event(timeout=1.0)
            assert event.data is None, f"only comments on an idle stream, got {event}"
            assert event.comments, event
            beats += 1
        assert loop.time() - started < 1.5


async def test_reconnecting_with_last_event_id_gets_the_current_state(server: LiveServer) -> None:
    async with sse(server.port, EVENTS) as client:
        await welcome_of(client)
        await apost_state(server, state(indexh=1))
        last_id, _ = await client.message_of("state")
    assert last_id == "1"
    # Changes made while the client was away.
    await apost_state(server, state(indexh=2))
    await apost_state(server, state(indexh=3, indexv=1))
    async with sse(server.port, EVENTS, {"Last-Event-ID": last_id}) as again:
        event_id, welcome = await welcome_of(again)
    assert event_id == "3"
    assert welcome["seq"] == 3
    assert welcome["state"] == state(indexh=3, indexv=1)


async def test_unknown_deck_is_404(server: LiveServer) -> None:
    client = await SseClient.open(server.port, "/decks/nope/events")
    try:
        assert client.status == 404
        assert not client.headers.get("content-type", "").startswith("text/event-stream")
    finally:
        await client.close()
    assert (await afetch(server, "GET", "/decks/nope/events")).status == 404


async def test_html_decks_stream_too(server: LiveServer) -> None:
    async with sse(server.port, "/decks/html/events") as client:
        _, welcome = await welcome_of(client)
        assert welcome["deck"] == "html"
        await apost_state(server, state(indexh=1), deck="html")
        _, frame = await client.message_of("state")
        assert frame["state"] == state(indexh=1)


async def test_every_stream_gets_every_change(server: LiveServer) -> None:
    async with (
        sse(server.port, EVENTS) as one,
        sse(server.port, EVENTS) as two,
        connect(server.ws("md"), open_timeout=TIMEOUT) as ws,
    ):
        await welcome_of(one)
        await welcome_of(two)
        await recv(ws)
        for n in range(1, 6):
            await apost_state(server, state(indexh=n))
        for client in (one, two):
            seqs = [(await client.message_of("state"))[1]["seq"] for _ in range(5)]
            assert seqs == [1, 2, 3, 4, 5]
        assert [(await recv_type(ws, "state"))["seq"] for _ in range(5)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("heartbeat", [HEARTBEAT, 60.0], ids=["heartbeat", "no-heartbeat"])
async def test_streams_count_in_presence_and_leaving_drops_the_count(
    make_server: MakeServer, heartbeat: float
) -> None:
    # With a 60 s heartbeat nothing is written to the idle stream: the server must notice
    # the closed connection by itself, not only when a heartbeat write fails.
    server = await make_server(sse_heartbeat=heartbeat)
    cookie = await presenter_cookie(server)
    async with connect(
        server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
    ) as presenter:
        assert (await recv(presenter))["role"] == "presenter"
        assert (await recv_type(presenter, "presence"))["audience"] == 0
        first = await SseClient.open(server.port, EVENTS)
        second = await SseClient.open(server.port, EVENTS)
        try:
            await welcome_of(first)
            await welcome_of(second)
            frame = await recv_match(
                presenter, lambda f: f.get("audience") == 2, TIMEOUT, "presence 2"
            )
            assert frame["type"] == "presence"
            health = (await afetch(server, "GET", "/healthz")).json()
            assert health["connections"] == 3
            await first.close()
            await recv_match(presenter, lambda f: f.get("audience") == 1, 3.0, "presence 1")
        finally:
            await first.close()
            await second.close()
        await recv_match(presenter, lambda f: f.get("audience") == 0, 3.0, "presence 0")
    health = (await afetch(server, "GET", "/healthz")).json()
    assert health["connections"] == 0


async def test_reload_reaches_streams(make_server: MakeServer, deck_root: Path) -> None:
    server = await make_server(root=deck_root.resolve(), watch=True, sse_heartbeat=HEARTBEAT)
    async with (
        sse(server.port, EVENTS) as client,
        connect(server.ws("html"), open_timeout=TIMEOUT) as witness,
    ):
        await welcome_of(client)
        await recv(witness)
        # The watcher starts in the background: touch an image until it reports.
        image = deck_root / "md" / "img" / "pixel.svg"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        for size in range(2, 1000):
            assert loop.time() < deadline, "the deck watcher never reported a change"
            image.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}"/>')
            try:
                await client.message_of("reload", timeout=1.0)
                break
            except AssertionError:
                continue
        # Read past any late reload for those touches: once the watcher has reported
        # a later edit (of the html deck), a state change made now comes after them.
        await watcher_caught_up(witness, deck_root / "html" / "index.html")
        assert (await apost_state(server, state(indexh=1))).status == 200
        await client.message_of("state")
        # Then edit the deck itself.
        (deck_root / "md" / "slides.md").write_text(
            MARKDOWN_DECK.replace("# First slide", "# Edited over SSE"), encoding="utf-8"
        )
        event_id, frame = await client.message_of("reload")
        assert frame == {"type": "reload"}
        assert event_id is None, "reload has no seq, so no id: line"
        api = (await afetch(server, "GET", "/decks/md/api/deck")).json()
        assert "Edited over SSE" in api["slidesHtml"]


async def test_streams_follow_changes_made_through_another_process(
    make_server: MakeServer, redis_server: RedisServer
) -> None:
    # Two servers sharing one Redis (in this process, each with its own hub): a change
    # made on one reaches an SSE stream on the other, with Redis's seq as its id.
    first = await make_server(broker=redis_server.url, sse_heartbeat=HEARTBEAT)
    second = await make_server(broker=redis_server.url, sse_heartbeat=HEARTBEAT)
    async with sse(second.port, EVENTS) as client:
        event_id, welcome = await welcome_of(client)
        assert (event_id, welcome["seq"]) == ("0", 0)
        for n in range(1, 4):
            assert (await apost_state(first, state(indexh=n))).status == 200
            event_id, frame = await client.message_of("state")
            assert (event_id, frame["seq"], frame["state"]) == (str(n), n, state(indexh=n))
    async with sse(second.port, EVENTS, {"Last-Event-ID": "1"}) as again:
        event_id, welcome = await welcome_of(again)
        assert (event_id, welcome["state"]) == ("3", state(indexh=3))
