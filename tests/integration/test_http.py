"""HTTP routes: listing, redirects, audience pages, the state API, 404s, health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.conftest import LiveServer
from tests.helpers import SECRET

from .conftest import MakeServer
from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    bearer,
    presenter_cookie,
    presenter_news,
    recv,
    recv_type,
    state,
    state_sentinel,
)


async def test_index_redirects_to_the_only_deck(make_server: MakeServer, deck_root: Path) -> None:
    server = await make_server(decks={"md": deck_root / "md"})
    resp = await afetch(server, "GET", "/")
    assert resp.status in (301, 302, 303, 307, 308)
    assert resp.header("Location") == "/decks/md/"


async def test_api_state_post_sets_state_like_a_presenter(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    async with (
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience,
        connect(
            live_server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
        ) as presenter,
        connect(live_server.ws("html"), open_timeout=TIMEOUT) as elsewhere,
    ):
        await recv(audience)
        assert (await recv(presenter))["role"] == "presenter"
        await recv(elsewhere)
        new = state(indexh=2, indexf=1)
        resp = await apost_state(live_server, new)
        assert resp.status == 200, resp.text
        assert resp.json() == {"deck": "md", "seq": 1, "state": new}
        assert await recv(audience) == {"type": "state", "seq": 1, "state": new}
        assert await recv_type(presenter, "state") == {"type": "state", "seq": 1, "state": new}

        again = await apost_state(live_server, new)
        assert again.status == 200
        assert again.json() == {"deck": "md", "seq": 1, "state": new}
        # The repeat was not broadcast: the next change is the next frame (seq 2), and
        # the other deck's sockets got none of this deck's changes.
        after = await state_sentinel(
            live_server,
            state(indexh=3),
            audience,
            presenter,
            ignore=presenter_news,
        )
        assert after == 2
        assert await state_sentinel(live_server, state(indexh=1), elsewhere, deck="html") == 1
    got = await afetch(live_server, "GET", "/decks/md/api/state")
    assert got.json() == {"deck": "md", "seq": 2, "state": state(indexh=3)}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param(bearer("wrong-token"), id="wrong"),
        pytest.param(bearer(""), id="empty"),
        pytest.param(bearer(SECRET + "x"), id="longer"),
        pytest.param({"Authorization": SECRET}, id="no-scheme"),
        pytest.param({"Authorization": f"Basic {SECRET}"}, id="basic"),
        pytest.param({"Cookie": "presenter_auth=1"}, id="forged-cookie"),
    ],
)
async def test_api_state_post_needs_the_bearer_token(
    live_server: LiveServer, headers: dict[str, str]
) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience:
        await recv(audience)
        body = json.dumps({"state": state(indexh=1)})
        resp = await afetch(live_server, "POST", "/decks/md/api/state", body, headers)
        assert resp.status == 401
        assert "application/json" in (resp.header("Content-Type") or "")
        assert isinstance(resp.json(), dict)
        assert SECRET not in resp.text
        # Refused, so neither stored nor sent: the next change is the first one.
        assert await state_sentinel(live_server, state(indexh=2), audience) == 1
    got = await afetch(live_server, "GET", "/decks/md/api/state")
    assert got.json() == {"deck": "md", "seq": 1, "state": state(indexh=2)}


async def test_api_state_post_with_the_presenter_cookie_alone_is_refused(
    live_server: LiveServer,
) -> None:
    login = await afetch(live_server, "GET", f"/decks/md/presenter?token={SECRET}")
    cookie = login.cookie("presenter_auth")
    assert cookie
    body = json.dumps({"state": state(indexh=1)})
    resp = await afetch(live_server, "POST", "/decks/md/api/state", body, {"Cookie": cookie})
    assert resp.status == 401


async def test_unknown_deck_names_the_deck(live_server: LiveServer) -> None:
    for path in ("/decks/nope/", "/decks/nope/api/state", "/decks/nope/presenter"):
        resp = await afetch(live_server, "GET", path)
        assert resp.status == 404, (path, resp.status)
        assert "nope" in resp.text, path


async def test_unknown_deck_websocket_handshake_is_404(live_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(live_server.ws("nope"), open_timeout=TIMEOUT):
            pass
    assert caught.value.response.status_code == 404
