"""Make the README's screenshots of the speaker view and the phone remote.

Run from the repository root after ``make install``::

    .venv/bin/python docs/img/make_screenshots.py

It serves a copy of ``slides/`` on a free port, opens the tour deck in headless
Chromium (``/usr/bin/chromium``, or ``$PRESENTER_CHROMIUM``) on the "Fragments"
slide with one fragment shown, the talk timer a few minutes in and one audience
page connected, and writes
``speaker-view.png`` (1280x800) and ``remote.png`` (390x844) next to this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

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
            finally:
                browser.close()
    for name in ("speaker-view.png", "remote.png"):
        print(f"wrote {(HERE / name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
