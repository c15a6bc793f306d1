"""Session: the current snapshot of one deck and how it advances."""

from __future__ import annotations

from presenter.core.session import Session, Snapshot
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


def test_propose_equal_state_returns_none_and_keeps_seq() -> None:
    session = Session(Snapshot("talk", 3, SlideState(indexh=1)))
    assert session.propose(SlideState(indexh=1)) is None
    assert session.snapshot.seq == 3


def test_propose_does_not_change_the_current_snapshot() -> None:
    session = Session(Snapshot("talk"))
    proposed = session.propose(SlideState(indexh=1))
    assert proposed == Snapshot("talk", 1, SlideState(indexh=1))
    assert session.snapshot == Snapshot("talk")


def test_seq_increments_by_one_per_commit() -> None:
    session = Session(Snapshot("talk", 7))
    for expected, h in enumerate([1, 2, 1, 0], start=8):
        proposed = session.propose(SlideState(indexh=h))
        assert proposed is not None
        assert proposed.seq == expected
        assert session.commit(proposed) is True
        assert session.snapshot == proposed


def test_commit_refuses_snapshots_that_are_not_newer() -> None:
    session = Session(Snapshot("talk", 5, SlideState(indexh=5)))
    assert session.commit(Snapshot("talk", 5, SlideState(indexh=9))) is False
    assert session.commit(Snapshot("talk", 2, SlideState(indexh=9))) is False
    assert session.snapshot == Snapshot("talk", 5, SlideState(indexh=5))
    assert session.commit(Snapshot("talk", 6, SlideState(indexh=9))) is True
    assert session.snapshot.state == SlideState(indexh=9)


def test_stale_proposal_cannot_be_committed_after_a_newer_one() -> None:
    session = Session(Snapshot("talk"))
    first = session.propose(SlideState(indexh=1))
    second = session.propose(SlideState(indexh=2))
    assert first is not None and second is not None
    assert session.commit(second) is True
    assert session.commit(first) is False
    assert session.snapshot.state == SlideState(indexh=2)
