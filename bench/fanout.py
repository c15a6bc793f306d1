"""``python -m bench.fanout --clients N``: how fast a state change reaches N audience sockets.

Starts a real ``presenter serve`` on a copy of a sample deck, opens N audience
WebSockets from separate load-generator processes (:mod:`bench.loadgen`),
authenticates one presenter, sends K state changes and reports, per change,
the delivery latency (presenter's send to each socket's receipt), how many
sockets got it, the server CPU time it cost and the full GC collections
during it; plus RSS per idle socket and handshakes per second while
connecting. The same is measured, in the same run, on two reference servers
(:mod:`bench.reference_servers`): the *floor* (a bare send loop) and the
*naive* Tornado fan-out, so the ratios hold on a noisy machine.

Figures are printed, never asserted. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from bench.common import FD_CAP, dump, http_get, listen_overflows, raise_nofile, read_tree

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DECK = REPO / "slides" / "tour"
HOST = "127.0.0.1"
PER_LOADGEN = 19_000
"""Most sockets one load generator holds (each process may open 20,000 files)."""


def progress(message: str) -> None:
    """A progress line on stderr (stdout stays for the report, or the JSON)."""
    print(f"[fanout] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def percentile(ordered: Sequence[int], q: float) -> int:
    """Nearest-rank percentile of an ascending sequence (0 when it is empty)."""
    if not ordered:
        return 0
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# --- results ------------------------------------------------------------------


@dataclass
class Delivery:
    """One state change as the audience saw it."""

    seq: int
    expected: int
    received: int
    first_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms: float

    @classmethod
    def of(cls, seq: int, replies: list[dict[str, Any]], cpu_ns: int, **more: Any) -> Self:
        """From the load generators' replies to ``await`` and the server CPU it cost."""
        lat = sorted(x for r in replies for x in r["lat_us"])
        return cls(
            seq=seq,
            expected=sum(r["expected"] for r in replies),
            received=len(lat),
            first_ms=(lat[0] if lat else 0) / 1000,
            p50_ms=percentile(lat, 0.50) / 1000,
            p99_ms=percentile(lat, 0.99) / 1000,
            max_ms=(lat[-1] if lat else 0) / 1000,
            cpu_ms=cpu_ns / 1e6,
            **more,
        )


@dataclass
class Broadcast(Delivery):
    """One state change as the audience saw it, with the server's GCs and memory."""

    gen2_gcs: int | None
    rss_kib: int


@dataclass
class Connected:
    """How connecting the audience sockets went (see :func:`connect_all`), and the
    server's memory before and after."""

    welcomed: int = 0
    failed: int = 0
    connect_errors: dict[str, int] = field(default_factory=dict)
    connect_s: float = 0.0
    handshakes_per_s: float = 0.0
    listen_overflows: int = 0
    rss_start_kib: int = 0
    rss_connected_kib: int = 0
    rss_per_socket_kib: float = 0.0


@dataclass
class RunOf:
    """Which server a :class:`Run` measured, with how many sockets (its first fields)."""

    name: str
    label: str
    clients: int
    stalled: int


@dataclass
class Run(Connected, RunOf):
    """Everything measured on one server."""

    server_processes: int = 0
    load_generators: int = 0
    payload_bytes: int = 0
    broadcasts: list[Broadcast] = field(default_factory=list)
    p99_median_ms: float = 0.0
    p50_median_ms: float = 0.0
    first_median_ms: float = 0.0
    p99_worst_over_median: float = 0.0
    cpu_median_ms: float = 0.0
    rss_end_kib: int = 0
    open_at_end: int = 0
    stalled_open_at_end: int | None = None
    stalled_frames_drained: int | None = None
    problems: list[str] = field(default_factory=list)

    def summarise(self) -> None:
        """Fill the summary fields from the broadcasts."""
        done = [b for b in self.broadcasts if b.received]
        if not done:
            return
        self.p99_median_ms = statistics.median(b.p99_ms for b in done)
        self.p50_median_ms = statistics.median(b.p50_ms for b in done)
        self.first_median_ms = statistics.median(b.first_ms for b in done)
        self.cpu_median_ms = statistics.median(b.cpu_ms for b in done)
        worst = max(b.p99_ms for b in done)
        self.p99_worst_over_median = worst / self.p99_median_ms if self.p99_median_ms else 0.0


# --- load generators ---------------------------------------------------------


