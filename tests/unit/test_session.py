"""Records (numbered live state) and the slide snapshot they hold."""

from __future__ import annotations

import pytest

from presenter.core.session import SLIDE, Record, Snapshot
from presenter.core.state import SlideState


def test_new_snapshot_defaults() -> None:
    snapshot = Snapshot("talk")
    assert snapshot.seq == 0
    assert snapshot.state == SlideState()


def test_snapshot_to_json_shape() -> None:
    snapshot = Snapshot("talk", 4, SlideState(indexh=2, indexf=-1))
    assert snapshot.to_json() == {
        "deck": "talk",
        "seq": 4,
        "state": {"indexh": 2, "indexv": 0, "indexf": -1, "paused": False, "overview": False},
    }


def test_a_snapshot_is_the_slide_record_and_back() -> None:
    snapshot = Snapshot("talk", 9, SlideState(indexh=3, paused=True))
    record = snapshot.record()
    assert record.kind == SLIDE
    assert record.seq == 9
    assert Snapshot.of(record) == snapshot


@pytest.mark.parametrize("value", [{}, {"indexh": -1}, {"indexh": "2"}, {"paused": "yes"}])
def test_a_damaged_slide_record_keeps_its_seq_on_the_first_slide(value: dict[str, object]) -> None:
    assert Snapshot.of(Record("talk", SLIDE, 5, value)) == Snapshot("talk", 5, SlideState())


def test_records_encode_and_decode() -> None:
    record = Record("talk", "timer", 3, {"running": True, "startedAt": 12.5})
    assert Record.decode(record.encode()) == record
    assert Record.decode(record.encode().encode()) == record


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "not json",
        '{"deck": "t", "kind": "slide", "seq": "1", "value": {}}',
        '{"deck": "t", "kind": "slide", "seq": true, "value": {}}',
        '{"deck": "t", "kind": "slide", "seq": 1, "value": []}',
        '{"deck": 1, "kind": "slide", "seq": 1, "value": {}}',
        '{"kind": "slide", "seq": 1, "value": {}}',
    ],
)
def test_what_is_not_a_record_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Record.decode(text)
