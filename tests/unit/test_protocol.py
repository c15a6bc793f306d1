"""Parsing client frames and building server frames of the live protocol."""

from __future__ import annotations

import json

import pytest

from presenter.core import protocol
from presenter.core.errors import ProtocolError
from presenter.core.protocol import AuthMessage, StateMessage, parse_client_message
from presenter.core.state import SlideState


def code_of(text: str | bytes) -> str:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(text)
    assert caught.value.message  # every error carries a sentence for the client
    return caught.value.code


# Good messages


def test_auth_with_token() -> None:
    assert parse_client_message('{"type": "auth", "token": "s3cret"}') == AuthMessage("s3cret")


def test_auth_as_utf8_bytes() -> None:
    message = parse_client_message('{"type":"auth","token":"clé"}'.encode())
    assert message == AuthMessage("clé")


def test_state_with_state_object() -> None:
    text = json.dumps({"type": "state", "state": {"indexh": 2, "indexv": 1, "indexf": 0}})
    assert parse_client_message(text) == StateMessage(SlideState(indexh=2, indexv=1, indexf=0))


def test_state_ignores_extra_fields() -> None:
    text = '{"type": "state", "state": {"indexh": 1, "extra": 1}, "id": 7}'
    assert parse_client_message(text) == StateMessage(SlideState(indexh=1))


# bad_json


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "{",
        '{"type": "auth", "token": "x"',
        "{'type': 'auth'}",
        '{"type": "auth", "token": "x"} trailing',
    ],
)
def test_non_json_is_bad_json(text: str) -> None:
    assert code_of(text) == "bad_json"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_bad_json(constant: str) -> None:
    assert code_of(f'{{"type": "state", "state": {{"indexh": {constant}}}}}') == "bad_json"


@pytest.mark.parametrize("text", ["[" * 100_000, "{" * 100_000, '{"a":' * 100_000])
def test_very_deep_nesting_is_bad_json_not_recursion_error(text: str) -> None:
    assert code_of(text) == "bad_json"


@pytest.mark.parametrize("data", [b"\xff\xfe{}", b'{"type": "auth", "token": "\xe9"}', b"\xc3"])
def test_bytes_that_are_not_utf8_are_bad_json(data: bytes) -> None:
    assert code_of(data) == "bad_json"


# bad_message


@pytest.mark.parametrize(
    "text", ["[]", '[{"type": "auth"}]', "42", "1.5", '"auth"', "null", "true"]
)
def test_json_that_is_not_an_object_is_bad_message(text: str) -> None:
    assert code_of(text) == "bad_message"


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"token": "x"}',
        '{"type": null}',
        '{"type": 1}',
        '{"type": ["auth"]}',
        '{"type": {"name": "auth"}}',
        '{"type": true}',
    ],
)
def test_missing_or_non_string_type_is_bad_message(text: str) -> None:
    assert code_of(text) == "bad_message"


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "auth"}',
        '{"type": "auth", "token": null}',
        '{"type": "auth", "token": 123}',
        '{"type": "auth", "token": ["x"]}',
        '{"type": "auth", "token": {"t": "x"}}',
    ],
)
def test_auth_without_string_token_is_bad_message(text: str) -> None:
    assert code_of(text) == "bad_message"


def test_state_without_state_is_bad_message() -> None:
    assert code_of('{"type": "state"}') == "bad_message"
    assert code_of('{"type": "state", "indexh": 1}') == "bad_message"


@pytest.mark.parametrize(
    "state",
    ["null", "[]", '"x"', "3", '{"indexh": -1}', '{"indexh": 1.0}', '{"paused": "yes"}'],
)
def test_state_with_bad_state_is_bad_message(state: str) -> None:
    assert code_of(f'{{"type": "state", "state": {state}}}') == "bad_message"


# unknown_type


@pytest.mark.parametrize("kind", ["hello", "", "AUTH", "State", "welcome", "presence"])
def test_unknown_type(kind: str) -> None:
    assert code_of(json.dumps({"type": kind})) == "unknown_type"


def test_unknown_type_message_does_not_echo_a_huge_type() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message(json.dumps({"type": "x" * 10_000}))
    assert caught.value.code == "unknown_type"
    assert len(caught.value.message) < 200


# Server frames


def test_welcome_frame() -> None:
    state = SlideState(indexh=3, indexv=1, indexf=2, paused=True)
    frame = protocol.welcome("talk", "presenter", 12, state)
    assert json.loads(frame.text) == {
        "type": "welcome",
        "protocol": 1,
        "deck": "talk",
        "role": "presenter",
        "seq": 12,
        "state": {"indexh": 3, "indexv": 1, "indexf": 2, "paused": True, "overview": False},
    }


def test_welcome_frame_for_audience_carries_protocol_version() -> None:
    frame = json.loads(protocol.welcome("d", "audience", 0, SlideState()).text)
    assert frame["role"] == "audience"
    assert frame["protocol"] == protocol.PROTOCOL_VERSION == 1


def test_state_frame() -> None:
    frame = protocol.state_frame(5, SlideState(indexh=1, overview=True))
    assert json.loads(frame.text) == {
        "type": "state",
        "seq": 5,
        "state": {"indexh": 1, "indexv": 0, "indexf": None, "paused": False, "overview": True},
    }


def test_presence_frame() -> None:
    assert json.loads(protocol.presence(4).text) == {"type": "presence", "audience": 4}
    assert json.loads(protocol.presence(4, 3).text) == {
        "type": "presence",
        "audience": 4,
        "following": 3,
        "browsing": 1,
    }


def test_error_frame() -> None:
    frame = protocol.error("unknown_type", "unknown message type 'x'")
    assert json.loads(frame.text) == {
        "type": "error",
        "code": "unknown_type",
        "message": "unknown message type 'x'",
    }


def test_error_frame_from_a_parse_failure_round_trips() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_client_message("nope")
    frame = json.loads(protocol.error(caught.value.code, caught.value.message).text)
    assert frame == {"type": "error", "code": "bad_json", "message": caught.value.message}


def test_frames_carry_deck_ids_verbatim() -> None:
    frame = protocol.welcome('dé"ck', "audience", 0, SlideState())
    assert isinstance(frame.text, str)
    assert json.loads(frame.text)["deck"] == 'dé"ck'
