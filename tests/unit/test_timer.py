"""The shared talk timer: pure arithmetic on wall-clock seconds."""

from __future__ import annotations

import pytest

from presenter.core.errors import ProtocolError
from presenter.core.protocol import TimerMessage, parse_client_message
from presenter.core.timer import TalkTimer, parse_action


def test_a_new_timer_is_pristine_and_stopped() -> None:
    timer = TalkTimer()
    assert timer.pristine
    assert timer.elapsed_at(1000.0) == 0.0


def test_start_pause_resume_reset() -> None:
    timer = TalkTimer().apply("start", 100.0)
    assert timer.running and not timer.pristine
    assert timer.elapsed_at(130.0) == 30.0
    paused = timer.apply("pause", 160.0)
    assert not paused.running
    assert paused.elapsed_at(999.0) == 60.0
    resumed = paused.apply("start", 200.0)
    assert resumed.elapsed_at(210.0) == 70.0
    assert resumed.apply("reset", 300.0) == TalkTimer()


def test_repeated_actions_change_nothing() -> None:
    running = TalkTimer().apply("start", 10.0)
    assert running.apply("start", 50.0) is running  # a second device pressing Start
    stopped = TalkTimer(False, None, 5.0)
    assert stopped.apply("pause", 50.0) is stopped


def test_a_clock_that_went_back_never_gives_negative_time() -> None:
    timer = TalkTimer(True, 100.0, 2.0)
    assert timer.elapsed_at(90.0) == 2.0


def test_stored_form_round_trips() -> None:
    for timer in (TalkTimer(), TalkTimer(True, 12.5, 3.0), TalkTimer(False, None, 42.0)):
        assert TalkTimer.from_json(timer.to_json()) == timer


@pytest.mark.parametrize(
    "value",
    [
        None,
        [],
        {"running": "yes", "elapsed": 1},
        {"running": True, "elapsed": 1},
        {"running": True, "startedAt": True, "elapsed": 1},
        {"running": False, "elapsed": -5},
        {"running": False, "elapsed": "3"},
        {"running": False, "elapsed": True},
    ],
)
def test_damaged_stored_forms_read_as_reset(value: object) -> None:
    assert TalkTimer.from_json(value) == TalkTimer()


def test_timer_messages_are_parsed_and_checked() -> None:
    assert parse_client_message('{"type": "timer", "action": "pause"}') == TimerMessage("pause")
    for bad in ('{"type": "timer"}', '{"type": "timer", "action": "stop"}'):
        with pytest.raises(ProtocolError) as caught:
            parse_client_message(bad)
        assert caught.value.code == "bad_message"
    with pytest.raises(ProtocolError):
        parse_action(1)
