"""Decks on disk: discovery, loading, safe file lookup and reloading (presenter.library)."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

import pytest

from presenter.core.decks import bundled_name, safe_relative
from presenter.core.errors import DeckError
from presenter.library import DeckLibrary, discover, load_deck, resolve_file
from tests.helpers import write_decks


def make_deck(folder: Path, source: str = "slides.md", text: str = "# Hello\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / source).write_text(text, encoding="utf-8")
    return folder


def bump_mtime(path: Path) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))


# discover()


@pytest.mark.parametrize("source", ["slides.md", "index.html"])
def test_discover_single_deck_folder(tmp_path: Path, source: str) -> None:
    folder = make_deck(tmp_path / "talk", source, "<section>x</section>")
    assert discover(folder) == {"talk": folder.resolve()}


def test_discover_single_deck_with_an_awkward_folder_name(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "my talk!")
    assert discover(folder) == {"deck": folder.resolve()}


def test_discover_folder_of_decks(tmp_path: Path) -> None:
    root = tmp_path / "decks"
    make_deck(root / "zeta")
    make_deck(root / "alpha", "index.html", "<section>x</section>")
    make_deck(root / "mid-1")
    make_deck(root / ".hidden")
    (root / "assets").mkdir()
    (root / "assets" / "logo.png").write_bytes(b"png")
    (root / "notes.md").write_text("# not a deck folder", encoding="utf-8")
    make_deck(root / "zeta" / "nested")  # only direct subfolders count
    decks = discover(root)
    assert list(decks) == ["alpha", "mid-1", "zeta"]
    assert decks["alpha"] == (root / "alpha").resolve()


def test_discover_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DeckError) as caught:
        discover(tmp_path / "nope")
    assert caught.value.path == tmp_path / "nope"


def test_discover_a_markdown_file_is_a_deck_in_its_folder(tmp_path: Path) -> None:
    file = tmp_path / "my-talk.md"
    file.write_text("# x\n", encoding="utf-8")
    assert discover(file) == {"my-talk": tmp_path.resolve()}
    odd = tmp_path / "A talk!.md"
    odd.write_text("# x\n", encoding="utf-8")
    assert discover(odd) == {"deck": tmp_path.resolve()}


def test_discover_another_file_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "slides.txt"
    file.write_text("# x\n", encoding="utf-8")
    with pytest.raises(DeckError, match=r"not a folder or a \.md file"):
        discover(file)


def test_a_single_file_deck_is_built_from_its_file_and_never_serves_it(tmp_path: Path) -> None:
    (tmp_path / "talk.md").write_text("# From the file\n", encoding="utf-8")
    (tmp_path / "slides.md").write_text("# Not this one\n", encoding="utf-8")
    library = DeckLibrary(discover(tmp_path / "talk.md"), sources={"talk": "talk.md"})
    deck = library.get("talk")
    assert deck is not None and deck.titles == ("From the file",)
    assert library.sources("talk") == (tmp_path.resolve() / "talk.md",)
    assert library.sources("nope") == ()


def test_discover_folder_without_decks(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / ".secret").mkdir()
    make_deck(tmp_path / ".secret" / "inner")
    make_deck(tmp_path / ".dotdeck")
    with pytest.raises(DeckError):
        discover(tmp_path)


def test_discover_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DeckError):
        discover(tmp_path)


# load_deck()


def test_load_markdown_deck(tmp_path: Path) -> None:
    root = write_decks(tmp_path / "decks")
    deck = load_deck("md", root / "md")
    assert deck.kind == "markdown"
    assert deck.title == "Test deck"
    assert deck.description == "A deck written by the tests."
    assert deck.slide_count == 5
    assert deck.reveal_options == {"transition": "none", "backgroundTransition": "none"}
    assert "SECRET-NOTE" not in deck.slides_html
    assert set(deck.notes) == {"0.0", "1.0", "2.1", "3.0"}
    assert deck.source == root / "md" / "slides.md"


def test_load_html_deck(tmp_path: Path) -> None:
    root = write_decks(tmp_path / "decks")
    deck = load_deck("html", root / "html")
    assert deck.kind == "html"
    assert deck.title == "Hand HTML"
    assert deck.slide_count == 4
    assert deck.notes == {"0.0": "SECRET-HTML-NOTE", "1.0": "SECRET-DATA-NOTE"}
    assert "SECRET" not in "".join(deck.page)


def test_markdown_deck_title_falls_back_to_first_heading_then_id(tmp_path: Path) -> None:
    assert load_deck("d", make_deck(tmp_path / "a", text="text\n\n---\n\n## Heading\n")).title == (
        "Heading"
    )
    assert load_deck("d", make_deck(tmp_path / "b", text="no heading\n")).title == "d"


def test_theme_names_that_are_not_plain_names_are_deck_errors(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "t", text="---\ntheme: ../../etc\nhighlightTheme: zenburn\n---\n")
    with pytest.raises(DeckError, match=re.escape("unknown theme '../../etc'")) as caught:
        load_deck("t", folder)
    assert caught.value.line == 2
    folder = make_deck(tmp_path / "u", text="---\nhighlightTheme: zenburn\n---\n# A\n")
    deck = load_deck("u", folder)
    assert (deck.theme, deck.highlight_theme) == ("black", "zenburn")


def test_reveal_options_must_be_a_mapping(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "t", text="---\nrevealOptions: [1, 2]\n---\n# x\n")
    with pytest.raises(DeckError):
        load_deck("t", folder)


def test_markdown_source_with_bom_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    (folder / "slides.md").write_bytes("\ufeff---\ntitle: Bom\n---\n# x\n".encode())
    assert load_deck("bom", folder).title == "Bom"


def test_undecodable_source_is_a_deck_error(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "slides.md").write_bytes(b"# \xff\xfe\n")
    with pytest.raises(DeckError):
        load_deck("bad", folder)


# safe_relative()


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/abs",
        "/etc/passwd",
        "..",
        "../x",
        "a/../b",
        "a/..",
        ".",
        "./a",
        "a//b",
        "a/",
        ".hidden",
        "a/.git/x",
        ".git/config",
        "a\\b",
        "..\\x",
        "a\x00b",
    ],
)
def test_safe_relative_rejects(path: str) -> None:
    assert safe_relative(path) is None


@pytest.mark.parametrize("path", ["a", "img/x.png", "a/b/c.css", "file.with.dots", "a-b_c"])
def test_safe_relative_accepts(path: str) -> None:
    assert safe_relative(path) == PurePosixPath(path)


# resolve_file()


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    folder = make_deck(tmp_path / "deck")
    (folder / "img").mkdir()
    (folder / "img" / "a.png").write_bytes(b"png")
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    return folder


def test_resolve_file_finds_files(deck_dir: Path) -> None:
    assert resolve_file(deck_dir, "img/a.png") == (deck_dir / "img" / "a.png").resolve()


def test_resolve_file_missing_and_unsafe(deck_dir: Path) -> None:
    assert resolve_file(deck_dir, "img/b.png") is None
    assert resolve_file(deck_dir, "../outside.txt") is None


def test_resolve_file_returns_none_for_directories(deck_dir: Path) -> None:
    assert resolve_file(deck_dir, "img") is None


def test_resolve_file_refuses_symlink_leading_outside(deck_dir: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "outside.txt", deck_dir / "link.txt")
    os.symlink(tmp_path, deck_dir / "up")
    assert (deck_dir / "link.txt").read_text(encoding="utf-8") == "secret"
    assert resolve_file(deck_dir, "link.txt") is None
    assert resolve_file(deck_dir, "up/outside.txt") is None


def test_resolve_file_allows_symlinks_inside(deck_dir: Path) -> None:
    os.symlink(deck_dir / "img" / "a.png", deck_dir / "alias.png")
    os.symlink("img", deck_dir / "pictures")
    target = (deck_dir / "img" / "a.png").resolve()
    assert resolve_file(deck_dir, "alias.png") == target
    assert resolve_file(deck_dir, "pictures/a.png") == target


def test_resolve_file_refuses_listed_files_even_through_an_alias(deck_dir: Path) -> None:
    source = deck_dir / "slides.md"
    os.symlink(source, deck_dir / "copy.md")
    os.symlink(deck_dir, deck_dir / "self")
    refuse = (source,)
    assert resolve_file(deck_dir, "slides.md") is not None  # readable when not refused
    assert resolve_file(deck_dir, "slides.md", refuse) is None
    assert resolve_file(deck_dir, "copy.md", refuse) is None
    assert resolve_file(deck_dir, "self/slides.md", refuse) is None
    assert resolve_file(deck_dir, "img/a.png", refuse) is not None


def test_resolve_file_refuses_everything_below_a_refused_folder(deck_dir: Path) -> None:
    state = deck_dir / "state"
    state.mkdir()
    (state / "secret").write_text("s", encoding="utf-8")
    os.symlink(state, deck_dir / "st")
    assert resolve_file(deck_dir, "state/secret", (state,)) is None
    assert resolve_file(deck_dir, "st/secret", (state,)) is None


def test_resolve_file_symlink_loop_is_none(deck_dir: Path) -> None:
    os.symlink(deck_dir / "loop", deck_dir / "loop")
    assert resolve_file(deck_dir, "loop") is None


# bundled_name()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("dist/reveal.js", "reveal.js"),
        ("dist/reveal.esm.js", "reveal.mjs"),
        ("dist/reveal.css", "reveal.css"),
        ("dist/theme/black.css", "theme/black.css"),
        ("plugin/notes/notes.js", "plugin/notes.js"),
        ("plugin/notes/notes.esm.js", "plugin/notes.mjs"),
        ("plugin/markdown/markdown.js", "plugin/markdown.js"),
        ("plugin/highlight/monokai.css", "plugin/highlight/monokai.css"),
        ("img/x.png", None),
        ("reveal.js", None),
        ("dist", None),
    ],
)
def test_bundled_name(path: str, expected: str | None) -> None:
    assert bundled_name(path) == expected


# DeckLibrary


def test_library_lists_ids_and_folders(tmp_path: Path) -> None:
    library = DeckLibrary(discover(write_decks(tmp_path / "decks")))
    assert library.ids() == ["html", "md"]
    assert library.folder("md") == (tmp_path / "decks" / "md").resolve()
    assert library.folder("nope") is None
    assert library.get("nope") is None


def test_library_caches_until_the_source_changes(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "talk", text="# One\n")
    library = DeckLibrary({"talk": folder})
    first = library.get("talk")
    assert first is not None and first.title == "One"
    assert library.get("talk") is first
    source = folder / "slides.md"
    source.write_text("# Two\n\n---\n\n# Three\n", encoding="utf-8")
    bump_mtime(source)
    second = library.get("talk")
    assert second is not None
    assert second.title == "Two"
    assert second.slide_count == 2


def test_library_reloads_same_size_edit_when_mtime_changes(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "talk", text="# AAA\n")
    library = DeckLibrary({"talk": folder})
    assert library.get("talk").title == "AAA"  # type: ignore[union-attr]
    source = folder / "slides.md"
    source.write_text("# BBB\n", encoding="utf-8")
    bump_mtime(source)
    assert library.get("talk").title == "BBB"  # type: ignore[union-attr]


def test_library_keeps_last_good_version_while_broken(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "talk", text="---\ntitle: Good\n---\n# One\n")
    library = DeckLibrary({"talk": folder})
    assert library.get("talk").title == "Good"  # type: ignore[union-attr]
    assert library.error("talk") is None

    source = folder / "slides.md"
    source.write_text("---\ntitle: Good\ntheme: a: b\n---\n# One\n", encoding="utf-8")
    bump_mtime(source)
    kept = library.get("talk")
    assert kept is not None and kept.title == "Good"
    error = library.error("talk")
    assert isinstance(error, DeckError)
    assert error.line == 3

    source.write_text("---\ntitle: Fixed\n---\n# One\n", encoding="utf-8")
    bump_mtime(source)
    assert library.get("talk").title == "Fixed"  # type: ignore[union-attr]
    assert library.error("talk") is None


def test_library_deck_that_never_loaded_raises(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "talk", text="---\n- not a mapping\n---\n")
    library = DeckLibrary({"talk": folder})
    with pytest.raises(DeckError):
        library.get("talk")
    assert isinstance(library.error("talk"), DeckError)
    with pytest.raises(DeckError):
        library.get("talk")


def test_library_keeps_serving_when_the_source_is_deleted(tmp_path: Path) -> None:
    folder = make_deck(tmp_path / "talk", text="# Here\n")
    library = DeckLibrary({"talk": folder})
    assert library.get("talk").title == "Here"  # type: ignore[union-attr]
    (folder / "slides.md").unlink()
    assert library.get("talk").title == "Here"  # type: ignore[union-attr]
    assert library.error("talk") is not None
