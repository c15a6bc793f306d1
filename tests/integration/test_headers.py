"""Security headers on every kind of response, and the Host names presenter pages answer.

* Presenter pages and endpoints (speaker view, remote, login page, notes, the
  remote's login QR code): never framed (``frame-ancestors 'none'``,
  ``X-Frame-Options: DENY``), never a referrer.
* The audience page: reveal.js, our client and the deck's own inline scripts
  (by hash), framed by this origin and the ``--allow-origin`` ones.
* Files (ours, reveal.js, a deck's): ``nosniff`` and a sandboxing policy.
* Presenter pages answer only host names the server knows (DNS rebinding);
  URLs shown to people never come from the Host header.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest

from presenter import qr
from tests.conftest import LiveServer
from tests.helpers import SECRET
from tests.integration.conftest import MakeServer
from tests.integration.support import Response, afetch, presenter_cookie

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]*)""", re.IGNORECASE)
SCRIPT_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
RUNNABLE = ("", "text/javascript", "application/javascript", "module")
CONFIG = re.compile(
    r'<script type="application/json" id="presenter-config">(.*?)</script>', re.DOTALL
)

# Paths of presenter pages and endpoints, and whether they need the cookie to answer 200.
PRIVATE = [
    "/decks/md/presenter",
    "/decks/html/presenter",
    "/decks/md/remote",
    "/decks/md/api/notes",
    "/decks/md/remote-qr.svg",
]
# Our own public pages and endpoints: framed by this origin only.
OURS = [
    "/",
    "/decks/md/join",
    "/decks/md/qr.svg",
    "/decks/md/api/state",
    "/decks/md/api/deck",
    "/healthz",
]
FILES = [
    "/static/audience.js",
    "/static/overlay.css",
    "/reveal/reveal.js",
    "/reveal/reveal.css",
    "/decks/md/img/pixel.svg",
    "/decks/html/dist/reveal.js",  # a deck's reference served from the bundled reveal.js
]


def policy(resp: Response) -> dict[str, list[str]]:
    """The response's one Content-Security-Policy, as directive -> source list."""
    values = resp.headers.get_all("Content-Security-Policy") or []
    assert len(values) == 1, f"expected one Content-Security-Policy header, got {values}"
    directives: dict[str, list[str]] = {}
    for part in values[0].split(";"):
        words = part.split()
        if words:
            name = words[0].lower()
            assert name not in directives, f"{name} given twice in {values[0]!r}"
            directives[name] = words[1:]
    return directives


def inline_scripts(html: str) -> list[str]:
    """The bodies of the scripts in ``html`` that run inline (not src=, not data blocks)."""
    found = []
    for attrs, body in SCRIPT.findall(html):
        if SCRIPT_SRC.search(attrs):
            continue
        kind = SCRIPT_TYPE.search(attrs)
        if (kind.group(1).strip().lower() if kind else "") not in RUNNABLE:
            continue
        found.append(body)
    return found


