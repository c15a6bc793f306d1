"""Audience counts across processes: each reports its own, every one adds them up."""

from __future__ import annotations

import asyncio
from typing import Any

from presenter.core.session import Event
from presenter.hub import Hub
from presenter.presence import PRESENCE_EVENT, SharedPresence
from tests.unit.fakes import FakeConnection, until


class Published:
    """A backend that keeps what was published (and tells nobody)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish(self, event: Event) -> None:
        self.events.append(event)


def report(origin: str, audience: int, following: int, deck: str = "talk") -> Event:
    return Event(deck, PRESENCE_EVENT, {"audience": audience, "following": following}, origin)


async def test_other_processes_counts_are_added_and_expire() -> None:
    now = [100.0]
    hub = Hub(presence_interval=0.01)
    backend: Any = Published()
    presence = SharedPresence(backend, hub, "me", refresh=60.0, expire=5.0, clock=lambda: now[0])
    presenter = FakeConnection("talk", role="presenter")
    hub.add(presenter)
    hub.add(FakeConnection("talk"))
    presence.heard_event(report("other", 3, 2))
    presence.heard_event(report("me", 50, 50))  # our own report, back from the backend
    presence.heard_event(report("bad", -1, 0))  # nonsense is ignored
    presence.heard_event(report("bad", 1, 2))
    assert hub.presence("talk") == (4, 3)
    await until(lambda: any(f.get("audience") == 4 for f in frames(presenter)), "4 watching")
    # This process reported its own counts for the others.
    assert report("me", 1, 1) in backend.events
    now[0] += 6.0  # "other" went silent
    presence._tick()
    assert hub.presence("talk") == (1, 1)
    presence.stop()
    hub.close()


async def test_a_deck_that_empties_is_reported_as_zero() -> None:
    hub = Hub(presence_interval=0.01)
    backend: Any = Published()
    presence = SharedPresence(backend, hub, "me", refresh=60.0)
    audience = FakeConnection("talk")
    hub.add(audience)
    await until(lambda: report("me", 1, 1) in backend.events, "the first report")
    hub.set_following(audience, False)
    await until(lambda: report("me", 1, 0) in backend.events, "browsing reported")
    hub.remove(audience)
    await until(lambda: report("me", 0, 0) in backend.events, "the empty deck reported")
    presence.stop()
    hub.close()
    await asyncio.sleep(0)


def frames(conn: FakeConnection) -> list[dict[str, Any]]:
    return conn.of_type("presence")
