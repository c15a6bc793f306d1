"""Persistence of each deck's snapshot, so a restart resumes on the right slide.

Writes never run on the event loop: SQLite may wait for a lock another
process holds, and the server must keep answering meanwhile. A write that
cannot be made in time is :class:`~presenter.core.errors.Unavailable`; the
change is then not made at all (not broadcast either), and the next one
tries again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from presenter.core.errors import ProtocolError, Unavailable
from presenter.core.session import Snapshot
from presenter.core.state import SlideState

log = logging.getLogger("presenter.store")


class StateStore(Protocol):
    """Where snapshots live between restarts."""

    def load(self, deck: str) -> Snapshot | None:
        """The last saved snapshot of ``deck``, or ``None``.

        Raises:
            Unavailable: the storage cannot be read right now.
        """

    async def save(self, snapshot: Snapshot) -> None:
        """Store ``snapshot``; once this returns, it survives ``kill -9``.

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
    """Snapshots in one SQLite file (WAL mode), one row per deck.

    Reads use their own connection on the caller's thread; writes go to one
    worker thread, waiting at most ``busy_timeout`` seconds for a lock. If
    the file (or its folder) is deleted while the server runs, the next write
    creates it again with every snapshot this store has seen, so ``seq``
    never goes back, not even after a restart.

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
        self._known: dict[str, Snapshot] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="presenter-store")

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout
        )
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; only power loss may
        # drop the last commits, which is acceptable for a slide position.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS snapshots ("
            " deck TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL)"
        )
        return db

    def load(self, deck: str) -> Snapshot | None:
        try:
            if self._read_identity != self._identity:  # the writer made the file again
                identity = self._identity
                self._reader.close()
                self._reader = self._connect(0.1)
                self._read_identity = identity
            row = self._reader.execute(
                "SELECT seq, state FROM snapshots WHERE deck = ?", (deck,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise Unavailable(f"the state database cannot be read ({exc})") from None
        if row is None:
            return None
        try:
            state = SlideState.from_json(json.loads(row[1]))
        except (ValueError, ProtocolError):
            # A row we cannot read keeps its seq so numbering never goes back.
            state = SlideState()
        snapshot = Snapshot(deck, int(row[0]), state)
        self._known[deck] = snapshot
        return snapshot

    async def save(self, snapshot: Snapshot) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self._write, snapshot)
        except (sqlite3.Error, OSError) as exc:
            raise Unavailable(f"the state database cannot be written ({exc})") from None

    def _write(self, snapshot: Snapshot) -> None:
        # On the store's thread only.
        if _identity(self.path) != self._identity:
            self._recreate()
        self._upsert(self._writer, snapshot)
        self._known[snapshot.deck] = snapshot

    def _upsert(self, db: sqlite3.Connection, snapshot: Snapshot) -> None:
        db.execute(
            "INSERT INTO snapshots (deck, seq, state) VALUES (?, ?, ?)"
            " ON CONFLICT(deck) DO UPDATE SET seq = excluded.seq, state = excluded.state",
            (snapshot.deck, snapshot.seq, json.dumps(snapshot.state.to_json())),
        )

    def _recreate(self) -> None:
        log.warning("the state database %s is gone; writing it again", self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        old, self._writer = self._writer, self._connect(self._busy_timeout)
        old.close()
        for snapshot in list(dict(self._known).values()):
            self._upsert(self._writer, snapshot)
        self._identity = _identity(self.path)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self._writer.close()
        self._reader.close()


class MemoryStore:
    """Snapshots kept in memory only (for tests and throwaway servers)."""

    def __init__(self) -> None:
        self._rows: dict[str, Snapshot] = {}

    def load(self, deck: str) -> Snapshot | None:
        return self._rows.get(deck)

    async def save(self, snapshot: Snapshot) -> None:
        self._rows[snapshot.deck] = snapshot

    def close(self) -> None:
        self._rows.clear()
