"""DeckLibrary.rescan / deck_of, Deck.head_signature and DeckError.short."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from presenter.core.errors import DeckError
from presenter.core.markdown import render_markdown
from presenter.library import DeckLibrary, discover, load_deck
from tests.helpers import write_decks


def make_deck(folder: Path, text: str = "# Hello\n", source: str = "slides.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / source).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_decks(tmp_path / "decks").resolve()


@pytest.fixture
def library(root: Path) -> DeckLibrary:
    return DeckLibrary(discover(root), root=root)


# DeckError.short


def test_short_names_the_file_and_line_only() -> None:
    error = DeckError(Path("/home/me/talks/intro/slides.md"), "msg", line=3)
    assert error.short == "slides.md:3: msg"
    assert str(error) == "/home/me/talks/intro/slides.md:3: msg"


def test_short_without_a_line() -> None:
    error = DeckError(Path("/home/me/talks/intro/index.html"), "cannot read")
    assert error.short == "index.html: cannot read"
    assert "/home/me" not in error.short


def test_short_of_a_front_matter_error_from_the_renderer(tmp_path: Path) -> None:
    path = tmp_path / "private" / "slides.md"
    with pytest.raises(DeckError) as caught:
        render_markdown("---\ntitle: a\ntheme: [x\n---\n# Hi\n", path)
    error = caught.value
    assert error.line is not None
    assert error.short.startswith(f"slides.md:{error.line}: front matter")
    assert "private" not in error.short


def test_unclosed_bracket_in_front_matter_points_at_its_line(tmp_path: Path) -> None:
    # The bracket opened on line 2 never closes; YAML notices at the end of the
    # front matter, but line 3 is the closing "---", which is not at fault.
    with pytest.raises(DeckError) as caught:
        render_markdown("---\ntitle: [oops\n---\n# x\n", tmp_path / "slides.md")
    assert caught.value.line == 2
    assert caught.value.short.startswith("slides.md:2: ")


# rescan


def test_rescan_without_changes_reports_nothing(library: DeckLibrary) -> None:
    assert library.rescan() == ([], [])
    assert library.ids() == ["html", "md"]


def test_rescan_picks_up_an_added_deck(library: DeckLibrary, root: Path) -> None:
    make_deck(root / "extra", "# Extra\n")
    assert library.folder("extra") is None
    assert library.rescan() == (["extra"], [])
    assert library.folder("extra") == root / "extra"
    assert "extra" in library.ids()
    deck = library.get("extra")
    assert deck is not None
    assert deck.title == "Extra"
    assert library.rescan() == ([], [])


def test_rescan_ignores_folders_that_are_not_decks(library: DeckLibrary, root: Path) -> None:
    (root / "images").mkdir()
    (root / "images" / "a.png").write_bytes(b"png")
    make_deck(root / ".draft")
    assert library.rescan() == ([], [])
    assert library.ids() == ["html", "md"]


def test_rescan_drops_a_removed_deck(library: DeckLibrary, root: Path) -> None:
    assert library.get("html") is not None
    shutil.rmtree(root / "html")
    assert library.rescan() == ([], ["html"])
    assert library.get("html") is None
    assert library.folder("html") is None
    assert library.ids() == ["md"]


def test_rescan_forgets_the_error_of_a_removed_deck(library: DeckLibrary, root: Path) -> None:
    make_deck(root / "broken", "---\ntitle: [x\n---\n# B\n")
    library.rescan()
    with pytest.raises(DeckError):
        library.get("broken")
    assert library.error("broken") is not None
    shutil.rmtree(root / "broken")
    assert library.rescan() == ([], ["broken"])
    assert library.error("broken") is None


def test_rescan_when_every_deck_is_gone(library: DeckLibrary, root: Path) -> None:
    shutil.rmtree(root / "html")
    shutil.rmtree(root / "md")
    added, removed = library.rescan()
    assert added == []
    assert sorted(removed) == ["html", "md"]
    assert library.ids() == []
    make_deck(root / "md")
    assert library.rescan() == (["md"], [])


def test_rescan_of_a_single_deck_library_does_nothing(root: Path) -> None:
    folder = root / "md"
    library = DeckLibrary(discover(folder))
    assert library.rescan() == ([], [])
    make_deck(root / "extra")  # a sibling: not served
    shutil.rmtree(root / "html")
    assert library.rescan() == ([], [])
    assert library.ids() == ["md"]


def test_rescan_keeps_the_decks_when_the_root_becomes_a_deck(
    library: DeckLibrary, root: Path
) -> None:
    make_deck(root)  # slides.md right in the folder of decks
    assert library.rescan() == ([], [])
    assert library.ids() == ["html", "md"]


# deck_of


def test_deck_of_maps_paths_to_their_deck(library: DeckLibrary, root: Path) -> None:
    assert library.deck_of(root / "md") == "md"
    assert library.deck_of(root / "md" / "slides.md") == "md"
    assert library.deck_of(root / "md" / "img" / "pixel.svg") == "md"
    assert library.deck_of(root / "html" / "index.html") == "html"


def test_deck_of_paths_outside_every_deck(library: DeckLibrary, root: Path) -> None:
    assert library.deck_of(root) is None
    assert library.deck_of(root / "outside.txt") is None
    assert library.deck_of(root / "mdx" / "slides.md") is None  # a prefix is not a parent
    assert library.deck_of(Path("/elsewhere/md/slides.md")) is None


def test_deck_of_follows_rescan(library: DeckLibrary, root: Path) -> None:
    make_deck(root / "extra")
    assert library.deck_of(root / "extra" / "slides.md") is None
    library.rescan()
    assert library.deck_of(root / "extra" / "slides.md") == "extra"
    shutil.rmtree(root / "md")
    library.rescan()
    assert library.deck_of(root / "md" / "slides.md") is None


# head_signature


def signature(folder: Path, text: str) -> str:
    make_deck(folder, text)
    return load_deck("talk", folder).head_signature


FRONT = "---\ntheme: {theme}\nrevealOptions:\n  transition: {transition}\n---\n"


def test_head_signature_ignores_slide_text(tmp_path: Path) -> None:
    head = FRONT.format(theme="white", transition="none")
    one = signature(tmp_path / "a", head + "# One\n\nHello\n")
    two = signature(tmp_path / "b", head + "# Two\n\nBye\n\n---\n\n# Three\n\nNote: new notes\n")
    assert one == two


def test_head_signature_changes_with_the_theme(tmp_path: Path) -> None:
    body = "# One\n"
    white = signature(tmp_path / "a", FRONT.format(theme="white", transition="none") + body)
    black = signature(tmp_path / "b", FRONT.format(theme="black", transition="none") + body)
    assert white != black


def test_head_signature_changes_with_the_highlight_theme(tmp_path: Path) -> None:
    plain = signature(tmp_path / "a", "# One\n")
    other = signature(tmp_path / "b", "---\nhighlightTheme: zenburn\n---\n# One\n")
    assert plain != other


def test_head_signature_changes_with_reveal_options(tmp_path: Path) -> None:
    body = "# One\n"
    none = signature(tmp_path / "a", FRONT.format(theme="white", transition="none") + body)
    fade = signature(tmp_path / "b", FRONT.format(theme="white", transition="fade") + body)
    more = signature(tmp_path / "c", FRONT.format(theme="white", transition="none") + "")
    assert none != fade
    extra = signature(
        tmp_path / "d",
        "---\ntheme: white\nrevealOptions:\n  transition: none\n  controls: false\n---\n# One\n",
    )
    assert extra != none
    assert more == none


def test_head_signature_of_an_html_deck_follows_the_page(tmp_path: Path) -> None:
    page = "<html><head><title>T</title></head><body><div class='reveal'><div class='slides'>"
    end = "</div></div></body></html>"
    make_deck(tmp_path / "a", page + "<section>A</section>" + end, "index.html")
    make_deck(tmp_path / "b", page + "<section>A</section>" + end, "index.html")
    make_deck(tmp_path / "c", page + "<section>B</section>" + end, "index.html")
    a, b, c = (load_deck("talk", tmp_path / n).head_signature for n in "abc")
    assert a == b
    assert a != c
    assert a.startswith("html:")


def test_markdown_and_html_signatures_never_collide(tmp_path: Path) -> None:
    md = signature(tmp_path / "a", "# One\n")
    assert md.startswith("md:")
