"""What a new user meets: the banner, the log, getting the links back, joining from a phone."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from presenter.assets import find_assets
from presenter.library import load_deck, themes_in
from tests.conftest import LiveServer
from tests.helpers import ROOT, SECRET, TIMEOUT_FACTOR, running_server

from .conftest import MakeServer
from .support import afetch, assert_one_error, fetch, presenter_cookie, run_cli


def banner_links(output: str) -> list[str]:
    return re.findall(r"(?:audience|presenter|remote): +(\S+)", output)


def test_presenter_links_prints_the_links_again(deck_root: Path, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    with running_server(deck_root, "--state-dir", str(state_dir), secret=None) as server:
        shown = banner_links(server.output())
        assert any("token=" in link for link in shown)
        assert "presenter links" in server.output()
        again = run_cli("links", str(deck_root), "--state-dir", str(state_dir))
        assert again.returncode == 0, again.stderr
        assert banner_links(again.stdout) == shown
    # Once the server is gone, there is nothing to print: one clear line.
    gone = run_cli("links", str(deck_root), "--state-dir", str(state_dir))
    assert_one_error(gone, "no server is running")


def test_presenter_links_finds_the_default_state_dir(deck_root: Path, tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "home")}
    with running_server(deck_root, env=env, secret=None) as server:
        again = run_cli("links", str(deck_root), env=env)
        assert again.returncode == 0, again.stderr
        assert banner_links(again.stdout) == banner_links(server.output())


def test_the_log_is_quiet_by_default(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server:
        start = len(server.output())
        assert fetch(server, "GET", "/decks/md/").status == 200
        for asset in ("/static/audience.js", "/reveal/reveal.js", "/decks/md/img/pixel.svg"):
            assert fetch(server, "GET", asset).status == 200
        assert fetch(server, "GET", "/decks/md/missing.png").status == 404
        assert fetch(server, "GET", "/decks/md/api/notes").status == 403
        # A sentinel: the next page view's line comes after whatever the above logged.
        assert fetch(server, "GET", "/decks/md/join").status == 200
        logged = server.output_through("GET /decks/md/join", start)
        lines = [line for line in logged.splitlines() if "presenter.access" in line]
        assert len(lines) == 3, lines
        assert "GET /decks/md/ " in lines[0]
        assert "403 GET /decks/md/api/notes" in lines[1]
        assert "GET /decks/md/join" in lines[2]


def test_access_log_logs_everything(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch", "--access-log") as server:
        start = len(server.output())
        assert fetch(server, "GET", "/static/audience.js").status == 200
        assert fetch(server, "GET", "/decks/md/join").status == 200
        logged = server.output_through("200 GET /decks/md/join", start)
        assert "200 GET /static/audience.js" in logged


def test_a_loopback_server_says_phones_cannot_join(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server:
        assert "--host 0.0.0.0" in server.output()
        join = fetch(server, "GET", "/decks/md/join")
        assert join.status == 200
        assert "--host 0.0.0.0" in join.text


async def test_the_speaker_view_warns_about_a_loopback_address(live_server: LiveServer) -> None:
    cookie = await presenter_cookie(live_server)
    page = await afetch(live_server, "GET", "/decks/md/presenter", headers={"Cookie": cookie})
    assert page.status == 200
    assert 'id="loopback-warning"' in page.text


async def test_no_warning_when_the_room_can_join(make_server: MakeServer) -> None:
    server = await make_server(advertised_host="192.168.1.20", host="0.0.0.0")
    cookie = await presenter_cookie(server)
    page = await afetch(server, "GET", "/decks/md/presenter", headers={"Cookie": cookie})
    assert page.status == 200
    assert 'id="loopback-warning"' not in page.text
    join = await afetch(server, "GET", "/decks/md/join")
    assert "--host 0.0.0.0" not in join.text


async def test_urls_break_only_after_a_slash(live_server: LiveServer) -> None:
    join = await afetch(live_server, "GET", "/decks/md/join")
    assert join.status == 200
    assert f"http:/<wbr>/<wbr>127.0.0.1:{live_server.port}/<wbr>decks/<wbr>md/<wbr>" in join.text


async def test_the_listing_links_the_speaker_view_only_for_presenters(
    live_server: LiveServer,
) -> None:
    anyone = await afetch(live_server, "GET", "/")
    assert anyone.status == 200
    assert "/presenter" not in anyone.text
    cookie = await presenter_cookie(live_server)
    signed_in = await afetch(live_server, "GET", "/", headers={"Cookie": cookie})
    assert signed_in.status == 200
    assert 'href="/decks/md/presenter"' in signed_in.text
    assert SECRET not in signed_in.text


def test_no_interaction_turns_questions_and_polls_off_for_every_deck(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch", "--no-interaction") as server:
        page = fetch(server, "GET", "/decks/md/")
        assert page.status == 200
        found = re.search(r'id="presenter-config">(.*?)</script>', page.text)
        assert found is not None
        assert json.loads(found.group(1))["interaction"]["enabled"] is False
        assert page.cookie("presenter_voter") is None
    with running_server(deck_root, "--no-watch") as server:
        page = fetch(server, "GET", "/decks/md/")
        assert page.cookie("presenter_voter") is not None


def test_the_sample_decks_load_with_their_poll() -> None:
    with running_server(ROOT / "slides", "--no-watch") as server:
        assert " presenter deck " not in server.output()  # no deck warnings
        api = fetch(server, "GET", "/decks/tour/api/deck")
        assert api.status == 200
        assert [p["id"] for p in api.json()["polls"]] == ["present-with"]


def test_presenter_new_writes_a_deck_that_loads(tmp_path: Path) -> None:
    made = run_cli("new", str(tmp_path / "my-talk"))
    assert made.returncode == 0, made.stderr
    assert f"presenter serve {tmp_path / 'my-talk'}" in made.stdout
    deck = load_deck(
        "my-talk", tmp_path / "my-talk", themes_in(find_assets().reveal, find_assets().vendor)
    )
    assert deck.title == "My talk"
    assert deck.plugins == ("math", "mermaid", "zoom", "search", "notes")
    assert deck.css == ("style.css",)
    assert [p.question for p in deck.polls] == ["How did you get here today?"]
    assert deck.notes and deck.slide_count == 8
    again = run_cli("new", str(tmp_path / "my-talk"))
    assert_one_error(again, "already exists")


def test_open_opens_the_speaker_view_in_the_browser(deck_root: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"
    recorder.write_text(
        # Written whole, then renamed: the test never reads half a URL.
        "import os, sys, pathlib\n"
        f"pathlib.Path({str(opened)!r} + '.tmp').write_text(sys.argv[1])\n"
        f"os.replace({str(opened)!r} + '.tmp', {str(opened)!r})\n",
        encoding="utf-8",
    )
    env = {"BROWSER": f"{sys.executable} {recorder} %s"}
    with running_server(deck_root, "--no-watch", "--open", env=env) as server:
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while not opened.exists():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.02)
        url = opened.read_text(encoding="utf-8")
        assert url == f"{server.base}/decks/html/presenter?token={SECRET}"
        assert fetch(server, "GET", url.removeprefix(server.base)).status in (302, 303)


def test_one_markdown_file_is_served_as_a_deck_with_its_folder(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', encoding="utf-8"
    )
    (tmp_path / "talk.md").write_text(
        "# Just a file ![dot](img/dot.svg)\n\nNote: SECRET-FILE-NOTE\n\n---\n\n# Second\n",
        encoding="utf-8",
    )
    with running_server(tmp_path / "talk.md", "--no-watch") as server:
        assert "/decks/talk/" in server.output()
        page = fetch(server, "GET", "/decks/talk/")
        assert page.status == 200
        assert "Just a file" in page.text and "SECRET-FILE-NOTE" not in page.text
        assert fetch(server, "GET", "/decks/talk/img/dot.svg").status == 200
        assert fetch(server, "GET", "/decks/talk/talk.md").status == 404  # never the source
        api = fetch(server, "GET", "/decks/talk/api/deck").json()
        assert api["slideCount"] == 2
    not_markdown = tmp_path / "notes.txt"
    not_markdown.write_text("x", encoding="utf-8")
    assert_one_error(run_cli("serve", str(not_markdown)), "not a folder or a .md file")
