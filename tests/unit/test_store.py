"""Persistence of snapshots: SQLite (default) and in-memory stores."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from presenter.core.errors import Unavailable
from presenter.core.session import Snapshot
from presenter.core.state import SlideState
from presenter.store import MemoryStore, SqliteStore

SNAPSHOT = Snapshot("talk", 7, SlideState(indexh=3, indexv=1, indexf=-1, paused=True))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(db_path)
    try:
        yield store
    finally:
        store.close()


async def test_sqlite_save_load_round_trip(store: SqliteStore) -> None:
    await store.save(SNAPSHOT)
    assert store.load("talk") == SNAPSHOT


async def test_sqlite_unknown_deck_is_none(store: SqliteStore) -> None:
    assert store.load("nope") is None
    await store.save(SNAPSHOT)
    assert store.load("nope") is None


async def test_sqlite_save_replaces_the_row_of_the_deck(store: SqliteStore) -> None:
    await store.save(SNAPSHOT)
    newer = Snapshot("talk", 8, SlideState(indexh=4, overview=True))
    other = Snapshot("other", 1, SlideState(indexh=9))
    await store.save(newer)
    await store.save(other)
    assert store.load("talk") == newer
    assert store.load("other") == other


async def test_sqlite_survives_reopening(db_path: Path) -> None:
    first = SqliteStore(db_path)
    await first.save(SNAPSHOT)
    first.close()
    second = SqliteStore(db_path)
    try:
        assert second.load("talk") == SNAPSHOT
    finally:
        second.close()


async def test_sqlite_is_visible_to_another_connection_right_after_save(
    store: SqliteStore, db_path: Path
) -> None:
    await store.save(SNAPSHOT)
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("SELECT seq FROM snapshots WHERE deck = 'talk'").fetchone() == (7,)


def test_sqlite_uses_wal_journal_mode(store: SqliteStore, db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as db:
        (mode,) = db.execute("PRAGMA journal_mode").fetchone()
    assert mode.lower() == "wal"


async def test_sqlite_unreadable_row_keeps_its_seq(store: SqliteStore, db_path: Path) -> None:
    await store.save(SNAPSHOT)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("UPDATE snapshots SET state = 'not json' WHERE deck = 'talk'")
    assert store.load("talk") == Snapshot("talk", 7, SlideState())


def test_sqlite_cannot_open_a_folder(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.Error):
        SqliteStore(tmp_path)


async def test_memory_store_round_trip() -> None:
    store = MemoryStore()
    assert store.load("talk") is None
    await store.save(SNAPSHOT)
    assert store.load("talk") == SNAPSHOT
    newer = Snapshot("talk", 8)
    await store.save(newer)
    assert store.load("talk") == newer
    assert store.load("other") is None
    store.close()
    assert store.load("talk") is None


async def test_a_write_lock_held_elsewhere_is_unavailable_not_a_stall(db_path: Path) -> None:
    store = SqliteStore(db_path, busy_timeout=0.2)
    await store.save(SNAPSHOT)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(Unavailable, match="cannot be written"):
            await store.save(Snapshot("talk", 8))
        # Reads go on meanwhile (WAL readers are not blocked by a writer).
        assert store.load("talk") == SNAPSHOT
        other.execute("ROLLBACK")
    # Once the lock is gone, writing works again by itself.
    await store.save(Snapshot("talk", 8))
    assert store.load("talk") == Snapshot("talk", 8)
    store.close()


async def test_a_deleted_database_is_written_again_with_every_known_deck(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.sqlite3"
    path.parent.mkdir()
    store = SqliteStore(path)
    await store.save(SNAPSHOT)
    await store.save(Snapshot("other", 3))
    for leftover in path.parent.iterdir():
        leftover.unlink()
    path.parent.rmdir()
    await store.save(Snapshot("talk", 8))
    store.close()
    reopened = SqliteStore(path)
    try:
        # Both decks are there, "other" too although it did not change.
        assert reopened.load("talk") == Snapshot("talk", 8)
        assert reopened.load("other") == Snapshot("other", 3)
    finally:
        reopened.close()
