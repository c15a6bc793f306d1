"""Speaker features over HTTP: QR codes, the phone remote and its one-time login,
the join page, the deck and notes APIs, and the links in the presenter config."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from presenter import qr
from tests.conftest import LiveServer
from tests.helpers import SECRET

from .conftest import MakeServer
from .support import (
    TIMEOUT,
    Response,
    afetch,
    apost_state,
    frames_until,
    presenter_cookie,
    recv,
    state,
    state_sentinel,
)

ADVERTISED = "192.0.2.55"
REMOTE_QR_TITLE = "Remote login link"


def audience_url(server: LiveServer, deck: str = "md", host: str = "127.0.0.1") -> str:
    return f"http://{host}:{server.port}/decks/{deck}/"


def page_config(resp: Response) -> dict[str, Any]:
    """The ``#presenter-config`` JSON of a page."""
    found = re.search(
        r'<script type="application/json" id="presenter-config">(.*?)</script>', resp.text, re.S
    )
    assert found, resp.text[:500]
    value = json.loads(found.group(1))
    assert isinstance(value, dict)
    return value


async def get(server: LiveServer, path: str, cookie: str | None = None) -> Response:
    return await afetch(server, "GET", path, headers={"Cookie": cookie} if cookie else None)


# --- the audience QR code ---------------------------------------------------------


