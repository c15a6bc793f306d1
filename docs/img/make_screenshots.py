"""Make the README's screenshots: speaker view, phone remote, questions and a poll.

Run from the repository root after ``make install``::

    .venv/bin/python docs/img/make_screenshots.py

It serves a copy of ``slides/`` on a free port, opens the tour deck in headless
Chromium (``/usr/bin/chromium``, or ``$PRESENTER_CHROMIUM``) on the "Fragments"
slide with one fragment shown, the talk timer a few minutes in and one audience
page connected, and writes ``speaker-view.png`` (1280x800) and ``remote.png``
(390x844) next to this file. Then, with a few audience sockets asking, upvoting
and voting on the tour's poll, it writes ``phone-questions.png`` (an audience
phone asking), ``speaker-questions.png`` (the speaker view moderating) and
``projector-poll.png`` (the poll's results on the projector).

Emoji need a colour emoji font (Debian: ``fonts-noto-color-emoji``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from websockets.sync.client import ClientConnection, connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: reuse the tests' browser setup

from presenter.app import DATABASE  # noqa: E402
from presenter.backend.local import SqliteStore  # noqa: E402
from presenter.core.session import SLIDE, Record  # noqa: E402
from presenter.core.timer import TIMER, TalkTimer  # noqa: E402
from tests.e2e.support import wait_js  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, running_server  # noqa: E402

SECRET = "screenshot-token-for-the-readme"
DECK = "tour"
# The "Fragments" slide of the tour deck, its first fragment shown.
STATE = {"indexh": 2, "indexv": 0, "indexf": 0, "paused": False, "overview": False}
# A talk a few minutes in.
ELAPSED = 204.0
TIMEOUT_MS = 15_000
POLL_SLIDE = 8  # "Quick poll" in the tour deck
POLL = "present-with"
QUESTIONS = [
    ("Can the audience ask questions without an app?", "Ada", 14),
    ("Does it work when the venue blocks WebSockets?", "", 9),
    ("How many people can one laptop serve?", "Grace", 6),
    ("Can I export the questions after the talk?", "", 2),
]
PENDING = ("Will there be a recording of this talk?", "Linus")
BALLOTS = [0] * 11 + [1] * 7 + [2] * 4 + [3] * 2


@contextlib.contextmanager
def serve(decks: Path, state_dir: Path) -> Iterator[str]:
    """``presenter serve`` on 127.0.0.1; yields its base URL, stops it afterwards."""
    with running_server(decks, "--state-dir", str(state_dir), "--no-qr", secret=SECRET) as server:
        yield server.base


def seed(state_dir: Path) -> None:
    """Write the slide state and a running talk timer, as the server stores them."""

    async def write() -> None:
        store = SqliteStore(state_dir / DATABASE)
        timer = TalkTimer(running=True, started_at=time.time() - ELAPSED)
        await store.save(Record(DECK, SLIDE, 1, STATE))
        await store.save(Record(DECK, TIMER, 1, timer.to_json()))
        store.close()

    asyncio.run(write())


def settle(page: Page) -> None:
    """Wait for fonts, images and two frames, so nothing is half drawn."""
    page.evaluate(
        """async () => {
          await document.fonts.ready;
          const frames = [...document.querySelectorAll('iframe')].map((f) => f.contentDocument);
          for (const doc of [document, ...frames]) {
            if (!doc) continue;
            await doc.fonts.ready;
            await Promise.all([...doc.images].map((img) => img.decode().catch(() => {})));
          }
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        }"""
    )


def live(page: Page) -> None:
    wait_js(
        page,
        "window.presenterLive && "
        "document.getElementById('presenter-connection').dataset.status === 'live'",
        timeout=TIMEOUT_MS,
    )


def frames_until(ws: ClientConnection, kind: str) -> dict[str, object]:
    while True:
        frame = json.loads(ws.recv(timeout=TIMEOUT_MS / 1000))
        if frame.get("type") in (kind, "error"):
            assert frame["type"] == kind, frame
            return dict(frame)


def talk_back(base: str) -> None:
    """Questions with upvotes, one awaiting approval, and votes on the tour's poll."""
    ws_url = base.replace("http://", "ws://") + f"/decks/{DECK}/ws?as=audience"
    request = urllib.request.Request(
        f"{base}/decks/{DECK}/api/state",
        data=json.dumps({"state": {"indexh": POLL_SLIDE}}).encode(),
        headers={"Authorization": f"Bearer {SECRET}"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()  # the poll opens on its slide
    with contextlib.ExitStack() as stack:
        voters = [stack.enter_context(connect(ws_url)) for _ in range(len(BALLOTS))]
        for ws in voters:
            frames_until(ws, "welcome")
        asked = []
        for n, (text, name, _) in enumerate(QUESTIONS):
            voters[n].send(json.dumps({"type": "ask", "text": text, "name": name, "ref": "s"}))
            asked.append(frames_until(voters[n], "asked")["question"])
        for question, (_, _, votes) in zip(asked, QUESTIONS, strict=True):
            for ws in voters[:votes]:
                qid = question["id"]  # type: ignore[index]
                ws.send(json.dumps({"type": "upvote", "id": qid, "on": True}))
                frames_until(ws, "upvoted")
        for ws, choice in zip(voters, BALLOTS, strict=False):
            ws.send(json.dumps({"type": "vote", "poll": POLL, "choices": [choice]}))
            frames_until(ws, "voted")


def moderate(speaker: Page) -> None:
    """Moderation on, one question waiting, one answered."""
    speaker.click("#tab-qa")
    speaker.check("#qa-moderated")
    wait_js(speaker, "document.getElementById('qa-moderated').checked", timeout=TIMEOUT_MS)
    ws_url = speaker.url.split("/decks/")[0].replace("http://", "ws://")
    with connect(f"{ws_url}/decks/{DECK}/ws?as=audience") as ws:
        frames_until(ws, "welcome")
        text, name = PENDING
        ws.send(json.dumps({"type": "ask", "text": text, "name": name, "ref": "p"}))
        frames_until(ws, "asked")
    wait_js(speaker, "document.querySelectorAll('.qa-question').length === 5", timeout=TIMEOUT_MS)
    speaker.click(".qa-question:nth-child(2) [data-action=answer]")


def talk_shots(browser: Browser, base: str) -> None:
    talk_back(base)
    speaker = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    speaker.goto(f"{base}/decks/{DECK}/presenter?token={SECRET}")
    live(speaker)
    moderate(speaker)
    wait_js(speaker, "document.querySelector('#poll-controls .poll-chart li')", timeout=TIMEOUT_MS)
    settle(speaker)
    speaker.screenshot(path=str(HERE / "speaker-questions.png"))

    projector = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    projector.goto(f"{base}/decks/{DECK}/")
    live(projector)
    wait_js(
        projector,
        "document.querySelector('.reveal .present .presenter-poll-bar[data-count=\"11\"]')",
        timeout=TIMEOUT_MS,
    )
    settle(projector)
    projector.screenshot(path=str(HERE / "projector-poll.png"))

    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    phone = phone_context.new_page()
    phone.goto(f"{base}/decks/{DECK}/")
    live(phone)
    phone.click("#presenter-qa-button")
    phone.fill("#presenter-qa-name", "Sam")
    phone.fill("#presenter-qa-text", "Can the chart show percentages too?")
    shown = "document.querySelectorAll('.presenter-question').length === 4"
    wait_js(phone, shown, timeout=TIMEOUT_MS)
    settle(phone)
    phone.screenshot(path=str(HERE / "phone-questions.png"))


SHOTS = (
    "speaker-view.png",
    "remote.png",
    "speaker-questions.png",
    "projector-poll.png",
    "phone-questions.png",
)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="presenter-shots-") as tmp:
        decks = Path(tmp) / "slides"
        shutil.copytree(ROOT / "slides", decks, ignore=shutil.ignore_patterns(".presenter"))
        state_dir = Path(tmp) / "state"
        state_dir.mkdir()
        seed(state_dir)
        with serve(decks, state_dir) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                audience = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                audience.goto(f"{base}/decks/{DECK}/")
                live(audience)

                speaker_context = browser.new_context(viewport={"width": 1280, "height": 800})
                speaker = speaker_context.new_page()
                speaker.goto(f"{base}/decks/{DECK}/presenter?token={SECRET}")
                live(speaker)
                wait_js(
                    speaker,
                    "document.getElementById('audience-count').textContent.trim() === '1'"
                    " && presenterLive.current.getIndices().f === 0"
                    " && presenterLive.previewIndices().f === 1",
                    timeout=TIMEOUT_MS,
                )
                settle(speaker)
                speaker.screenshot(path=str(HERE / "speaker-view.png"))

                remote_context = browser.new_context(
                    viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
                )
                remote = remote_context.new_page()
                remote.goto(f"{base}/decks/{DECK}/remote?token={SECRET}")
                live(remote)
                wait_js(remote, "presenterLive.current.getIndices().f === 0", timeout=TIMEOUT_MS)
                settle(remote)
                remote.screenshot(path=str(HERE / "remote.png"))
                talk_shots(browser, base)
            finally:
                browser.close()
    for name in SHOTS:
        print(f"wrote {(HERE / name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
