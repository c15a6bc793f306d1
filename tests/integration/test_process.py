"""A real ``presenter serve`` process: secrets out of logs, persistence across kill -9,
where the secret comes from."""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from websockets.sync.client import connect

from tests.helpers import SECRET, ServerProcess

from .support import (
    TIMEOUT,
    bearer,
    fetch,
    hidden_input,
    post_state,
    spawn_server,
    spawned,
    state,
)

# tests.helpers.start_server leaves its log file open (a ResourceWarning, an error under
# filterwarnings=error), so these tests use support.spawn_server with the same --secret.


def running_server(path: Path, *args: str) -> AbstractContextManager[ServerProcess]:
    return spawned(path, "--secret", SECRET, *args)


def after_banner(output: str) -> str:
    """What the server printed after its startup banner (which shows the token once)."""
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if "Ctrl+C" in line:
            return "\n".join(lines[number + 1 :])
    raise AssertionError(f"no startup banner in:\n{output}")


def welcome_of(ws_url: str) -> dict[str, Any]:
    with connect(ws_url, open_timeout=TIMEOUT) as ws:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=TIMEOUT))
        return frame


def test_secret_never_reaches_the_logs(deck_root: Path, tmp_path: Path) -> None:
    with running_server(deck_root, "--state-dir", str(tmp_path / "state")) as server:
        assert SECRET in server.output(), "the banner should show the presenter URL once"
        login = fetch(server, "GET", f"/decks/md/presenter?token={SECRET}")
        assert login.status in (302, 303)
        assert fetch(server, "GET", "/decks/md/presenter?token=wrong-guess").status == 403
        assert post_state(server, state(indexh=1)).status == 200
        assert post_state(server, state(indexh=1), token=SECRET + "-nope").status == 401
        bad = fetch(server, "POST", "/decks/md/api/state", "not json", bearer())
        assert bad.status == 400
        # Error paths with the token in the query string.
        for path, status in (
            (f"/decks/nope/presenter?token={SECRET}", 404),
            (f"/decks/nope/api/state?token={SECRET}", 404),
            (f"/nothing?token={SECRET}", 404),
            (f"/decks/md/missing.png?token={SECRET}", 404),
            (f"/static/missing.js?token={SECRET}", 404),
            (f"/reveal/missing.js?token={SECRET}", 404),
            (f"/decks/md/api/state?token={SECRET}", 200),
        ):
            assert fetch(server, "GET", path).status == status, path
        # The login form.
        page = fetch(server, "GET", "/decks/md/presenter")
        xsrf, cookie = hidden_input(page.text, "_xsrf"), page.cookie("_xsrf")
        assert xsrf and cookie
        form = fetch(
            server,
            "POST",
            "/decks/md/presenter",
            urlencode({"_xsrf": xsrf, "token": SECRET}),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        assert form.status == 303
        # Tokens over the live socket, right and wrong.
        with connect(server.ws("md"), open_timeout=TIMEOUT) as ws:
            ws.recv(timeout=TIMEOUT)
            ws.send(json.dumps({"type": "auth", "token": SECRET}))
            assert json.loads(ws.recv(timeout=TIMEOUT))["role"] == "presenter"
            ws.send(json.dumps({"type": "auth", "token": SECRET + "zz"}))
            ws.send("not json " + SECRET)
            # Both handled (and logged, if at all) before the log is read.
            errors: list[str] = []
            while len(errors) < 2:
                frame = json.loads(ws.recv(timeout=TIMEOUT))
                if frame["type"] == "error":
                    errors.append(frame["code"])
            assert errors == ["unauthorized", "bad_json"]
        with connect(server.ws("md") + f"?token={SECRET}", open_timeout=TIMEOUT) as ws:
            ws.recv(timeout=TIMEOUT)
        server.stop()
        output = server.output()
    rest = after_banner(output)
    assert "GET /decks/md/presenter" in rest, "requests should be logged (without query)"
    assert SECRET not in rest
    assert "token=" not in rest


def test_state_survives_kill_9(deck_root: Path, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    steps = [state(indexh=1), state(indexh=2, indexf=0), state(indexh=3, indexv=1, paused=True)]
    server = spawn_server(deck_root, "--secret", SECRET, "--state-dir", str(state_dir))
    try:
        for number, step in enumerate(steps, start=1):
            resp = post_state(server, step)
            assert resp.status == 200
            assert resp.json()["seq"] == number
        other = fetch(
            server,
            "POST",
            "/decks/html/api/state",
            json.dumps({"state": state(indexh=2)}),
            bearer(),
        )
        assert other.json()["seq"] == 1
    finally:
        server.stop(kill=True)
        server.log_path.unlink(missing_ok=True)
    assert server.process.returncode == -9

    with running_server(deck_root, "--state-dir", str(state_dir)) as again:
        snapshot = fetch(again, "GET", "/decks/md/api/state").json()
        assert snapshot == {"deck": "md", "seq": 3, "state": steps[-1]}
        html = fetch(again, "GET", "/decks/html/api/state").json()
        assert html == {"deck": "html", "seq": 1, "state": state(indexh=2)}
        welcome = welcome_of(again.ws("md"))
        assert (welcome["type"], welcome["seq"], welcome["state"]) == ("welcome", 3, steps[-1])
        # The same state again is no change; the next change continues the numbering.
        assert post_state(again, steps[-1]).json()["seq"] == 3
        after = post_state(again, state(indexh=4))
        assert after.json() == {"deck": "md", "seq": 4, "state": state(indexh=4)}
        with connect(again.ws("md"), open_timeout=TIMEOUT) as ws:
            ws.recv(timeout=TIMEOUT)
            assert post_state(again, state(indexh=5)).json()["seq"] == 5
            frame = json.loads(ws.recv(timeout=TIMEOUT))
            assert frame == {"type": "state", "seq": 5, "state": state(indexh=5)}


def test_the_default_state_dir_is_outside_the_deck_folder(deck_root: Path, tmp_path: Path) -> None:
    # Committing a deck folder must never commit the token: state goes to the
    # user's state directory ($XDG_STATE_HOME), named in the banner.
    home = tmp_path / "state-home"
    env = {"XDG_STATE_HOME": str(home)}
    with spawned(deck_root, "--secret", SECRET, env=env) as server:
        assert post_state(server, state(indexh=2)).status == 200
        output = server.output()
        server.stop(kill=True)
    assert not (deck_root / ".presenter").exists()
    (state_dir,) = (home / "presenter").iterdir()
    assert state_dir.name.startswith("decks-")
    assert f"State (slide positions, timer, token): {state_dir}" in output
    with spawned(deck_root, "--secret", SECRET, env=env) as server:
        assert fetch(server, "GET", "/decks/md/api/state").json()["seq"] == 1


def test_a_state_dir_left_in_the_deck_by_an_earlier_version_is_kept_out_of_git(
    deck_root: Path,
) -> None:
    legacy = deck_root / ".presenter"
    legacy.mkdir()
    with running_server(deck_root) as server:
        assert post_state(server, state(indexh=2)).status == 200
        # The state dir is never served, whatever the route.
        for path in ("/decks/md/../.presenter/state.sqlite3", "/decks/.presenter/state.sqlite3"):
            assert fetch(server, "GET", path).status == 404
    assert (legacy / "state.sqlite3").is_file()
    assert (legacy / ".gitignore").read_text().splitlines()[-1] == "*"


def test_secret_from_environment(deck_root: Path, tmp_path: Path) -> None:
    token = "env-token-7f3a-long-enough"
    with spawned(
        deck_root, "--state-dir", str(tmp_path / "state"), env={"PRESENTER_SECRET": token}
    ) as server:
        assert post_state(server, state(indexh=1), token=token).status == 200
        assert post_state(server, state(indexh=2), token=SECRET).status == 401
        login = fetch(server, "GET", f"/decks/md/presenter?token={token}")
        assert login.status in (302, 303)
        with connect(server.ws("md"), open_timeout=TIMEOUT) as ws:
            ws.recv(timeout=TIMEOUT)
            ws.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(ws.recv(timeout=TIMEOUT))["role"] == "presenter"


def test_secret_flag_wins_over_environment(deck_root: Path, tmp_path: Path) -> None:
    with spawned(
        deck_root,
        "--state-dir",
        str(tmp_path / "state"),
        "--secret",
        "flag-token-1-long-enough",
        env={"PRESENTER_SECRET": "env-token-2-long-enough"},
    ) as server:
        assert post_state(server, state(indexh=1), token="flag-token-1-long-enough").status == 200
        assert post_state(server, state(indexh=2), token="env-token-2-long-enough").status == 401


def banner_token(output: str) -> str:
    found = re.search(r"presenter\?token=(\S+)", output)
    assert found, output
    return found.group(1)


def test_generated_secret_is_kept_in_the_state_dir(deck_root: Path, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    with spawned(deck_root, "--state-dir", str(state_dir)) as server:
        token = banner_token(server.output())
        assert len(token) >= 16
        assert token != SECRET
        assert post_state(server, state(indexh=1), token=token).status == 200
        assert post_state(server, state(indexh=2), token=SECRET).status == 401
    assert token in "\n".join(p.read_text(errors="replace") for p in state_dir.glob("*secret*"))
    with spawned(deck_root, "--state-dir", str(state_dir)) as server:
        assert banner_token(server.output()) == token
        resp = post_state(server, state(indexh=2), token=token)
        assert resp.status == 200
        assert resp.json()["seq"] == 2
