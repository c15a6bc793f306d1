"""Presenter login, notes kept from the audience, origin checks, file serving and traversal."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from urllib.parse import urlencode

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin

from tests.conftest import LiveServer
from tests.helpers import SECRET

from .conftest import MakeServer
from .support import TIMEOUT, Response, afetch, hidden_input, presenter_cookie, recv

MD_NOTES = ("SECRET-NOTE-ONE", "SECRET-NOTE-TWO", "SECRET-NOTE-THREE", "SECRET-NOTE-ASIDE")
HTML_NOTES = ("SECRET-HTML-NOTE", "SECRET-DATA-NOTE")
ALL_NOTES = MD_NOTES + HTML_NOTES
SLIDE_CONTENT = ("First slide", "Hello audience", "Stack below", "Hand one", "Hand two")
FIRST_SLIDE = {"md": "First slide", "html": "Hand one"}


def assert_no_notes(html: str) -> None:
    for marker in ALL_NOTES:
        assert marker not in html, marker
    assert 'class="notes"' not in html
    assert "data-notes" not in html
    assert SECRET not in html


# --- presenter page -----------------------------------------------------------------


@pytest.mark.parametrize("deck", ["md", "html"])
async def test_presenter_page_without_cookie_is_a_403_login_form(
    live_server: LiveServer, deck: str
) -> None:
    resp = await afetch(live_server, "GET", f"/decks/{deck}/presenter")
    assert resp.status == 403
    html = resp.text
    assert "<form" in html
    assert 'name="token"' in html
    assert hidden_input(html, "_xsrf")
    assert_no_notes(html)
    for content in SLIDE_CONTENT:
        assert content not in html, content
    assert resp.cookie("presenter_auth") is None


@pytest.mark.parametrize("token", ["wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), ""])
async def test_presenter_page_wrong_token_is_403(live_server: LiveServer, token: str) -> None:
    resp = await afetch(live_server, "GET", "/decks/md/presenter?" + urlencode({"token": token}))
    assert resp.status == 403
    assert resp.cookie("presenter_auth") is None
    assert_no_notes(resp.text)
    for content in SLIDE_CONTENT:
        assert content not in resp.text


async def test_presenter_token_redirects_without_token_and_sets_cookie(
    live_server: LiveServer,
) -> None:
    resp = await afetch(live_server, "GET", f"/decks/md/presenter?token={SECRET}")
    assert resp.status in (302, 303)
    location = resp.header("Location") or ""
    assert location.endswith("/decks/md/presenter")
    assert "token" not in location
    assert SECRET not in location
    raw = resp.set_cookie_header("presenter_auth")
    assert raw is not None, resp.cookies
    assert "httponly" in raw.lower()
    assert SECRET not in raw
    assert SECRET not in resp.text


async def test_presenter_redirect_keeps_other_query_arguments(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", f"/decks/md/presenter?token={SECRET}&x=1")
    assert resp.status in (302, 303)
    location = resp.header("Location") or ""
    assert "token" not in location
    assert location.endswith("/decks/md/presenter?x=1")


async def test_presenter_page_with_cookie_shows_notes_but_never_the_token(
    live_server: LiveServer,
) -> None:
    cookie = await presenter_cookie(live_server)
    resp = await afetch(live_server, "GET", "/decks/md/presenter", headers={"Cookie": cookie})
    assert resp.status == 200
    html = resp.text
    for marker in MD_NOTES:
        assert marker in html, marker
    assert SECRET not in html
    # The cookie is valid for every deck of the server.
    resp = await afetch(live_server, "GET", "/decks/html/presenter", headers={"Cookie": cookie})
    assert resp.status == 200
    for marker in HTML_NOTES:
        assert marker in resp.text, marker
    assert SECRET not in resp.text


@pytest.mark.parametrize(
    "cookie",
    ["presenter_auth=1", 'presenter_auth="2|1:0|10:1|14:presenter_auth|4:MQ==|00"', "x=1"],
)
async def test_forged_cookie_gets_the_login_page(live_server: LiveServer, cookie: str) -> None:
    resp = await afetch(live_server, "GET", "/decks/md/presenter", headers={"Cookie": cookie})
    assert resp.status == 403
    assert_no_notes(resp.text)


async def login_form(server: LiveServer) -> tuple[str, str]:
    """The ``_xsrf`` form value and the ``_xsrf=...`` cookie pair of the login page."""
    page = await afetch(server, "GET", "/decks/md/presenter")
    assert page.status == 403
    value = hidden_input(page.text, "_xsrf")
    cookie = page.cookie("_xsrf")
    assert value and cookie, (value, page.cookies)
    return value, cookie


async def post_login(
    server: LiveServer, token: str, xsrf: str | None, cookie: str | None
) -> Response:
    fields = {"token": token}
    if xsrf is not None:
        fields["_xsrf"] = xsrf
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie is not None:
        headers["Cookie"] = cookie
    return await afetch(server, "POST", "/decks/md/presenter", urlencode(fields), headers)


async def test_login_form_post_sets_the_cookie(live_server: LiveServer) -> None:
    xsrf, cookie = await login_form(live_server)
    resp = await post_login(live_server, SECRET, xsrf, cookie)
    assert resp.status == 303
    assert (resp.header("Location") or "").endswith("/decks/md/presenter")
    raw = resp.set_cookie_header("presenter_auth")
    assert raw is not None and "httponly" in raw.lower()
    presenter = resp.cookie("presenter_auth")
    assert presenter
    page = await afetch(live_server, "GET", "/decks/md/presenter", headers={"Cookie": presenter})
    assert page.status == 200
    assert "SECRET-NOTE-ONE" in page.text


async def test_login_form_post_with_wrong_token_is_403(live_server: LiveServer) -> None:
    xsrf, cookie = await login_form(live_server)
    resp = await post_login(live_server, "wrong", xsrf, cookie)
    assert resp.status == 403
    assert resp.cookie("presenter_auth") is None
    assert_no_notes(resp.text)


async def test_login_form_post_without_xsrf_is_refused(live_server: LiveServer) -> None:
    resp = await post_login(live_server, SECRET, None, None)
    assert resp.status == 403
    assert resp.cookie("presenter_auth") is None
    assert SECRET not in resp.text


# --- notes never reach the audience ---------------------------------------------------


@pytest.mark.parametrize("deck", ["md", "html"])
@pytest.mark.parametrize("query", ["", "?view=embed", "?view=presenter", f"?token={SECRET}"])
async def test_audience_pages_carry_no_notes(
    live_server: LiveServer, deck: str, query: str
) -> None:
    resp = await afetch(live_server, "GET", f"/decks/{deck}/{query}")
    assert resp.status == 200
    assert FIRST_SLIDE[deck] in resp.text  # the deck itself, not some other page
    assert_no_notes(resp.text)


async def test_audience_pages_with_presenter_cookie_carry_no_notes(
    live_server: LiveServer,
) -> None:
    cookie = await presenter_cookie(live_server)
    for deck in ("md", "html"):
        resp = await afetch(live_server, "GET", f"/decks/{deck}/", headers={"Cookie": cookie})
        assert resp.status == 200
        assert FIRST_SLIDE[deck] in resp.text
        assert_no_notes(resp.text)


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/", 'href="/decks/md/"'),
        ("/decks/md/api/state", '"deck": "md"'),
        ("/decks/html/api/state", '"deck": "html"'),
        ("/healthz", '"ok": true'),
    ],
)
async def test_listing_and_api_carry_no_notes_or_secret(
    live_server: LiveServer, path: str, content: str
) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 200, (path, resp.status)
    assert content in resp.text, resp.text[:300]
    assert_no_notes(resp.text)


# --- WebSocket origin ---------------------------------------------------------------


async def test_other_origin_websocket_is_refused(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    for origin in ("http://evil.example", "null", f"http://127.0.0.1:{live_server.port + 1}"):
        for _ in range(2):
            with pytest.raises(InvalidStatus) as caught:
                async with connect(
                    live_server.ws("md"), origin=Origin(origin), open_timeout=TIMEOUT
                ):
                    pass
            assert caught.value.response.status_code == 403, origin
    # One line per origin saying how to allow it, however many tries.
    told = [r.getMessage() for r in caplog.records if "--allow-origin" in r.getMessage()]
    assert len(told) == 3
    assert "'http://evil.example'" in told[0]


async def test_same_origin_websocket_is_accepted(live_server: LiveServer) -> None:
    async with connect(
        live_server.ws("md"), origin=Origin(live_server.base), open_timeout=TIMEOUT
    ) as ws:
        assert (await recv(ws))["type"] == "welcome"


async def test_allowed_origin_is_accepted_and_others_refused(make_server: MakeServer) -> None:
    server = await make_server(allow_origins=("http://ok.example",))
    async with connect(
        server.ws("md"), origin=Origin("http://ok.example"), open_timeout=TIMEOUT
    ) as ws:
        welcome = await recv(ws)
        assert (welcome["type"], welcome["role"]) == ("welcome", "audience")
    async with connect(server.ws("md"), origin=Origin(server.base), open_timeout=TIMEOUT) as ws:
        assert (await recv(ws))["type"] == "welcome"
    for origin in ("http://evil.example", "http://ok.example.evil.example", "https://ok.example"):
        with pytest.raises(InvalidStatus) as caught:
            async with connect(server.ws("md"), origin=Origin(origin), open_timeout=TIMEOUT):
                pass
        assert caught.value.response.status_code == 403, origin


async def test_wildcard_origin_accepts_any(make_server: MakeServer) -> None:
    server = await make_server(allow_origins=("*",))
    async with connect(
        server.ws("md"), origin=Origin("http://evil.example"), open_timeout=TIMEOUT
    ) as ws:
        assert (await recv(ws))["type"] == "welcome"


# --- files and path traversal ---------------------------------------------------------


async def test_deck_files_are_served(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/decks/md/img/pixel.svg")
    assert resp.status == 200
    assert b"<svg" in resp.body


@pytest.mark.parametrize(
    "path",
    [
        "/decks/md/slides.md",
        "/decks/html/index.html",
        "/decks/md/.hidden",
        "/decks/md/img/../slides.md",
        "/decks/md/img/%2e%2e/slides.md",
        "/decks/md/./slides.md",
        "/decks/md/SLIDES.md",
        "/decks/md/slides.md/",
    ],
)
async def test_sources_and_dotfiles_are_never_served(live_server: LiveServer, path: str) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 404, (path, resp.status)
    assert b"SECRET-NOTE" not in resp.body
    assert b"SECRET-HTML-NOTE" not in resp.body
    assert resp.body != b"hidden"


TRAVERSALS = [
    "/decks/md/../outside.txt",
    "/decks/md/%2e%2e/outside.txt",
    "/decks/md/..%2foutside.txt",
    "/decks/md/%2e%2e%2foutside.txt",
    "/decks/md/%2E%2E%2Foutside.txt",
    "/decks/md/img/../../outside.txt",
    "/decks/md/img/..%2f..%2foutside.txt",
    "/decks/md/..%5coutside.txt",
    "/decks/md/....//outside.txt",
    "/decks/md//etc/passwd",
    "/decks/md/%2fetc/passwd",
    "/decks/md/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/decks/md/link-outside.txt",
    "/decks/md/link-dir/outside.txt",
    "/decks/html/dist/../../outside.txt",
    "/decks/html/dist/%2e%2e/%2e%2e/outside.txt",
    "/decks/html/plugin/../../outside.txt",
    "/reveal/../outside.txt",
    "/reveal/%2e%2e/%2e%2e/outside.txt",
    "/static/..%2f..%2foutside.txt",
    "/static/../presenter/__init__.py",
    "/static/%2e%2e/presenter/__init__.py",
    "/reveal//etc/passwd",
    "/static//etc/passwd",
]


@pytest.fixture
def outside_links(deck_root: Path) -> None:
    """Symlinks inside the md deck that point outside it."""
    os.symlink(deck_root / "outside.txt", deck_root / "md" / "link-outside.txt")
    os.symlink(deck_root, deck_root / "md" / "link-dir")


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send the request line byte for byte, so nothing normalises ``..`` away."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    status = int(data.split(b" ", 2)[1])
    return status, data


@pytest.mark.usefixtures("outside_links")
@pytest.mark.parametrize("path", TRAVERSALS)
async def test_traversal_never_leaves_the_folder(live_server: LiveServer, path: str) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status in (400, 403, 404), (path, resp.status)
    assert b"OUTSIDE-SECRET" not in resp.body
    assert b"root:" not in resp.body
    assert b"__version__" not in resp.body
    status, data = await asyncio.to_thread(raw_get, live_server.port, path)
    assert status in (400, 403, 404), (path, status)
    assert b"OUTSIDE-SECRET" not in data
    assert b"root:" not in data


async def test_symlink_inside_the_deck_is_followed(
    live_server: LiveServer, deck_root: Path
) -> None:
    os.symlink(deck_root / "md" / "img" / "pixel.svg", deck_root / "md" / "alias.svg")
    resp = await afetch(live_server, "GET", "/decks/md/alias.svg")
    assert resp.status == 200
    assert b"<svg" in resp.body


async def test_state_dir_inside_a_deck_is_never_served(
    make_server: MakeServer, deck_root: Path
) -> None:
    state_dir = deck_root / "md" / "state"
    state_dir.mkdir()
    (state_dir / "secret").write_text("STATE-SECRET", encoding="utf-8")
    server = await make_server(state_dir=state_dir)
    for name in ("secret", "state.sqlite3", "../state/secret"):
        resp = await afetch(server, "GET", f"/decks/md/state/{name}")
        assert resp.status == 404, name
        assert b"STATE-SECRET" not in resp.body


async def test_reveal_and_static_files(live_server: LiveServer) -> None:
    bundled = await afetch(live_server, "GET", "/decks/html/dist/reveal.js")
    assert bundled.status == 200
    assert b"Reveal" in bundled.body or b"reveal" in bundled.body
    assert "javascript" in (bundled.header("Content-Type") or "")
    direct = await afetch(live_server, "GET", "/reveal/reveal.js")
    assert direct.status == 200
    assert direct.body == bundled.body
    css = await afetch(live_server, "GET", "/decks/html/dist/reveal.css")
    assert css.status == 200
    assert "css" in (css.header("Content-Type") or "")
    script = await afetch(live_server, "GET", "/static/audience.js")
    assert script.status == 200
    assert "javascript" in (script.header("Content-Type") or "")
    missing = await afetch(live_server, "GET", "/static/no-such-file.js")
    assert missing.status == 404
