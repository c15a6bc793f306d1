"""Frame: one message, its WebSocket and SSE encodings built once."""

from __future__ import annotations

import json
import struct

import pytest

from presenter.core import protocol
from presenter.core.frames import LATEST_WINS, Frame, sse_event, websocket_text_frame
from presenter.core.state import SlideState
from tests.wire import parse_sse_block, parse_ws_frame, split_sse


@pytest.mark.parametrize(
    ("size", "header_length", "length_byte"),
    [
        (0, 2, 0),
        (1, 2, 1),
        (125, 2, 125),
        (126, 4, 126),
        (65535, 4, 126),
        (65536, 10, 127),
        (70_000, 10, 127),
    ],
)
def test_websocket_frame_header_per_payload_size(
    size: int, header_length: int, length_byte: int
) -> None:
    payload = bytes(i % 251 for i in range(size))
    data = websocket_text_frame(payload)
    assert len(data) == header_length + size
    assert data[0] == 0x81  # FIN + text opcode
    assert data[1] == length_byte  # never masked: server to client
    if length_byte == 126:
        assert struct.unpack("!H", data[2:4]) == (size,)
    elif length_byte == 127:
        (length,) = struct.unpack("!Q", data[2:10])
        assert length == size
        assert data[2] & 0x80 == 0  # RFC 6455: the most significant bit must be 0
    parsed = parse_ws_frame(data)
    assert parsed is not None
    frame, rest = parsed
    assert rest == b""
    assert (frame.fin, frame.opcode, frame.masked) == (True, 1, False)
    assert frame.header_length == header_length
    assert frame.payload == payload


def test_websocket_property_encodes_the_text_as_utf8() -> None:
    text = '{"type":"reload","note":"Grüße 🎉"}'
    frame = Frame(text, "reload")
    parsed = parse_ws_frame(frame.websocket)
    assert parsed is not None
    assert parsed[0].payload.decode("utf-8") == text
    # The length field counts bytes, not characters.
    assert parsed[0].header_length == 2
    assert frame.websocket[1] == len(text.encode("utf-8"))


def test_sse_event_with_id_and_one_line() -> None:
    assert sse_event('{"type":"state","seq":3}', 3) == b'id: 3\ndata: {"type":"state","seq":3}\n\n'


def test_sse_event_without_id_has_no_id_line() -> None:
    assert sse_event('{"type":"reload"}', None) == b'data: {"type":"reload"}\n\n'


def test_sse_event_id_zero_is_still_sent() -> None:
    assert sse_event("x", 0).startswith(b"id: 0\n")


def test_sse_event_splits_multi_line_text_into_data_lines() -> None:
    raw = sse_event("first\nsecond\n\nfourth", 12)
    assert raw == b"id: 12\ndata: first\ndata: second\ndata: \ndata: fourth\n\n"
    events, rest = split_sse(raw.decode())
    assert rest == ""
    assert len(events) == 1
    # An EventSource joins the data lines with "\n": the text comes back unchanged.
    assert events[0].data == "first\nsecond\n\nfourth"
    assert events[0].id == "12"


def test_sse_event_is_utf8() -> None:
    raw = sse_event("Grüße", None)
    assert raw == "data: Grüße\n\n".encode()


def test_sse_event_round_trips_a_protocol_message() -> None:
    text = protocol.state_frame(9, SlideState(indexh=2, indexf=1)).text
    event = parse_sse_block(sse_event(text, 9).decode().rstrip("\n"))
    assert event.id == "9"
    assert event.data is not None
    assert json.loads(event.data) == json.loads(text)


def test_protocol_frames_know_their_kind_and_seq() -> None:
    frame = protocol.state_frame(41, SlideState(indexh=3))
    assert (frame.kind, frame.seq, frame.latest_wins) == ("state", 41, True)
    welcome = protocol.welcome("d", "audience", 7, SlideState())
    assert (welcome.kind, welcome.seq, welcome.latest_wins) == ("welcome", 7, False)
    reload = protocol.reload()
    assert (reload.kind, reload.seq) == ("reload", None)
    presence = protocol.presence(4)
    assert (presence.kind, presence.seq, presence.latest_wins) == ("presence", None, True)
    assert protocol.error("forbidden", "no").kind == "error"
    assert protocol.deck_status(None).kind == "deck_status"


def test_sse_encoding_uses_seq_as_id() -> None:
    frame = protocol.state_frame(5, SlideState(indexh=1))
    assert frame.sse.startswith(b"id: 5\ndata: ")
    assert protocol.reload().sse.startswith(b"data: ")


def test_encodings_are_built_once_and_cached() -> None:
    frame = protocol.state_frame(1, SlideState())
    ws = frame.websocket
    sse = frame.sse
    assert frame.websocket is ws
    assert frame.sse is sse


@pytest.mark.parametrize(
    ("kind", "latest"),
    [
        ("state", True),
        ("presence", True),
        ("welcome", False),
        ("reload", False),
        ("deck_status", False),
        ("error", False),
        ("direct", False),
        ("", False),
    ],
)
def test_latest_wins_only_for_state_and_presence(kind: str, latest: bool) -> None:
    assert Frame("{}", kind).latest_wins is latest


def test_latest_wins_set_is_exactly_state_presence_and_timer() -> None:
    assert frozenset({"state", "presence", "timer"}) == LATEST_WINS


def test_frames_compare_by_identity() -> None:
    # eq=False: two broadcasts of equal text are still two frames (and hashable).
    a, b = Frame("x", "reload"), Frame("x", "reload")
    assert a != b
    assert len({a, b}) == 2
