"""No token in any log line, and no traceback (nor a log flood) for anything a client sends."""

from __future__ import annotations

import json
from pathlib import Path

from websockets.sync.client import connect

from tests.helpers import SECRET, ServerProcess, running_server

from .support import TIMEOUT, fetch


def assert_clean(server: ServerProcess) -> str:
    # A sentinel request: once its line is in the log, so is whatever came before it.
    assert fetch(server, "GET", "/log-sentinel").status == 404
    output = server.output_through("404 GET /log-sentinel")
    assert SECRET not in output.split("Keep the presenter links", 1)[1], output
    assert "Traceback" not in output, output
    return output


def test_undecodable_token_arguments_never_reach_the_log(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server:
        for path in (
            f"/decks/md/presenter?token={SECRET}%ff",
            f"/decks/md/remote?login={SECRET}%ff%fe",
            f"/decks/md/presenter?token=%ff{SECRET}",
            f"/decks/md/api/notes?token={SECRET}%ff",
        ):
            resp = fetch(server, "GET", path)
            assert resp.status in (400, 403), (path, resp.status)
            assert SECRET not in resp.text
        assert_clean(server)


def test_a_surrogate_token_is_unauthorized_without_a_traceback(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server:
        before = len(server.output())
        with connect(server.ws("md"), open_timeout=TIMEOUT) as ws:
            ws.recv(timeout=TIMEOUT)
            codes = []
            for _ in range(200):
                ws.send('{"type":"auth","token":"\\ud800"}')
                frame = json.loads(ws.recv(timeout=TIMEOUT))
                assert frame["type"] == "error", frame
                codes.append(frame["code"])
        assert codes[0] == "unauthorized"
        assert set(codes) <= {"unauthorized", "rate_limited"}
        assert codes[-1] == "rate_limited"
        output = assert_clean(server)
        # A few access-log lines, not a line (or a traceback) per frame.
        assert len(output) - before < 2_000, output[before:]


def test_undecodable_switches_and_refused_streams_log_no_traceback(deck_root: Path) -> None:
    with running_server(deck_root, "--no-watch") as server:
        for _ in range(3):
            # A page view is logged by what ?view= says, after the answer.
            assert fetch(server, "GET", "/decks/md/?view=%ff").status == 200
            # An event stream refused before it starts (a body) still closes cleanly.
            refused = fetch(server, "GET", "/decks/md/events", body="x")
            assert refused.status == 413
        login = fetch(server, "GET", f"/decks/md/presenter?token={SECRET}")
        cookie = login.cookie("presenter_auth")
        assert cookie is not None
        # A signed-in browser's socket with an undecodable ?as= is the presenter's.
        with connect(
            server.ws("md") + "?as=%ff", open_timeout=TIMEOUT, additional_headers={"Cookie": cookie}
        ) as ws:
            welcome = json.loads(ws.recv(timeout=TIMEOUT))
            assert welcome["type"] == "welcome" and welcome["role"] == "presenter"
        assert_clean(server)
