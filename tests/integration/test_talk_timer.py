"""The talk timer lives on the server: every presenter device shows the same one.

Also: a page's role follows the page, so an audience page in a browser holding
the presenter login is counted as audience.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import LiveServer
from tests.redis_support import RedisServer

from .conftest import MakeServer
from .support import (
    TIMEOUT,
    apost_state,
    presenter_cookie,
    recv,
    recv_match,
    recv_type,
    send,
    state,
)


@asynccontextmanager
async def presenter(server: LiveServer, cookie: str) -> AsyncIterator[ClientConnection]:
    """A presenter socket past its welcome, presence and first timer frame."""
    async with connect(
        server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
    ) as ws:
        welcome = await recv(ws)
        assert welcome["role"] == "presenter", welcome
        await recv_type(ws, "timer")
        yield ws


async def next_timer(ws: ClientConnection) -> dict[str, Any]:
    return await recv_type(ws, "timer")


async def test_every_presenter_device_gets_the_same_timer(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    async with presenter(live_server, cookie) as laptop, presenter(live_server, cookie) as phone:
        await send(phone, {"type": "timer", "action": "start"})
        for ws in (laptop, phone):
            frame = await next_timer(ws)
            assert frame["running"] is True
            assert 0 <= frame["elapsed"] < 5
        await send(laptop, {"type": "timer", "action": "pause"})
        paused = [await next_timer(ws) for ws in (laptop, phone)]
        assert paused[0] == paused[1]
        assert paused[0]["running"] is False
        # A device that arrives later gets the timer right after its welcome.
        async with connect(
            live_server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
        ) as late:
            await recv(late)
            frame = await recv_type(late, "timer")
            assert (frame["running"], frame["elapsed"]) == (False, paused[0]["elapsed"])
        await send(phone, {"type": "timer", "action": "reset"})
        reset = await next_timer(laptop)
        assert (reset["running"], reset["elapsed"]) == (False, 0)


async def test_the_audience_never_gets_the_timer(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    async with (
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience,
        presenter(live_server, cookie) as speaker,
    ):
        await recv(audience)
        await send(speaker, {"type": "timer", "action": "start"})
        await next_timer(speaker)
        # The sentinel: a slide change every socket gets, after the timer's frame.
        assert (await apost_state(live_server, state(indexh=2))).status == 200
        first = await recv_match(audience, lambda f: f["type"] != "presence")
        assert first["type"] == "state", first
        # And an audience socket cannot work the timer.
        await send(audience, {"type": "timer", "action": "reset"})
        error = await recv_type(audience, "error")
        assert error["code"] == "forbidden"


async def test_leaving_the_first_slide_starts_the_timer_once(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    async with presenter(live_server, cookie) as speaker:
        assert (await apost_state(live_server, state(indexh=0, indexf=1))).status == 200
        await recv_type(speaker, "state")
        assert (await apost_state(live_server, state(indexh=1))).status == 200
        frame = await next_timer(speaker)
        assert frame["running"] is True
        await send(speaker, {"type": "timer", "action": "pause"})
        stopped = await next_timer(speaker)
        assert stopped["running"] is False
        # A paused timer is not started again by the next slide.
        assert (await apost_state(live_server, state(indexh=2))).status == 200
        await recv_type(speaker, "state")
        await send(speaker, {"type": "timer", "action": "pause"})  # no change, no frame
        assert (await apost_state(live_server, state(indexh=3))).status == 200
        first = await recv_match(speaker, lambda f: f["type"] in ("timer", "state"))
        assert first["type"] == "state", first


async def test_the_timer_survives_a_restart(make_server: MakeServer, tmp_path: Path) -> None:
    state_dir = tmp_path / "shared-state"
    first = await make_server(state_dir=state_dir)
    cookie = await presenter_cookie(first)
    async with presenter(first, cookie) as speaker:
        await send(speaker, {"type": "timer", "action": "start"})
        await next_timer(speaker)
        await send(speaker, {"type": "timer", "action": "pause"})
        paused = await next_timer(speaker)
    await first.server.stop()
    again = await make_server(state_dir=state_dir)
    cookie = await presenter_cookie(again)
    async with connect(
        again.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
    ) as ws:
        await recv(ws)
        frame = await recv_type(ws, "timer")
        assert (frame["running"], frame["elapsed"]) == (False, paused["elapsed"])


async def test_two_processes_share_the_timer(
    make_server: MakeServer, redis_server: RedisServer
) -> None:
    first = await make_server(broker=redis_server.url)
    second = await make_server(broker=redis_server.url)
    async with (
        presenter(first, await presenter_cookie(first)) as here,
        presenter(second, await presenter_cookie(second)) as there,
    ):
        await send(here, {"type": "timer", "action": "start"})
        frame = await next_timer(there)
        assert frame["running"] is True


async def test_an_audience_page_is_audience_even_with_the_presenter_login(
    live_server: LiveServer,
) -> None:
    cookie = await presenter_cookie(live_server)
    async with presenter(live_server, cookie) as speaker:
        url = live_server.ws("md") + "?as=audience"
        async with connect(url, additional_headers={"Cookie": cookie}) as page:
            welcome = await recv(page)
            assert welcome["role"] == "audience"
            assert welcome["signedIn"] is True
            # Counted: the speaker hears of one audience socket (an earlier
            # presence frame may still say 0, from before the page connected).
            await recv_match(speaker, lambda f: f["type"] == "presence" and f["audience"] == 1)
            # It cannot drive, although the browser could open the speaker view.
            await send(page, {"type": "state", "state": state(indexh=3)})
            assert (await recv_type(page, "error"))["code"] == "forbidden"
        async with connect(live_server.ws("md") + "?as=audience") as anonymous:
            assert "signedIn" not in await recv(anonymous)
