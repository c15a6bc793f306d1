"""Live reload end to end: files change on disk, open pages hear about it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import LiveServer
from tests.helpers import MARKDOWN_DECK, TIMEOUT_FACTOR

from .conftest import MakeServer
from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    authenticate,
    drain,
    presenter_cookie,
    recv,
    recv_match,
    state,
)

BROKEN = "---\ntitle: [oops\n---\n# x\n"
# Long enough for the watcher (150 ms debounce) to have reported a change.
SETTLE = 0.5 * TIMEOUT_FACTOR


def deck_text(heading: str) -> str:
    return MARKDOWN_DECK.replace("# First slide", f"# {heading}")


def is_reload(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "reload"


def is_status(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "deck_status"


async def drain_all(*sockets: ClientConnection) -> list[list[dict[str, Any]]]:
    """What each socket receives within ``SETTLE`` seconds, watched at once."""
    return list(await asyncio.gather(*(drain(ws, SETTLE) for ws in sockets)))


@pytest.fixture
async def watched(make_server: MakeServer, deck_root: Path) -> LiveServer:
    """A server watching the folder of decks (stopped by ``make_server``)."""
    return await make_server(root=deck_root.resolve(), watch=True)


async def open_socket(server: LiveServer, cookie: str | None = None) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else None
    ws = await connect(server.ws("md"), additional_headers=headers, open_timeout=TIMEOUT)
    welcome = await recv(ws)
    assert welcome["type"] == "welcome"
    assert welcome["role"] == ("presenter" if cookie else "audience")
    return ws


@pytest.fixture
async def sockets(watched: LiveServer) -> AsyncIterator[tuple[ClientConnection, ClientConnection]]:
    """An audience and a presenter socket on deck ``md``, with the watcher known to be live."""
    cookie = await presenter_cookie(watched)
    audience = await open_socket(watched)
    presenter = await open_socket(watched, cookie)
    try:
        await until_watching(watched, audience)
        await drain_all(audience, presenter)
        yield audience, presenter
    finally:
        await audience.close()
        await presenter.close()


async def until_watching(server: LiveServer, audience: ClientConnection) -> None:
    """Touch an image of deck ``md`` until a reload shows the watcher has started."""
    image = server.settings.decks["md"] / "img" / "pixel.svg"
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    size = 1
    while asyncio.get_running_loop().time() < deadline:
        size += 1
        image.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}"/>')
        try:
            await recv_match(audience, is_reload, 1.0, "a reload")
            return
        except AssertionError:
            continue
    raise AssertionError("the deck watcher never reported a change")


async def wait_status(server: LiveServer, path: str, status: int) -> None:
    """Poll ``path`` until it answers ``status``; fail after the timeout."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    seen = None
    while asyncio.get_running_loop().time() < deadline:
        seen = (await afetch(server, "GET", path)).status
        if seen == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} answered {seen}, not {status}, for {TIMEOUT}s")


async def test_edits_reload_pages_and_broken_edits_only_warn_presenters(
    watched: LiveServer,
    sockets: tuple[ClientConnection, ClientConnection],
    deck_root: Path,
) -> None:
    audience, presenter = sockets
    source = deck_root / "md" / "slides.md"

    # A good edit: every page reloads and the API serves the new text.
    source.write_text(deck_text("Edited heading"), encoding="utf-8")
    await recv_match(audience, is_reload, TIMEOUT, "a reload")
    await recv_match(presenter, is_reload, TIMEOUT, "a reload")
    status = await recv_match(presenter, is_status, TIMEOUT, "a deck_status")
    assert status == {"type": "deck_status", "ok": True, "error": None, "line": None}
    api = (await afetch(watched, "GET", "/decks/md/api/deck")).json()
    assert "Edited heading" in api["slidesHtml"]
    assert "First slide" not in api["slidesHtml"]
    await drain_all(audience, presenter)

    # A broken edit: presenters learn why, the audience keeps the good version.
    source.write_text(BROKEN, encoding="utf-8")
    status = await recv_match(presenter, is_status, TIMEOUT, "a deck_status")
    assert status["ok"] is False
    assert "slides.md:2" in status["error"]
    assert status["line"] == 2
    assert str(deck_root) not in status["error"]
    to_presenter, to_audience = await drain_all(presenter, audience)
    assert not [f for f in to_presenter if is_reload(f)], to_presenter
    assert [f for f in to_audience if f["type"] != "presence"] == []
    page = await afetch(watched, "GET", "/decks/md/")
    assert page.status == 200
    assert "Edited heading" in page.text
    assert "oops" not in page.text

    # A presenter who connects now is told at once.
    late = await open_socket(watched, await presenter_cookie(watched))
    try:
        assert (await recv(late))["type"] == "presence"
        status = await recv(late)
        assert status["type"] == "deck_status"
        assert status["ok"] is False
        assert status["line"] == 2
        assert "slides.md:2" in status["error"]
    finally:
        await late.close()

    # The fix reloads everyone and clears the error.
    source.write_text(deck_text("Fixed heading"), encoding="utf-8")
    await recv_match(audience, is_reload, TIMEOUT, "a reload")
    await recv_match(presenter, is_reload, TIMEOUT, "a reload")
    status = await recv_match(presenter, is_status, TIMEOUT, "a deck_status")
    assert status == {"type": "deck_status", "ok": True, "error": None, "line": None}
    api = (await afetch(watched, "GET", "/decks/md/api/deck")).json()
    assert "Fixed heading" in api["slidesHtml"]


