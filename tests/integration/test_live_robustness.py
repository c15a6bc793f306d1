"""Bad input on the live socket: an error frame, never a closed socket (except oversize)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveServer
from tests.helpers import SECRET

from .support import (
    DEFAULT_STATE,
    TIMEOUT,
    afetch,
    authenticate,
    presenter_and_audience,
    recv,
    recv_type,
    send,
    state,
    state_sentinel,
)

BAD_FRAMES = [
    pytest.param("not json at all", "bad_json", id="not-json"),
    pytest.param("{", "bad_json", id="truncated-json"),
    pytest.param('{"type": "auth", "token": NaN}', "bad_json", id="nan"),
    pytest.param('{"type": "state", "state": {"indexh": Infinity}}', "bad_json", id="infinity"),
    pytest.param("[" * 5000 + "]" * 5000, "bad_json", id="deeply-nested"),
    pytest.param("", "bad_json", id="empty"),
    pytest.param("[1, 2]", "bad_message", id="array"),
    pytest.param('"auth"', "bad_message", id="string"),
    pytest.param("42", "bad_message", id="number"),
    pytest.param("null", "bad_message", id="null"),
    pytest.param("{}", "bad_message", id="no-type"),
    pytest.param('{"type": 5}', "bad_message", id="type-not-string"),
    pytest.param('{"type": null}', "bad_message", id="type-null"),
    pytest.param('{"type": "auth"}', "bad_message", id="auth-no-token"),
    pytest.param('{"type": "auth", "token": 5}', "bad_message", id="auth-token-number"),
    pytest.param('{"type": "state"}', "bad_message", id="state-missing"),
    pytest.param('{"type": "state", "state": []}', "bad_message", id="state-array"),
    pytest.param('{"type": "state", "state": "1/2"}', "bad_message", id="state-string"),
    pytest.param('{"type": "state", "state": {"indexh": "1"}}', "bad_message", id="h-string"),
    pytest.param('{"type": "state", "state": {"indexh": 1.5}}', "bad_message", id="h-float"),
    pytest.param('{"type": "state", "state": {"indexh": -1}}', "bad_message", id="h-negative"),
    pytest.param('{"type": "state", "state": {"indexh": true}}', "bad_message", id="h-bool"),
    pytest.param('{"type": "state", "state": {"indexv": null}}', "bad_message", id="v-null"),
    pytest.param('{"type": "state", "state": {"indexf": -2}}', "bad_message", id="f-below"),
    pytest.param('{"type": "state", "state": {"indexf": "0"}}', "bad_message", id="f-string"),
    pytest.param('{"type": "state", "state": {"paused": "yes"}}', "bad_message", id="paused"),
    pytest.param('{"type": "state", "state": {"overview": 1}}', "bad_message", id="overview"),
    pytest.param('{"type": "hello"}', "unknown_type", id="unknown-type"),
    pytest.param('{"type": ""}', "unknown_type", id="empty-type"),
    pytest.param('{"type": "STATE", "state": {}}', "unknown_type", id="type-case"),
]


async def api_snapshot(server: LiveServer) -> dict[str, Any]:
    resp = await afetch(server, "GET", "/decks/md/api/state")
    snapshot: dict[str, Any] = resp.json()
    return snapshot


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
async def test_bad_frame_gets_an_error_and_the_socket_keeps_working(
    live_server: LiveServer, frame: str, code: str
) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        await ws.send(frame)
        error = await recv(ws)
        assert error["type"] == "error", error
        assert error["code"] == code, error
        assert isinstance(error["message"], str) and error["message"]
        # Same socket: auth then a state change still work.
        await authenticate(ws)
        await send(ws, {"type": "state", "state": state(indexh=1)})
        frame_back = await recv_type(ws, "state")
        assert frame_back == {"type": "state", "seq": 1, "state": state(indexh=1)}


@pytest.mark.parametrize(("frame", "code"), BAD_FRAMES)
async def test_bad_frame_from_a_presenter_changes_nothing(
    live_server: LiveServer, frame: str, code: str
) -> None:
    async with presenter_and_audience(live_server) as (presenter, audience):
        await presenter.send(frame)
        error = await recv_type(presenter, "error")
        assert error["code"] == code
        assert await api_snapshot(live_server) == {"deck": "md", "seq": 0, "state": DEFAULT_STATE}
        # Nothing reached the audience either: the next change is its next frame.
        assert await state_sentinel(live_server, state(indexh=5), audience) == 1


async def test_several_bad_frames_in_a_row_on_one_socket(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        for frame, code in [("x", "bad_json"), ("[]", "bad_message"), ('{"type":"?"}', None)]:
            await ws.send(frame)
            error = await recv(ws)
            assert error["type"] == "error"
            assert code is None or error["code"] == code
        await ws.send(b'{"type": "auth", "token": "' + SECRET.encode() + b'"}')
        error = await recv(ws)
        assert (error["type"], error["code"]) == ("error", "bad_message")
        await authenticate(ws)


@pytest.mark.parametrize(
    "payload", [b"\x00\x01\x02", b'{"type": "auth", "token": "x"}', b"\xff\xfe"], ids=str
)
async def test_binary_frame_is_bad_message(live_server: LiveServer, payload: bytes) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        await ws.send(payload)
        error = await recv(ws)
        assert (error["type"], error["code"]) == ("error", "bad_message")
        await authenticate(ws)
        await send(ws, {"type": "state", "state": state(indexv=1)})
        assert (await recv_type(ws, "state"))["seq"] == 1


async def test_frame_just_under_the_limit_is_answered(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as ws:
        await recv(ws)
        frame = json.dumps({"type": "nope", "pad": "x" * 60_000})
        assert len(frame) < 64 * 1024
        await ws.send(frame)
        error = await recv(ws)
        assert error["code"] == "unknown_type"


async def test_oversize_frame_closes_with_1009_and_others_keep_working(
    live_server: LiveServer,
) -> None:
    async with (
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as bystander,
        connect(live_server.ws("md"), open_timeout=TIMEOUT) as big,
    ):
        await recv(bystander)
        await recv(big)
        await big.send(json.dumps({"type": "state", "pad": "x" * (64 * 1024 + 10)}))
        with pytest.raises(ConnectionClosed) as caught:
            await asyncio.wait_for(big.recv(), TIMEOUT)
        assert caught.value.rcvd is not None, "server closed without a close frame"
        assert caught.value.rcvd.code == 1009
        # The other socket, and new ones, still work.
        await authenticate(bystander)
        await send(bystander, {"type": "state", "state": state(indexh=2)})
        assert (await recv_type(bystander, "state"))["seq"] == 1
        async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as fresh:
            welcome = await recv(fresh)
            assert (welcome["seq"], welcome["state"]) == (1, state(indexh=2))


async def test_oversize_binary_frame_also_closes_with_1009(live_server: LiveServer) -> None:
    async with connect(live_server.ws("md"), open_timeout=TIMEOUT) as big:
        await recv(big)
        await big.send(b"\x00" * (100 * 1024))
        with pytest.raises(ConnectionClosed) as caught:
            await asyncio.wait_for(big.recv(), TIMEOUT)
        assert caught.value.rcvd is not None
        assert caught.value.rcvd.code == 1009
    resp = await afetch(live_server, "GET", "/healthz")
    assert resp.status == 200
