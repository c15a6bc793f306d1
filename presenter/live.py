"""Applies presenter changes: validate, persist, then publish to every socket."""

from __future__ import annotations

from presenter.broker import Broker
from presenter.core import protocol
from presenter.core.session import Session, Snapshot
from presenter.core.state import SlideState
from presenter.hub import Hub
from presenter.store import StateStore


class Live:
    """The live sessions of every deck this process serves.

    Sessions are created on first use from the store, so a restart resumes
    each deck at its last ``seq``.
    """

    def __init__(self, store: StateStore, broker: Broker, hub: Hub) -> None:
        self._store = store
        self._broker = broker
        self._hub = hub
        self._sessions: dict[str, Session] = {}
        broker.subscribe(hub.broadcast)

    def _session(self, deck: str) -> Session:
        session = self._sessions.get(deck)
        if session is None:
            session = Session(self._store.load(deck) or Snapshot(deck))
            self._sessions[deck] = session
        return session

    def snapshot(self, deck: str) -> Snapshot:
        """The current snapshot of ``deck``."""
        return self._session(deck).snapshot

    def set_state(self, deck: str, state: SlideState) -> Snapshot:
        """Apply a presenter's state and return the resulting snapshot.

        An unchanged state is not stored or broadcast and keeps its ``seq``.
        A changed one is stored before anything is sent.
        """
        session = self._session(deck)
        proposed = session.propose(state)
        if proposed is None:
            return session.snapshot
        self._store.save(proposed)
        session.commit(proposed)
        self._broker.publish(deck, protocol.state_frame(proposed.seq, proposed.state))
        return proposed
