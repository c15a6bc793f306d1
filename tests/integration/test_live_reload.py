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
from tests.helpers import MARKDOWN_DECK

from .conftest import MakeServer
from .support import (
    TIMEOUT,
    afetch,
    apost_state,
    authenticate,
    frames_until,
    presenter_cookie,
    presenter_news,
    recv,
    recv_match,
    state,
    state_sentinel,
    watcher_caught_up,
)

BROKEN = "---\ntitle: [oops\n---\n# x\n"


def deck_text(heading: str) -> str:
    return MARKDOWN_DECK.replace("# First slide", f"# {heading}")


def is_reload(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "reload"


def is_status(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "deck_status"


async def next_state(server: LiveServer) -> dict[str, Any]:
    """A state of deck ``md`` that differs from its current one."""
    current = (await afetch(server, "GET", "/decks/md/api/state")).json()
    return state(indexh=1, indexv=current["seq"] + 1)


async def settle(server: LiveServer, witness: ClientConnection, *sockets: ClientConnection) -> None:
    """Read what the watcher has sent ``sockets`` (of deck ``md``) so far: once it has
    reported a later change (to the html deck, on ``witness``), a state change made
    now reaches them after all of it."""
    await watcher_caught_up(witness, server.settings.decks["html"] / "index.html")
    value = await next_state(server)
    assert (await apost_state(server, value)).status == 200
    for ws in sockets:
        await recv_match(ws, lambda f: f.get("state") == value, TIMEOUT, "the settling state")


async def nothing_watched_before(
    server: LiveServer, witness: ClientConnection, *sockets: ClientConnection
) -> None:
    """Once the watcher has caught up, the next frame of each of ``sockets`` (presence and
    the timer aside) is a state change made now: the watcher sent them nothing."""
    await watcher_caught_up(witness, server.settings.decks["html"] / "index.html")
    await state_sentinel(server, await next_state(server), *sockets, ignore=presenter_news)


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
async def witness(watched: LiveServer) -> AsyncIterator[ClientConnection]:
    """An audience socket on deck ``html``, to see the watcher report html edits."""
    async with connect(watched.ws("html"), open_timeout=TIMEOUT) as ws:
        assert (await recv(ws))["type"] == "welcome"
        yield ws


@pytest.fixture
async def sockets(
    watched: LiveServer, witness: ClientConnection
) -> AsyncIterator[tuple[ClientConnection, ClientConnection]]:
    """An audience and a presenter socket on deck ``md``, with the watcher known to be
    live and everything it sent them so far read."""
    cookie = await presenter_cookie(watched)
    audience = await open_socket(watched)
    presenter = await open_socket(watched, cookie)
    try:
        await until_watching(watched, audience)
        await settle(watched, witness, audience, presenter)
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
    witness: ClientConnection,
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
    await settle(watched, witness, audience, presenter)

    # A broken edit: presenters learn why, the audience keeps the good version.
    source.write_text(BROKEN, encoding="utf-8")
    status = await recv_match(presenter, is_status, TIMEOUT, "a deck_status")
    assert status["ok"] is False
    assert "slides.md:2" in status["error"]
    assert status["line"] == 2
    assert str(deck_root) not in status["error"]
    # No reload for anyone, no second status.
    await nothing_watched_before(watched, witness, presenter, audience)
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
    witness: ClientConnection,
    sockets: tuple[ClientConnection, ClientConnection],
    deck_root: Path,
) -> None:
    audience, presenter = sockets
    page = deck_root / "html" / "index.html"
    page.write_text(page.read_text().replace("Hand one", "Hand one, edited"))
    await recv_match(witness, is_reload, TIMEOUT, "a reload")
    # Reported (the html deck's pages reloaded): nothing reached deck md.
    await state_sentinel(
        watched, await next_state(watched), audience, presenter, ignore=presenter_news
    )


async def test_dotfiles_do_not_reload(
    watched: LiveServer,
    witness: ClientConnection,
    sockets: tuple[ClientConnection, ClientConnection],
    deck_root: Path,
) -> None:
    audience, presenter = sockets
    (deck_root / "md" / ".hidden").write_text("changed", encoding="utf-8")
    (deck_root / "md" / ".cache").mkdir()
    (deck_root / "md" / ".cache" / "x").write_text("x", encoding="utf-8")
    await nothing_watched_before(watched, witness, audience, presenter)


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


async def test_no_watching_without_the_setting(
    make_server: MakeServer, watched: LiveServer, witness: ClientConnection, deck_root: Path
) -> None:
    server = await make_server(root=deck_root.resolve())
    assert server.server.watcher is None
    async with (
        connect(server.ws("md"), open_timeout=TIMEOUT) as audience,
        connect(watched.ws("md"), open_timeout=TIMEOUT) as watched_audience,
    ):
        await recv(audience)
        await recv(watched_audience)
        # A server on the same folder that does watch is the yardstick: once its
        # watcher is live and has reported the edit, a watcher here would have too.
        await until_watching(watched, watched_audience)
        await settle(watched, witness, watched_audience)
        source = deck_root / "md" / "slides.md"
        source.write_text(deck_text("Quiet edit"), encoding="utf-8")
        await recv_match(watched_audience, is_reload, TIMEOUT, "the watching server's reload")
        await state_sentinel(server, state(indexh=2), audience)
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
    decks = {"md": folder, "html": (deck_root / "html").resolve()}  # html: the witness
    server = await make_server(decks=decks, watch=True, state_dir=folder / "state")
    async with (
        connect(server.ws("md"), open_timeout=TIMEOUT) as audience,
        connect(server.ws("html"), open_timeout=TIMEOUT) as witness,
    ):
        await recv(audience)
        await recv(witness)
        await until_watching(server, audience)
        await settle(server, witness, audience)
        changes = [state(indexh=index) for index in range(1, 4)]
        for value in changes:
            assert (await apost_state(server, value)).status == 200
        # Once the watcher has reported an edit made after those writes, one more
        # change: the audience gets the four changes and nothing else.
        await watcher_caught_up(witness, decks["html"] / "index.html")
        last = state(indexh=3, indexv=1)
        assert (await apost_state(server, last)).status == 200
        frames = await frames_until(audience, lambda f: f.get("state") == last, "the last change")
        assert frames == [{"type": "state", "seq": f["seq"], "state": f["state"]} for f in frames]
        assert [f["state"] for f in frames] == [*changes, last]
