"""One-time login tickets: redeemed once, within their time, the newest kept."""

from __future__ import annotations

import pytest

from presenter.core.tickets import Tickets


class FakeClock:
    """Seconds that only move when a test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_ticket_redeems_once(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    ticket = tickets.issue()
    assert tickets.redeem(ticket) is True
    assert tickets.redeem(ticket) is False


def test_tickets_are_distinct_url_safe_and_long(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    issued = [tickets.issue() for _ in range(50)]
    assert len(set(issued)) == 50
    for ticket in issued:
        assert len(ticket) >= 20
        assert all(c.isalnum() or c in "-_" for c in ticket), ticket


def test_each_ticket_is_independent(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    first, second = tickets.issue(), tickets.issue()
    assert tickets.redeem(second) is True
    assert tickets.redeem(first) is True
    assert tickets.redeem(first) is False


def test_a_ticket_is_valid_until_just_before_its_ttl(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    ticket = tickets.issue()
    clock.advance(59.9)
    assert tickets.redeem(ticket) is True


def test_expired_tickets_are_refused(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    at_deadline, later = tickets.issue(), tickets.issue()
    clock.advance(60)
    assert tickets.redeem(at_deadline) is False
    clock.advance(1000)
    assert tickets.redeem(later) is False


def test_a_ticket_issued_later_outlives_an_older_one(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    old = tickets.issue()
    clock.advance(40)
    new = tickets.issue()
    clock.advance(30)
    assert tickets.redeem(old) is False
    assert tickets.redeem(new) is True


@pytest.mark.parametrize("ticket", [None, "", "made-up-ticket", " "])
def test_unknown_and_empty_tickets_are_refused(clock: FakeClock, ticket: str | None) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    tickets.issue()
    assert tickets.redeem(ticket) is False


def test_a_near_miss_is_refused(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock)
    ticket = tickets.issue()
    assert tickets.redeem(ticket[:-1]) is False
    assert tickets.redeem(ticket + "x") is False
    assert tickets.redeem(ticket.upper() if ticket != ticket.upper() else ticket.lower()) is False
    assert tickets.redeem(ticket) is True


def test_the_limit_drops_the_oldest_tickets(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock, limit=3)
    issued = [tickets.issue() for _ in range(5)]
    assert tickets.redeem(issued[0]) is False
    assert tickets.redeem(issued[1]) is False
    assert [tickets.redeem(t) for t in issued[2:]] == [True, True, True]


def test_redeemed_tickets_make_room_under_the_limit(clock: FakeClock) -> None:
    tickets = Tickets(ttl=60, clock=clock, limit=2)
    first = tickets.issue()
    assert tickets.redeem(tickets.issue()) is True
    second = tickets.issue()
    assert tickets.redeem(first) is True
    assert tickets.redeem(second) is True