def sha256_source(body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def page_config(html: str) -> dict[str, Any]:
    found = CONFIG.search(html)
    assert found, "no #presenter-config in the page"
    value = json.loads(found.group(1))
    assert isinstance(value, dict)
    return value


def assert_nosniff(resp: Response) -> None:
    assert resp.header("X-Content-Type-Options") == "nosniff", dict(resp.headers)


def assert_private(resp: Response) -> None:
    """Headers of every presenter page or endpoint, whatever its status."""
    assert_nosniff(resp)
    csp = policy(resp)
    assert csp["frame-ancestors"] == ["'none'"], csp
    assert csp["script-src"] == ["'self'"], csp
    assert resp.header("X-Frame-Options") == "DENY"
    assert resp.header("Referrer-Policy") == "no-referrer"


def assert_ours(resp: Response) -> None:
    """Headers of our own public pages: only our scripts, framed by this origin."""
    assert_nosniff(resp)
    csp = policy(resp)
    assert csp["frame-ancestors"] == ["'self'"], csp
    assert csp["script-src"] == ["'self'"], csp
    assert resp.header("X-Frame-Options") == "SAMEORIGIN"
    assert resp.header("Referrer-Policy") == "same-origin"


def assert_deck_page(resp: Response, ancestors: list[str]) -> dict[str, list[str]]:
    """Headers of an audience page: its inline scripts allowed by hash, nothing else inline."""
    assert resp.status == 200, resp.status
    assert_nosniff(resp)
    csp = policy(resp)
    scripts = csp["script-src"]
    assert "'self'" in scripts, scripts
    assert "'unsafe-inline'" not in scripts, scripts
    assert "'unsafe-eval'" not in scripts, scripts
    inline = inline_scripts(resp.text)
    assert inline, "the audience page has inline scripts (ours at least)"
    for body in inline:
        assert sha256_source(body) in scripts, f"inline script not allowed by hash: {body!r}"
    assert csp["frame-ancestors"] == ancestors, csp
    assert csp["object-src"] == ["'none'"], csp
    return csp


# --- presenter pages ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PRIVATE)
async def test_presenter_pages_are_never_framed_with_the_cookie(
    live_server: LiveServer, path: str
) -> None:
    cookie = await presenter_cookie(live_server)
    resp = await afetch(live_server, "GET", path, headers={"Cookie": cookie})
    assert resp.status == 200, resp.status
    assert_private(resp)
    if path.endswith(("/presenter", "/remote")):
        assert not inline_scripts(resp.text), "our pages' CSP allows no inline script"


@pytest.mark.parametrize("path", PRIVATE)
async def test_presenter_pages_are_never_framed_without_the_cookie(
    live_server: LiveServer, path: str
) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 403, resp.status
    assert_private(resp)
    if path.endswith(("/presenter", "/remote")):
        assert "<form" in resp.text  # the login page
        assert not inline_scripts(resp.text)


async def test_login_redirect_and_wrong_token_are_presenter_responses(
    live_server: LiveServer,
) -> None:
    login = await afetch(live_server, "GET", f"/decks/md/presenter?token={SECRET}")
    assert login.status == 303
    assert_private(login)
    wrong = await afetch(live_server, "GET", "/decks/md/remote?token=wrong")
    assert wrong.status == 403
    assert_private(wrong)


async def test_presenter_page_of_an_unknown_deck_is_a_presenter_response(
    live_server: LiveServer,
) -> None:
    resp = await afetch(live_server, "GET", "/decks/nope/presenter")
    assert resp.status == 404
    assert_private(resp)


# --- the audience page -------------------------------------------------------------------


@pytest.mark.parametrize("deck", ["md", "html"])
async def test_audience_page_allows_its_inline_scripts_by_hash(
    live_server: LiveServer, deck: str
) -> None:
    resp = await afetch(live_server, "GET", f"/decks/{deck}/")
    assert_deck_page(resp, ["'self'"])
    assert resp.header("X-Frame-Options") == "SAMEORIGIN"
    assert resp.header("Referrer-Policy") == "same-origin"


async def test_html_deck_keeps_its_own_inline_script(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/decks/html/")
    csp = assert_deck_page(resp, ["'self'"])
    own = [body for body in inline_scripts(resp.text) if "Reveal.initialize" in body]
    assert len(own) == 1, inline_scripts(resp.text)
    assert sha256_source(own[0]) in csp["script-src"]


@pytest.mark.parametrize("deck", ["md", "html"])
async def test_embedded_view_is_framed_by_this_origin(live_server: LiveServer, deck: str) -> None:
    resp = await afetch(live_server, "GET", f"/decks/{deck}/?view=embed")
    assert_deck_page(resp, ["'self'"])
    assert resp.header("X-Frame-Options") == "SAMEORIGIN"


@pytest.mark.parametrize("deck", ["md", "html"])
async def test_allowed_origin_may_frame_the_audience_page_only(
    make_server: MakeServer, deck: str
) -> None:
    server = await make_server(allow_origins=("https://embed.example",))
    audience = await afetch(server, "GET", f"/decks/{deck}/")
    assert_deck_page(audience, ["'self'", "https://embed.example"])
    # X-Frame-Options cannot name another origin: with it, browsers would refuse the frame.
    assert audience.header("X-Frame-Options") is None

    embed = await afetch(server, "GET", f"/decks/{deck}/?view=embed")
    assert_deck_page(embed, ["'self'"])
    assert embed.header("X-Frame-Options") == "SAMEORIGIN"

    cookie = await presenter_cookie(server, deck)
    for path in (f"/decks/{deck}/presenter", f"/decks/{deck}/remote"):
        for headers, status in (({}, 403), ({"Cookie": cookie}, 200)):
            resp = await afetch(server, "GET", path, headers=headers)
            assert resp.status == status, (path, headers, resp.status)
            assert_private(resp)
    for path in ("/", f"/decks/{deck}/join"):
        resp = await afetch(server, "GET", path)
        assert resp.status == 200, (path, resp.status)
        assert_ours(resp)


async def test_any_origin_may_frame_the_audience_page_with_a_wildcard(
    make_server: MakeServer,
) -> None:
    server = await make_server(allow_origins=("*",))
    audience = await afetch(server, "GET", "/decks/md/")
    assert_deck_page(audience, ["*"])
    assert audience.header("X-Frame-Options") is None
    embed = await afetch(server, "GET", "/decks/md/?view=embed")
    assert_deck_page(embed, ["'self'"])
    login = await afetch(server, "GET", "/decks/md/presenter")
    assert login.status == 403, login.status
    assert_private(login)


# --- our other pages, files and errors -------------------------------------------------------


@pytest.mark.parametrize("path", OURS)
async def test_our_public_pages_allow_only_our_scripts(live_server: LiveServer, path: str) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 200, resp.status
    assert_ours(resp)
    if "html" in (resp.header("Content-Type") or ""):
        assert not inline_scripts(resp.text), "our pages' CSP allows no inline script"


@pytest.mark.parametrize("path", FILES)
async def test_files_are_not_sniffed_and_are_sandboxed(live_server: LiveServer, path: str) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 200, resp.status
    assert_nosniff(resp)
    csp = policy(resp)
    assert "sandbox" in csp, csp
    assert csp["default-src"] == ["'none'"], csp
    assert "script-src" not in csp, csp  # default-src 'none': no script runs


async def test_deck_svg_opened_directly_cannot_run_script(live_server: LiveServer) -> None:
    resp = await afetch(live_server, "GET", "/decks/md/img/pixel.svg")
    assert resp.status == 200
    assert resp.header("Content-Type") == "image/svg+xml"
    assert_nosniff(resp)
    assert policy(resp)["sandbox"] == []  # no allow-scripts, no allow-same-origin


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",
        "/decks/nope/",
        "/decks/md/no-such-file.png",
        "/decks/md/api/nope",
        "/static/no-such-file.js",
        "/reveal/no-such-file.js",
    ],
)
async def test_error_pages_are_not_sniffed(live_server: LiveServer, path: str) -> None:
    resp = await afetch(live_server, "GET", path)
    assert resp.status == 404, resp.status
    assert_nosniff(resp)
    csp = policy(resp)
    assert "frame-ancestors" in csp or "sandbox" in csp, csp
    assert "'unsafe-inline'" not in csp.get("script-src", []), csp
    if "html" in (resp.header("Content-Type") or ""):
        assert not inline_scripts(resp.text)


