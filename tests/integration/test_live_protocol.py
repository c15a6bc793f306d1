"""The live WebSocket protocol: welcome, auth, state broadcast, seq, presence, cookies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect

from tests.conftest import LiveServer
from tests.helpers import SECRET

from .conftest import MakeServer
from .support import (
    DEFAULT_STATE,
    TIMEOUT,
    afetch,
    apost_state,
    authenticate,
    frames_until,
    presenter_and_audience,
    presenter_cookie,
    recv,
    recv_match,
    recv_type,
    send,
    state,
    state_sentinel,
)


async def api_state(server: LiveServer, deck: str = "md") -> dict[str, Any]:
    resp = await afetch(server, "GET", f"/decks/{deck}/api/state")
    assert resp.status == 200, resp.text
    snapshot: dict[str, Any] = resp.json()
    return snapshot


async def test_first_frame_is_an_audience_welcome(live_server: LiveServer) -> None:
    for deck in ("md", "html"):
        async with connect(live_server.ws(deck), open_timeout=TIMEOUT) as ws:
            frame = await recv(ws)
            assert frame == {
                "type": "welcome",
                "protocol": 1,
                "deck": deck,
                "role": "audience",
                "seq": 0,
                "state": DEFAULT_STATE,
            }


async def test_auth_with_the_secret_makes_a_presenter(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        assert (await recv(ws))["role"] == "audience"
        await send(ws, {"type": "auth", "token": SECRET})
        welcome = await recv(ws)
        assert welcome["type"] == "welcome"
        assert welcome["role"] == "presenter"
        assert welcome["protocol"] == 1
        assert welcome["deck"] == "md"
        assert welcome["seq"] == 0
        assert welcome["state"] == DEFAULT_STATE
        presence = await recv_type(ws, "presence")
        assert presence == {"type": "presence", "audience": 0, "following": 0, "browsing": 0}


async def test_wrong_token_is_unauthorized_and_socket_stays_audience(
    live_server: LiveServer,
) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        await send(ws, {"type": "auth", "token": "wrong-" + SECRET})
        error = await recv(ws)
        assert error["type"] == "error"
        assert error["code"] == "unauthorized"
        assert isinstance(error["message"], str) and error["message"]
        await send(ws, {"type": "state", "state": state(indexh=2)})
        error = await recv(ws)
        assert error["type"] == "error"
        assert error["code"] == "forbidden"
        # The socket is still open and can still become a presenter.
        await authenticate(ws)
    snapshot = await api_state(live_server)
    assert snapshot == {"deck": "md", "seq": 0, "state": DEFAULT_STATE}


async def test_empty_token_is_unauthorized(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        await send(ws, {"type": "auth", "token": ""})
        error = await recv(ws)
        assert (error["type"], error["code"]) == ("error", "unauthorized")


async def test_audience_state_is_forbidden_and_changes_nothing(live_server: LiveServer) -> None:
    async with (
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as sender,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as watcher,
    ):
        await recv(sender)
        await recv(watcher)
        await send(sender, {"type": "state", "state": state(indexh=3, paused=True)})
        error = await recv(sender)
        assert error["type"] == "error"
        assert error["code"] == "forbidden"
        assert await api_state(live_server) == {"deck": "md", "seq": 0, "state": DEFAULT_STATE}
        # Nothing was broadcast: the next change is the next frame of both sockets.
        assert await state_sentinel(live_server, state(indexh=1), watcher, sender) == 1


async def test_presenter_state_reaches_every_socket_of_the_deck_only(
    live_server: LiveServer,
) -> None:
    async with (
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as presenter,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as other_presenter,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience1,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience2,
        connect(live_server.ws("html"), open_timeout=TIMEOUT) as elsewhere,
    ):
        for ws in (presenter, other_presenter, audience1, audience2, elsewhere):
            assert (await recv(ws))["type"] == "welcome"
        await authenticate(presenter)
        await authenticate(other_presenter)
        new = state(indexh=2, indexv=0, indexf=1, paused=False, overview=False)
        await send(presenter, {"type": "state", "state": new})
        expected = {"type": "state", "seq": 1, "state": new}
        for ws in (presenter, other_presenter):
            assert await recv_type(ws, "state") == expected
        for ws in (audience1, audience2):
            assert await recv(ws) == expected
        assert await api_state(live_server) == {"deck": "md", "seq": 1, "state": new}
        assert await api_state(live_server, "html") == {
            "deck": "html",
            "seq": 0,
            "state": DEFAULT_STATE,
        }
        # Once each: the next change is the next frame; and none went to the other deck.
        assert await state_sentinel(live_server, state(indexh=3), audience1, audience2) == 2
        assert await state_sentinel(live_server, state(indexh=1), elsewhere, deck="html") == 1


async def test_every_state_field_round_trips(live_server: LiveServer) -> None:
    async with presenter_and_audience(live_server) as (presenter, audience):
        steps = [
            state(indexh=1, indexf=0),
            state(indexh=1, indexf=1),
            state(indexh=2, indexv=1),
            state(indexh=2, indexv=1, paused=True),
            state(indexh=2, indexv=1, overview=True),
        ]
        for number, step in enumerate(steps, start=1):
            await send(presenter, {"type": "state", "state": step})
            assert await recv(audience) == {"type": "state", "seq": number, "state": step}
        snapshot = await api_state(live_server)
        assert snapshot == {"deck": "md", "seq": len(steps), "state": steps[-1]}


async def test_seq_grows_by_one_and_repeats_are_not_broadcast(live_server: LiveServer) -> None:
    async with presenter_and_audience(live_server) as (presenter, audience):
        one, two, three = state(indexh=1), state(indexh=2), state(indexh=3)
        for value in (one, two, two, two, three):
            await send(presenter, {"type": "state", "state": value})
        frames = [await recv(audience) for _ in range(3)]
        assert frames == [
            {"type": "state", "seq": 1, "state": one},
            {"type": "state", "seq": 2, "state": two},
            {"type": "state", "seq": 3, "state": three},
        ]
        # No repeat after them: the next change is the audience's next frame.
        assert await state_sentinel(live_server, state(indexh=4), audience) == 4
        # The presenter gets its own changes back, each once, and no repeat.
        echoed = await frames_until(presenter, lambda f: f.get("seq") == 4, "the sentinel")
        assert [f["seq"] for f in echoed if f["type"] == "state"] == [1, 2, 3, 4]
    assert (await api_state(live_server))["seq"] == 4


async def test_repeating_the_current_state_does_not_bump_seq(live_server: LiveServer) -> None:
    async with presenter_and_audience(live_server) as (presenter, audience):
        # The initial state is the default one: sending it is not a change, so the
        # next change is the audience's next frame, and it is numbered 1.
        await send(presenter, {"type": "state", "state": DEFAULT_STATE})
        await send(presenter, {"type": "state", "state": state(indexh=4)})
        assert await recv(audience) == {"type": "state", "seq": 1, "state": state(indexh=4)}
        assert (await api_state(live_server))["seq"] == 1


async def test_late_joiner_gets_the_current_state_in_its_welcome(live_server: LiveServer) -> None:
    current = state(indexh=3, indexv=1, indexf=0, paused=True)
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as presenter:
        await recv(presenter)
        await authenticate(presenter)
        await send(presenter, {"type": "state", "state": state(indexh=1)})
        await send(presenter, {"type": "state", "state": current})
        assert (await recv_match(presenter, lambda f: f.get("seq") == 2))["state"] == current
        async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as late:
            welcome = await recv(late)
            assert welcome == {
                "type": "welcome",
                "protocol": 1,
                "deck": "md",
                "role": "audience",
                "seq": 2,
                "state": current,
            }
        # A presenter auth on a late socket also reports the current state.
        async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as late_presenter:
            await recv(late_presenter)
            welcome = await authenticate(late_presenter)
            assert (welcome["seq"], welcome["state"]) == (2, current)


async def test_http_change_reaches_sockets_and_late_joiners(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience:
        await recv(audience)
        resp = await apost_state(live_server, state(indexh=2))
        assert resp.status == 200
        assert await recv(audience) == {"type": "state", "seq": 1, "state": state(indexh=2)}
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as late:
        welcome = await recv(late)
        assert (welcome["seq"], welcome["state"]) == (1, state(indexh=2))


async def test_presence_counts_audience_sockets_of_the_deck(live_server: LiveServer) -> None:
    def audience_is(count: int) -> Callable[[dict[str, Any]], bool]:
        return lambda f: f.get("type") == "presence" and f.get("audience") == count

    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as presenter:
        await recv(presenter)
        await authenticate(presenter)
        await recv_match(presenter, audience_is(0), what="presence 0")
        first = await connect(live_server.ws("md"), open_timeout=TIMEOUT)
        second = await connect(live_server.ws("md"), open_timeout=TIMEOUT)
        try:
            await recv_match(presenter, audience_is(2), what="presence 2")
            async with connect(live_server.ws("html"), open_timeout=TIMEOUT) as other_deck:
                await recv(other_deck)
                await first.close()
                await recv_match(presenter, audience_is(1), what="presence 1")
                await second.close()
                # The html socket is still open: it must not be counted for md.
                await recv_match(presenter, audience_is(0), what="presence 0 again")
        finally:
            await first.close()
            await second.close()
        # A socket that authenticates leaves the audience count.
        async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as joiner:
            await recv(joiner)
            await recv_match(presenter, audience_is(1), what="presence 1 after join")
            await authenticate(joiner)
            await recv_match(presenter, audience_is(0), what="presence 0 after auth")


async def test_audience_sockets_never_get_presence(live_server: LiveServer) -> None:
    def audience_is(count: int) -> Callable[[dict[str, Any]], bool]:
        return lambda f: f.get("type") == "presence" and f.get("audience") == count

    async with presenter_and_audience(live_server) as (presenter, audience):
        await recv_match(presenter, audience_is(1), what="presence 1")
        async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as other:
            await recv(other)
            await recv_match(presenter, audience_is(2), what="presence 2")
        await recv_match(presenter, audience_is(1), what="presence 1 again")
        # Three presence frames went to the presenter; none came to the audience
        # before a change made after them.
        assert await state_sentinel(live_server, state(indexh=1), audience) == 1


async def test_presenter_cookie_makes_a_presenter_from_the_first_welcome(
    live_server: LiveServer,
) -> None:
    cookie = await presenter_cookie(live_server)
    async with (
        connect(
            live_server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
        ) as presenter,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience,
    ):
        welcome = await recv(presenter)
        assert welcome["type"] == "welcome"
        assert welcome["role"] == "presenter"
        await recv(audience)
        presence = await recv_type(presenter, "presence")
        assert isinstance(presence["audience"], int)
        await send(presenter, {"type": "state", "state": state(indexh=1)})
        assert await recv(audience) == {"type": "state", "seq": 1, "state": state(indexh=1)}


async def test_forged_or_foreign_cookie_is_audience(
    live_server: LiveServer, make_server: MakeServer
) -> None:
    foreign = await make_server(secret="another-secret")
    foreign_cookie = await presenter_cookie(foreign, token="another-secret")
    # A cookie signed by another secret must not work here, nor an unsigned one.
    for cookie in (foreign_cookie, "presenter_auth=1", 'presenter_auth="2|garbage"'):
        async with connect(
            live_server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
        ) as ws:
            assert (await recv(ws))["role"] == "audience"
            await send(ws, {"type": "state", "state": state(indexh=1)})
            assert (await recv(ws))["code"] == "forbidden"
