"""A minimal Server-Sent Events client on a raw asyncio stream (chunked HTTP/1.1)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from tests.wire import SseEvent, split_sse

from .support import TIMEOUT


@dataclass
class SseClient:
    """One open ``GET .../events`` stream: status, headers, then events as they come."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    status: int
    headers: dict[str, str]
    chunked: bool
    _text: str = ""
    _pending: list[SseEvent] = field(default_factory=list)
    ended: bool = False

    @classmethod
    async def open(cls, port: int, path: str, headers: dict[str, str] | None = None) -> SseClient:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        found: dict[str, str] = {}
        for line in header_lines:
            if ":" in line:
                name, _, value = line.partition(":")
                found[name.strip().lower()] = value.strip()
        chunked = found.get("transfer-encoding", "").lower() == "chunked"
        return cls(reader, writer, status, found, chunked)

    async def body(self) -> bytes:
        """The whole body of a response that is not a stream (an error page)."""
        if self.chunked:
            data = b""
            while (chunk := await self._chunk()) is not None:
                data += chunk
            return data
        length = int(self.headers.get("content-length", "0"))
        return await asyncio.wait_for(self.reader.readexactly(length), TIMEOUT)

    async def _chunk(self) -> bytes | None:
        size_line = await self.reader.readline()
        if not size_line:
            return None
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await self.reader.readline()
            return None
        data = await self.reader.readexactly(size)
        await self.reader.readexactly(2)
        return data

    async def _more(self) -> bool:
        if self.chunked:
            data = await self._chunk()
        else:
            data = await self.reader.read(65536) or None
        if data is None:
            self.ended = True
            return False
        self._text += data.decode("utf-8")
        events, self._text = split_sse(self._text)
        self._pending.extend(events)
        return True

    async def event(self, timeout: float = TIMEOUT) -> SseEvent:
        """The next event block (comments and ``retry:`` included)."""

        async def next_one() -> SseEvent:
            while not self._pending:
                if not await self._more():
                    raise EOFError("the event stream ended")
            return self._pending.pop(0)

        return await asyncio.wait_for(next_one(), timeout)

    async def message(self, timeout: float = TIMEOUT) -> tuple[str | None, dict[str, Any]]:
        """The next event with data: its ``id`` and decoded JSON (comments skipped)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no SSE message within {timeout}s")
            event = await self.event(left)
            if event.data is not None:
                value = json.loads(event.data)
                assert isinstance(value, dict), value
                return event.id, value

    async def message_of(
        self, kind: str, timeout: float = TIMEOUT
    ) -> tuple[str | None, dict[str, Any]]:
        """The next message of ``type`` ``kind``, skipping others."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen: list[dict[str, Any]] = []
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                event_id, value = await self.message(max(left, 0.001))
            except TimeoutError:
                raise AssertionError(f"no {kind!r} SSE message in {timeout}s; got {seen}") from None
            if value.get("type") == kind:
                return event_id, value
            seen.append(value)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


@contextlib.asynccontextmanager
async def sse(
    port: int, path: str, headers: dict[str, str] | None = None
) -> AsyncIterator[SseClient]:
    """An open :class:`SseClient`, closed afterwards."""
    client = await SseClient.open(port, path, headers)
    try:
        yield client
    finally:
        await client.close()