class LoadGenProcess:
    """One ``python -m bench.loadgen`` child, talked to in JSON lines."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path) -> None:
        self.proc = proc
        self.log = log

    @classmethod
    async def start(
        cls, port: int, path: str, count: int, first: int, stalled: int, concurrency: int, log: Path
    ) -> LoadGenProcess:
        argv = [
            sys.executable,
            "-m",
            "bench.loadgen",
            "--port",
            str(port),
            "--path",
            path,
            "--count",
            str(count),
            "--first-index",
            str(first),
            "--stalled",
            str(stalled),
            "--concurrency",
            str(concurrency),
        ]
        with log.open("ab") as err:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                cwd=REPO,
                limit=1 << 26,
            )
        gen = cls(proc, log)
        await gen.reply(30.0)
        return gen

    async def reply(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"load generator {self.proc.pid} ended:\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def request(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()
        return await self.reply(timeout)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(OSError, ConnectionError, RuntimeError):
                assert self.proc.stdin is not None
                self.proc.stdin.write(b'{"cmd": "quit"}\n')
                self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()


async def on_all(
    gens: list[LoadGenProcess], command: dict[str, Any], timeout: float
) -> list[dict[str, Any]]:
    """Send ``command`` to every load generator; their answers in order."""
    return list(await asyncio.gather(*(g.request(command, timeout) for g in gens)))


async def connect_all(gens: list[LoadGenProcess], timeout: float, into: Connected) -> None:
    """Connect every load generator's sockets; how that went goes into ``into``."""
    overflows = listen_overflows()
    connected = await on_all(gens, {"cmd": "connect"}, timeout)
    into.listen_overflows = listen_overflows() - overflows
    into.welcomed = sum(c["welcomed"] for c in connected)
    into.failed = sum(c["failed"] for c in connected)
    errors: Counter[str] = Counter()
    for c in connected:
        errors.update(c["errors"])
    into.connect_errors = dict(errors.most_common(5))
    span_ns = max(c["end_ns"] for c in connected) - min(c["start_ns"] for c in connected)
    into.connect_s = span_ns / 1e9
    into.handshakes_per_s = into.welcomed / into.connect_s if span_ns > 0 else 0.0


# --- servers ------------------------------------------------------------------


@dataclass
class ServerSpec:
    """How to start one server and where it listens."""

    name: str
    label: str
    argv: list[str]
    port: int
    stalled: int
    processes: int = 1


class ServerProcess:
    """A server child in its own process group (workers included), logging to a file."""

    def __init__(self, proc: asyncio.subprocess.Process, log: Path, port: int) -> None:
        self.proc = proc
        self.log = log
        self.port = port

    @classmethod
    async def start(cls, argv: list[str], port: int, log: Path) -> ServerProcess:
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                cwd=REPO,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        server = cls(proc, log, port)
        await server.wait_healthy(30.0)
        return server

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    async def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.returncode is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                if (await http_get(HOST, self.port, "/healthz", 2.0)).status == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy after {timeout:.0f} s:\n{self.tail()}")
            await asyncio.sleep(0.1)

    async def gen2(self, processes: int) -> dict[int, int] | None:
        """Full (generation 2) GC collections per server pid, when ``/healthz`` reports them.

        With several workers each request reaches one of them, so ``/healthz``
        is asked until ``processes`` distinct pids answered (or 6 tries each).
        """
        found: dict[int, int] = {}
        for _ in range(6 * processes):
            with contextlib.suppress(OSError, asyncio.TimeoutError):
                body = (await http_get(HOST, self.port, "/healthz", 5.0)).json()
                if not isinstance(body, dict):
                    return None
                gc_info = body.get("gc")
                counts = gc_info.get("collections") if isinstance(gc_info, dict) else None
                if not isinstance(counts, list) or len(counts) < 3:
                    return None
                found[int(body.get("pid", 0))] = int(counts[2])
            if len(found) >= processes:
                break
        return found or None

    def alive(self) -> bool:
        return self.proc.returncode is None

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10.0)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
        # Workers left behind by a main process that died first.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log_problems(self) -> list[str]:
        """Error lines and tracebacks from the server's log (first few)."""
        found: list[str] = []
        for line in self.log.read_text(errors="replace").splitlines():
            lowered = line.lower()
            if "traceback" in lowered or " error" in lowered or "exception" in lowered:
                found.append(line.strip()[:200])
        counts = Counter(found)
        return [f"{n}x {text}" if n > 1 else text for text, n in counts.most_common(8)]


