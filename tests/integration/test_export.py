"""``presenter export``: the files written, their URLs, and no notes anywhere."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from presenter.assets import find_assets
from presenter.core import staticsite as site
from presenter.export import ExportError, export_site
from presenter.library import DeckLibrary, discover, themes_in
from tests.export_support import PIXEL_PNG, SECRETS, write_all
from tests.helpers import HTML_DECK

from . import support


async def export(root: Path, out: Path, follow: str | None = None) -> None:
    decks = discover(root)
    resolved = root.resolve()
    folder_of_decks = None if resolved in decks.values() else resolved
    library = DeckLibrary(decks, root=folder_of_decks, themes=themes_in(find_assets().reveal))
    await export_site(decks, library, out, root=folder_of_decks, follow=follow)


def files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def local_references(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    refs = site.html_references(text) if path.suffix == ".html" else site.css_references(text)
    return [r.url for r in refs if site.is_local(r.url)]


async def test_every_referenced_file_is_there_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    await export(write_all(tmp_path / "decks"), out)

    files = files_under(out)
    assert {"index.html", "md/index.html", "html/index.html", "pic/index.html"} <= files
    # Each page and stylesheet: every local URL is relative and names a file written.
    for name in sorted(files):
        path = out / name
        if path.suffix not in (".html", ".css"):
            continue
        for url in local_references(path):
            assert not url.startswith("/"), f"{name}: absolute URL {url}"
            target = (path.parent / url.split("#")[0].split("?")[0]).resolve()
            assert target.is_file(), f"{name}: {url} is missing"
            assert target.is_relative_to(out.resolve())
    pic = files_under(out / "pic")
    assert {
        "img/pixel.png",
        "img/back.png",
        "img/inline.png",
        "img/texture.png",
        "look/mine.css",
        "look/more.css",
        "look/fonts/mine.woff2",
        "_presenter/reveal/reveal.js",
        "_presenter/reveal/plugin/markdown.js",
        "_presenter/static/static-view.js",
    } <= pic
    # Only what is referenced: no unused image, no source, no dotfile, no live script.
    assert "img/unused.png" not in pic
    assert not [f for f in files if f.endswith((".md", "audience.js", ".hidden", ".txt"))]
    assert "_presenter/reveal/theme/black.css" not in pic  # this deck has its own theme
    assert "md/_presenter/reveal/theme/black.css" in files


async def test_no_notes_and_no_server_urls_anywhere(tmp_path: Path) -> None:
    out = tmp_path / "out"
    await export(write_all(tmp_path / "decks"), out)

    for path in out.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            for secret in SECRETS:
                assert secret not in body, f"{secret!r} in {path}"
            if path.suffix in (".html", ".css"):
                assert not re.search(rb"""["'(]/(reveal|static|decks|vendor)/""", body), path


async def test_the_pages_are_static_views_without_a_connection(tmp_path: Path) -> None:
    out = tmp_path / "out"
    await export(write_all(tmp_path / "decks"), out)

    for deck in ("md", "html", "pic"):
        page = (out / deck / "index.html").read_text(encoding="utf-8")
        config = site.page_config(page)
        assert config is not None
        assert config["view"] == "static"
        assert config["ws"] is None and config["events"] is None
        assert "audience.js" not in page
        assert '<script src="_presenter/static/static-view.js"></script>' in page
        assert "presenter-ui" not in page  # no connection dot, no questions
    listing = (out / "index.html").read_text(encoding="utf-8")
    for deck in ("md", "html", "pic"):
        assert f'href="{deck}/index.html"' in listing
    assert 'href="_presenter/static/site.css"' in listing


async def test_a_single_deck_gets_no_listing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    await export(write_all(tmp_path / "decks") / "md", out)
    assert sorted(p.name for p in out.iterdir()) == ["md"]


