"""What the browser tests of audience interaction share: decks with polls, the server
that serves them, plain WebSocket clients that keep every frame they get, and what a
page sent on its own socket."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page
from websockets.sync.client import ClientConnection, connect

from tests.e2e.support import TIMEOUT_MS, Deployment
from tests.helpers import ServerProcess

TIMEOUT_S = TIMEOUT_MS / 1000
Frame = dict[str, Any]


def poll(question: str, options: list[str], **settings: str) -> str:
    """A ``poll`` block: the question, one line an option, then ``key: value`` settings."""
    lines = [question, *(f"- {option}" for option in options)]
    lines += [f"{key}: {value}" for key, value in settings.items()]
    return "```poll\n" + "\n".join(lines) + "\n```\n"


def vote_now(third: str) -> str:
    """The slide of the single-choice poll ``colour``, whose results wait for the presenter."""
    colour = poll("Which colour?", ["Red", "Green", third], id="colour", hideResults="true")
    return "## Vote now\n\n" + colour


def poll_deck(title: str, *slides: str) -> str:
    """A Markdown deck without transitions: a "Welcome" slide, then ``slides``."""
    front = (
        f"---\ntitle: {title}\n"
        "revealOptions:\n  transition: none\n  backgroundTransition: none\n---\n"
    )
    return front + "\n" + "\n---\n\n".join(["# Welcome\n", *slides])


def serve_with(deployment: Deployment, files: dict[str, str]) -> ServerProcess:
    """The test decks plus ``files`` (a path under the decks folder: its text), served."""
    for name, text in files.items():
        path = Path(deployment.decks) / name
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    return deployment.start()


class FrameSocket:
    """A WebSocket to a deck that keeps every frame it got, in order, from the welcome on.

    Tests wait for a frame matching a condition; nothing sleeps.
    """

    def __init__(self, url: str) -> None:
        self.ws: ClientConnection = connect(url, open_timeout=TIMEOUT_S, legacy=True)
        self.frames: list[Frame] = []
        self.wait(lambda f: f["type"] == "welcome")

    def send(self, msg: Frame) -> None:
        self.ws.send(json.dumps(msg))

    def wait(self, predicate: Callable[[Frame], bool], since: int = 0) -> Frame:
        """The first frame from index ``since`` on that matches; receives until there is one."""
        deadline = time.monotonic() + TIMEOUT_S
        checked = since
        while True:
            for frame in self.frames[checked:]:
                if predicate(frame):
                    return frame
            checked = max(checked, len(self.frames))
            left = deadline - time.monotonic()
            if left <= 0:
                tail = json.dumps(self.frames[-8:], ensure_ascii=False)
                raise AssertionError(f"no matching frame; last frames: {tail}")
            try:
                self.frames.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                continue

    def close(self) -> None:
        self.ws.close()


def sent(page: Page, kind: str) -> list[Frame]:
    """The frames of type ``kind`` the page sent on its WebSocket (the recorder keeps them)."""
    return page.evaluate(  # type: ignore[no-any-return]
        "(t) => window.__e2e.sent.map((s) => JSON.parse(s)).filter((m) => m.type === t)", kind
    )