async def deck_ws_path(port: int) -> str:
    """The live socket path of the one deck the server serves (from the ``/`` redirect)."""
    answer = await http_get(HOST, port, "/", 5.0)
    location = answer.headers.get("location", "")
    if answer.status in (301, 302, 303, 307, 308) and location.startswith("/decks/"):
        return location.rstrip("/") + "/ws"
    raise RuntimeError(f"cannot find the deck: GET / answered {answer.status} {location!r}")


def gc_delta(before: dict[int, int] | None, after: dict[int, int] | None) -> int | None:
    """Collections between two readings, summed over the pids seen in both."""
    if before is None or after is None:
        return None
    common = before.keys() & after.keys()
    return sum(after[pid] - before[pid] for pid in common) if common else None


# --- presenter -----------------------------------------------------------------


class Presenter:
    """The one presenter socket (the ``websockets`` library is fine for one)."""

    def __init__(self) -> None:
        self.ws: Any = None
        self.frames: asyncio.Queue[tuple[dict[str, Any], int]] = asyncio.Queue()
        self.errors: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    async def open(self, port: int, path: str, secret: str) -> dict[str, Any]:
        """Connect and authenticate; the presenter ``welcome``."""
        from websockets.asyncio.client import connect

        self.ws = await connect(
            f"ws://{HOST}:{port}{path}",
            compression=None,
            ping_interval=None,
            max_size=None,
            proxy=None,
            open_timeout=20,
        )
        self._reader = asyncio.create_task(self._read())
        await self.next_of("welcome", 20.0)
        await self.ws.send(dump({"type": "auth", "token": secret}))
        while True:
            welcome = await self.next_of("welcome", 20.0)
            if welcome.get("role") == "presenter":
                return welcome

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for message in self.ws:
                now = time.monotonic_ns()
                value = json.loads(message)
                if isinstance(value, dict):
                    if value.get("type") == "error":
                        self.errors.append(f"{value.get('code')}: {value.get('message')}")
                    value["_bytes"] = len(message.encode() if isinstance(message, str) else message)
                    await self.frames.put((value, now))

    async def next_of(self, kind: str, timeout: float) -> dict[str, Any]:
        """The next frame of type ``kind`` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind} frame within {timeout} s")
            value, _ = await asyncio.wait_for(self.frames.get(), left)
            if value.get("type") == kind:
                return value

    async def send_state(self, indexh: int) -> int:
        """Send a state change; ``monotonic_ns`` just before it left."""
        text = dump({"type": "state", "state": {"indexh": indexh}})
        t0 = time.monotonic_ns()
        await self.ws.send(text)
        return t0

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5.0)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader


async def stop_all(
    presenter: Presenter,
    gens: list[LoadGenProcess],
    server: ServerProcess | None,
    problems: list[str],
) -> None:
    """Close the presenter socket, stop the load generators, then the server.

    A server that exited early, and the errors in its log, go into ``problems``.
    """
    await presenter.close()
    await asyncio.gather(*(g.stop() for g in gens), return_exceptions=True)
    if server is not None:
        if not server.alive():
            problems.append(f"server exited with {server.proc.returncode}")
        await server.stop()
        problems.extend(f"server log: {line}" for line in server.log_problems())


# --- one server's measurement ------------------------------------------------------


def split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal counts."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def measure(spec: ServerSpec, opts: argparse.Namespace, secret: str, work: Path) -> Run:
    """Start ``spec``'s server, connect, broadcast, and stop everything again."""
    n = opts.clients
    run = Run(spec.name, spec.label, n, spec.stalled)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    server: ServerProcess | None = None
    gens: list[LoadGenProcess] = []
    presenter = Presenter()
    progress(f"{spec.label}: starting server on port {spec.port}")
    try:
        server = await ServerProcess.start(spec.argv, spec.port, logs / f"{spec.name}-server.log")
        path = await deck_ws_path(spec.port) if spec.name.startswith("ours") else "/decks/tour/ws"
        await asyncio.sleep(0.5)
        start = read_tree(server.proc.pid)
        run.rss_start_kib = start.rss_kib

        parts = max(1, math.ceil(n / opts.per_loadgen))
        counts = split(n, parts)
        stalls = split(spec.stalled, parts)
        concurrency = max(1, (opts.concurrency or 100 * spec.processes) // parts)
        run.load_generators = parts
        first = 0
        for i, (count, stalled) in enumerate(zip(counts, stalls, strict=True)):
            gens.append(
                await LoadGenProcess.start(
                    spec.port,
                    path,
                    count,
                    first,
                    stalled,
                    concurrency,
                    logs / f"{spec.name}-loadgen{i}.log",
                )
            )
            first += count
        progress(f"{spec.label}: connecting {n} sockets from {parts} load generator(s)")
        await connect_all(gens, opts.connect_deadline + 90, run)
        progress(
            f"{spec.label}: {run.welcomed}/{n} welcomed in {run.connect_s:.2f} s"
            + (f" ({run.failed} failed: {run.connect_errors})" if run.failed else "")
        )
        await asyncio.sleep(1.0)  # let presence timers and allocations settle
        idle = read_tree(server.proc.pid)
        run.server_processes = idle.pids
        run.rss_connected_kib = idle.rss_kib
        if run.welcomed:
            run.rss_per_socket_kib = (idle.rss_kib - start.rss_kib) / run.welcomed

        # With --workers the first process only forks and waits; the others serve.
        serving = max(1, idle.pids - 1) if idle.pids > 1 else 1
        welcome = await presenter.open(spec.port, path, secret)
        seq = int(welcome["seq"])
        current = int(welcome["state"].get("indexh", 0))
        for k in range(opts.broadcasts):
            target = 1 if current != 1 else 2
            gen2_before = await server.gen2(serving)
            before = read_tree(server.proc.pid)
            t0 = await presenter.send_state(target)
            expect = seq + 1
            replies = await on_all(
                gens,
                {"cmd": "await", "seq": expect, "t0": t0, "timeout": opts.timeout},
                opts.timeout + 30,
            )
            after = read_tree(server.proc.pid)
            gen2_after = await server.gen2(serving)
            try:
                echo = await presenter.next_of("state", 5.0)
                run.payload_bytes = int(echo["_bytes"])
                if int(echo["seq"]) != expect:
                    run.problems.append(f"broadcast {k + 1}: seq {echo['seq']}, expected {expect}")
                    expect = int(echo["seq"])
            except TimeoutError:
                run.problems.append(f"broadcast {k + 1}: the presenter got no state frame")
            row = Broadcast.of(
                expect,
                replies,
                after.cpu_ns - before.cpu_ns,
                gen2_gcs=gc_delta(gen2_before, gen2_after),
                rss_kib=after.rss_kib,
            )
            run.broadcasts.append(row)
            progress(
                f"{spec.label}: #{k + 1} seq {row.seq}: p99 {row.p99_ms:.1f} ms, "
                f"{row.received}/{row.expected} received"
            )
            seq, current = expect, target
            if not server.alive():
                run.problems.append(f"server exited with {server.proc.returncode}")
                break
            await asyncio.sleep(opts.pause_ms / 1000)
        run.problems.extend(presenter.errors)

        if spec.stalled:
            drained = await on_all(gens, {"cmd": "drain", "timeout": 3.0}, 40.0)
            run.stalled_open_at_end = sum(d["stalled_open"] for d in drained)
            run.stalled_frames_drained = sum(d["frames"] for d in drained)
        status = await on_all(gens, {"cmd": "status"}, 30.0)
        run.open_at_end = sum(s["open"] for s in status)
        run.rss_end_kib = read_tree(server.proc.pid).rss_kib
    except Exception as exc:
        run.problems.append(f"{type(exc).__name__}: {exc}")
        progress(f"{spec.label}: failed: {type(exc).__name__}: {exc}")
    finally:
        await stop_all(presenter, gens, server, run.problems)
    run.summarise()
    return run


# --- report ------------------------------------------------------------------------


def _fmt_gc(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def render(run: Run) -> str:
    """The human-readable table of one run."""
    lines = [
        f"== {run.label}: {run.clients} sockets"
        + (f", {run.stalled} stalled (excluded from latency)" if run.stalled else "")
        + f", state frame {run.payload_bytes} B ==",
        f"connect: {run.welcomed}/{run.clients} welcomed in {run.connect_s:.2f} s"
        f" = {run.handshakes_per_s:,.0f} handshakes/s"
        + (f"; {run.failed} failed {run.connect_errors}" if run.failed else "")
        + (
            f"; {run.listen_overflows} listen-queue overflows (each costs a 1 s retransmit)"
            if run.listen_overflows
            else ""
        ),
        f"memory: RSS {run.rss_start_kib / 1024:.1f} -> {run.rss_connected_kib / 1024:.1f} MiB"
        f" summed over {run.server_processes} process(es) = {run.rss_per_socket_kib:.1f} KiB"
        f" per idle socket; {run.rss_end_kib / 1024:.1f} MiB at the end",
        f"{'#':>3} {'seq':>5} {'first ms':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'received':>13} {'cpu ms':>8} {'gen2':>5} {'RSS MiB':>8}",
    ]
    for i, b in enumerate(run.broadcasts, 1):
        lines.append(
            f"{i:>3} {b.seq:>5} {b.first_ms:>8.1f} {b.p50_ms:>8.1f} {b.p99_ms:>8.1f}"
            f" {b.max_ms:>8.1f} "
            f"{f'{b.received}/{b.expected}':>13} {b.cpu_ms:>8.1f} {_fmt_gc(b.gen2_gcs):>5} "
            f"{b.rss_kib / 1024:>8.1f}"
        )
    lines.append(
        f"summary: medians: first {run.first_median_ms:.1f} ms, p50 {run.p50_median_ms:.1f} ms,"
        f" p99 {run.p99_median_ms:.1f} ms,"
        f" worst/median p99 {run.p99_worst_over_median:.2f}, median cpu {run.cpu_median_ms:.1f} ms"
    )
    lines.append(f"open at the end: {run.open_at_end}/{run.welcomed}")
    if run.stalled:
        lines.append(
            f"stalled: once they read again, {run.stalled_frames_drained} state frames reached"
            f" them (of {run.stalled * len(run.broadcasts)} sent) and {run.stalled_open_at_end}"
            f" of {run.stalled} were still open"
        )
    lines.extend(f"problem: {p}" for p in run.problems)
    return "\n".join(lines)


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if a and b else None


def summary(runs: dict[str, Run], n: int) -> tuple[str, dict[str, float | None]]:
    """The one line of ratios, and the same figures for the JSON."""
    ours = runs.get("ours")
    figures: dict[str, float | None] = {}
    parts: list[str] = []
    if ours is not None:
        for ref in ("floor", "naive"):
            if ref in runs:
                value = ratio(ours.p99_median_ms, runs[ref].p99_median_ms)
                figures[f"p99_ours_over_{ref}"] = value
                parts.append(f"ours/{ref} = {'n/a' if value is None else f'{value:.2f}'}")
        if "ours-unstalled" in runs:
            value = ratio(ours.p99_median_ms, runs["ours-unstalled"].p99_median_ms)
            figures["p99_stalled_over_unstalled"] = value
            parts.append(
                f"ours {ours.stalled} stalled/none stalled = "
                f"{'n/a' if value is None else f'{value:.2f}'}"
            )
    line = f"ratios @N={n}: p99 " + (", ".join(parts) if parts else "n/a (no reference run)")
    return line, figures


# --- main ------------------------------------------------------------------------------


def cancel_on_sigterm() -> None:
    """SIGTERM stops the running task like Ctrl+C: the finally blocks stop every child."""
    main_task = asyncio.current_task()
    if main_task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)


def server_specs(opts: argparse.Namespace, secret: str, work: Path) -> list[ServerSpec]:
    deck_src: Path = opts.deck.resolve()
    stalled = round(opts.clients * opts.slow / 100)
    specs: list[ServerSpec] = []
    names = [("ours", "presenter (ours)", stalled)]
    if stalled:
        names.append(("ours-unstalled", "presenter (ours), none stalled", 0))
    for name, label, stall in names:
        deck = work / name / "decks" / deck_src.name
        shutil.copytree(deck_src, deck, ignore=shutil.ignore_patterns(".presenter"))
        port = free_port()
        argv = [sys.executable, "-m", "bench._serve", "serve", str(deck), "--port", str(port)]
        argv += ["--secret", secret, "--no-watch", "--no-qr"]
        argv += ["--state-dir", str(work / name / "state")]
        if opts.workers is not None:
            argv += ["--workers", str(opts.workers)]
        if opts.broker is not None:
            argv += ["--broker", opts.broker]
        specs.append(ServerSpec(name, label, argv, port, stall, opts.workers or 1))
    if not opts.skip_references:
        for kind, label in (("floor", "floor (bare send loop)"), ("naive", "naive (Tornado)")):
            port = free_port()
            argv = [sys.executable, "-m", "bench.reference_servers", kind, "--port", str(port)]
            specs.append(ServerSpec(kind, label, argv, port, stalled))
    return specs


async def amain(opts: argparse.Namespace) -> dict[str, Any]:
    cancel_on_sigterm()
    secret = secrets.token_urlsafe(18)
    load = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        work = Path(tmp)
        runs: dict[str, Run] = {}
        specs = server_specs(opts, secret, work)
        if not opts.json:
            extra = f", --workers {opts.workers}" if opts.workers else ""
            extra += f", --broker {opts.broker}" if opts.broker else ""
            print(
                f"bench.fanout: {opts.clients} sockets, {opts.broadcasts} broadcasts"
                f", {opts.slow:g}% stalled{extra}; load average {load:.2f} before"
                f" starting; {os.cpu_count()} CPUs shared by the server,"
                f" {math.ceil(opts.clients / opts.per_loadgen)} load generator(s) and this"
                f" controller; servers: {', '.join(s.name for s in specs)}\n",
                flush=True,
            )
        for spec in specs:
            runs[spec.name] = await measure(spec, opts, secret, work)
            if not opts.json:
                print(render(runs[spec.name]) + "\n", flush=True)
    line, figures = summary(runs, opts.clients)
    if not opts.json:
        print(line, flush=True)
    return {
        "clients": opts.clients,
        "broadcasts": opts.broadcasts,
        "slow_pct": opts.slow,
        "workers": opts.workers,
        "broker": opts.broker,
        "machine": {"cpus": os.cpu_count(), "nofile": raise_nofile(), "loadavg_before": load},
        "runs": {name: dataclasses.asdict(run) for name, run in runs.items()},
        "ratios": figures,
        "summary": line,
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout",
        description="Measure how fast a state change reaches N audience sockets.",
    )
    parser.add_argument("--clients", type=int, required=True, help="audience sockets (N)")
    parser.add_argument("--broadcasts", type=int, default=20, help="state changes (K)")
    parser.add_argument(
        "--slow", type=float, default=0.0, help="percent of sockets that stall (never read)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--skip-references", action="store_true", help="measure only the presenter server"
    )
    parser.add_argument("--deck", type=Path, default=DEFAULT_DECK, help="deck folder to serve")
    parser.add_argument("--workers", type=int, default=None, help="passed to presenter serve")
    parser.add_argument("--broker", default=None, help="passed to presenter serve")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds a broadcast may take to arrive"
    )
    parser.add_argument(
        "--pause-ms", type=float, default=150.0, help="pause between broadcasts (ms)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="handshakes in flight while connecting, over all load generators (default 100 per"
        " server process: below each listen backlog of 128, so no SYN is dropped and retried"
        " a second later)",
    )
    parser.add_argument(
        "--per-loadgen", type=int, default=PER_LOADGEN, help="most sockets per load generator"
    )
    parser.add_argument(
        "--connect-deadline", type=float, default=300.0, help="seconds the connect phase may take"
    )
    opts = parser.parse_args(argv)
    if opts.clients < 1 or opts.broadcasts < 1:
        parser.error("--clients and --broadcasts must be at least 1")
    if not 0 <= opts.slow < 100:
        parser.error("--slow is a percentage below 100")
    if not 1 <= opts.per_loadgen <= FD_CAP - 500:
        parser.error(f"--per-loadgen must be between 1 and {FD_CAP - 500}")
    if not (opts.deck / "slides.md").is_file() and not (opts.deck / "index.html").is_file():
        parser.error(f"{opts.deck} is not a deck folder (no slides.md or index.html)")
    processes = opts.workers or 1
    if opts.clients > processes * (FD_CAP - 500):
        progress(
            f"warning: {opts.clients} sockets over {processes} server process(es) exceeds the"
            f" {FD_CAP} open-files cap per process; expect failed handshakes"
        )
    return opts


def run_main(
    amain: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]],
    opts: argparse.Namespace,
    say: Callable[[str], None],
    stopped: str,
    ensure_ascii: bool = True,
) -> None:
    """Run ``amain(opts)`` with more open files allowed; with ``--json``, print its report.

    Interrupted, ``say`` what was ``stopped`` and exit with 130.
    """
    raise_nofile()
    try:
        report = asyncio.run(amain(opts))
    except (KeyboardInterrupt, asyncio.CancelledError):
        say(f"interrupted; {stopped}")
        sys.exit(130)
    if opts.json:
        print(json.dumps(report, indent=1, ensure_ascii=ensure_ascii))


def main(argv: list[str] | None = None) -> None:
    run_main(amain, parse(argv), progress, "every server and load generator was stopped")


if __name__ == "__main__":
    main()
