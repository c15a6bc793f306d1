"""Parse client frames and build server frames of the live protocol.

The contract is documented in ``docs/protocol.md``; :data:`PROTOCOL_VERSION`
is the number sent in every ``welcome``. Every server message is built here
as a :class:`~presenter.core.frames.Frame`, once per event, so a broadcast
encodes its JSON a single time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from presenter.core.errors import ErrorCode, ProtocolError
from presenter.core.frames import Frame
from presenter.core.polls import POLL_ACTIONS, PollAction, PollSpec, PollState
from presenter.core.questions import (
    MAX_NAME,
    MAX_QUESTION,
    MAX_REF,
    MODERATIONS,
    Moderation,
    QaSettings,
    clean_text,
    parse_switches,
)
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


@dataclass(frozen=True, slots=True)
class AskMessage:
    """``{"type": "ask", "text": T, "name": N, "ref": R}``: ask a question (cleaned)."""

    text: str
    name: str
    ref: str


@dataclass(frozen=True, slots=True)
class UpvoteMessage:
    """``{"type": "upvote", "id": Q, "on": bool}``: vote for a question, or withdraw."""

    id: str
    on: bool


@dataclass(frozen=True, slots=True)
class VoteMessage:
    """``{"type": "vote", "poll": P, "choices": [...]}``; the choices are checked
    against the poll by whoever knows it."""

    poll: str
    choices: object


@dataclass(frozen=True, slots=True)
class ReactMessage:
    """``{"type": "react", "emoji": E}``: one of :data:`REACTIONS`."""

    emoji: str


@dataclass(frozen=True, slots=True)
class ModeMessage:
    """``{"type": "mode", "following": bool}``: the viewer follows live or browses."""

    following: bool


@dataclass(frozen=True, slots=True)
class ModerateMessage:
    """``{"type": "moderate", "id": Q, "action": A}`` (presenters)."""

    id: str
    action: Moderation


@dataclass(frozen=True, slots=True)
class QuestionsMessage:
    """``{"type": "questions", "open": ..., ...}``: question switches (presenters)."""

    changes: dict[str, bool]


@dataclass(frozen=True, slots=True)
class PollMessage:
    """``{"type": "poll", "poll": P, "action": A}`` (presenters)."""

    poll: str
    action: PollAction


ClientMessage = (
    AuthMessage
    | StateMessage
    | TimerMessage
    | AskMessage
    | UpvoteMessage
    | VoteMessage
    | ReactMessage
    | ModeMessage
    | ModerateMessage
    | QuestionsMessage
    | PollMessage
)
InteractionMessage = (
    AskMessage
    | UpvoteMessage
    | VoteMessage
    | ReactMessage
    | ModeMessage
    | ModerateMessage
    | QuestionsMessage
    | PollMessage
)

REACTIONS = ("👍", "👏", "😂", "😮", "❤️", "❓")
"""The reactions an audience can send, in the order pages show them."""
_REACTION_SPELLINGS = {**{r: r for r in REACTIONS}, "❤": "❤️"}


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
    if kind in _INTERACTION:
        try:
            return _INTERACTION[kind](value)
        except ProtocolError as exc:
            raise ProtocolError(exc.code, exc.message, about(kind, value)) from None
    raise ProtocolError("unknown_type", f"unknown message type {kind[:40]!r}")


def about(kind: str, value: dict[str, object]) -> dict[str, str]:
    """What an error frame repeats of the message that caused it."""
    found = {"for": kind}
    for key in ("ref", "id", "poll"):
        field = value.get(key)
        if isinstance(field, str) and len(field) <= 80:
            found[key] = field
    return found


def _string(value: dict[str, object], key: str, kind: str, limit: int = 80) -> str:
    field = value.get(key)
    if not isinstance(field, str) or not 1 <= len(field) <= limit:
        raise ProtocolError("bad_message", f'{kind} needs a "{key}" string (1-{limit} characters)')
    return field


def _boolean(value: dict[str, object], key: str, kind: str) -> bool:
    field = value.get(key)
    if not isinstance(field, bool):
        raise ProtocolError("bad_message", f'{kind} needs "{key}": true or false')
    return field


def _ask(value: dict[str, object]) -> AskMessage:
    ref = _string(value, "ref", "ask", MAX_REF)
    text = clean_text(value.get("text"), MAX_QUESTION, "a question")
    if not text:
        raise ProtocolError("empty", "the question is empty")
    name = value.get("name")
    cleaned = "" if name is None else clean_text(name, MAX_NAME, "a name")
    return AskMessage(text=text, name=cleaned, ref=ref)


def _upvote(value: dict[str, object]) -> UpvoteMessage:
    return UpvoteMessage(id=_string(value, "id", "upvote"), on=_boolean(value, "on", "upvote"))


def _vote(value: dict[str, object]) -> VoteMessage:
    if "choices" not in value:
        raise ProtocolError("bad_message", 'vote needs "choices", a list of option numbers')
    return VoteMessage(poll=_string(value, "poll", "vote"), choices=value["choices"])


def _react(value: dict[str, object]) -> ReactMessage:
    emoji = value.get("emoji")
    if not isinstance(emoji, str) or emoji not in _REACTION_SPELLINGS:
        raise ProtocolError("bad_message", "react needs one of " + " ".join(REACTIONS))
    return ReactMessage(emoji=_REACTION_SPELLINGS[emoji])


def _mode(value: dict[str, object]) -> ModeMessage:
    return ModeMessage(following=_boolean(value, "following", "mode"))


def _moderate(value: dict[str, object]) -> ModerateMessage:
    action = value.get("action")
    if action not in MODERATIONS:
        raise ProtocolError("bad_message", "moderate needs an action: " + ", ".join(MODERATIONS))
    return ModerateMessage(id=_string(value, "id", "moderate"), action=action)


def _questions(value: dict[str, object]) -> QuestionsMessage:
    return QuestionsMessage(changes=parse_switches(value))


def _poll(value: dict[str, object]) -> PollMessage:
    action = value.get("action")
    if action not in POLL_ACTIONS:
        raise ProtocolError("bad_message", "poll needs an action: " + ", ".join(POLL_ACTIONS))
    return PollMessage(poll=_string(value, "poll", "poll"), action=action)


_INTERACTION: dict[str, Callable[[dict[str, object]], InteractionMessage]] = {
    "ask": _ask,
    "upvote": _upvote,
    "vote": _vote,
    "react": _react,
    "mode": _mode,
    "moderate": _moderate,
    "questions": _questions,
    "poll": _poll,
}


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


def presence(audience: int, following: int | None = None) -> Frame:
    """The frame telling presenters how many audience sockets are open, and how
    many of them follow live (the rest browse on their own)."""
    value: dict[str, object] = {"type": "presence", "audience": audience}
    if following is not None:
        value["following"] = following
        value["browsing"] = audience - following
    return Frame(_dump(value), "presence")


def qa(seq: int, settings: QaSettings, pinned: dict[str, object] | None) -> Frame:
    """A deck's question switches and its pinned question (``None`` when hidden)."""
    value: dict[str, object] = {"type": "qa", "seq": seq, **settings.to_json()}
    value["pinned"] = pinned
    return Frame(_dump(value), "qa")


