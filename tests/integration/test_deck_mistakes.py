"""Decks that cannot work say so: a theme typo, a page that is not reveal.js, an empty deck."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from presenter.core.decks import Themes, markdown_deck
from presenter.core.errors import DeckError
from presenter.library import load_deck, themes_in
from tests.helpers import ROOT, SECRET, running_server

from .conftest import MakeServer
from .support import TIMEOUT, afetch, assert_one_error, presenter_cookie, recv, recv_match, run_cli

REVEAL = ROOT / "node_modules" / "reveal.js" / "dist"


def deck(folder: Path, name: str, source: str, text: str) -> Path:
    (folder / name).mkdir(parents=True)
    (folder / name / source).write_text(text, encoding="utf-8")
    return folder / name


def test_the_themes_are_the_ones_reveal_js_ships() -> None:
    themes = themes_in(REVEAL)
    assert {"black", "white", "solarized", "dracula"} <= themes.themes
    assert {"monokai", "zenburn"} <= themes.highlights


@pytest.mark.parametrize(
    ("front", "key", "wrong"),
    [
        ("theme: solarised", "theme", "solarised"),
        ("highlightTheme: monokia", "highlightTheme", "monokia"),
        ("theme: 3", "theme", "3"),
    ],
)
def test_an_unknown_theme_is_a_deck_error_that_names_the_choices(
    tmp_path: Path, front: str, key: str, wrong: str
) -> None:
    text = f"---\ntitle: T\n{front}\n---\n# A\n"
    with pytest.raises(DeckError) as caught:
        markdown_deck("d", tmp_path, text, tmp_path / "slides.md", themes_in(REVEAL))
    message = str(caught.value)
    assert caught.value.line == 3
    assert f"unknown {key}" in message and wrong in message
    assert ("solarized" if key == "theme" else "zenburn") in message


def test_a_theme_can_be_a_css_file_of_the_deck(tmp_path: Path) -> None:
    folder = deck(tmp_path, "own", "slides.md", "---\ntheme: look/mine.css\n---\n# A\n")
    (folder / "look").mkdir()
    (folder / "look" / "mine.css").write_text("body { color: red }", encoding="utf-8")
    loaded = load_deck("own", folder, themes_in(REVEAL))
    assert loaded.theme_href == "look/mine.css"
    (folder / "look" / "mine.css").unlink()
    with pytest.raises(DeckError, match="no such file"):
        load_deck("own", folder, themes_in(REVEAL))
    (folder / "slides.md").write_text("---\ntheme: ../x.css\n---\n# A\n", encoding="utf-8")
    with pytest.raises(DeckError, match="in the deck folder"):
        load_deck("own", folder, Themes(frozenset({"black"}), frozenset({"monokai"})))


@pytest.mark.parametrize(
    ("front", "words"),
    [
        ("css: [look.css, missing.css]", "css 'missing.css': no such file here"),
        ("scripts: nope.js", "scripts 'nope.js': no such file here"),
    ],
)
def test_a_missing_stylesheet_or_script_is_a_deck_error(
    tmp_path: Path, front: str, words: str
) -> None:
    folder = deck(tmp_path, "own", "slides.md", f"---\n{front}\n---\n# A\n")
    (folder / "look.css").write_text("h1 { color: red }", encoding="utf-8")
    with pytest.raises(DeckError, match=words) as raised:
        load_deck("own", folder, themes_in(REVEAL))
    assert raised.value.line == 2


def test_a_theme_typo_stops_the_server_with_one_line(tmp_path: Path) -> None:
    deck(tmp_path, "talk", "slides.md", "---\ntheme: solarised\n---\n# A\n")
    result = run_cli("serve", str(tmp_path), "--port", "0", "--secret", SECRET)
    line = assert_one_error(result, "solarised", "slides.md:2")
    assert "solarized" in line


def test_a_page_that_is_not_reveal_js_stops_the_server_with_one_line(tmp_path: Path) -> None:
    deck(tmp_path, "page", "index.html", "<html><body><h1>My homepage</h1></body></html>")
    result = run_cli("serve", str(tmp_path), "--port", "0", "--secret", SECRET)
    assert_one_error(result, "not a reveal.js page", "index.html")


async def test_a_theme_typo_made_while_running_reaches_the_speaker(
    make_server: MakeServer, tmp_path: Path
) -> None:
    folder = deck(tmp_path / "decks", "talk", "slides.md", "# Fine\n")
    server = await make_server(decks={"talk": folder}, watch=True)
    cookie = await presenter_cookie(server, deck="talk")
    url = f"ws://127.0.0.1:{server.port}/decks/talk/ws"
    async with connect(url, additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT) as ws:
        await recv(ws)
        (folder / "slides.md").write_text("---\ntheme: solarised\n---\n# Fine\n", encoding="utf-8")
        status = await recv_match(
            ws, lambda f: f["type"] == "deck_status", timeout=10 * TIMEOUT, what="deck_status"
        )
        assert status["ok"] is False
        assert "solarised" in status["error"] and "solarized" in status["error"]
        assert status["line"] == 2
    # The audience keeps the last good version.
    page = await afetch(server, "GET", "/decks/talk/")
    assert page.status == 200
    assert "/reveal/theme/black.css" in page.text


def test_an_empty_deck_is_a_warning_and_the_server_serves_it(tmp_path: Path) -> None:
    deck(tmp_path, "empty", "slides.md", "---\ntitle: Nothing yet\n---\n\n")
    deck(tmp_path, "full", "slides.md", "# Something\n")
    with running_server(tmp_path, "--no-watch") as server:
        assert "deck empty: slides.md is empty" in server.output()
        assert "deck full:" not in server.output()
        for name in ("empty", "full"):
            with urllib.request.urlopen(f"{server.base}/decks/{name}/", timeout=TIMEOUT) as page:
                assert page.status == 200


async def test_the_speaker_view_shows_the_warnings(make_server: MakeServer, tmp_path: Path) -> None:
    folder = deck(tmp_path / "decks", "empty", "slides.md", "")
    server = await make_server(decks={"empty": folder})
    cookie = await presenter_cookie(server, deck="empty")
    page = await afetch(server, "GET", "/decks/empty/presenter", headers={"Cookie": cookie})
    assert page.status == 200
    config_text = page.text.split('id="presenter-config">', 1)[1].split("</script>", 1)[0]
    assert json.loads(config_text)["deckWarnings"] == [
        "slides.md is empty: the deck has no slides yet"
    ]
    notes = await afetch(server, "GET", "/decks/empty/api/notes", headers={"Cookie": cookie})
    assert notes.json()["warnings"] == ["slides.md is empty: the deck has no slides yet"]
