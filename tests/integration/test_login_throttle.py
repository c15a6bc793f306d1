"""Wrong tokens are throttled per client address, on every way of logging in."""

from __future__ import annotations

import asyncio
import http.client
import json
from pathlib import Path

from websockets.asyncio.client import connect

from tests.conftest import LiveServer
from tests.helpers import SECRET

from .support import (
    TIMEOUT,
    Response,
    afetch,
    apost_state,
    assert_one_error,
    hidden_input,
    recv,
    recv_type,
    run_cli,
    send,
    state,
)

BURST = 10  # failures allowed in a row (presenter.core.throttle.LoginThrottle)


async def test_socket_auth_is_rate_limited_then_refuses_even_the_right_token(
    live_server: LiveServer,
) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        for _ in range(BURST):
            await send(ws, {"type": "auth", "token": "wrong-guess-0000000"})
            assert (await recv_type(ws, "error"))["code"] == "unauthorized"
        await send(ws, {"type": "auth", "token": "wrong-guess-0000000"})
        limited = await recv_type(ws, "error")
        assert limited["code"] == "rate_limited"
        await send(ws, {"type": "auth", "token": SECRET})
        assert (await recv_type(ws, "error"))["code"] == "rate_limited"
    # The throttle is per address, not per socket: a new socket is refused too.
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        await send(ws, {"type": "auth", "token": SECRET})
        assert (await recv_type(ws, "error"))["code"] == "rate_limited"


async def test_api_wrong_bearer_tokens_are_429_after_a_burst(live_server: LiveServer) -> None:
    for _ in range(BURST):
        assert (await apost_state(live_server, state(indexh=1), token="nope-nope")).status == 401
    limited = await apost_state(live_server, state(indexh=1), token="nope-nope")
    assert limited.status == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.header("Retry-After") or "0") >= 1
    right = await apost_state(live_server, state(indexh=1))
    assert right.status == 429
    assert (await afetch(live_server, "GET", "/decks/md/api/state")).json()["seq"] == 0


async def test_requests_without_a_token_are_not_counted(live_server: LiveServer) -> None:
    for _ in range(3 * BURST):
        resp = await afetch(live_server, "POST", "/decks/md/api/state", json.dumps({"state": {}}))
        assert resp.status == 401
    assert (await apost_state(live_server, state(indexh=1))).status == 200


async def test_token_and_ticket_links_and_the_form_share_the_budget(
    live_server: LiveServer,
) -> None:
    for n in range(BURST // 2):
        assert (await afetch(live_server, "GET", f"/decks/md/presenter?token=w{n}")).status == 403
        assert (await afetch(live_server, "GET", f"/decks/md/remote?login=t{n}")).status == 403
    refused = await afetch(live_server, "GET", f"/decks/md/presenter?token={SECRET}")
    assert refused.status == 429
    assert "try again in" in refused.text
    assert refused.cookie("presenter_auth") is None
    page = await afetch(live_server, "GET", "/decks/md/presenter")
    xsrf, cookie = hidden_input(page.text, "_xsrf"), page.cookie("_xsrf")
    assert xsrf is not None and cookie is not None
    form = await afetch(
        live_server,
        "POST",
        "/decks/md/presenter",
        f"_xsrf={xsrf}&token={SECRET}",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    assert form.status == 429
    assert form.cookie("presenter_auth") is None


def post_from(port: int, source: str, token: str) -> Response:
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=TIMEOUT, source_address=(source, 0)
    )
    try:
        body = json.dumps({"state": state(indexh=2)})
        conn.request("POST", "/decks/md/api/state", body, {"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        return Response(resp.status, resp.msg, resp.read())
    finally:
        conn.close()


async def test_another_address_is_not_blocked(live_server: LiveServer) -> None:
    for _ in range(BURST + 1):
        await apost_state(live_server, state(indexh=1), token="nope-nope")
    assert (await apost_state(live_server, state(indexh=1))).status == 429
    # 127.0.0.2 is another client on the loopback network.
    other = await asyncio.to_thread(post_from, live_server.port, "127.0.0.2", SECRET)
    assert other.status == 200


def test_a_short_secret_is_refused_in_one_line(deck_root: Path) -> None:
    result = run_cli("serve", str(deck_root), "--secret", "too-short", "--port", "0")
    assert_one_error(result, "at least 16 characters")
    result = run_cli("serve", str(deck_root), "--port", "0", env={"PRESENTER_SECRET": "short"})
    assert_one_error(result, "at least 16 characters")
