"""The pure session rules: every reason code of ``decide``, seat allocation, no-show rate."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

import pytest

from kiosk import clock, reasons
from kiosk.sessions import rules

START = clock.at(datetime(2026, 6, 15).date(), time(11))
END = START + timedelta(hours=2)


def facts(capacity: int = 10, required: bool = True) -> rules.SessionFacts:
    return rules.SessionFacts(
        starts_at=START,
        ends_at=END,
        capacity=capacity,
        registration_required=required,
        doors_open_minutes=30,
        no_show_minutes=10,
    )


def door(minutes: float, checked_in: int = 0, held: int = 0) -> rules.Door:
    return rules.Door(moment=START + timedelta(minutes=minutes), checked_in=checked_in, held=held)


def test_ok_for_a_confirmed_registration() -> None:
    assert rules.decide(facts(), "confirmed", door(-5, checked_in=3, held=7)) == "ok"


@pytest.mark.parametrize("minutes", [-31, -30.01, 120, 121, 24 * 60])
def test_session_closed_before_doors_open_and_after_the_end(minutes: float) -> None:
    assert rules.decide(facts(), "confirmed", door(minutes)) == "session_closed"


@pytest.mark.parametrize("minutes", [-30, 0, 119.99])
def test_doors_open_edges(minutes: float) -> None:
    assert rules.decide(facts(), "confirmed", door(minutes)) == "ok"


def test_session_closed_comes_before_everything_else() -> None:
    for status in (None, "checked_in", "waitlist", "cancelled"):
        assert rules.decide(facts(capacity=0), status, door(-60)) == "session_closed"


def test_already_checked_in() -> None:
    assert rules.decide(facts(), "checked_in", door(0, checked_in=10)) == "already_checked_in"


@pytest.mark.parametrize("status", [None, "cancelled"])
def test_not_registered_when_registration_is_required(status: str | None) -> None:
    assert rules.decide(facts(required=True), status, door(0)) == "not_registered"


@pytest.mark.parametrize("status", [None, "cancelled"])
def test_open_session_lets_unregistered_people_take_free_seats(status: str | None) -> None:
    assert rules.decide(facts(required=False), status, door(0, checked_in=4, held=5)) == "ok"
    assert rules.decide(facts(required=False), status, door(0, checked_in=5, held=5)) == "session_full"


def test_walk_in_counts_as_registered_but_needs_a_free_seat() -> None:
    assert rules.decide(facts(required=True), "walk_in", door(0, checked_in=2, held=7)) == "ok"
    assert rules.decide(facts(required=True), "walk_in", door(0, checked_in=3, held=7)) == "session_full"


def test_session_full_for_the_waitlist_while_seats_are_held() -> None:
    assert rules.decide(facts(), "waitlist", door(5, checked_in=4, held=6)) == "session_full"


def test_after_the_release_seats_go_to_whoever_is_at_the_door() -> None:
    # 10 minutes after the start, held seats are no longer held.
    assert rules.decide(facts(), "waitlist", door(10, checked_in=4, held=0)) == "ok"
    assert rules.decide(facts(), "no_show", door(30, checked_in=9, held=0)) == "ok"
    assert rules.decide(facts(), "confirmed", door(30, checked_in=10, held=0)) == "session_full"


def test_zero_capacity_is_always_full() -> None:
    assert rules.decide(facts(capacity=0, required=False), None, door(0)) == "session_full"


def test_every_reason_code_is_reachable_and_listed() -> None:
    statuses = [None, *rules.STATUSES]
    seen = {
        rules.decide(facts(capacity, required), status, door(minutes, checked, held))
        for capacity, required, status, minutes, checked, held in itertools.product(
            (0, 2), (True, False), statuses, (-60, -10, 5, 15, 200), (0, 1, 2), (0, 1, 2)
        )
    }
    assert seen == {"ok", "session_closed", "already_checked_in", "not_registered", "session_full"}
    assert set(reasons.codes(reasons.DOOR)) >= seen


@pytest.mark.parametrize(
    ("reason", "colour"),
    [
        ("ok", "green"),
        ("session_full", "amber"),
        ("not_registered", "amber"),
        ("session_closed", "amber"),
        ("already_checked_in", "amber"),
        ("invalid_signature", "red"),
        ("unknown_format", "red"),
        ("revoked", "red"),
    ],
)
def test_levels(reason: str, colour: str) -> None:
    assert reasons.level(reason) == colour


def test_late_after_the_start() -> None:
    assert not rules.is_late(facts(), START)
    assert rules.is_late(facts(), START + timedelta(seconds=1))


def people(count: int, **flags: set[int]) -> list[rules.Person]:
    """Registrations made in order p0, p1...; flags name the indices cancelled etc."""
    return [
        rules.Person(
            id=f"p{i}",
            rank=("2026-06-01T10:00", i),  # same time: insertion order decides
            cancelled=i in flags.get("cancelled", set()),
            checked_in=i in flags.get("checked_in", set()),
            walk_in=i in flags.get("walk_in", set()),
        )
        for i in range(count)
    ]


def test_first_registrations_hold_the_seats_the_rest_wait() -> None:
    status = rules.allocate(people(5), capacity=3, released=False)
    assert status == {
        "p0": "confirmed",
        "p1": "confirmed",
        "p2": "confirmed",
        "p3": "waitlist",
        "p4": "waitlist",
    }
    assert rules.held_seats(status, released=False) == 3


def test_a_cancellation_moves_the_waitlist_up() -> None:
    status = rules.allocate(people(5, cancelled={1}), capacity=3, released=False)
    assert status["p1"] == "cancelled"
    assert status["p3"] == "confirmed"
    assert status["p4"] == "waitlist"


def test_checked_in_people_and_others_take_seats() -> None:
    status = rules.allocate(people(5, checked_in={0}), capacity=3, released=False, others_in=1)
    assert status == {
        "p0": "checked_in",
        "p1": "confirmed",
        "p2": "waitlist",
        "p3": "waitlist",
        "p4": "waitlist",
    }


def test_after_the_release_no_shows_make_way_for_the_waitlist() -> None:
    status = rules.allocate(people(5, checked_in={0}), capacity=3, released=True)
    # Two free seats: offered to the waitlist (p3, p4) before the no-shows p1, p2.
    assert status == {
        "p0": "checked_in",
        "p1": "no_show",
        "p2": "no_show",
        "p3": "confirmed",
        "p4": "confirmed",
    }
    assert rules.held_seats(status, released=True) == 0


def test_walk_ins_never_hold_seats_when_not_in() -> None:
    status = rules.allocate(people(3, walk_in={0, 1}, checked_in={1}), capacity=2, released=False)
    assert status == {"p0": "walk_in", "p1": "checked_in", "p2": "confirmed"}


def test_no_show_rate() -> None:
    assert rules.no_show_rate(people(0), 3) is None
    # Seats by registration order: p0, p1, p2 (p3 waits); p1 never came.
    assert rules.no_show_rate(people(4, checked_in={0, 2, 3}), 3) == pytest.approx(1 / 3)
    assert rules.no_show_rate(people(2, cancelled={0}, checked_in={1}), 3) == 0.0


def test_a_cancelled_registration_checked_in_at_an_open_session_takes_a_seat() -> None:
    status = rules.allocate(people(3, cancelled={0}, checked_in={0}), capacity=2, released=False)
    assert status == {"p0": "checked_in", "p1": "confirmed", "p2": "waitlist"}
