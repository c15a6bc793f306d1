"""The talk timer every presenter device shares: started, paused and reset by any of them.

It is a deck's live record of kind :data:`TIMER`, stored and shared like the
slide state, so the speaker view, the phone remote and a second laptop show
the same time, after reloads and restarts too. Times are wall-clock seconds
from the server's clock, passed in as ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from presenter.core.errors import ProtocolError

TIMER = "timer"
"""The kind of the record that holds a deck's talk timer."""

Action = Literal["start", "pause", "reset"]
ACTIONS: tuple[Action, ...] = ("start", "pause", "reset")


@dataclass(frozen=True, slots=True)
class TalkTimer:
    """Elapsed talk time: ``elapsed`` seconds banked, plus the time since
    ``started_at`` while it runs."""

    running: bool = False
    started_at: float | None = None
    elapsed: float = 0.0

    @property
    def pristine(self) -> bool:
        """Never started since the last reset."""
        return not self.running and self.elapsed == 0.0

    def elapsed_at(self, now: float) -> float:
        """Seconds on the clock at ``now``."""
        if self.running and self.started_at is not None:
            return self.elapsed + max(0.0, now - self.started_at)
        return self.elapsed

    def apply(self, action: Action, now: float) -> TalkTimer:
        """The timer after a presenter's ``action`` at ``now`` (starting a running
        timer or pausing a stopped one changes nothing)."""
        if action == "reset":
            return TalkTimer()
        if action == "start":
            return self if self.running else TalkTimer(True, now, self.elapsed)
        if not self.running:
            return self
        return TalkTimer(False, None, self.elapsed_at(now))

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"running": self.running, "startedAt": self.started_at, "elapsed": self.elapsed}

    @classmethod
    def from_json(cls, value: object) -> TalkTimer:
        """Read the stored form; anything damaged reads as a reset timer."""
        if not isinstance(value, dict):
            return cls()
        running, started, elapsed = (
            value.get("running"),
            value.get("startedAt"),
            value.get("elapsed"),
        )
        if not isinstance(running, bool) or not isinstance(elapsed, int | float):
            return cls()
        if isinstance(elapsed, bool) or elapsed < 0:
            return cls()
        if running and (isinstance(started, bool) or not isinstance(started, int | float)):
            return cls()
        return cls(running, float(started) if running else None, float(elapsed))  # type: ignore[arg-type]


def parse_action(value: object) -> Action:
    """Validate a ``timer`` message's ``action``.

    Raises:
        ProtocolError: ``bad_message`` for anything but start, pause or reset.
    """
    for action in ACTIONS:
        if value == action:
            return action
    raise ProtocolError("bad_message", 'timer needs an "action": "start", "pause" or "reset"')
