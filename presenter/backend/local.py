"""One process: live state in a SQLite file, fanned out within the process.

Writes never run on the event loop: SQLite may wait for a lock another
process holds, and the server must keep answering meanwhile. A write that
cannot be made in time is :class:`~presenter.core.errors.Unavailable`; the
change is then not made at all (not published either), and the next one
tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from presenter.backend import EventListener, ItemListener, RecordListener, StatusListener
from presenter.core.errors import Unavailable
from presenter.core.session import SLIDE, Event, Item, Record

log = logging.getLogger("presenter.store")


class Store(Protocol):
    """Where records live between restarts."""

    def load(self, deck: str, kind: str) -> Record | None:
        """The stored record, or ``None``.

        Raises:
            Unavailable: the storage cannot be read right now.
        """

    async def save(self, record: Record) -> None:
        """Store ``record``; once this returns, it survives ``kill -9``.

        Raises:
            Unavailable: it could not be stored; nothing changed.
        """

    def load_items(self, deck: str) -> list[Item]:
        """Every stored item of ``deck``.

        Raises:
            Unavailable: the storage cannot be read right now.
        """

    async def save_item(self, item: Item) -> None:
        """Store ``item`` (delete it when its value is ``None``); once this
        returns, it survives ``kill -9``.

        Raises:
            Unavailable: it could not be stored; nothing changed.
        """

    def close(self) -> None:
        """Release the storage."""


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


class SqliteStore:
    """Records in one SQLite file (WAL mode), one row per deck and kind.

    Reads use their own connection on the caller's thread; writes go to one
    worker thread, waiting at most ``busy_timeout`` seconds for a lock. If
    the file (or its folder) is deleted while the server runs, the next write
    creates it again with every record this store has seen, so ``seq`` never
    goes back, not even after a restart. A database written by an earlier
    version (a ``snapshots`` table) is read as slide records.

    Raises:
        sqlite3.Error: from the constructor when the file cannot be opened or
            created (the CLI turns that into one line).
    """

    def __init__(self, path: Path, busy_timeout: float = 1.0) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._writer = self._connect(busy_timeout)
        self._reader = self._connect(0.1)
        self._identity = _identity(path)
        self._read_identity = self._identity  # the file the reader has open
        self._known: dict[tuple[str, str], Record] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="presenter-store")
        self._batch: list[tuple[Item, asyncio.Future[None]]] = []
        self._writing = False

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; only power loss may
        # drop the last commits, which is acceptable for live state.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS records (deck TEXT NOT NULL, kind TEXT NOT NULL,"
            " seq INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (deck, kind))"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS items (deck TEXT NOT NULL, coll TEXT NOT NULL,"
            " key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (deck, coll, key))"
        )
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'snapshots'").fetchone():
            db.execute(
                "INSERT OR IGNORE INTO records (deck, kind, seq, value)"
                " SELECT deck, ?, seq, state FROM snapshots",
                (SLIDE,),
            )
        return db

    def load(self, deck: str, kind: str) -> Record | None:
        try:
            if self._read_identity != self._identity:  # the writer made the file again
                identity = self._identity
                self._reader.close()
                self._reader = self._connect(0.1)
                self._read_identity = identity
            row = self._reader.execute(
                "SELECT seq, value FROM records WHERE deck = ? AND kind = ?", (deck, kind)
            ).fetchone()
        except sqlite3.Error as exc:
            raise Unavailable(f"the state database cannot be read ({exc})") from None
        if row is None:
            return None
        try:
            value = json.loads(row[1])
        except ValueError:
            value = None
        # A row we cannot read keeps its seq so numbering never goes back.
        record = Record(deck, kind, int(row[0]), value if isinstance(value, dict) else {})
        self._known[(deck, kind)] = record
        return record

    async def save(self, record: Record) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._write, record)
        except (sqlite3.Error, OSError) as exc:
            raise Unavailable(f"the state database cannot be written ({exc})") from None

    def load_items(self, deck: str) -> list[Item]:
        try:
            rows = self._read_items(deck)
        except sqlite3.Error as exc:
            raise Unavailable(f"the state database cannot be read ({exc})") from None
        items = []
        for coll, key, text in rows:
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict):
                items.append(Item(deck, coll, key, value))
        return items

    def _read_items(self, deck: str) -> list[tuple[str, str, str]]:
        return list(
            self._reader.execute(
                "SELECT coll, key, value FROM items WHERE deck = ?", (deck,)
            ).fetchall()
        )

    async def save_item(self, item: Item) -> None:
        # Group commit: items wait while a batch is written, then go in the
        # next one, one transaction per batch. Ten thousand votes make a few
        # dozen transactions, and a slide change queued behind them waits for
        # one batch, not for every vote. The batches are handled on the event
        # loop; only the writing runs on the store's thread.
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._batch.append((item, done))
        if not self._writing:
            self._write_next()
        await done

    def _write_next(self) -> None:
        batch, self._batch = self._batch, []
        self._writing = bool(batch)
        if not batch:
            return
        loop = asyncio.get_running_loop()
        writing = loop.run_in_executor(self._executor, self._write_items, [i for i, _ in batch])
        writing.add_done_callback(lambda future: self._written(future, batch))

    def _written(
        self, future: asyncio.Future[None], batch: list[tuple[Item, asyncio.Future[None]]]
    ) -> None:
        error = future.exception() if not future.cancelled() else Unavailable("shutting down")
        if isinstance(error, sqlite3.Error | OSError):
            error = Unavailable(f"the state database cannot be written ({error})")
        for _, done in batch:
            if done.done():
                continue
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
        self._write_next()

    def _write_items(self, items: list[Item]) -> None:
        if _identity(self.path) != self._identity:
            self._recreate()
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                if item.value is None:
                    db.execute(
                        "DELETE FROM items WHERE deck = ? AND coll = ? AND key = ?",
                        (item.deck, item.coll, item.key),
                    )
                else:
                    db.execute(
                        "INSERT INTO items (deck, coll, key, value) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(deck, coll, key) DO UPDATE SET value = excluded.value",
                        (item.deck, item.coll, item.key, json.dumps(item.value)),
                    )
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise

    def _write(self, record: Record) -> None:
        # On the store's thread only.
        if _identity(self.path) != self._identity:
            self._recreate()
        self._upsert(self._writer, record)
        self._known[(record.deck, record.kind)] = record

    def _upsert(self, db: sqlite3.Connection, record: Record) -> None:
        db.execute(
            "INSERT INTO records (deck, kind, seq, value) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(deck, kind) DO UPDATE SET seq = excluded.seq, value = excluded.value",
            (record.deck, record.kind, record.seq, json.dumps(record.value)),
        )

    def _recreate(self) -> None:
        log.warning("the state database %s is gone; writing it again", self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        old, self._writer = self._writer, self._connect(self._busy_timeout)
        old.close()
        for record in list(dict(self._known).values()):
            self._upsert(self._writer, record)
        self._identity = _identity(self.path)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._writer.close()
        self._reader.close()


class LocalBackend:
    """The backend of a single process: a :class:`Store` and in-process fan-out.

    ``apply`` stores the record, then calls the listener before returning, so
    this process's sockets get each change in order, once it is stored.
    Being the only writer, it remembers the newest record of each key rather
    than reading it back for every change.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._listener: RecordListener | None = None
        self._on_item: ItemListener | None = None
        self._on_event: EventListener | None = None
        self._current: dict[tuple[str, str], Record | None] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        # Each deck's items as stored, read once; this process is the only writer.
        self._items: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}

    async def start(
        self,
        on_record: RecordListener,
        on_status: StatusListener,
        on_item: ItemListener | None = None,
        on_event: EventListener | None = None,
    ) -> None:
        self._listener = on_record
        self._on_item = on_item
        self._on_event = on_event

    async def stop(self) -> None:
        self._listener = self._on_item = self._on_event = None
        self.store.close()

    def _items_of(self, deck: str) -> dict[tuple[str, str], dict[str, Any]]:
        known = self._items.get(deck)
        if known is None:
            loaded = self.store.load_items(deck)
            known = self._items[deck] = {(i.coll, i.key): i.value or {} for i in loaded}
        return known

    async def load_items(self, deck: str) -> list[Item]:
        known = self._items_of(deck)
        return [Item(deck, coll, key, value) for (coll, key), value in known.items()]

    async def put_item(self, deck: str, coll: str, key: str, value: dict[str, Any] | None) -> bool:
        known = self._items_of(deck)
        if known.get((coll, key)) == value:
            return False
        item = Item(deck, coll, key, value)
        await self.store.save_item(item)
        # Another put of the same key may have been stored meanwhile; the store
        # thread runs them in order, so the last to finish is the stored one.
        if value is None:
            known.pop((coll, key), None)
        else:
            known[(coll, key)] = value
        if self._on_item is not None:
            self._on_item(item)
        return True

    async def publish(self, event: Event) -> None:
        if self._on_event is not None:
            self._on_event(event)

    async def load(self, deck: str, kind: str) -> Record | None:
        key = (deck, kind)
        if key not in self._current:
            self._current[key] = self.store.load(deck, kind)
        return self._current[key]

    async def apply(
        self, deck: str, kind: str, value: dict[str, Any], seen: int = 0
    ) -> tuple[Record, bool]:
        key = (deck, kind)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            current = await self.load(deck, kind)
            if current is not None and current.value == value:
                return current, False
            record = Record(deck, kind, max(current.seq if current else 0, seen) + 1, value)
            await self.store.save(record)
            self._current[key] = record
            if self._listener is not None:
                self._listener(record)
        return record, True
