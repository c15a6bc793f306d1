"""The local backend: records in SQLite (or memory), fanned out within the process."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from presenter.backend.local import LocalBackend, SqliteStore
from presenter.core.errors import Unavailable
from presenter.core.session import SLIDE, Item, Record, Snapshot
from presenter.core.state import SlideState
from tests.unit.fakes import MemoryStore

SNAPSHOT = Snapshot("talk", 7, SlideState(indexh=3, indexv=1, indexf=-1, paused=True)).record()


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
    assert store.load("talk", SLIDE) == SNAPSHOT


async def test_sqlite_unknown_deck_is_none(store: SqliteStore) -> None:
    assert store.load("nope", SLIDE) is None
    await store.save(SNAPSHOT)
    assert store.load("nope", SLIDE) is None


async def test_sqlite_save_replaces_the_row_of_the_deck(store: SqliteStore) -> None:
    await store.save(SNAPSHOT)
    newer = Snapshot("talk", 8, SlideState(indexh=4, overview=True)).record()
    other = Snapshot("other", 1, SlideState(indexh=9)).record()
    await store.save(newer)
    await store.save(other)
    assert store.load("talk", SLIDE) == newer
    assert store.load("other", SLIDE) == other


async def test_sqlite_survives_reopening(db_path: Path) -> None:
    first = SqliteStore(db_path)
    await first.save(SNAPSHOT)
    first.close()
    second = SqliteStore(db_path)
    try:
        assert second.load("talk", SLIDE) == SNAPSHOT
    finally:
        second.close()


async def test_sqlite_is_visible_to_another_connection_right_after_save(
    store: SqliteStore, db_path: Path
) -> None:
    await store.save(SNAPSHOT)
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("SELECT seq FROM records WHERE deck = 'talk'").fetchone() == (7,)


def test_sqlite_uses_wal_journal_mode(store: SqliteStore, db_path: Path) -> None:
    with closing(sqlite3.connect(db_path)) as db:
        (mode,) = db.execute("PRAGMA journal_mode").fetchone()
    assert mode.lower() == "wal"


async def test_sqlite_unreadable_row_keeps_its_seq(store: SqliteStore, db_path: Path) -> None:
    await store.save(SNAPSHOT)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("UPDATE records SET value = 'not json' WHERE deck = 'talk'")
    assert store.load("talk", SLIDE) == Record("talk", SLIDE, 7, {})
    assert Snapshot.of(Record("talk", SLIDE, 7, {"indexh": "x"})) == Snapshot("talk", 7)


def test_sqlite_cannot_open_a_folder(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.Error):
        SqliteStore(tmp_path)


async def test_memory_store_round_trip() -> None:
    store = MemoryStore()
    assert store.load("talk", SLIDE) is None
    await store.save(SNAPSHOT)
    assert store.load("talk", SLIDE) == SNAPSHOT
    newer = Snapshot("talk", 8).record()
    await store.save(newer)
    assert store.load("talk", SLIDE) == newer
    assert store.load("other", SLIDE) is None
    store.close()
    assert store.load("talk", SLIDE) is None


async def test_a_write_lock_held_elsewhere_is_unavailable_not_a_stall(db_path: Path) -> None:
    store = SqliteStore(db_path, busy_timeout=0.2)
    await store.save(SNAPSHOT)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(Unavailable, match="cannot be written"):
            await store.save(Snapshot("talk", 8).record())
        # Reads go on meanwhile (WAL readers are not blocked by a writer).
        assert store.load("talk", SLIDE) == SNAPSHOT
        other.execute("ROLLBACK")
    # Once the lock is gone, writing works again by itself.
    await store.save(Snapshot("talk", 8).record())
    assert store.load("talk", SLIDE) == Snapshot("talk", 8).record()
    store.close()


async def test_a_deleted_database_is_written_again_with_every_known_deck(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.sqlite3"
    path.parent.mkdir()
    store = SqliteStore(path)
    await store.save(SNAPSHOT)
    await store.save(Snapshot("other", 3).record())
    for leftover in path.parent.iterdir():
        leftover.unlink()
    path.parent.rmdir()
    await store.save(Snapshot("talk", 8).record())
    store.close()
    reopened = SqliteStore(path)
    try:
        # Both decks are there, "other" too although it did not change.
        assert reopened.load("talk", SLIDE) == Snapshot("talk", 8).record()
        assert reopened.load("other", SLIDE) == Snapshot("other", 3).record()
    finally:
        reopened.close()


async def test_a_database_of_the_previous_version_is_read(db_path: Path) -> None:
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("CREATE TABLE snapshots (deck TEXT PRIMARY KEY, seq INTEGER, state TEXT)")
        db.execute("INSERT INTO snapshots VALUES ('talk', 12, '{\"indexh\": 4, \"paused\": true}')")
    store = SqliteStore(db_path)
    try:
        record = store.load("talk", SLIDE)
        assert record is not None
        assert Snapshot.of(record) == Snapshot("talk", 12, SlideState(indexh=4, paused=True))
    finally:
        store.close()


async def test_the_backend_numbers_stores_and_tells_its_listener() -> None:
    heard: list[Record] = []
    backend = LocalBackend(MemoryStore())
    await backend.start(heard.append, lambda up: None)
    record, changed = await backend.apply("talk", SLIDE, {"indexh": 1})
    assert changed
    assert record == Record("talk", SLIDE, 1, {"indexh": 1})
    assert heard == [record]
    assert await backend.load("talk", SLIDE) == record
    # The same value again is no change: not numbered, not told.
    assert await backend.apply("talk", SLIDE, {"indexh": 1}) == (record, False)
    # Numbering goes on from the newest seq the caller knows, if that is higher.
    newer, _ = await backend.apply("talk", SLIDE, {"indexh": 2}, seen=7)
    assert newer.seq == 8
    assert heard == [record, newer]
    await backend.stop()


async def test_a_failed_write_is_neither_kept_nor_told(db_path: Path) -> None:
    heard: list[Record] = []
    backend = LocalBackend(SqliteStore(db_path, busy_timeout=0.2))
    await backend.start(heard.append, lambda up: None)
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(Unavailable):
            await backend.apply("talk", SLIDE, {"indexh": 1})
        other.execute("ROLLBACK")
    assert heard == []
    assert await backend.load("talk", SLIDE) is None
    record, _ = await backend.apply("talk", SLIDE, {"indexh": 1})
    assert record.seq == 1
    await backend.stop()


# --- items: many small values, written in batches -------------------------------------


async def test_items_written_together_are_all_stored_and_read_back(db_path: Path) -> None:
    store = SqliteStore(db_path)
    items = [Item("talk", "vote:p:0", f"v{n}", {"choices": [n % 3]}) for n in range(500)]
    await asyncio.gather(*(store.save_item(item) for item in items))
    await store.save_item(Item("talk", "vote:p:0", "v7", None))  # withdrawn
    await store.save_item(Item("talk", "vote:p:0", "v8", {"choices": [2]}))  # changed
    store.close()
    again = SqliteStore(db_path)
    stored = {item.key: item.value for item in again.load_items("talk")}
    assert len(stored) == 499
    assert "v7" not in stored
    assert stored["v8"] == {"choices": [2]}
    assert stored["v9"] == {"choices": [0]}
    assert again.load_items("other") == []
    again.close()


async def test_a_batch_that_cannot_be_written_is_unavailable_for_each_item(
    db_path: Path,
) -> None:
    store = SqliteStore(db_path, busy_timeout=0.2)
    await store.save_item(Item("talk", "q", "q0", {"text": "before"}))
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        results = await asyncio.gather(
            *(store.save_item(Item("talk", "q", f"q{n}", {"n": n})) for n in range(1, 6)),
            return_exceptions=True,
        )
        other.execute("ROLLBACK")
    assert all(isinstance(r, Unavailable) for r in results), results
    # Nothing of the failed batch was stored, and the next write works.
    await store.save_item(Item("talk", "q", "q9", {"text": "after"}))
    assert {i.key for i in store.load_items("talk")} == {"q0", "q9"}
    store.close()


async def test_the_backend_tells_each_stored_item_once_and_skips_no_change() -> None:
    backend = LocalBackend(MemoryStore())
    heard: list[Item] = []
    await backend.start(lambda r: None, lambda up: None, heard.append)
    assert await backend.put_item("talk", "up", "q1 v1", {})
    assert not await backend.put_item("talk", "up", "q1 v1", {})  # the same: no change
    assert await backend.put_item("talk", "up", "q1 v1", None)
    assert not await backend.put_item("talk", "up", "q1 v1", None)
    assert heard == [Item("talk", "up", "q1 v1", {}), Item("talk", "up", "q1 v1", None)]
    assert await backend.load_items("talk") == []
