"""SlideState: defaults, validation of decoded JSON, wire form and equality."""

from __future__ import annotations

import pytest

from presenter.core.errors import ProtocolError
from presenter.core.state import SlideState


def test_empty_object_takes_every_default() -> None:
    state = SlideState.from_json({})
    assert state.to_json() == {
        "indexh": 0,
        "indexv": 0,
        "indexf": None,
        "paused": False,
        "overview": False,
    }


def test_missing_keys_take_defaults_and_given_keys_are_kept() -> None:
    state = SlideState.from_json({"indexh": 3, "paused": True})
    assert state == SlideState(indexh=3, indexv=0, indexf=None, paused=True, overview=False)


def test_unknown_keys_are_dropped() -> None:
    state = SlideState.from_json({"indexh": 2, "zoom": 4, "__class__": "x"})
    assert state == SlideState(indexh=2)
    assert set(state.to_json()) == {"indexh", "indexv", "indexf", "paused", "overview"}


def test_all_fields_are_read() -> None:
    value = {"indexh": 4, "indexv": 2, "indexf": 1, "paused": True, "overview": True}
    assert SlideState.from_json(value).to_json() == value


@pytest.mark.parametrize("indexf", [-1, None, 0, 5])
def test_accepted_fragment_indices(indexf: int | None) -> None:
    assert SlideState.from_json({"indexf": indexf}).indexf == indexf


@pytest.mark.parametrize(
    "value",
    [
        {"indexh": 1.0},
        {"indexh": 1.5},
        {"indexv": 2.0},
        {"indexf": 0.5},
        {"indexh": "1"},
        {"indexv": "0"},
        {"indexf": "-1"},
        {"indexh": True},
        {"indexv": False},
        {"indexf": True},
        {"indexh": None},
        {"indexh": [1]},
        {"indexh": -1},
        {"indexv": -3},
        {"indexf": -2},
        {"indexh": 10**9},
        {"paused": 1},
        {"paused": "true"},
        {"paused": None},
        {"overview": 0},
        {"overview": "false"},
    ],
    ids=repr,
)
def test_wrong_types_and_ranges_are_bad_messages(value: dict[str, object]) -> None:
    with pytest.raises(ProtocolError) as caught:
        SlideState.from_json(value)
    assert caught.value.code == "bad_message"


@pytest.mark.parametrize("value", [None, [], [0, 0], "state", 3, 1.5, True])
def test_non_object_state_is_a_bad_message(value: object) -> None:
    with pytest.raises(ProtocolError) as caught:
        SlideState.from_json(value)
    assert caught.value.code == "bad_message"


@pytest.mark.parametrize(
    "state",
    [
        SlideState(),
        SlideState(indexh=7, indexv=1, indexf=-1),
        SlideState(indexh=1, indexf=3, paused=True, overview=True),
    ],
)
def test_to_json_round_trips(state: SlideState) -> None:
    assert SlideState.from_json(state.to_json()) == state


def test_equal_states_compare_equal_and_differ_on_any_field() -> None:
    base = SlideState(indexh=1, indexv=2, indexf=0)
    assert base == SlideState(indexh=1, indexv=2, indexf=0)
    assert hash(base) == hash(SlideState(indexh=1, indexv=2, indexf=0))
    assert base != SlideState(indexh=2, indexv=2, indexf=0)
    assert base != SlideState(indexh=1, indexv=3, indexf=0)
    assert base != SlideState(indexh=1, indexv=2, indexf=1)
    assert base != SlideState(indexh=1, indexv=2, indexf=0, paused=True)
    assert base != SlideState(indexh=1, indexv=2, indexf=0, overview=True)


def test_states_are_immutable() -> None:
    state = SlideState()
    with pytest.raises(AttributeError):
        state.indexh = 3  # type: ignore[misc]