def questions(
    everything: bool,
    shown: list[dict[str, object]],
    removed: list[str] | None = None,
    mine: list[str] | None = None,
    upvoted: list[str] | None = None,
) -> Frame:
    """All questions a socket may see (``everything``), or those that changed."""
    value: dict[str, object] = {"type": "questions", "all": everything, "questions": shown}
    if everything:
        value["mine"] = mine or []
        value["upvoted"] = upvoted or []
    else:
        value["removed"] = removed or []
    return Frame(_dump(value), "questions")


def asked(ref: str, question: dict[str, object]) -> Frame:
    """To the asker, once the question is stored."""
    return Frame(_dump({"type": "asked", "ref": ref, "question": question}), "asked")


def upvoted(question: str, on: bool) -> Frame:
    """To the voter, once the upvote (or its withdrawal) is stored."""
    return Frame(_dump({"type": "upvoted", "id": question, "on": on}), "upvoted")


def voted(poll: str, choices: tuple[int, ...]) -> Frame:
    """To the voter, once the vote is stored."""
    return Frame(_dump({"type": "voted", "poll": poll, "choices": list(choices)}), "voted")


def poll(
    spec: PollSpec,
    state: PollState,
    counts: list[int] | None,
    voters: int,
    mine: tuple[int, ...] | None = None,
) -> Frame:
    """A poll's state and results (``counts`` is ``None`` where results are hidden)."""
    value: dict[str, object] = {
        "type": "poll",
        "poll": spec.id,
        "status": state.status,
        "revealed": state.revealed,
        "question": spec.question,
        "options": list(spec.options),
        "multiple": spec.multiple,
        "hideResults": spec.hide_results,
        "counts": counts,
        "voters": voters,
    }
    if mine is not None:
        value["mine"] = list(mine)
    return Frame(_dump(value), "poll")


def reactions(counts: dict[str, int]) -> Frame:
    """Taps added up since the last such frame."""
    ordered = {emoji: counts[emoji] for emoji in REACTIONS if counts.get(emoji)}
    return Frame(_dump({"type": "reactions", "counts": ordered}), "reactions")


def reload() -> Frame:
    """Tells every page of a deck that its files changed."""
    return Frame(_dump({"type": "reload"}), "reload")


def deck_status(error: str | None, line: int | None = None) -> Frame:
    """Tells presenters whether the deck's source loads (``error`` is None) or why not."""
    text = _dump({"type": "deck_status", "ok": error is None, "error": error, "line": line})
    return Frame(text, "deck_status")


def error(code: ErrorCode, message: str, about: dict[str, str] | None = None) -> Frame:
    """An ``error`` frame; the socket stays open. ``about`` names the message
    that caused it (see :func:`about`)."""
    value: dict[str, object] = {"type": "error", "code": code, "message": message}
    value.update(about or {})
    return Frame(_dump(value), "error")
