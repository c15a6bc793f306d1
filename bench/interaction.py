"""``python -m bench.interaction``: votes and reactions from N audience sockets.

Starts a real ``presenter serve`` on a temporary deck holding one poll, opens
N audience WebSockets from load-generator processes (:mod:`bench.loadgen`,
each socket a voter of its own: it sends no cookie) and one presenter socket,
and measures, on the same sockets:

1. **Votes.** A few idle slide changes first (the baseline). The presenter
   opens the poll; every audience socket votes once, the votes spread evenly
   over ``--vote-seconds``, and the presenter changes the slide a few times
   meanwhile. Reported: votes acknowledged against sent, errors by code, how
   long after the last vote the presenter's ``poll`` frame has every voter and
   the exact counts, how long until the audience sockets have them, the slide
   changes during the vote against the idle ones, server CPU and RSS.
2. **Reactions.** Every socket taps once a second for ``--react-seconds``
   (spread evenly over each second). Reported: server CPU as a fraction of
   one core, ``reactions`` frames per second at the presenter, and whether
   the taps they add up to are the taps sent.

Figures are printed, never asserted. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import math
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench.common import descendants, dump, raise_nofile, read_tree
from bench.fanout import (
    PER_LOADGEN,
    Connected,
    Delivery,
    LoadGenProcess,
    Presenter,
    ServerProcess,
    cancel_on_sigterm,
    connect_all,
    deck_ws_path,
    free_port,
    gc_delta,
    on_all,
    percentile,
    run_main,
    split,
    stop_all,
)

POLL_ID = "bench-poll"
OPTIONS = ("Red", "Green", "Blue", "Yellow")
EMOJI = "👍"


def progress(message: str) -> None:
    """A progress line on stderr (stdout stays for the report, or the JSON)."""
    print(f"[interaction] {message}", file=sys.stderr, flush=True)


def write_deck(folder: Path, options: int) -> None:
    """A four-slide Markdown deck; the poll is on the last slide.

    The slide changes go to slides 1 and 2 only: the server opens a poll by
    itself when the presenter reaches its slide, and here the presenter opens it.
    """
    folder.mkdir(parents=True)
    lines = "\n".join(f"- {name}" for name in OPTIONS[:options])
    (folder / "slides.md").write_text(
        "---\ntitle: Interaction benchmark\n---\n\n# Interaction benchmark\n\n---\n\n"
        "## One\n\n---\n\n## Two\n\n---\n\n"
        f"## A poll\n\n```poll\nWhich colour?\n{lines}\nid: {POLL_ID}\n```\n",
        encoding="utf-8",
    )


def runqueue_wait_ns(pid: int) -> int:
    """Time ``pid`` and its descendants were runnable but waiting for a CPU (ns).

    The second field of ``/proc/<pid>/task/*/schedstat``: on a shared machine it
    shows how much of a latency is the scheduler's, not the server's.
    """
    total = 0
    for each in descendants(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            for task in Path(f"/proc/{each}/task").iterdir():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += int((task / "schedstat").read_text().split()[1])
    return total


@dataclass
class Sample:
    """The server's and the load generators' CPU at one moment."""

    t_ns: int
    cpu_ns: int
    wait_ns: int
    rss_kib: int
    gens_cpu_ns: int

    def cores(self, later: Sample) -> float:
        """Server CPU between this sample and ``later``, in cores."""
        wall = later.t_ns - self.t_ns
        return (later.cpu_ns - self.cpu_ns) / wall if wall > 0 else 0.0

    def gens_cores(self, later: Sample) -> float:
        wall = later.t_ns - self.t_ns
        return (later.gens_cpu_ns - self.gens_cpu_ns) / wall if wall > 0 else 0.0

    def waited(self, later: Sample) -> float:
        """Time server threads waited for a CPU between the two samples, in cores."""
        wall = later.t_ns - self.t_ns
        return (later.wait_ns - self.wait_ns) / wall if wall > 0 else 0.0


def summed(tallies: list[dict[str, Any]], key: str) -> dict[str, int]:
    """The counts under ``key`` in every load generator's tally, added up."""
    total: Counter[str] = Counter()
    for tally in tallies:
        total.update(tally[key])
    return dict(total)


# --- results ------------------------------------------------------------------


@dataclass
class SlideChange(Delivery):
    """One presenter ``state`` change as the audience saw it."""

    when: str  # "idle" or "vote"


@dataclass
class Phase:
    """What both phases report: the sockets sending, what they sent and how late, the
    errors they got, and the load on the machine."""

    sockets: int = 0
    seconds: float = 0.0
    sent: int = 0
    send_lag_max_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    cpu_cores: float = 0.0
    runqueue_wait_cores: float = 0.0
    loadgen_cpu_cores: float = 0.0
    rss_end_kib: int = 0

    def load(self, first: Sample, last: Sample) -> None:
        """Server CPU, its wait for a CPU and RSS, and the load generators' CPU."""
        self.cpu_cores = first.cores(last)
        self.runqueue_wait_cores = first.waited(last)
        self.loadgen_cpu_cores = first.gens_cores(last)
        self.rss_end_kib = last.rss_kib


@dataclass
class Votes(Phase):
    """The vote phase."""

    sent_per_option: list[int] = field(default_factory=list)
    acknowledged: int = 0
    ack_p50_ms: float = 0.0
    ack_p99_ms: float = 0.0
    ack_max_ms: float = 0.0
    presenter_final_ms: float | None = None
    stored_per_s: float = 0.0
    presenter_voters: int = 0
    presenter_counts: list[int] | None = None
    exact: bool = False
    poll_frames_to_presenter: int = 0
    audience_final_seen: int = 0
    audience_expected: int = 0
    audience_final_p50_ms: float = 0.0
    audience_final_p99_ms: float = 0.0
    audience_final_max_ms: float = 0.0
    audience_counts_seen: dict[str, int] = field(default_factory=dict)
    audience_frames: dict[str, int] = field(default_factory=dict)
    idle_p50_ms: float = 0.0
    idle_p99_ms: float = 0.0
    vote_p50_ms: float = 0.0
    vote_p99_ms: float = 0.0
    p99_vote_over_idle: float | None = None
    changes: list[SlideChange] = field(default_factory=list)
    cpu_ms: float = 0.0
    cpu_per_vote_us: float = 0.0
    gen2_gcs: int | None = None


@dataclass
class Reactions(Phase):
    """The reaction phase."""

    rate_limited: int = 0
    frames: int = 0
    frames_per_s: float = 0.0
    frames_max_in_a_second: int = 0
    counted: int = 0
    exact: bool = False
    counted_after_ms: float | None = None
    counted_per_s: float = 0.0
    cpu_cores_max_second: float = 0.0
    cpu_per_tap_us: float = 0.0


@dataclass
class Report(Connected):
    """Everything one run measured."""

    clients: int = field(kw_only=True)
    load_generators: int = 0
    votes: Votes | None = None
    reactions: Reactions | None = None
    problems: list[str] = field(default_factory=list)


# --- the presenter's frames -------------------------------------------------------


class PresenterLog:
    """Every frame the presenter socket gets, with its arrival time, by type."""

    def __init__(self, presenter: Presenter) -> None:
        self.presenter = presenter
        self.frames: list[tuple[dict[str, Any], int]] = []
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        while True:
            value, now = await self.presenter.frames.get()
            self.frames.append((value, now))
            self.changed.set()

    def of(self, kind: str, since_ns: int = 0) -> list[tuple[dict[str, Any], int]]:
        """The frames of type ``kind`` that arrived at or after ``since_ns``."""
        return [(v, t) for v, t in self.frames if v.get("type") == kind and t >= since_ns]

    async def wait_for(
        self, kind: str, test: Callable[[dict[str, Any]], bool], timeout: float, since_ns: int = 0
    ) -> tuple[dict[str, Any], int] | None:
        """The first frame of ``kind`` (since ``since_ns``) for which ``test`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            for value, t in self.of(kind, since_ns):
                if test(value):
                    return value, t
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# --- the phases -------------------------------------------------------------------


class Bench:
    """One server, its load generators and the presenter socket."""

    def __init__(self, opts: argparse.Namespace, work: Path) -> None:
        self.opts = opts
        self.work = work
        self.secret = secrets.token_urlsafe(18)
        self.port = free_port()
        self.server: ServerProcess | None = None
        self.gens: list[LoadGenProcess] = []
        self.presenter = Presenter()
        self.log = PresenterLog(self.presenter)
        self.path = ""
        self.seq = 0
        self.indexh = 0
        self.reading = 0

    # --- set-up ---

    async def start(self, report: Report) -> None:
        opts = self.opts
        logs = self.work / "logs"
        logs.mkdir()
        deck = self.work / "decks" / "bench"
        write_deck(deck, opts.options)
        argv = [sys.executable, "-m", "bench._serve", "serve", str(deck)]
        argv += ["--port", str(self.port), "--secret", self.secret, "--no-watch", "--no-qr"]
        argv += ["--state-dir", str(self.work / "state")]
        progress(f"starting the server on port {self.port}")
        self.server = await ServerProcess.start(argv, self.port, logs / "server.log")
        self.path = await deck_ws_path(self.port)
        await asyncio.sleep(0.5)
        start = read_tree(self.server.proc.pid)
        report.rss_start_kib = start.rss_kib

        n = opts.clients
        parts = max(1, math.ceil(n / PER_LOADGEN))
        concurrency = max(1, opts.concurrency // parts)
        report.load_generators = parts
        first = 0
        for i, count in enumerate(split(n, parts)):
            self.gens.append(
                await LoadGenProcess.start(
                    self.port, self.path, count, first, 0, concurrency, logs / f"loadgen{i}.log"
                )
            )
            first += count
        progress(f"connecting {n} sockets from {parts} load generator(s)")
        await connect_all(self.gens, 390.0, report)
        progress(f"{report.welcomed}/{n} welcomed in {report.connect_s:.2f} s")
        await asyncio.sleep(1.0)
        idle = read_tree(self.server.proc.pid)
        report.rss_connected_kib = idle.rss_kib
        if report.welcomed:
            report.rss_per_socket_kib = (idle.rss_kib - start.rss_kib) / report.welcomed

        welcome = await self.presenter.open(self.port, self.path, self.secret)
        self.seq = int(welcome["seq"])
        self.indexh = int(welcome["state"].get("indexh", 0))
        self.log.start()
        status = await on_all(self.gens, {"cmd": "status"}, 30.0)
        self.reading = sum(s["reading"] for s in status)

    async def stop(self, report: Report) -> None:
        await self.log.stop()
        await stop_all(self.presenter, self.gens, self.server, report.problems)

    def sample(self) -> Sample:
        """Server CPU, run-queue wait and RSS, and the load generators' CPU, now."""
        assert self.server is not None
        pid = self.server.proc.pid
        reading = read_tree(pid)
        gens = sum(read_tree(g.proc.pid).cpu_ns for g in self.gens)
        return Sample(
            time.monotonic_ns(), reading.cpu_ns, runqueue_wait_ns(pid), reading.rss_kib, gens
        )

    async def spread(self, phase: Phase, texts: list[str], rounds: int, period: float) -> int:
        """Every reading socket sends one of ``texts`` once a ``period``, ``rounds`` times,
        the sends spread evenly over each period (see :mod:`bench.loadgen`).

        Returns the ``monotonic_ns`` the first period starts at, a moment from now.
        """
        start_ns = time.monotonic_ns() + 300_000_000
        spreading = await on_all(
            self.gens,
            {
                "cmd": "spread",
                "texts": texts,
                "rounds": rounds,
                "period": period,
                "total": self.reading,
                "start_ns": start_ns,
            },
            30.0,
        )
        phase.sockets = sum(s["sockets"] for s in spreading)
        return start_ns

    async def spread_wait(self, phase: Phase) -> list[dict[str, Any]]:
        """Wait for the sends of :meth:`spread` (``phase.seconds`` long) to be over; each
        load generator's account of them."""
        done = await on_all(self.gens, {"cmd": "spread_wait", "timeout": phase.seconds + 60}, 120.0)
        phase.sent = sum(sum(d["sent"]) for d in done)
        phase.send_lag_max_ms = max(d["max_lag_ms"] for d in done)
        return done

    # --- slide changes ---

    async def slide_change(self, when: str) -> SlideChange:
        """One state change from the presenter, awaited on every audience socket."""
        target = 1 if self.indexh != 1 else 2
        before = self.sample()
        t0 = await self.presenter.send_state(target)
        expect = self.seq + 1
        replies = await on_all(
            self.gens,
            {"cmd": "await", "seq": expect, "t0": t0, "timeout": self.opts.timeout},
            self.opts.timeout + 30,
        )
        after = self.sample()
        self.seq, self.indexh = expect, target
        change = SlideChange.of(expect, replies, after.cpu_ns - before.cpu_ns, when=when)
        progress(
            f"{when} slide change seq {expect}: p50 {change.p50_ms:.1f} ms, p99"
            f" {change.p99_ms:.1f} ms, {change.received}/{change.expected} received"
        )
        return change

    # --- votes ---

    async def votes(self, report: Report) -> Votes:
        opts = self.opts
        result = Votes(seconds=opts.vote_seconds)
        for _ in range(opts.idle_changes):
            result.changes.append(await self.slide_change("idle"))
            await asyncio.sleep(opts.pause_ms / 1000)

        await on_all(self.gens, {"cmd": "track", "poll_voters": self.reading}, 30.0)
        opened_after = time.monotonic_ns()
        await self.presenter.ws.send(dump({"type": "poll", "poll": POLL_ID, "action": "open"}))
        opened = await self.log.wait_for(
            "poll",
            lambda v: v.get("poll") == POLL_ID and v.get("status") == "open",
            10.0,
            opened_after,
        )
        if opened is None:
            report.problems.append("the presenter never saw the poll open")
            return result
        await asyncio.sleep(0.5)  # let the audience get the open poll

        gen2_before = await self.server_gen2()
        before = self.sample()
        texts = [
            dump({"type": "vote", "poll": POLL_ID, "choices": [k]}) for k in range(opts.options)
        ]
        start_ns = await self.spread(result, texts, 1, opts.vote_seconds)
        progress(f"{result.sockets} sockets vote over {opts.vote_seconds:g} s")
        # Slide changes at even points of the vote, each awaited on every socket.
        for k in range(opts.vote_changes):
            at = start_ns + int((k + 1) / (opts.vote_changes + 1) * opts.vote_seconds * 1e9)
            wait = (at - time.monotonic_ns()) / 1e9
            if wait > 0:
                await asyncio.sleep(wait)
            result.changes.append(await self.slide_change("vote"))
        done = await self.spread_wait(result)
        result.sent_per_option = [sum(d["sent"][k] for d in done) for k in range(opts.options)]
        last_ns = max(d["last_ns"] for d in done)
        first_ns = min(d["first_ns"] for d in done if d["first_ns"]) if result.sent else 0
        progress(f"{result.sent} votes sent; waiting for the final counts")

        expected = result.sent_per_option
        final = await self.log.wait_for(
            "poll",
            lambda v: v.get("poll") == POLL_ID and v.get("voters") == result.sent,
            opts.drain_timeout,
        )
        polls = self.log.of("poll", before.t_ns)
        result.poll_frames_to_presenter = len(polls)
        if final is not None:
            value, t = final
            result.presenter_final_ms = (t - last_ns) / 1e6
            result.stored_per_s = result.sent / ((t - first_ns) / 1e9) if t > first_ns else 0.0
        elif polls:
            value = polls[-1][0]
        else:
            value = {}
        result.presenter_voters = int(value.get("voters") or 0)
        counts = value.get("counts")
        result.presenter_counts = list(counts) if isinstance(counts, list) else None
        result.exact = final is not None and result.presenter_counts == expected
        after = self.sample()
        result.cpu_ms = (after.cpu_ns - before.cpu_ns) / 1e6
        result.cpu_per_vote_us = result.cpu_ms * 1000 / result.sent if result.sent else 0.0
        result.load(before, after)

        seen = await on_all(self.gens, {"cmd": "await_poll", "timeout": opts.timeout}, 60.0)
        result.audience_final_seen = sum(s["seen"] for s in seen)
        result.audience_expected = sum(s["expected"] for s in seen)
        result.gen2_gcs = gc_delta(gen2_before, await self.server_gen2())
        tallies = await on_all(self.gens, {"cmd": "tally"}, 60.0)
        acks = sorted(x for tally in tallies for x in tally["ack_us"])
        result.acknowledged = len(acks)
        result.ack_p50_ms = percentile(acks, 0.50) / 1000
        result.ack_p99_ms = percentile(acks, 0.99) / 1000
        result.ack_max_ms = (acks[-1] if acks else 0) / 1000
        result.errors = summed(tallies, "errors")
        result.audience_frames = summed(tallies, "types")
        result.audience_counts_seen = summed(tallies, "poll_counts")
        seen_at = sorted((x - last_ns) // 1000 for tally in tallies for x in tally["poll_ns"])
        result.audience_final_p50_ms = percentile(seen_at, 0.50) / 1000
        result.audience_final_p99_ms = percentile(seen_at, 0.99) / 1000
        result.audience_final_max_ms = (seen_at[-1] if seen_at else 0) / 1000
        if result.sent != self.reading:
            report.problems.append(f"{result.sent} votes sent by {self.reading} reading sockets")

        idle = [c for c in result.changes if c.when == "idle" and c.received]
        during = [c for c in result.changes if c.when == "vote" and c.received]
        if idle:
            result.idle_p50_ms = statistics.median(c.p50_ms for c in idle)
            result.idle_p99_ms = statistics.median(c.p99_ms for c in idle)
        if during:
            result.vote_p50_ms = statistics.median(c.p50_ms for c in during)
            result.vote_p99_ms = statistics.median(c.p99_ms for c in during)
        if result.idle_p99_ms and result.vote_p99_ms:
            result.p99_vote_over_idle = round(result.vote_p99_ms / result.idle_p99_ms, 2)
        return result

    async def server_gen2(self) -> dict[int, int] | None:
        assert self.server is not None
        return await self.server.gen2(1)

    # --- reactions ---

    async def reactions(self) -> Reactions:
        opts = self.opts
        result = Reactions(seconds=opts.react_seconds)
        await on_all(self.gens, {"cmd": "track", "poll_voters": -1}, 30.0)
        await asyncio.sleep(0.5)  # let the last poll and state frames go by
        text = dump({"type": "react", "emoji": EMOJI})
        start_ns = await self.spread(result, [text], opts.react_seconds, 1.0)
        progress(f"{result.sockets} sockets tap {EMOJI} once a second for {opts.react_seconds} s")
        await asyncio.sleep(max(0.0, (start_ns - time.monotonic_ns()) / 1e9))
        samples = [self.sample()]
        end_ns = start_ns + opts.react_seconds * 1_000_000_000
        while (left := end_ns - time.monotonic_ns()) > 0:
            await asyncio.sleep(min(1.0, left / 1e9))
            samples.append(self.sample())
        done = await self.spread_wait(result)
        last_ns = max(d["last_ns"] for d in done)
        first, last = samples[0], samples[-1]
        result.load(first, last)
        result.cpu_cores_max_second = max(
            (a.cores(b) for a, b in pairwise(samples)),
            default=0.0,
        )
        await asyncio.sleep(0.5)  # the last taps' frame comes within half a second
        tallies = await on_all(self.gens, {"cmd": "tally"}, 60.0)
        result.errors = summed(tallies, "errors")
        result.rate_limited = result.errors.get("rate_limited", 0)
        expected = result.sent - result.rate_limited

        def counted() -> int:
            frames = self.log.of("reactions", start_ns)
            return sum(int(v.get("counts", {}).get(EMOJI, 0)) for v, _ in frames)

        # A server that fell behind goes on counting: wait for it, up to --drain-timeout.
        deadline = time.monotonic() + opts.drain_timeout
        while counted() < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        drained = self.sample()
        frames = self.log.of("reactions", start_ns)
        result.frames = len(frames)
        result.counted = counted()
        result.exact = result.counted == expected
        if result.exact and frames:
            result.counted_after_ms = (frames[-1][1] - last_ns) / 1e6
            first_tap = min(d["first_ns"] for d in done if d["first_ns"])
            span = (frames[-1][1] - first_tap) / 1e9
            result.counted_per_s = result.counted / span if span > 0 else 0.0
        if result.counted:
            result.cpu_per_tap_us = (drained.cpu_ns - first.cpu_ns) / 1000 / result.counted
        if frames:
            first_frame = frames[0][1]
            span = (frames[-1][1] - first_frame) / 1e9
            result.frames_per_s = (len(frames) - 1) / span if span > 0 else 0.0
            per_second = Counter((t - start_ns) // 1_000_000_000 for _, t in frames)
            result.frames_max_in_a_second = max(per_second.values())
        return result


# --- report ------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f} ms"


def render(report: Report, opts: argparse.Namespace) -> str:
    """The human-readable report."""
    lines = [
        f"connect: {report.welcomed}/{report.clients} welcomed in {report.connect_s:.2f} s"
        f" = {report.handshakes_per_s:,.0f} handshakes/s"
        + (f"; {report.failed} failed {report.connect_errors}" if report.failed else "")
        + (
            f"; {report.listen_overflows} listen-queue overflows" if report.listen_overflows else ""
        ),
        f"memory: RSS {report.rss_start_kib / 1024:.1f} -> {report.rss_connected_kib / 1024:.1f}"
        f" MiB = {report.rss_per_socket_kib:.1f} KiB per idle socket",
    ]
    v = report.votes
    if v is not None:
        per_option = ", ".join(
            f"{name} {n}" for name, n in zip(OPTIONS, v.sent_per_option, strict=False)
        )
        lines += [
            "",
            f"== votes: {v.sockets} sockets, one vote each over {v.seconds:g} s ==",
            f"sent: {v.sent} ({per_option}); the load generators sent at most"
            f" {v.send_lag_max_ms:.1f} ms behind schedule",
            f"acknowledged (voted): {v.acknowledged}/{v.sent}; send -> voted p50"
            f" {v.ack_p50_ms:.1f} ms, p99 {v.ack_p99_ms:.1f} ms, max {v.ack_max_ms:.1f} ms",
            f"errors by code: {v.errors or 'none'}",
            f"presenter: poll frame with voters == {v.sent}"
            f" {_ms(v.presenter_final_ms)} after the last vote was sent"
            f" ({v.poll_frames_to_presenter} poll frames during the vote); votes stored"
            f" {v.stored_per_s:,.0f}/s from the first vote to that frame"
            f" (sent {v.sent / v.seconds if v.seconds else 0:,.0f}/s)",
            f"exactness: {'OK' if v.exact else 'MISMATCH'}: counts {v.presenter_counts},"
            f" voters {v.presenter_voters}; sent {v.sent_per_option}, {v.sent} voters",
            f"audience: {v.audience_final_seen}/{v.audience_expected} sockets saw the final"
            f" counts; after the last vote: p50 {v.audience_final_p50_ms:.1f} ms, p99"
            f" {v.audience_final_p99_ms:.1f} ms, max {v.audience_final_max_ms:.1f} ms;"
            f" counts they saw {v.audience_counts_seen}",
            f"audience frames during the vote: {v.audience_frames}",
            f"{'slide change':>12} {'seq':>5} {'first ms':>8} {'p50 ms':>8} {'p99 ms':>8}"
            f" {'max ms':>8}"
            f" {'received':>13} {'cpu ms':>8}",
        ]
        for c in v.changes:
            lines.append(
                f"{c.when:>12} {c.seq:>5} {c.first_ms:>8.1f} {c.p50_ms:>8.1f} {c.p99_ms:>8.1f}"
                f" {c.max_ms:>8.1f}"
                f" {f'{c.received}/{c.expected}':>13} {c.cpu_ms:>8.1f}"
            )
        ratio = "n/a" if v.p99_vote_over_idle is None else f"{v.p99_vote_over_idle:.2f}"
        lines += [
            f"slide change, medians: idle p50 {v.idle_p50_ms:.1f} ms p99 {v.idle_p99_ms:.1f} ms;"
            f" during the vote p50 {v.vote_p50_ms:.1f} ms p99 {v.vote_p99_ms:.1f} ms;"
            f" p99 vote/idle = {ratio} (target <= 2)",
            f"server: {v.cpu_ms:,.0f} ms CPU from the first vote to the final counts"
            f" = {v.cpu_cores:.2f} of a core, {v.cpu_per_vote_us:.0f} us per vote; it waited"
            f" {v.runqueue_wait_cores:.2f} of a core's time for a CPU"
            f" (load generators {v.loadgen_cpu_cores:.2f});"
            f" full GCs {'n/a' if v.gen2_gcs is None else v.gen2_gcs};"
            f" RSS {v.rss_end_kib / 1024:.1f} MiB after",
        ]
    r = report.reactions
    if r is not None:
        lines += [
            "",
            f"== reactions: {r.sockets} sockets, one {EMOJI} a second each for {r.seconds} s ==",
            f"sent: {r.sent} taps ({r.sent / r.seconds if r.seconds else 0:,.0f}/s); the load"
            f" generators sent at most {r.send_lag_max_ms:.1f} ms behind schedule;"
            f" errors by code: {r.errors or 'none'}",
            f"server CPU: {r.cpu_cores:.2f} of a core over the window, worst second"
            f" {r.cpu_cores_max_second:.2f} (target < 1); {r.cpu_per_tap_us:.0f} us per tap"
            f" counted; waited {r.runqueue_wait_cores:.2f} of a core's time for a CPU;"
            f" load generators {r.loadgen_cpu_cores:.2f}; RSS {r.rss_end_kib / 1024:.1f} MiB",
            f"presenter: {r.frames} reactions frames = {r.frames_per_s:.2f}/s, at most"
            f" {r.frames_max_in_a_second} in one second (target <= 4/s)",
            f"taps counted: {r.counted} of {r.sent} sent - {r.rate_limited} rate_limited:"
            f" {'OK' if r.exact else 'MISMATCH'}"
            + (
                f", the last of them {r.counted_after_ms:,.0f} ms after the last tap"
                f" ({r.counted_per_s:,.0f} taps/s counted from the first tap)"
                if r.counted_after_ms is not None
                else f" (still short {opts.drain_timeout:g} s after the last tap)"
            ),
        ]
    lines.extend(f"problem: {p}" for p in report.problems)
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------


async def amain(opts: argparse.Namespace) -> dict[str, Any]:
    cancel_on_sigterm()
    load = round(os.getloadavg()[0], 2)
    report = Report(clients=opts.clients)
    if not opts.json:
        print(
            f"bench.interaction: {opts.clients} sockets; votes over {opts.vote_seconds:g} s,"
            f" reactions for {opts.react_seconds} s; load average {load:.2f} before starting;"
            f" {os.cpu_count()} CPUs shared by the server, the load generator(s) and this"
            " controller\n",
            flush=True,
        )
    with tempfile.TemporaryDirectory(prefix="bench-interaction-") as tmp:
        bench = Bench(opts, Path(tmp))
        try:
            await bench.start(report)
            if not opts.skip_votes:
                report.votes = await bench.votes(report)
            if not opts.skip_reactions:
                report.reactions = await bench.reactions()
            report.problems.extend(bench.presenter.errors)
        except Exception as exc:
            report.problems.append(f"{type(exc).__name__}: {exc}")
            progress(f"failed: {type(exc).__name__}: {exc}")
        finally:
            await bench.stop(report)
            if opts.keep_logs is not None:
                shutil.copytree(Path(tmp) / "logs", opts.keep_logs, dirs_exist_ok=True)
    if not opts.json:
        print(render(report, opts), flush=True)
    return {
        "machine": {"cpus": os.cpu_count(), "nofile": raise_nofile(), "loadavg_before": load},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(opts).items()},
        **dataclasses.asdict(report),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.interaction",
        description="Measure votes and reactions from N audience sockets.",
    )
    parser.add_argument("--clients", type=int, default=10_000, help="audience sockets (N)")
    parser.add_argument(
        "--vote-seconds", type=float, default=5.0, help="the votes are spread over this long"
    )
    parser.add_argument("--options", type=int, default=4, help="poll options (2-4)")
    parser.add_argument(
        "--idle-changes", type=int, default=5, help="slide changes before the vote (the baseline)"
    )
    parser.add_argument(
        "--vote-changes", type=int, default=3, help="slide changes spread over the vote"
    )
    parser.add_argument(
        "--react-seconds", type=int, default=10, help="seconds every socket taps once a second"
    )
    parser.add_argument("--skip-votes", action="store_true", help="measure reactions only")
    parser.add_argument("--skip-reactions", action="store_true", help="measure votes only")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds a frame may take to arrive"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=30.0,
        help="seconds after the last vote or tap to wait for the server to count them all",
    )
    parser.add_argument(
        "--pause-ms", type=float, default=150.0, help="pause between idle slide changes (ms)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=100, help="handshakes in flight while connecting"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--keep-logs", type=Path, default=None, help="copy the server and load generator logs here"
    )
    opts = parser.parse_args(argv)
    if opts.clients < 1:
        parser.error("--clients must be at least 1")
    if not 2 <= opts.options <= len(OPTIONS):
        parser.error(f"--options must be between 2 and {len(OPTIONS)}")
    if opts.vote_seconds <= 0 or opts.react_seconds < 1:
        parser.error("--vote-seconds must be above 0 and --react-seconds at least 1")
    return opts


def main(argv: list[str] | None = None) -> None:
    stopped = "the server and the load generators were stopped"
    run_main(amain, parse(argv), progress, stopped, ensure_ascii=False)


if __name__ == "__main__":
    main()
