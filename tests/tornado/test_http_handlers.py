"""The HTTP handlers of the real application, in process, through pytest-tornado.

Requests go through pytest-tornado's ``http_server`` and ``http_client``
fixtures (``app`` is in conftest.py); each test runs on Tornado's loop with
``@pytest.mark.gen_test``. Anything that needs a WebSocket stays in
tests/integration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPResponse

from tests.helpers import SECRET

DEFAULT_STATE = {"indexh": 0, "indexv": 0, "indexf": None, "paused": False, "overview": False}


async def fetch(
    client: AsyncHTTPClient,
    url: str,
    method: str = "GET",
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPResponse:
    return await client.fetch(
        url,
        method=method,
        body=body,
        headers=headers or {},
        raise_error=False,
        follow_redirects=False,
        allow_nonstandard_methods=True,
    )


def text(response: HTTPResponse) -> str:
    return (response.body or b"").decode("utf-8", "replace")


def data(response: HTTPResponse) -> Any:
    return json.loads(response.body)


def bearer(token: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@pytest.mark.gen_test
async def test_healthz(http_client: AsyncHTTPClient, base_url: str) -> None:
    response = await fetch(http_client, f"{base_url}/healthz")
    assert response.code == 200
    assert data(response)["ok"] is True


@pytest.mark.gen_test
async def test_index_lists_every_deck_with_title_and_slide_count(
    http_client: AsyncHTTPClient, base_url: str
) -> None:
    response = await fetch(http_client, f"{base_url}/")
    assert response.code == 200
    assert "text/html" in response.headers["Content-Type"]
    html = text(response)
    for expected in ("Test deck", "Hand HTML", 'href="/decks/md/"', 'href="/decks/html/"'):
        assert expected in html
    # md: 4 horizontal slides, one with a vertical child = 5 slides; html: 4 slides.
    assert "5 slides" in html
    assert "4 slides" in html
    assert SECRET not in html


@pytest.mark.gen_test
@pytest.mark.parametrize("deck", ["md", "html"])
async def test_deck_without_slash_redirects(
    http_client: AsyncHTTPClient, base_url: str, deck: str
) -> None:
    response = await fetch(http_client, f"{base_url}/decks/{deck}")
    assert response.code in (301, 302, 307, 308)
    assert response.headers["Location"] == f"/decks/{deck}/"


@pytest.mark.gen_test
@pytest.mark.parametrize(("deck", "content"), [("md", "First slide"), ("html", "Hand one")])
async def test_audience_page(
    http_client: AsyncHTTPClient, base_url: str, deck: str, content: str
) -> None:
    response = await fetch(http_client, f"{base_url}/decks/{deck}/")
    assert response.code == 200
    assert "text/html" in response.headers["Content-Type"]
    assert content in text(response)
    assert f"/decks/{deck}/ws" in text(response)


@pytest.mark.gen_test
async def test_api_state_get(http_client: AsyncHTTPClient, base_url: str) -> None:
    for deck in ("md", "html"):
        response = await fetch(http_client, f"{base_url}/decks/{deck}/api/state")
        assert response.code == 200
        assert "application/json" in response.headers["Content-Type"]
        assert data(response) == {"deck": deck, "seq": 0, "state": DEFAULT_STATE}


@pytest.mark.gen_test
async def test_api_state_post_partial_state_takes_defaults(
    http_client: AsyncHTTPClient, base_url: str
) -> None:
    url = f"{base_url}/decks/md/api/state"
    response = await fetch(http_client, url, "POST", '{"state": {"indexh": 1}}', bearer())
    assert response.code == 200
    assert data(response) == {"deck": "md", "seq": 1, "state": {**DEFAULT_STATE, "indexh": 1}}
    assert data(await fetch(http_client, url))["seq"] == 1


@pytest.mark.gen_test
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
        pytest.param('{"state": {"indexh": 1000001}}', id="h-too-big"),
    ],
)
async def test_api_state_post_bad_body_is_400_json(
    http_client: AsyncHTTPClient, base_url: str, body: str
) -> None:
    url = f"{base_url}/decks/md/api/state"
    response = await fetch(http_client, url, "POST", body, bearer())
    assert response.code == 400, text(response)
    assert "application/json" in response.headers["Content-Type"]
    payload = data(response)
    assert isinstance(payload, dict)
    assert isinstance(payload.get("error"), str) and len(payload["error"]) > 5
    assert data(await fetch(http_client, url))["seq"] == 0


@pytest.mark.gen_test
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
    http_client: AsyncHTTPClient, base_url: str, method: str, path: str
) -> None:
    body = json.dumps({"state": {"indexh": 1}}) if method == "POST" else None
    headers = bearer() if method == "POST" else {}
    response = await fetch(http_client, base_url + path, method, body, headers)
    assert response.code == 404, (path, response.code, text(response)[:200])
    assert "nope" in text(response), text(response)[:300]
    if "/api/" in path or path.endswith("/ws"):
        assert "application/json" in response.headers["Content-Type"]
        assert isinstance(data(response), dict)
    else:
        assert "text/html" in response.headers["Content-Type"]


@pytest.mark.gen_test
async def test_unknown_url_is_404(http_client: AsyncHTTPClient, base_url: str) -> None:
    for path in ("/nothing-here", "/decks/", "/decks/md/api/nothing"):
        response = await fetch(http_client, base_url + path)
        assert response.code == 404, path
