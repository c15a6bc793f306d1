"""The slide state every audience browser follows.

It has the shape of reveal.js ``Reveal.getState()``: ``indexh``, ``indexv``,
``indexf`` (-1 or null when no fragment is shown), ``paused`` (blackout) and
``overview``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from presenter.core.errors import ProtocolError

_INDEX_KEYS = ("indexh", "indexv")
_FLAG_KEYS = ("paused", "overview")


@dataclass(frozen=True, slots=True)
class SlideState:
    """One position in a deck. Equal states compare equal; instances are immutable."""

    indexh: int = 0
    indexv: int = 0
    indexf: int | None = None
    paused: bool = False
    overview: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the wire form: a dict with all five keys."""
        return {
            "indexh": self.indexh,
            "indexv": self.indexv,
            "indexf": self.indexf,
            "paused": self.paused,
            "overview": self.overview,
        }

    @classmethod
    def from_json(cls, value: object) -> SlideState:
        """Validate a decoded JSON value and build a state from it.

        Missing keys take their defaults and unknown keys are dropped.

        Raises:
            ProtocolError: with code ``bad_message`` when ``value`` is not an
                object or a key has the wrong type or range (floats, strings,
                booleans given as indices, negative indices, ``indexf`` < -1).
        """
        if not isinstance(value, dict):
            raise ProtocolError("bad_message", "state must be a JSON object")
        fields: dict[str, Any] = {}
        for key in _INDEX_KEYS:
            if key in value:
                fields[key] = _index(key, value[key], minimum=0)
        if "indexf" in value and value["indexf"] is not None:
            fields["indexf"] = _index("indexf", value["indexf"], minimum=-1)
        for key in _FLAG_KEYS:
            if key in value:
                flag = value[key]
                if not isinstance(flag, bool):
                    raise ProtocolError("bad_message", f"state.{key} must be true or false")
                fields[key] = flag
        return cls(**fields)


def _index(key: str, value: object, minimum: int) -> int:
    # bool is a subclass of int in Python; JSON true is not an index.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError("bad_message", f"state.{key} must be an integer")
    if value < minimum:
        raise ProtocolError("bad_message", f"state.{key} must be >= {minimum}")
    if value > 1_000_000:
        raise ProtocolError("bad_message", f"state.{key} is out of range")
    return value