# --- Host names --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PRIVATE, "/decks/md/presenter?token=" + SECRET])
async def test_presenter_pages_refuse_an_unknown_host_name(
    live_server: LiveServer, path: str
) -> None:
    cookie = await presenter_cookie(live_server)
    port = live_server.port
    for host in (f"evil.example:{port}", "evil.example", f"EVIL.example.:{port}"):
        for headers in ({"Host": host}, {"Host": host, "Cookie": cookie}):
            resp = await afetch(live_server, "GET", path, headers=headers)
            assert resp.status == 400, (host, headers, resp.status)
            assert resp.cookie("presenter_auth") is None
            assert "SECRET-NOTE" not in resp.text
            assert_private(resp)


async def test_presenter_login_form_post_refuses_an_unknown_host_name(
    live_server: LiveServer,
) -> None:
    resp = await afetch(
        live_server,
        "POST",
        "/decks/md/presenter",
        body=f"token={SECRET}",
        headers={
            "Host": f"evil.example:{live_server.port}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert resp.status == 400
    assert resp.cookie("presenter_auth") is None


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LocalHost", "[::1]", "10.1.2.3"])
async def test_presenter_pages_answer_known_names_and_addresses(
    live_server: LiveServer, name: str
) -> None:
    host = f"{name}:{live_server.port}"
    login = await afetch(live_server, "GET", "/decks/md/presenter", headers={"Host": host})
    assert login.status == 403
    assert "<form" in login.text
    assert_private(login)
    cookie = await presenter_cookie(live_server)
    speaker = await afetch(
        live_server, "GET", "/decks/md/presenter", headers={"Host": host, "Cookie": cookie}
    )
    assert speaker.status == 200
    assert "SECRET-NOTE-ONE" in speaker.text
    # The links shown to the speaker come from the configured address, not from Host.
    config = page_config(speaker.text)
    base = f"http://127.0.0.1:{live_server.port}/decks/md"
    assert config["audienceUrl"] == f"{base}/"
    assert config["remoteUrl"] == f"{base}/remote"
    assert config["joinUrl"] == f"{base}/join"


@pytest.mark.parametrize("path", ["/decks/md/", "/decks/html/", "/decks/md/?view=embed"])
async def test_audience_page_answers_any_host(live_server: LiveServer, path: str) -> None:
    resp = await afetch(
        live_server, "GET", path, headers={"Host": f"evil.example:{live_server.port}"}
    )
    assert resp.status == 200
    assert "evil.example" not in resp.text


async def test_join_page_and_qr_code_never_show_the_host_header(live_server: LiveServer) -> None:
    audience_url = f"http://127.0.0.1:{live_server.port}/decks/md/"
    for host in (f"evil.example:{live_server.port}", f"localhost:{live_server.port}"):
        name = host.split(":")[0]
        join = await afetch(live_server, "GET", "/decks/md/join", headers={"Host": host})
        assert join.status == 200
        assert name not in join.text
        assert audience_url in join.text
        code = await afetch(live_server, "GET", "/decks/md/qr.svg", headers={"Host": host})
        assert code.status == 200
        assert name not in code.text
        assert code.text == qr.svg(audience_url)


async def test_public_url_is_shown_and_its_host_name_reaches_presenter_pages(
    make_server: MakeServer,
) -> None:
    server = await make_server(public_url="https://talk.example.org")
    audience_url = "https://talk.example.org/decks/md/"
    for host in ("talk.example.org", f"127.0.0.1:{server.port}", "evil.example"):
        join = await afetch(server, "GET", "/decks/md/join", headers={"Host": host})
        assert join.status == 200
        assert audience_url in join.text
        assert "127.0.0.1" not in join.text
        assert "evil.example" not in join.text
        code = await afetch(server, "GET", "/decks/md/qr.svg", headers={"Host": host})
        assert code.status == 200
        assert code.text == qr.svg(audience_url)

    login = await afetch(server, "GET", "/decks/md/presenter", headers={"Host": "talk.example.org"})
    assert login.status == 403
    assert "<form" in login.text
    cookie = await presenter_cookie(server)
    speaker = await afetch(
        server,
        "GET",
        "/decks/md/presenter",
        headers={"Host": "talk.example.org", "Cookie": cookie},
    )
    assert speaker.status == 200
    assert page_config(speaker.text)["audienceUrl"] == audience_url
    assert_private(speaker)
    refused = await afetch(
        server, "GET", "/decks/md/presenter", headers={"Host": "evil.example", "Cookie": cookie}
    )
    assert refused.status == 400
