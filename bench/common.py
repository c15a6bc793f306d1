"""Helpers shared by the benchmark processes: limits, WebSocket frames, /proc readings.

Nothing here imports Tornado; the load generator and the floor server stay light.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import resource
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FD_CAP = 20_000
"""Open files one benchmark process may hold (the limit of the machines we run on)."""

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
STATE_KEYS = ("indexh", "indexv", "indexf", "paused", "overview")
STATE_DEFAULTS: dict[str, Any] = {
    "indexh": 0,
    "indexv": 0,
    "indexf": None,
    "paused": False,
    "overview": False,
}


def raise_nofile(cap: int = FD_CAP) -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit, at most ``cap``.

    Returns the soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = cap if hard == resource.RLIM_INFINITY else min(hard, cap)
    if want > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (best effort).

    A benchmark child then never outlives a controller that was killed.
    """
    with contextlib.suppress(OSError, AttributeError):
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG


def listen_overflows() -> int:
    """``ListenOverflows + ListenDrops`` from ``/proc/net/netstat`` (this network namespace)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0)) + int(table.get("ListenDrops", 0))
    return 0


def dump(value: dict[str, Any]) -> str:
    """Compact JSON, encoded the way the presenter server encodes its frames."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def normalise_state(value: object) -> dict[str, Any]:
    """The five state keys in wire order, defaults filled in (no validation)."""
    given = value if isinstance(value, dict) else {}
    return {key: given.get(key, STATE_DEFAULTS[key]) for key in STATE_KEYS}


def welcome_payload(deck: str, role: str, seq: int, state: dict[str, Any]) -> str:
    """A ``welcome`` frame's text, shaped like the presenter server's."""
    return dump(
        {"type": "welcome", "protocol": 1, "deck": deck, "role": role, "seq": seq, "state": state}
    )


def state_payload(seq: int, state: dict[str, Any]) -> str:
    """A ``state`` frame's text, byte for byte what the presenter server sends."""
    return dump({"type": "state", "seq": seq, "state": state})


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1(key.encode("ascii") + WS_GUID).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_frame(payload: bytes, opcode: int = 0x1, mask: bool = False) -> bytes:
    """One final WebSocket frame.

    With ``mask`` (client to server) the masking key is four zero bytes: a valid
    mask that leaves the payload as it is, so no XOR is needed.
    """
    length = len(payload)
    mask_bit = 0x80 if mask else 0
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, mask_bit | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, mask_bit | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, mask_bit | 127, length)
    if mask:
        head += b"\x00\x00\x00\x00"
    return head + payload


def unmask(payload: bytes, key: bytes) -> bytes:
    """Undo a client's masking (small frames only: presenter messages, pings)."""
    if key == b"\x00\x00\x00\x00":
        return payload
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


# --- /proc readings ---------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc/<pid>/task/*/children``)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in (task / "children").read_text().split())
    return found


def cpu_ns(pid: int) -> int:
    """CPU time of every thread of ``pid`` in nanoseconds (0 once it is gone).

    Reads ``/proc/<pid>/task/*/schedstat`` (nanosecond resolution); falls back
    to utime + stime of ``/proc/<pid>/stat`` (clock ticks, 10 ms steps).
    """
    total = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        for task in tasks:
            total += int((task / "schedstat").read_text().split()[0])
        return total
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return 0


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (``VmRSS``; 0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Reading:
    """CPU and memory of a process tree at one moment."""

    cpu_ns: int
    rss_kib: int
    pids: int


def read_tree(pid: int) -> Reading:
    """CPU (ns) and RSS (KiB) summed over ``pid`` and its descendants."""
    pids = descendants(pid)
    return Reading(sum(cpu_ns(p) for p in pids), sum(rss_kib(p) for p in pids), len(pids))


# --- a tiny HTTP client (no dependency, bounded) -----------------------------


@dataclass
class HttpAnswer:
    """Status, lower-cased headers and body of one HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON, or ``None``."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


async def http_get(host: str, port: int, path: str, timeout: float = 5.0) -> HttpAnswer:
    """``GET path`` over HTTP/1.0 (the server closes after answering).

    Raises:
        OSError, asyncio.TimeoutError: the server is not answering.
    """

    async def fetch() -> bytes:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode())
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    raw = await asyncio.wait_for(fetch(), timeout)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise OSError(f"bad HTTP answer from {host}:{port}{path}: {lines[0]!r}") from None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return HttpAnswer(status, headers, body)
