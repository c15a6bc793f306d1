"""DeckWatcher: which pages hear about a change, and what they hear.

``handle`` is driven directly with the changed paths; the file system watch
itself is covered by the integration tests.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import watchfiles

from presenter.core import protocol
from presenter.hub import Hub
from presenter.library import DeckLibrary, discover
from presenter.watcher import DeckWatcher
from tests.helpers import MARKDOWN_DECK, write_decks
from tests.unit.fakes import FakeConnection

BROKEN = "---\ntitle: [oops\n---\n# x\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_decks(tmp_path / "decks").resolve()


@pytest.fixture
def library(root: Path) -> DeckLibrary:
    library = DeckLibrary(discover(root), root=root)
    for deck_id in library.ids():
        library.get(deck_id)  # the last good versions
    return library


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    hub = Hub(presence_interval=3600)  # no presence frames during a test
    try:
        yield hub
    finally:
        hub.close()


@pytest.fixture
def watcher(library: DeckLibrary, hub: Hub, root: Path) -> DeckWatcher:
    return DeckWatcher(library, hub, [root])


class Pages:
    """One audience and one presenter connection on each test deck."""

    def __init__(self, hub: Hub) -> None:
        self.md_audience = FakeConnection("md")
        self.md_presenter = FakeConnection("md", "presenter")
        self.html_audience = FakeConnection("html")
        self.html_presenter = FakeConnection("html", "presenter")
        for conn in self.all():
            hub.add(conn)

    def all(self) -> list[FakeConnection]:
        return [self.md_audience, self.md_presenter, self.html_audience, self.html_presenter]

    def clear(self) -> None:
        for conn in self.all():
            conn.frames.clear()


@pytest.fixture
async def pages(hub: Hub) -> Pages:
    return Pages(hub)  # Hub.add needs the running loop


def decoded(conn: FakeConnection) -> list[dict[str, object]]:
    return [json.loads(frame) for frame in conn.frames]


def edit(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_good_edit_reloads_every_page_of_that_deck(
    watcher: DeckWatcher, pages: Pages, library: DeckLibrary, root: Path
) -> None:
    source = edit(root / "md" / "slides.md", MARKDOWN_DECK.replace("# First slide", "# Edited"))
    watcher.handle({source})
    assert decoded(pages.md_audience) == [{"type": "reload"}]
    assert decoded(pages.md_presenter) == [
        {"type": "reload"},
        {"type": "deck_status", "ok": True, "error": None, "line": None},
    ]
    assert pages.html_audience.frames == []
    assert pages.html_presenter.frames == []
    deck = library.get("md")
    assert deck is not None
    assert "Edited" in deck.slides_html


async def test_a_broken_edit_tells_only_presenters_and_keeps_the_last_good_deck(
    watcher: DeckWatcher, pages: Pages, library: DeckLibrary, root: Path
) -> None:
    watcher.handle({edit(root / "md" / "slides.md", BROKEN)})
    assert pages.md_audience.frames == []
    frames = decoded(pages.md_presenter)
    assert len(frames) == 1, frames
    status = frames[0]
    assert status["type"] == "deck_status"
    assert status["ok"] is False
    error = status["error"]
    assert isinstance(error, str)
    assert error.startswith(f"slides.md:{status['line']}: ")
    assert status["line"] == 2
    assert str(root) not in error  # the file name only, not where it lives
    assert pages.html_audience.frames == []
    assert pages.html_presenter.frames == []
    deck = library.get("md")
    assert deck is not None
    assert "First slide" in deck.slides_html  # the last good version
    assert library.error("md") is not None


async def test_fixing_a_broken_deck_reloads_again(
    watcher: DeckWatcher, pages: Pages, library: DeckLibrary, root: Path
) -> None:
    source = root / "md" / "slides.md"
    watcher.handle({edit(source, BROKEN)})
    pages.clear()
    watcher.handle({edit(source, MARKDOWN_DECK.replace("# First slide", "# Fixed it"))})
    assert decoded(pages.md_audience) == [{"type": "reload"}]
    assert decoded(pages.md_presenter) == [
        {"type": "reload"},
        {"type": "deck_status", "ok": True, "error": None, "line": None},
    ]
    assert library.error("md") is None
    deck = library.get("md")
    assert deck is not None
    assert "Fixed it" in deck.slides_html


async def test_a_second_broken_save_reports_again_without_reload(
    watcher: DeckWatcher, pages: Pages, root: Path
) -> None:
    source = root / "md" / "slides.md"
    watcher.handle({edit(source, BROKEN)})
    watcher.handle({edit(source, "---\ntitle: a\ntheme: [x\n---\n# Hi\n")})
    statuses = decoded(pages.md_presenter)
    assert [s["type"] for s in statuses] == ["deck_status", "deck_status"]
    assert [s["line"] for s in statuses] == [2, 3]
    assert pages.md_audience.frames == []


async def test_a_changed_image_reloads_the_deck(
    watcher: DeckWatcher, pages: Pages, root: Path
) -> None:
    image = root / "md" / "img" / "pixel.svg"
    image.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>')
    watcher.handle({image})
    assert decoded(pages.md_audience) == [{"type": "reload"}]
    assert pages.html_audience.frames == []


async def test_an_html_deck_edit_reloads_only_that_deck(
    watcher: DeckWatcher, pages: Pages, root: Path
) -> None:
    page = root / "html" / "index.html"
    watcher.handle({edit(page, page.read_text().replace("Hand one", "Hand one, edited"))})
    assert decoded(pages.html_audience) == [{"type": "reload"}]
    assert pages.md_audience.frames == []
    assert pages.md_presenter.frames == []


async def test_several_decks_changed_at_once(
    watcher: DeckWatcher, pages: Pages, root: Path
) -> None:
    watcher.handle({root / "md" / "img" / "pixel.svg", root / "html" / "index.html"})
    assert decoded(pages.md_audience) == [{"type": "reload"}]
    assert decoded(pages.html_audience) == [{"type": "reload"}]


async def test_a_file_outside_every_deck_reloads_nothing(
    watcher: DeckWatcher, pages: Pages, root: Path
) -> None:
    watcher.handle({edit(root / "outside.txt", "changed")})
    for conn in pages.all():
        assert conn.frames == []


async def test_an_added_deck_is_served_and_a_removed_one_forgotten(
    watcher: DeckWatcher, pages: Pages, library: DeckLibrary, root: Path
) -> None:
    (root / "extra").mkdir()
    source = edit(root / "extra" / "slides.md", "# Extra\n")
    watcher.handle({root / "extra", source})
    assert library.folder("extra") == root / "extra"
    deck = library.get("extra")
    assert deck is not None
    assert deck.title == "Extra"
    for conn in pages.all():
        assert conn.frames == []
    source.unlink()
    (root / "extra").rmdir()
    watcher.handle({source, root / "extra"})
    assert library.folder("extra") is None


@pytest.mark.parametrize(
    ("relative", "visible"),
    [
        ("md/slides.md", True),
        ("md/img/pixel.svg", True),
        ("extra", True),
        ("md/.hidden", False),
        (".presenter/state.sqlite3", False),
        ("md/.presenter/state.sqlite3-journal", False),
        ("md/.git/index", False),
        (".draft/slides.md", False),
        ("md/slides.md~", False),
        ("md/backup~/slides.md", False),
    ],
)
def test_the_watch_filter_skips_dotfiles_and_backups(
    library: DeckLibrary, root: Path, relative: str, visible: bool
) -> None:
    watcher = DeckWatcher(library, Hub(), [root])
    path = str(root / relative)
    assert watcher._visible(watchfiles.Change.modified, path) is visible
    assert watcher._visible(watchfiles.Change.added, path) is visible


def test_the_watch_filter_skips_paths_outside_the_watched_folders(
    library: DeckLibrary, root: Path, tmp_path: Path
) -> None:
    watcher = DeckWatcher(library, Hub(), [root / "md", root / "html"])
    assert watcher._visible(watchfiles.Change.modified, str(root / "md" / "slides.md"))
    assert watcher._visible(watchfiles.Change.modified, str(root / "html" / "index.html"))
    assert not watcher._visible(watchfiles.Change.modified, str(root / "outside.txt"))
    assert not watcher._visible(watchfiles.Change.modified, str(tmp_path / "elsewhere"))


def test_the_watch_filter_allows_a_watched_folder_below_a_dot_folder(tmp_path: Path) -> None:
    root = write_decks(tmp_path / ".config" / "decks").resolve()
    watcher = DeckWatcher(DeckLibrary(discover(root), root=root), Hub(), [root])
    assert watcher._visible(watchfiles.Change.modified, str(root / "md" / "slides.md"))


# the frames the watcher sends


def test_reload_frame() -> None:
    assert protocol.reload().text == '{"type":"reload"}'


def test_deck_status_frames() -> None:
    assert json.loads(protocol.deck_status(None).text) == {
        "type": "deck_status",
        "ok": True,
        "error": None,
        "line": None,
    }
    bad = json.loads(protocol.deck_status("slides.md:2: front matter: oops", 2).text)
    assert bad == {
        "type": "deck_status",
        "ok": False,
        "error": "slides.md:2: front matter: oops",
        "line": 2,
    }
    assert json.loads(protocol.deck_status("index.html: cannot read").text)["line"] is None
