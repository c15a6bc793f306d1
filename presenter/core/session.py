"""One live deck's position: the current state and its sequence number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from presenter.core.state import SlideState


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The state of one deck at sequence number ``seq``.

    ``seq`` grows by one per accepted change and never goes back.
    """

    deck: str
    seq: int = 0
    state: SlideState = SlideState()  # noqa: RUF009 (immutable, safe to share)

    def to_json(self) -> dict[str, Any]:
        """The body of ``GET /decks/<id>/api/state``."""
        return {"deck": self.deck, "seq": self.seq, "state": self.state.to_json()}


class Session:
    """The live position of one deck in this process.

    Changing state is two steps so the caller can persist in between:
    :meth:`propose` says what the next snapshot would be (or ``None`` when the
    state is unchanged), then :meth:`commit` makes it current.
    """

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot."""
        return self._snapshot

    def propose(self, state: SlideState) -> Snapshot | None:
        """Return the snapshot ``state`` would lead to, or ``None`` if it equals the current one."""
        if state == self._snapshot.state:
            return None
        return Snapshot(self._snapshot.deck, self._snapshot.seq + 1, state)

    def commit(self, snapshot: Snapshot) -> bool:
        """Make ``snapshot`` current unless it is not newer; return whether it was applied."""
        if snapshot.seq <= self._snapshot.seq:
            return False
        self._snapshot = snapshot
        return True
