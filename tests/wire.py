"""Decoders for what the server writes: WebSocket frames (RFC 6455) and SSE events."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WsFrame:
    fin: bool
    opcode: int
    masked: bool
    payload: bytes
    header_length: int  # bytes before the payload


def parse_ws_frame(data: bytes) -> tuple[WsFrame, bytes] | None:
    """The first complete frame in ``data`` and what follows it; ``None`` when incomplete."""
    if len(data) < 2:
        return None
    first, second = data[0], data[1]
    masked = bool(second & 0x80)
    length = second & 0x7F
    offset = 2
    if length == 126:
        if len(data) < 4:
            return None
        (length,) = struct.unpack("!H", data[2:4])
        offset = 4
    elif length == 127:
        if len(data) < 10:
            return None
        (length,) = struct.unpack("!Q", data[2:10])
        offset = 10
    mask = b""
    if masked:
        mask = data[offset : offset + 4]
        offset += 4
    if len(data) < offset + length:
        return None
    payload = data[offset : offset + length]
    if masked:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    frame = WsFrame(bool(first & 0x80), first & 0x0F, masked, payload, offset)
    return frame, data[offset + length :]


@dataclass
class WsReader:
    """Feeds bytes in, hands complete frames out (in order)."""

    buffer: bytes = b""
    frames: list[WsFrame] = field(default_factory=list)

    def feed(self, data: bytes) -> list[WsFrame]:
        self.buffer += data
        new: list[WsFrame] = []
        while (parsed := parse_ws_frame(self.buffer)) is not None:
            frame, self.buffer = parsed
            new.append(frame)
        self.frames.extend(new)
        return new


@dataclass(frozen=True)
class SseEvent:
    """One blank-line-terminated block of an event stream."""

    id: str | None
    data: str | None  # data lines joined by "\n"; None when the block had none
    comments: tuple[str, ...]
    retry: int | None


def parse_sse_block(block: str) -> SseEvent:
    """One event block (without its terminating blank line), per the HTML spec's rules."""
    event_id: str | None = None
    data: list[str] = []
    comments: list[str] = []
    retry: int | None = None
    for line in block.split("\n"):
        if line.startswith(":"):
            comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            event_id = value
        elif name == "data":
            data.append(value)
        elif name == "retry":
            retry = int(value)
    return SseEvent(event_id, "\n".join(data) if data else None, tuple(comments), retry)


def split_sse(text: str) -> tuple[list[SseEvent], str]:
    """Complete events in ``text`` and the unfinished rest."""
    text = text.replace("\r\n", "\n")
    *blocks, rest = text.split("\n\n")
    return [parse_sse_block(block) for block in blocks if block], rest
