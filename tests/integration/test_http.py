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
    DEFAULT_STATE,
    TIMEOUT,
    afetch,
    apost_state,
    bearer,
    drain,
    presenter_cookie,
    recv,
    recv_type,
    state,
)


async def test_healthz(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/healthz")
    assert resp.status == 200


async def test_index_lists_every_deck_with_title_and_slide_count(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/")
    assert resp.status == 200
    assert "text/html" in (resp.header("Content-Type") or "")
    html = resp.text
    assert "Test deck" in html
    assert "Hand HTML" in html
    assert 'href="/decks/md/"' in html
    assert 'href="/decks/html/"' in html
    # md: 4 horizontal slides, one with a vertical child = 5 slides; html: 4 slides.
    assert "5 slides" in html
    assert "4 slides" in html
    assert SECRET not in html


async def test_index_redirects_to_the_only_deck(make_server: MakeServer, deck_root: Path) -> None:
    server = await make_server(decks={"md": deck_root / "md"})
    resp = await afetch(server, "GET", "/")
    assert resp.status in (301, 302, 303, 307, 308)
    assert resp.header("Location") == "/decks/md/"


@pytest.mark.parametrize("deck", ["md", "html"])
async def test_deck_without_slash_redirects(live_server: LiveServer, deck: str) -> None:
    resp = await afetch(live_server, "GET", f"/decks/{deck}")
    assert resp.status in (301, 302, 307, 308)
    assert resp.header("Location") == f"/decks/{deck}/"


@pytest.mark.parametrize(("deck", "content"), [("md", "First slide"), ("html", "Hand one")])
async def test_audience_page(live_server: LiveServer, deck: str, content: str) -> None:
    resp = await afetch(live_server, "GET", f"/decks/{deck}/")
    assert resp.status == 200
    assert "text/html" in (resp.header("Content-Type") or "")
    assert content in resp.text
    assert f"/decks/{deck}/ws" in resp.text


async def test_api_state_get(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/decks/md/api/state")
    assert resp.status == 200
    assert "application/json" in (resp.header("Content-Type") or "")
    assert resp.json() == {"deck": "md", "seq": 0, "state": DEFAULT_STATE}
    resp = await afetch(live_server, "GET", "/decks/html/api/state")
    assert resp.json() == {"deck": "html", "seq": 0, "state": DEFAULT_STATE}


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
        assert await drain(audience) == []
        assert await drain(elsewhere, 0.05) == []

        after = await apost_state(live_server, state(indexh=3))
        assert after.json()["seq"] == 2
        assert (await recv(audience))["seq"] == 2
    got = await afetch(live_server, "GET", "/decks/md/api/state")
    assert got.json() == {"deck": "md", "seq": 2, "state": state(indexh=3)}


async def test_api_state_post_partial_state_takes_defaults(live_server: LiveServer) -> None:
    resp = await apost_state(live_server, {"indexh": 1})
    assert resp.status == 200
    assert resp.json()["state"] == state(indexh=1)


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
        assert await drain(audience, 0.1) == []
    got = await afetch(live_server, "GET", "/decks/md/api/state")
    assert got.json()["seq"] == 0


async def test_api_state_post_with_the_presenter_cookie_alone_is_refused(
    live_server: LiveServer,
) -> None:
    login = await afetch(live_server, "GET", f"/decks/md/presenter?token={SECRET}")
    cookie = login.cookie("presenter_auth")
    assert cookie
    body = json.dumps({"state": state(indexh=1)})
    resp = await afetch(live_server, "POST", "/decks/md/api/state", body, {"Cookie": cookie})
    assert resp.status == 401


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("not json", id="not-json"),
        pytest.param("", id="empty"),
        pytest.param("[]", id="array"),
        pytest.param('"state"', id="string"),
        pytest.param("{}", id="missing-state"),
        pytest.param('{"State": {}}', id="wrong-key"),
        pytest.param('{"state": 3}', id="state-number"),
        pytest.param('{"state": null}', id="state-null"),
        pytest.param('{"state": [1, 2]}', id="state-array"),
        pytest.param('{"state": {"indexh": "2"}}', id="h-string"),
        pytest.param('{"state": {"indexh": 2.5}}', id="h-float"),
        pytest.param('{"state": {"indexh": -1}}', id="h-negative"),
        pytest.param('{"state": {"indexv": true}}', id="v-bool"),
        pytest.param('{"state": {"indexf": -5}}', id="f-below"),
        pytest.param('{"state": {"paused": "true"}}', id="paused-string"),
        pytest.param('{"state": {"overview": 0}}', id="overview-number"),
        pytest.param('{"state": {"indexh": NaN}}', id="nan"),
    ],
)
async def test_api_state_post_bad_body_is_400_json(live_server: LiveServer, body: str) -> None:
    resp = await afetch(live_server, "POST", "/decks/md/api/state", body, bearer())
    assert resp.status == 400, resp.text
    assert "application/json" in (resp.header("Content-Type") or "")
    payload = resp.json()
    assert isinstance(payload, dict)
    assert isinstance(payload.get("error"), str) and len(payload["error"]) > 5
    got = await afetch(live_server, "GET", "/decks/md/api/state")
    assert got.json()["seq"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/decks/nope"),
        ("GET", "/decks/nope/"),
        ("GET", "/decks/nope/presenter"),
        ("GET", f"/decks/nope/presenter?token={SECRET}"),
        ("POST", "/decks/nope/presenter"),
        ("GET", "/decks/nope/api/state"),
        ("POST", "/decks/nope/api/state"),
        ("GET", "/decks/nope/ws"),
        ("GET", "/decks/nope/x.png"),
        ("GET", "/decks/nope/dist/reveal.js"),
    ],
)
async def test_unknown_deck_is_404_everywhere(
    live_server: LiveServer, method: str, path: str
) -> None:
    body = json.dumps({"state": state(indexh=1)}) if method == "POST" else None
    headers = bearer() if method == "POST" else {}
    resp = await afetch(live_server, method, path, body, headers)
    assert resp.status == 404, (path, resp.status, resp.text[:200])
    assert "nope" in resp.text, resp.text[:300]
    if "/api/" in path or path.endswith("/ws"):
        assert "application/json" in (resp.header("Content-Type") or "")
        assert isinstance(resp.json(), dict)
    else:
        assert "text/html" in (resp.header("Content-Type") or "")


async def test_unknown_deck_names_the_deck(live_server: LiveServer) -> None:
    for path in ("/decks/nope/", "/decks/nope/api/state", "/decks/nope/presenter"):
        resp = await afetch(live_server, "GET", path)
        assert "nope" in resp.text, path


async def test_unknown_deck_websocket_handshake_is_404(live_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(live_server.ws("nope"), open_timeout=TIMEOUT):
            pass
    assert caught.value.response.status_code == 404


async def test_unknown_url_is_404(live_server: LiveServer) -> None:
    for path in ("/nothing-here", "/decks/", "/decks/md/api/nothing"):
        resp = await afetch(live_server, "GET", path)
        assert resp.status == 404, path
