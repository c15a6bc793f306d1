"""Parse client frames and build server frames of the live protocol.

The contract is documented in ``docs/protocol.md``; :data:`PROTOCOL_VERSION`
is the number sent in every ``welcome``. Every server message is built here
as a :class:`~presenter.core.frames.Frame`, once per event, so a broadcast
encodes its JSON a single time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from presenter.core.errors import ErrorCode, ProtocolError
from presenter.core.frames import Frame
from presenter.core.state import SlideState
from presenter.core.timer import Action, TalkTimer, parse_action

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
_MAX_NESTING = 32

Role = Literal["audience", "presenter"]


@dataclass(frozen=True, slots=True)
class AuthMessage:
    """``{"type": "auth", "token": T}``: a socket asks to become a presenter."""

    token: str


@dataclass(frozen=True, slots=True)
class StateMessage:
    """``{"type": "state", "state": {...}}``: a presenter sets the slide state."""

    state: SlideState


@dataclass(frozen=True, slots=True)
class TimerMessage:
    """``{"type": "timer", "action": "start"|"pause"|"reset"}``: a presenter works the timer."""

    action: Action


ClientMessage = AuthMessage | StateMessage | TimerMessage


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def decode_json(text: str | bytes) -> object:
    """Decode strict JSON: no NaN/Infinity, bounded nesting.

    Raises:
        ProtocolError: ``bad_json`` when ``text`` is not JSON.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("bad_json", "message is not UTF-8") from None
    if _nesting_depth(text) > _MAX_NESTING:
        raise ProtocolError("bad_json", "message is nested too deeply")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "message is not valid JSON") from None


_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def _nesting_depth(text: str) -> int:
    # How deep arrays and objects nest, brackets inside strings not counted; it
    # is checked before json.loads, which would recurse once per level.
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_client_message(text: str | bytes) -> ClientMessage:
    """Parse one text frame from a client.

    Raises:
        ProtocolError: ``bad_json`` for non-JSON, ``bad_message`` for JSON that
            is not an object, lacks a string ``type`` or has a wrong field,
            ``unknown_type`` for a ``type`` the protocol does not define.
    """
    value = decode_json(text)
    if not isinstance(value, dict):
        raise ProtocolError("bad_message", "message must be a JSON object")
    kind = value.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", 'message needs a string "type"')
    if kind == "auth":
        token = value.get("token")
        if not isinstance(token, str):
            raise ProtocolError("bad_message", 'auth needs a string "token"')
        return AuthMessage(token=token)
    if kind == "state":
        if "state" not in value:
            raise ProtocolError("bad_message", 'state needs a "state" object')
        return StateMessage(state=SlideState.from_json(value["state"]))
    if kind == "timer":
        return TimerMessage(action=parse_action(value.get("action")))
    raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}")


def _dump(value: dict[str, object]) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def welcome(
    deck: str, role: Role, seq: int, state: SlideState, signed_in: bool | None = None
) -> Frame:
    """The first frame on every connection, and the answer to a good ``auth``.

    ``signed_in`` (audience pages only) says the browser holds the presenter
    login although this page is the audience's.
    """
    value: dict[str, object] = {
        "type": "welcome",
        "protocol": PROTOCOL_VERSION,
        "deck": deck,
        "role": role,
        "seq": seq,
        "state": state.to_json(),
    }
    if signed_in:
        value["signedIn"] = True
    return Frame(_dump(value), "welcome", seq)


def state_frame(seq: int, state: SlideState) -> Frame:
    """The frame broadcast after each accepted change."""
    return Frame(_dump({"type": "state", "seq": seq, "state": state.to_json()}), "state", seq)


def timer(seq: int, timer: TalkTimer, now: float) -> Frame:
    """The talk timer for presenters: running or not, and the seconds on it at ``now``."""
    elapsed = round(timer.elapsed_at(now), 3)
    text = _dump({"type": "timer", "seq": seq, "running": timer.running, "elapsed": elapsed})
    return Frame(text, "timer", seq)


def presence(audience: int) -> Frame:
    """The frame telling presenters how many audience sockets are open."""
    return Frame(_dump({"type": "presence", "audience": audience}), "presence")


def reload() -> Frame:
    """Tells every page of a deck that its files changed."""
    return Frame(_dump({"type": "reload"}), "reload")


def deck_status(error: str | None, line: int | None = None) -> Frame:
    """Tells presenters whether the deck's source loads (``error`` is None) or why not."""
    text = _dump({"type": "deck_status", "ok": error is None, "error": error, "line": line})
    return Frame(text, "deck_status")


def error(code: ErrorCode, message: str) -> Frame:
    """An ``error`` frame; the socket stays open."""
    return Frame(_dump({"type": "error", "code": code, "message": message}), "error")
