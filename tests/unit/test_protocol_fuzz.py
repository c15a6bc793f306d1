"""Property tests: whatever a client sends, the parser answers a message or a ProtocolError.

``make fuzz`` (part of ``make test``) runs these with many more examples
(``HYPOTHESIS_PROFILE=fuzz``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from presenter.core import protocol
from presenter.core.errors import ProtocolError
from presenter.core.state import SlideState

settings.register_profile("default", max_examples=200, deadline=None)
settings.register_profile(
    "fuzz", max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Any JSON value, including the shapes a state or a message might take.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
STATE_KEYS = st.sampled_from(["indexh", "indexv", "indexf", "paused", "overview", "other"])
STATE_LIKE = st.dictionaries(STATE_KEYS, JSON, max_size=6)
MESSAGES = st.fixed_dictionaries(
    {"type": st.sampled_from(["state", "auth", "hello", ""]) | st.text(max_size=10)},
    optional={"state": STATE_LIKE | JSON, "token": JSON},
)


def _valid(state: SlideState) -> None:
    for index in (state.indexh, state.indexv):
        assert isinstance(index, int) and not isinstance(index, bool)
        assert 0 <= index <= 1_000_000
    assert state.indexf is None or (
        isinstance(state.indexf, int) and -1 <= state.indexf <= 1_000_000
    )
    assert isinstance(state.paused, bool)
    assert isinstance(state.overview, bool)


@given(st.text(max_size=300))
def test_any_text_is_a_message_or_a_protocol_error(text: str) -> None:
    try:
        message = protocol.parse_client_message(text)
    except ProtocolError as exc:
        assert exc.code in ("bad_json", "bad_message", "unknown_type")
        return
    assert isinstance(message, protocol.AuthMessage | protocol.StateMessage)


@given(st.binary(max_size=300))
def test_any_bytes_are_json_or_a_protocol_error(data: bytes) -> None:
    try:
        protocol.decode_json(data)
    except ProtocolError as exc:
        assert exc.code == "bad_json"


@given(MESSAGES)
def test_message_shaped_json_is_parsed_or_refused_with_a_code(value: dict[str, Any]) -> None:
    text = json.dumps(value)
    try:
        message = protocol.parse_client_message(text)
    except ProtocolError as exc:
        assert exc.code in ("bad_message", "unknown_type")
        return
    if isinstance(message, protocol.StateMessage):
        assert value["type"] == "state"
        _valid(message.state)
    else:
        assert value["type"] == "auth"
        assert message.token == value["token"]


@given(STATE_LIKE | JSON)
def test_state_validation_accepts_only_valid_states(value: Any) -> None:
    try:
        state = SlideState.from_json(value)
    except ProtocolError as exc:
        assert exc.code == "bad_message"
        return
    _valid(state)
    assert SlideState.from_json(state.to_json()) == state


@given(st.integers(min_value=1, max_value=80), st.sampled_from("[{"))
def test_nesting_is_refused_exactly_past_the_limit(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    inner = "1" if opener == "[" else ""
    if opener == "{":
        text = '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)
    else:
        text = opener * depth + inner + closer * depth
    try:
        protocol.decode_json(text)
    except ProtocolError as exc:
        assert exc.code == "bad_json"
        assert depth > 32
        return
    assert depth <= 32


@given(st.text(alphabet='[]{}"\\ax', max_size=200))
def test_brackets_inside_strings_never_count_as_nesting(inner: str) -> None:
    text = json.dumps({"type": "auth", "token": inner})
    message = protocol.parse_client_message(text)
    assert isinstance(message, protocol.AuthMessage)
    assert message.token == inner