async def test_an_audience_socket_authenticated_later_gets_deck_errors(
    watched: LiveServer,
    sockets: tuple[ClientConnection, ClientConnection],
    deck_root: Path,
) -> None:
    audience, presenter = sockets
    (deck_root / "md" / "slides.md").write_text(BROKEN, encoding="utf-8")
    await recv_match(presenter, is_status, TIMEOUT, "a deck_status")
    await authenticate(audience)
    status = await recv_match(audience, is_status, TIMEOUT, "a deck_status")
    assert status["ok"] is False
    assert status["line"] == 2


async def test_other_decks_are_not_reloaded(
    watched: LiveServer,
    sockets: tuple[ClientConnection, ClientConnection],
    deck_root: Path,
) -> None:
    audience, _ = sockets
    async with connect(watched.ws("html"), open_timeout=TIMEOUT) as other:
        await recv(other)
        page = deck_root / "html" / "index.html"
        page.write_text(page.read_text().replace("Hand one", "Hand one, edited"))
        await recv_match(other, is_reload, TIMEOUT, "a reload")
        assert not [f for f in await drain(audience, SETTLE) if is_reload(f)]


async def test_dotfiles_do_not_reload(
    watched: LiveServer,
    sockets: tuple[ClientConnection, ClientConnection],
    deck_root: Path,
) -> None:
    audience, _ = sockets
    (deck_root / "md" / ".hidden").write_text("changed", encoding="utf-8")
    (deck_root / "md" / ".cache").mkdir()
    (deck_root / "md" / ".cache" / "x").write_text("x", encoding="utf-8")
    assert not [f for f in await drain(audience, SETTLE) if is_reload(f)]


async def test_deck_folders_come_and_go(watched: LiveServer, deck_root: Path) -> None:
    extra = deck_root / "extra"
    extra.mkdir()
    (extra / "slides.md").write_text("# Extra deck\n", encoding="utf-8")
    await wait_status(watched, "/decks/extra/", 200)
    page = await afetch(watched, "GET", "/decks/extra/")
    assert "Extra deck" in page.text
    listing = await afetch(watched, "GET", "/")
    assert 'href="/decks/extra/"' in listing.text

    shutil.rmtree(extra)
    await wait_status(watched, "/decks/extra/", 404)
    assert (await afetch(watched, "GET", "/decks/md/")).status == 200


async def test_no_watching_without_the_setting(make_server: MakeServer, deck_root: Path) -> None:
    server = await make_server(root=deck_root.resolve())
    assert server.server.watcher is None
    async with connect(server.ws("md"), open_timeout=TIMEOUT) as audience:
        await recv(audience)
        source = deck_root / "md" / "slides.md"
        source.write_text(deck_text("Quiet edit"), encoding="utf-8")
        assert not [f for f in await drain(audience, SETTLE) if is_reload(f)]
    # Pages still get the new text when they ask.
    api = (await afetch(server, "GET", "/decks/md/api/deck")).json()
    assert "Quiet edit" in api["slidesHtml"]


async def test_a_single_deck_server_watches_its_folder(
    make_server: MakeServer, deck_root: Path
) -> None:
    folder = (deck_root / "md").resolve()
    server = await make_server(decks={"md": folder}, watch=True)
    async with connect(server.ws("md"), open_timeout=TIMEOUT) as audience:
        await recv(audience)
        await until_watching(server, audience)


async def test_state_changes_in_a_state_dir_inside_the_deck_do_not_reload(
    make_server: MakeServer, deck_root: Path
) -> None:
    # A state dir inside a deck folder is allowed (and never served); the
    # database it writes on every slide change is not an edit of the deck.
    folder = (deck_root / "md").resolve()
    server = await make_server(decks={"md": folder}, watch=True, state_dir=folder / "state")
    async with connect(server.ws("md"), open_timeout=TIMEOUT) as audience:
        await recv(audience)
        await until_watching(server, audience)
        await drain(audience, SETTLE)
        for index in range(1, 4):
            assert (await apost_state(server, state(indexh=index))).status == 200
        frames = await drain(audience, SETTLE * 2)
        assert [f["state"]["indexh"] for f in frames if f["type"] == "state"] == [1, 2, 3]
        assert not [f for f in frames if is_reload(f)], frames
