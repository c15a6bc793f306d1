"""Persistence of each deck's snapshot, so a restart resumes on the right slide."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Protocol

from presenter.core.errors import ProtocolError
from presenter.core.session import Snapshot
from presenter.core.state import SlideState

DATABASE_NAME = "state.sqlite3"


class StateStore(Protocol):
    """Where snapshots live between restarts."""

    def load(self, deck: str) -> Snapshot | None:
        """The last saved snapshot of ``deck``, or ``None``."""

    def save(self, snapshot: Snapshot) -> None:
        """Store ``snapshot``; when this returns, it survives ``kill -9``."""

    def close(self) -> None:
        """Release the storage."""


class SqliteStore:
    """Snapshots in one SQLite file (WAL mode), one row per deck.

    Raises:
        sqlite3.Error: from the constructor when the file cannot be opened or
            created (the CLI turns that into one line).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process crash; only power loss may
        # drop the last commits, which is acceptable for a slide position.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS snapshots ("
            " deck TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL)"
        )

    def load(self, deck: str) -> Snapshot | None:
        row = self._db.execute(
            "SELECT seq, state FROM snapshots WHERE deck = ?", (deck,)
        ).fetchone()
        if row is None:
            return None
        try:
            state = SlideState.from_json(json.loads(row[1]))
        except (ValueError, ProtocolError):
            # A row we cannot read keeps its seq so numbering never goes back.
            state = SlideState()
        return Snapshot(deck, int(row[0]), state)

    def save(self, snapshot: Snapshot) -> None:
        self._db.execute(
            "INSERT INTO snapshots (deck, seq, state) VALUES (?, ?, ?)"
            " ON CONFLICT(deck) DO UPDATE SET seq = excluded.seq, state = excluded.state",
            (snapshot.deck, snapshot.seq, json.dumps(snapshot.state.to_json())),
        )

    def close(self) -> None:
        self._db.close()


class MemoryStore:
    """Snapshots kept in memory only (for tests and throwaway servers)."""

    def __init__(self) -> None:
        self._rows: dict[str, Snapshot] = {}

    def load(self, deck: str) -> Snapshot | None:
        return self._rows.get(deck)

    def save(self, snapshot: Snapshot) -> None:
        self._rows[snapshot.deck] = snapshot

    def close(self) -> None:
        self._rows.clear()