async def test_follow_points_the_live_connection_at_the_server(tmp_path: Path) -> None:
    out = tmp_path / "out"
    await export(write_all(tmp_path / "decks"), out, follow="https://talk.example.org/")

    page = (out / "md" / "index.html").read_text(encoding="utf-8")
    config = site.page_config(page)
    assert config is not None
    assert config["view"] == "audience"
    assert config["ws"] == "wss://talk.example.org/decks/md/ws?as=audience"
    assert config["events"] == "https://talk.example.org/decks/md/events"
    assert '<script type="module" src="_presenter/static/audience.js"></script>' in page
    # audience.js and the modules it imports, all of them.
    static = out / "md" / "_presenter" / "static"
    for module in ("audience.js", "connection.js", "state.js", "interact/interaction.js"):
        assert (static / module).is_file(), module
    # The speaker-view link is the live server's page.
    assert 'href="https://talk.example.org/decks/md/presenter"' in page
    assert b"SECRET-NOTE" not in page.encode()


async def test_a_markdown_file_an_html_deck_loads_comes_without_notes(tmp_path: Path) -> None:
    deck = tmp_path / "loads"
    deck.mkdir()
    (deck / "index.html").write_text(
        HTML_DECK.replace(
            "<section><h1>Hand one</h1>",
            '<section data-markdown="extra.md"></section><section><h1>Hand one</h1>',
        ),
        encoding="utf-8",
    )
    (deck / "extra.md").write_text("# Extra\n\nNote: SECRET-NOTE-EXTRA\n", encoding="utf-8")
    out = tmp_path / "out"
    await export(deck, out)
    extra = (out / "loads" / "extra.md").read_text(encoding="utf-8")
    assert "# Extra" in extra
    assert "SECRET" not in extra


@pytest.mark.parametrize(
    "url", ["ftp://host", "talk.example.org", "https://talk.example.org/decks/md/"]
)
async def test_follow_needs_a_server_address(tmp_path: Path, url: str) -> None:
    with pytest.raises(ExportError, match="--follow"):
        await export(write_all(tmp_path / "decks"), tmp_path / "out", follow=url)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return support.run_cli(*args, env=env, timeout=120.0)


def assert_one_error_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0]


def test_cli_export_writes_and_says_where(tmp_path: Path) -> None:
    root = write_all(tmp_path / "decks")
    done = run_cli("export", str(root), str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "3 deck(s)" in done.stdout
    assert (tmp_path / "out" / "pic" / "img" / "pixel.png").read_bytes() == PIXEL_PNG


def test_cli_export_errors_are_one_line(tmp_path: Path) -> None:
    root = write_all(tmp_path / "decks")
    assert_one_error_line(run_cli("export", str(tmp_path / "nope"), str(tmp_path / "o")), "nope")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert_one_error_line(
        run_cli("export", str(root), str(blocker / "out")), "cannot write", str(blocker)
    )
    assert_one_error_line(
        run_cli("export", str(root), str(tmp_path / "o"), "--follow", "nope"), "--follow"
    )


def test_cli_pdf_errors_are_one_line(tmp_path: Path) -> None:
    root = write_all(tmp_path / "decks")
    out = str(tmp_path / "deck.pdf")
    missing = run_cli("pdf", str(root / "md"), out, env={"PRESENTER_CHROMIUM": "/nonexistent"})
    assert_one_error_line(missing, "/nonexistent", "PRESENTER_CHROMIUM")
    assert not (tmp_path / "deck.pdf").exists()
    assert_one_error_line(run_cli("pdf", str(tmp_path / "nope"), out), "nope")
    assert_one_error_line(run_cli("pdf", str(root), out), "folder of decks")
    assert_one_error_line(
        run_cli("pdf", str(root / "md"), str(tmp_path / "no" / "where.pdf")), "cannot write"
    )
    # Notes never go where the deck's files are served from.
    inside = root / "md" / "handout.pdf"
    assert_one_error_line(
        run_cli("pdf", str(root / "md"), str(inside), "--notes"), "inside the deck folder"
    )
    assert not inside.exists()


def test_page_config_survives_a_round_trip() -> None:
    page = (
        '<script type="application/json" id="presenter-config">'
        '{"a":"\\u003c/script\\u003e"}</script>'
    )
    config = site.page_config(page)
    assert config == {"a": "</script>"}
    assert site.with_page_config(page, {**config, "b": 1}) == (
        '<script type="application/json" id="presenter-config">'
        '{"a":"\\u003c/script\\u003e","b":1}</script>'
    )
    assert json.loads(site.with_page_config(page, config).split(">", 1)[1].split("<")[0]) == config