async def test_qr_svg_encodes_the_audience_url(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/md/qr.svg")
    assert resp.status == 200
    assert (resp.header("Content-Type") or "").startswith("image/svg+xml")
    assert resp.text == qr.svg(audience_url(live_server))
    assert "<svg" in resp.text
    assert "viewBox" in resp.text


async def test_qr_svg_of_each_deck_is_its_own(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/html/qr.svg")
    assert resp.status == 200
    assert resp.text == qr.svg(audience_url(live_server, "html"))
    assert resp.text != qr.svg(audience_url(live_server, "md"))


async def test_qr_svg_never_follows_the_host_header(live_server: LiveServer) -> None:
    # A name an attacker points here (DNS rebinding) must not end up in join codes.
    for host in (f"localhost:{live_server.port}", "evil.example:80"):
        resp = await afetch(live_server, "GET", "/decks/md/qr.svg", headers={"Host": host})
        assert resp.status == 200
        assert resp.text == qr.svg(f"http://127.0.0.1:{live_server.port}/decks/md/")


@pytest.mark.parametrize(
    "path",
    [
        "/decks/nope/qr.svg",
        "/decks/nope/remote-qr.svg",
        "/decks/nope/join",
        "/decks/nope/remote",
        "/decks/nope/api/deck",
        "/decks/nope/api/notes",
    ],
)
async def test_unknown_deck_is_404(live_server: LiveServer, path: str) -> None:
    cookie = await presenter_cookie(live_server)
    for headers in (None, cookie):
        resp = await get(live_server, path, headers)
        assert resp.status == 404, (path, headers)


# --- the remote's QR code and one-time login ---------------------------------------


async def test_remote_qr_needs_the_presenter_cookie(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/md/remote-qr.svg")
    assert resp.status == 403
    assert "<svg" not in resp.text
    resp = await get(live_server, "/decks/md/remote-qr.svg", "presenter_auth=1")
    assert resp.status == 403


async def test_remote_qr_is_a_fresh_svg_each_time(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    first = await get(live_server, "/decks/md/remote-qr.svg", cookie)
    second = await get(live_server, "/decks/md/remote-qr.svg", cookie)
    for resp in (first, second):
        assert resp.status == 200
        assert (resp.header("Content-Type") or "").startswith("image/svg+xml")
        assert resp.header("Cache-Control") == "no-store"
        assert "<svg" in resp.text
        assert f"<title>{REMOTE_QR_TITLE}</title>" in resp.text
        assert SECRET not in resp.text
        assert "login=" not in resp.text  # the link is only in the pattern
    assert first.text != second.text


async def test_remote_qr_encodes_a_one_time_login_link(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets = live_server.server.context.tickets
    issued: list[str] = []
    real_issue = tickets.issue

    def spy() -> str:
        issued.append(real_issue())
        return issued[-1]

    monkeypatch.setattr(tickets, "issue", spy)
    cookie = await presenter_cookie(live_server)
    resp = await get(live_server, "/decks/md/remote-qr.svg", cookie)
    assert resp.status == 200
    assert len(issued) == 1
    link = f"/decks/md/remote?login={issued[0]}"
    assert resp.text == qr.svg(f"http://127.0.0.1:{live_server.port}{link}", REMOTE_QR_TITLE)
    # The phone that scans it gets logged in, once.
    login = await get(live_server, link)
    assert login.status == 303
    assert login.header("Location") == "/decks/md/remote"
    assert login.cookie("presenter_auth") is not None
    assert (await get(live_server, link)).status == 403


async def test_a_ticket_logs_in_once(live_server: LiveServer) -> None:
    ticket = live_server.server.context.tickets.issue()
    resp = await get(live_server, f"/decks/md/remote?login={ticket}")
    assert resp.status == 303
    assert resp.header("Location") == "/decks/md/remote"
    header = resp.set_cookie_header("presenter_auth")
    assert header is not None
    assert "httponly" in header.lower()
    assert "samesite=lax" in header.lower()
    cookie = resp.cookie("presenter_auth")
    assert cookie is not None
    page = await get(live_server, "/decks/md/remote", cookie)
    assert page.status == 200
    assert "SECRET-NOTE-ONE" in page.text

    again = await get(live_server, f"/decks/md/remote?login={ticket}")
    assert again.status == 403
    assert again.cookie("presenter_auth") is None
    assert "SECRET-NOTE" not in again.text
    assert ticket not in again.text


@pytest.mark.parametrize("ticket", ["made-up-ticket", "", SECRET])
async def test_a_made_up_ticket_is_refused(live_server: LiveServer, ticket: str) -> None:
    live_server.server.context.tickets.issue()
    resp = await get(live_server, f"/decks/md/remote?login={ticket}")
    assert resp.status == 403
    assert resp.cookie("presenter_auth") is None
    assert "SECRET-NOTE" not in resp.text


async def test_ticket_login_keeps_other_query_arguments(live_server: LiveServer) -> None:
    ticket = live_server.server.context.tickets.issue()
    resp = await get(live_server, f"/decks/md/remote?login={ticket}&x=1")
    assert resp.status == 303
    assert resp.header("Location") == "/decks/md/remote?x=1"


# --- the remote page ---------------------------------------------------------------


async def test_remote_without_cookie_is_a_login_page_without_content(
    live_server: LiveServer,
) -> None:
    resp = await get(live_server, "/decks/md/remote")
    assert resp.status == 403
    html = resp.text
    assert "<form" in html
    for leak in ("SECRET-NOTE", "First slide", "Fragments", 'id="next"', "presenter-config"):
        assert leak not in html, leak
    assert resp.header("Cache-Control") == "no-store"


async def test_remote_with_a_wrong_token_is_403(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/md/remote?token=wrong")
    assert resp.status == 403
    assert resp.cookie("presenter_auth") is None
    assert "SECRET-NOTE" not in resp.text


async def test_remote_token_login_then_the_page(live_server: LiveServer) -> None:
    login = await get(live_server, f"/decks/md/remote?token={SECRET}")
    assert login.status == 303
    assert login.header("Location") == "/decks/md/remote"
    cookie = login.cookie("presenter_auth")
    assert cookie is not None
    resp = await get(live_server, "/decks/md/remote", cookie)
    assert resp.status == 200
    html = resp.text
    assert "SECRET-NOTE-ONE" in html
    for control in ('id="next"', 'id="prev"', 'id="blackout"'):
        assert control in html, control
    assert SECRET not in html
    assert resp.header("Cache-Control") == "no-store"
    config = page_config(resp)
    assert config["view"] == "remote"
    assert config["deck"] == "md"
    assert config["ws"] == "/decks/md/ws"
    assert "SECRET-NOTE-ONE" in json.dumps(config["notes"])


async def test_the_presenter_cookie_opens_the_remote_too(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    resp = await get(live_server, "/decks/html/remote", cookie)
    assert resp.status == 200
    assert "SECRET-HTML-NOTE" in resp.text


# --- the join page -----------------------------------------------------------------


async def test_join_page_shows_the_qr_code_and_the_audience_url(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/md/join")
    assert resp.status == 200
    assert "text/html" in (resp.header("Content-Type") or "")
    html = resp.text
    url = audience_url(live_server)
    assert "<svg" in html
    assert qr.svg(url) in html
    assert f">{url}<" in html
    assert "Test deck" in html
    assert "SECRET-NOTE" not in html
    assert SECRET not in html


# --- the deck and notes APIs -------------------------------------------------------


async def test_deck_api_of_a_markdown_deck(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/md/api/deck")
    assert resp.status == 200
    assert "application/json" in (resp.header("Content-Type") or "")
    assert resp.header("Cache-Control") == "no-store"
    body = resp.json()
    assert set(body) == {"deck", "kind", "title", "slideCount", "head", "slidesHtml", "polls"}
    assert body["polls"] == []
    assert body["deck"] == "md"
    assert body["kind"] == "markdown"
    assert body["title"] == "Test deck"
    assert body["slideCount"] == 5
    assert body["head"].startswith("md:")
    assert "<section" in body["slidesHtml"]
    assert "First slide" in body["slidesHtml"]
    assert "SECRET-NOTE" not in resp.text
    assert SECRET not in resp.text


async def test_deck_api_of_an_html_deck(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/html/api/deck")
    assert resp.status == 200, resp.status
    body = resp.json()
    assert body["deck"] == "html"
    assert body["kind"] == "html"
    assert body["title"] == "Hand HTML"
    assert body["slideCount"] == 4
    assert body["head"].startswith("html:")
    assert body["slidesHtml"] is None


async def test_deck_api_head_matches_the_page_config(live_server: LiveServer) -> None:
    resp = await get(live_server, "/decks/md/api/deck")
    assert resp.status == 200, resp.status
    api = resp.json()
    cookie = await presenter_cookie(live_server)
    page = await get(live_server, "/decks/md/presenter", cookie)
    assert page.status == 200, page.status
    config = page_config(page)
    assert config["head"] == api["head"]
    assert config["head"].startswith("md:")


async def test_notes_api_needs_the_presenter_cookie(live_server: LiveServer) -> None:
    for headers in (None, {"Cookie": "presenter_auth=1"}):
        resp = await afetch(live_server, "GET", "/decks/md/api/notes", headers=headers)
        assert resp.status == 403
        assert "SECRET-NOTE" not in resp.text
        assert resp.json()["status"] == 403


async def test_notes_api_with_the_cookie(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    resp = await get(live_server, "/decks/md/api/notes", cookie)
    assert resp.status == 200
    assert resp.header("Cache-Control") == "no-store"
    body = resp.json()
    assert set(body) == {"notes", "titles", "error", "warnings"}
    assert body["error"] is None
    assert body["warnings"] == []
    assert body["titles"] == ["First slide", "Fragments", "Stack top", "Stack below", "Last slide"]
    notes = body["notes"]
    assert isinstance(notes, dict)
    assert "SECRET-NOTE-ONE" in notes["0.0"]
    assert "SECRET-NOTE-THREE" in notes["2.1"]
    assert SECRET not in resp.text


async def test_a_broken_deck_keeps_serving_and_tells_presenters_why(
    live_server: LiveServer, deck_root: Path
) -> None:
    cookie = await presenter_cookie(live_server)
    assert (await get(live_server, "/decks/md/api/deck")).status == 200  # loaded once
    (deck_root / "md" / "slides.md").write_text("---\ntitle: [oops\n---\n# x\n", encoding="utf-8")

    audience = await get(live_server, "/decks/md/")
    assert audience.status == 200
    assert "First slide" in audience.text
    assert "oops" not in audience.text
    api = await get(live_server, "/decks/md/api/deck")
    assert api.status == 200, api.status
    assert "First slide" in api.json()["slidesHtml"]
    assert "oops" not in api.text

    answer = await get(live_server, "/decks/md/api/notes", cookie)
    assert answer.status == 200, answer.status
    notes = answer.json()
    assert notes["error"]["line"] == 2
    assert notes["error"]["message"].startswith("slides.md:2: ")
    assert str(deck_root) not in notes["error"]["message"]
    page = await get(live_server, "/decks/md/presenter", cookie)
    assert page.status == 200, page.status
    config = page_config(page)
    assert config["deckError"] == notes["error"]


# --- links in the presenter config -------------------------------------------------


async def test_presenter_config_links(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    resp = await get(live_server, "/decks/md/presenter", cookie)
    assert resp.status == 200
    config = page_config(resp)
    base = f"http://127.0.0.1:{live_server.port}/decks/md"
    assert config["audienceUrl"] == f"{base}/"
    assert config["remoteUrl"] == f"{base}/remote"
    assert config["joinUrl"] == f"{base}/join"
    assert config["deckError"] is None
    assert "slideCount" not in config  # the page counts the slides reveal.js shows
    assert config["titles"] == [
        "First slide",
        "Fragments",
        "Stack top",
        "Stack below",
        "Last slide",
    ]
    assert SECRET not in resp.text


async def test_advertised_host_is_used_in_every_link_for_people(make_server: MakeServer) -> None:
    server = await make_server(advertised_host=ADVERTISED)
    base = f"http://{ADVERTISED}:{server.port}/decks/md"
    cookie = await presenter_cookie(server)
    config = page_config(await get(server, "/decks/md/presenter", cookie))
    assert config["audienceUrl"] == f"{base}/"
    assert config["remoteUrl"] == f"{base}/remote"
    assert config["joinUrl"] == f"{base}/join"

    svg = await get(server, "/decks/md/qr.svg")
    assert svg.status == 200
    assert svg.text == qr.svg(f"{base}/")
    join = await get(server, "/decks/md/join")
    assert join.status == 200, join.status
    assert f">{base}/<" in join.text
    assert qr.svg(f"{base}/") in join.text


async def test_remote_qr_with_an_advertised_host(
    make_server: MakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = await make_server(advertised_host=ADVERTISED)
    monkeypatch.setattr(server.server.context.tickets, "issue", lambda: "TICKET")
    cookie = await presenter_cookie(server)
    resp = await get(server, "/decks/md/remote-qr.svg", cookie)
    assert resp.status == 200, resp.status
    url = f"http://{ADVERTISED}:{server.port}/decks/md/remote?login=TICKET"
    assert resp.text == qr.svg(url, REMOTE_QR_TITLE)


async def test_a_host_header_with_markup_is_refused(live_server: LiveServer) -> None:
    host = 'evil.test"><script>alert(1)</script>'
    for path in ("/decks/md/join", "/decks/md/qr.svg"):
        resp = await afetch(live_server, "GET", path, headers={"Host": host})
        assert resp.status == 400
        assert "<script>alert(1)" not in resp.text


async def test_odd_characters_of_a_host_header_never_reach_the_page(
    live_server: LiveServer,
) -> None:
    host = "x'onload=alert(1)&y"  # every character is allowed in a host name
    resp = await afetch(live_server, "GET", "/decks/md/join", headers={"Host": host})
    assert resp.status == 200
    assert "onload" not in resp.text
    assert f"http://127.0.0.1:{live_server.port}/decks/md/" in resp.text
    svg = await afetch(live_server, "GET", "/decks/md/qr.svg", headers={"Host": host})
    assert svg.status == 200
    assert svg.text == qr.svg(f"http://127.0.0.1:{live_server.port}/decks/md/")


# --- what a presenter socket gets on connect ---------------------------------------


async def test_a_presenter_socket_of_a_good_deck_gets_no_deck_status(
    live_server: LiveServer,
) -> None:
    cookie = await presenter_cookie(live_server)
    async with connect(
        live_server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
    ) as ws:
        welcome = await recv(ws)
        assert welcome["type"] == "welcome"
        assert welcome["role"] == "presenter"
        presence = await recv(ws)
        assert presence == {"type": "presence", "audience": 0, "following": 0, "browsing": 0}
        # Everything it got before a change made now: no deck_status among it.
        assert (await apost_state(live_server, state(indexh=1))).status == 200
        frames = await frames_until(ws, lambda f: f["type"] == "state", "the sentinel state")
        assert [f for f in frames if f["type"] == "deck_status"] == [], frames
        assert frames[-1] == {"type": "state", "seq": 1, "state": state(indexh=1)}


async def test_a_presenter_socket_of_a_broken_deck_is_told_at_once(
    live_server: LiveServer, deck_root: Path
) -> None:
    cookie = await presenter_cookie(live_server)
    assert (await get(live_server, "/decks/md/api/deck")).status == 200
    (deck_root / "md" / "slides.md").write_text("---\ntitle: [oops\n---\n# x\n", encoding="utf-8")
    assert (await get(live_server, "/decks/md/")).status == 200  # notices the error
    async with (
        connect(
            live_server.ws("md"), additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT
        ) as presenter,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as audience,
    ):
        assert [(await recv(presenter))["type"] for _ in range(2)] == ["welcome", "presence"]
        status = await recv(presenter)
        assert status["type"] == "deck_status"
        assert status["ok"] is False
        assert status["line"] == 2
        assert status["error"].startswith("slides.md:2: ")
        assert (await recv(audience))["type"] == "welcome"
        # The audience was told nothing: the next change is its next frame.
        assert await state_sentinel(live_server, state(indexh=1), audience) == 1


async def test_a_markdown_deck_gets_reveal_js_defaults_not_reveal_mds(
    make_server: MakeServer, tmp_path: Path
) -> None:
    # docs/deck-format.md "Defaults": nothing is added to what the deck sets.
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "slides.md").write_text("# Only\n", encoding="utf-8")
    tuned = tmp_path / "tuned"
    tuned.mkdir()
    (tuned / "slides.md").write_text(
        "---\nrevealOptions:\n  slideNumber: true\n  markdown:\n    smartypants: true\n---\n# T\n",
        encoding="utf-8",
    )
    server = await make_server(decks={"bare": bare, "tuned": tuned})
    bare_config = page_config(await get(server, "/decks/bare/"))
    assert bare_config["reveal"] == {}
    tuned_config = page_config(await get(server, "/decks/tuned/"))
    assert tuned_config["reveal"] == {"slideNumber": True, "markdown": {"smartypants": True}}
