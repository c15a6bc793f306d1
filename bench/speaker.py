"""``python -m bench.speaker --slides 2000``: how a huge deck feels in the speaker view.

Writes a Markdown deck of N slides (a title, three bullets and a note each,
about 160 bytes), starts a real ``presenter serve`` on it and opens the
speaker view and an audience page in headless Chromium (``/usr/bin/chromium``).
It prints:

- ``server start``: from spawning the process to the first ``/healthz`` answer;
- ``speaker ready``: from a reload of the speaker view to the moment it is
  live (both deck frames loaded, outline built, socket open);
- per step (the Next key): how long from the key press to the next paint
  (the Event Timing API: what the speaker feels), the longest task the step
  caused (Long Tasks: 0 when none took 50 ms or more), all main-thread task
  time in the window after it (CDP ``TaskDuration``: the page and its
  same-origin frames, animation frames included), and when the audience page
  had the step;
- the same step taken by reveal.js alone on the audience page (key press to
  paint and all task time): the floor, the cost reveal.js itself has for a deck
  this long.

Figures are printed, never asserted. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import CDPSession, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
BANNER_PORT = re.compile(r"^  https?://\S+?:(\d+)/$", re.MULTILINE)


def write_deck(folder: Path, slides: int) -> int:
    """A ``slides.md`` of ``slides`` slides, about 160 bytes each; returns its size."""
    parts = ["---\ntitle: A very long talk\n---\n"]
    for n in range(1, slides + 1):
        parts.append(
            f"## Slide {n}: point {n % 17}\n\n- the first idea of slide {n}\n"
            "- a second idea\n- and a *third* one\n\n"
            f"Note: say something about slide {n}, then move on to the next.\n"
        )
    text = "\n---\n\n".join(parts)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "slides.md").write_text(text, encoding="utf-8")
    return len(text.encode())


@contextmanager
def server(decks: Path, state: Path, secret: str) -> Iterator[tuple[int, float]]:
    """Start ``presenter serve``; yields (port, seconds until /healthz answered)."""
    log = state / "server.log"
    command = [sys.executable, "-m", "presenter", "serve", str(decks), "--port", "0"]
    command += ["--secret", secret, "--no-watch", "--state-dir", str(state / "state")]
    began = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        port = 0
        while True:
            if process.poll() is not None:
                raise SystemExit(f"presenter serve exited:\n{log.read_text()}")
            if not port and (found := BANNER_PORT.search(log.read_text())):
                port = int(found.group(1))
            if port:
                with (
                    suppress(OSError, urllib.error.URLError),
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1),
                ):
                    break
            time.sleep(0.01)
        yield port, time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(10)


def wait_js(page: Page, expression: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {expression}")
        time.sleep(0.005)


# Event Timing: how long from a key press to the next paint (what the speaker
# feels); Long Tasks: any task of 50 ms or more, whatever started it.
OBSERVE = """
window.benchInput = [];
window.benchLong = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.name === 'keydown') window.benchInput.push(e.duration);
}).observe({ type: 'event', durationThreshold: 16, buffered: true });
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.benchLong.push([e.startTime, e.duration]);
}).observe({ type: 'longtask', buffered: true });
"""


def task_seconds(session: CDPSession) -> float:
    """Main-thread time spent in tasks so far (CDP ``TaskDuration``), in seconds."""
    metrics = session.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))


def figures(values: list[float], unit: str = "steps") -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (
        f"median {statistics.median(values) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms ({len(values)} {unit})"
    )


def observed(page: Page) -> tuple[float, float]:
    """The slowest key press to paint and the longest task since the last call (s)."""
    inputs, tasks = page.evaluate(
        "() => [window.benchInput.splice(0), window.benchLong.splice(0).map((t) => t[1])]"
    )
    # Under 16 ms the Event Timing API reports nothing.
    return max(inputs, default=16) / 1000, max(tasks, default=0) / 1000


def time_ready(speaker: Page, url: str, loads: int) -> list[float]:
    """Seconds from (re)loading the speaker view until it is live, ``loads`` times."""
    speaker.goto(url)  # the token becomes a cookie; the page is then reloaded
    readies = []
    for _ in range(loads):
        began = time.perf_counter()
        speaker.reload()
        wait_js(speaker, "window.presenterLive && window.presenterLive.current")
        readies.append(time.perf_counter() - began)
    return readies


def time_steps(speaker: Page, audience: Page, steps: int, settle: float) -> dict[str, list[float]]:
    """Press Next ``steps`` times in the speaker view; per-step figures in seconds."""
    session = speaker.context.new_cdp_session(speaker)
    session.send("Performance.enable")
    found: dict[str, list[float]] = {"paint": [], "longest": [], "tasks": [], "audience": []}
    speaker.focus("#next")
    for step in range(1, steps + 1):
        seq = speaker.evaluate("() => window.presenterLive.seq")
        observed(speaker)
        time.sleep(settle)
        # Nothing polls the speaker page between the two readings: a Playwright
        # click or evaluate would count as the page's own work.
        before = task_seconds(session)
        began = time.perf_counter()
        speaker.keyboard.press("ArrowRight")
        wait_js(audience, f"window.presenterLive.seq > {seq}")
        found["audience"].append(time.perf_counter() - began)
        time.sleep(settle)  # what the step started: the preview, the outline
        found["tasks"].append(task_seconds(session) - before)
        if speaker.evaluate("() => window.presenterLive.seq") <= seq:
            raise SystemExit(f"step {step} did not reach the server")
        paint, longest = observed(speaker)
        found["paint"].append(paint)
        found["longest"].append(longest)
    return found


def time_reveal_alone(audience: Page, steps: int, settle: float) -> dict[str, list[float]]:
    """reveal.js alone: a viewer browsing on the audience page; per-step figures (s)."""
    session = audience.context.new_cdp_session(audience)
    session.send("Performance.enable")
    audience.focus("body")
    found: dict[str, list[float]] = {"paint": [], "tasks": []}
    for _ in range(steps):
        observed(audience)
        time.sleep(settle)
        before = task_seconds(session)
        audience.keyboard.press("ArrowRight")
        time.sleep(settle)
        found["tasks"].append(task_seconds(session) - before)
        found["paint"].append(observed(audience)[0])
    return found


def measure(opts: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="presenter-bench-"))
    try:
        size = write_deck(work / "decks" / "long", opts.slides)
        print(f"deck: {opts.slides} slides, {size / 1000:.0f} kB of Markdown")
        secret = secrets.token_urlsafe(24)
        settle = opts.settle_ms / 1000
        with server(work / "decks", work, secret) as (port, started), sync_playwright() as pw:
            print(f"server start: {started * 1000:.0f} ms to the first /healthz answer")
            base = f"http://127.0.0.1:{port}/decks/long"
            browser = pw.chromium.launch(executable_path=CHROMIUM)
            pages = []
            for _ in range(2):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                context.add_init_script(OBSERVE)
                pages.append(context.new_page())
            speaker, audience = pages
            audience.goto(f"{base}/")
            wait_js(audience, "window.presenterLive && window.presenterLive.following")

            readies = time_ready(speaker, f"{base}/presenter?token={secret}", opts.loads)
            print(f"speaker ready: {figures(readies, 'loads')}")
            found = time_steps(speaker, audience, opts.steps, settle)
            print(f"step, key press to next paint: {figures(found['paint'])}")
            print(f"step, longest task (0: none of 50 ms or more): {figures(found['longest'])}")
            print(
                f"step, all main-thread tasks within {opts.settle_ms} ms "
                f"(animation frames and timers too): {figures(found['tasks'])}"
            )
            print(f"step, until the audience page has it: {figures(found['audience'])}")
            alone = time_reveal_alone(audience, opts.steps, settle)
            print(f"reveal.js alone, key press to next paint: {figures(alone['paint'])}")
            print(
                f"reveal.js alone, all main-thread tasks within {opts.settle_ms} ms: "
                f"{figures(alone['tasks'])}"
            )
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.speaker", description="How a huge deck feels in the speaker view."
    )
    parser.add_argument("--slides", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=20, help="Next presses to measure")
    parser.add_argument("--loads", type=int, default=3, help="speaker-view loads to time")
    parser.add_argument("--settle-ms", type=int, default=300, help="wait around each step")
    opts = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"needs Chromium at {CHROMIUM} (make chromium)")
    measure(opts)


if __name__ == "__main__":
    main()
