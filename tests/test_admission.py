"""The admission rules, one reason code at a time, and the day/hour edges."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from kiosk import clock, reasons
from kiosk.entry.admission import TicketFacts, decide
from kiosk.schedule import OpeningHours, fair_day
from tests.gates_helpers import DAY1, HOURS, situation

LATE = OpeningHours(DAY1 + timedelta(days=1), opens=time(10), closes=time(0, 30), early_opens=time(8))
SCHEDULE = [HOURS, LATE]

DAY_TICKET = TicketFacts(
    serial=1, type_id="day", valid_from=DAY1, valid_days=1, zones=None, early_access=False
)
EXHIBITOR = replace(DAY_TICKET, type_id="exhibitor", valid_days=8, early_access=True)
CHILD = replace(DAY_TICKET, type_id="child", zones=frozenset({"sales", "kids"}))


def at(hour: int, minute: int = 0, day: date = DAY1) -> datetime:
    return clock.at(day, time(hour, minute))


def test_valid_ticket_is_admitted() -> None:
    assert decide(DAY_TICKET, situation()) == "ok"


def test_revoked_ticket_is_refused_even_when_everything_else_fits() -> None:
    assert decide(DAY_TICKET, situation(revoked=True)) == "revoked"


@pytest.mark.parametrize(
    "changes",
    [
        {"revoked": False, "hours": None},
        {"day": DAY1 + timedelta(days=3)},
        {"moment": at(3)},
        {"zone_id": "heritage"},
    ],
)
def test_exit_of_a_ticket_inside_always_succeeds(changes: dict[str, object]) -> None:
    assert decide(CHILD, situation(direction="out", ticket_inside=True, **changes)) == "ok"


def test_revoked_ticket_inside_may_still_leave() -> None:
    assert decide(DAY_TICKET, situation(direction="out", ticket_inside=True, revoked=True)) == "ok"


def test_exit_of_a_ticket_not_inside_is_not_inside() -> None:
    assert decide(DAY_TICKET, situation(direction="out", ticket_inside=False)) == "not_inside"


def test_reentry_after_exit_follows_the_ticket_type() -> None:
    assert decide(DAY_TICKET, situation(ticket_left=True)) == "ok"
    once = replace(DAY_TICKET, reentry=False)
    assert decide(once, situation(ticket_left=True)) == "no_reentry"
    assert decide(once, situation(ticket_left=False)) == "ok"


def test_ticket_for_another_day() -> None:
    assert (
        decide(
            DAY_TICKET,
            situation(day=DAY1 + timedelta(days=1), hours=LATE, moment=at(11, day=DAY1 + timedelta(days=1))),
        )
        == "not_valid_today"
    )


def test_not_a_fair_day() -> None:
    assert decide(DAY_TICKET, situation(hours=None)) == "not_valid_today"


def test_multi_day_pass_valid_on_its_last_day_not_after() -> None:
    last = DAY1 + timedelta(days=7)
    hours = OpeningHours(last, time(10), time(22), time(8))
    assert decide(EXHIBITOR, situation(day=last, hours=hours, moment=clock.at(last, time(12)))) == "ok"
    after = last + timedelta(days=1)
    hours_after = OpeningHours(after, time(10), time(22), time(8))
    assert (
        decide(EXHIBITOR, situation(day=after, hours=hours_after, moment=clock.at(after, time(12))))
        == "not_valid_today"
    )


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (at(9, 59), "outside_hours"),
        (at(10, 0), "ok"),
        (at(21, 59), "ok"),
        (at(22, 0), "outside_hours"),
        (at(7, 0), "outside_hours"),
    ],
)
def test_opening_hours_edges_for_visitors(moment: datetime, reason: str) -> None:
    assert decide(DAY_TICKET, situation(moment=moment)) == reason


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (at(7, 59), "outside_hours"),
        (at(8, 0), "ok"),
        (at(9, 30), "ok"),
    ],
)
def test_early_access_for_exhibitors(moment: datetime, reason: str) -> None:
    assert decide(EXHIBITOR, situation(moment=moment)) == reason


def test_wrong_zone() -> None:
    assert decide(CHILD, situation(zone_id="conference")) == "wrong_zone"
    assert decide(CHILD, situation(zone_id="kids")) == "ok"


def test_already_inside() -> None:
    assert decide(DAY_TICKET, situation(ticket_inside=True)) == "already_inside"


def test_zone_full_at_the_limit_not_before() -> None:
    assert decide(DAY_TICKET, situation(occupancy_limit=60, inside_zone=59)) == "ok"
    assert decide(DAY_TICKET, situation(occupancy_limit=60, inside_zone=60)) == "zone_full"


def test_reasons_are_checked_in_the_documented_order() -> None:
    everything_wrong = situation(
        revoked=True, hours=None, zone_id="conference", ticket_inside=True, occupancy_limit=0
    )
    assert decide(CHILD, everything_wrong) == "revoked"
    assert decide(CHILD, replace(everything_wrong, revoked=False)) == "not_valid_today"
    assert (
        decide(CHILD, replace(everything_wrong, revoked=False, hours=HOURS, moment=at(6))) == "outside_hours"
    )
    assert decide(CHILD, replace(everything_wrong, revoked=False, hours=HOURS)) == "wrong_zone"
    assert (
        decide(CHILD, replace(everything_wrong, revoked=False, hours=HOURS, zone_id="kids"))
        == "already_inside"
    )
    assert (
        decide(
            CHILD, replace(everything_wrong, revoked=False, hours=HOURS, zone_id="kids", ticket_inside=False)
        )
        == "zone_full"
    )


def test_levels() -> None:
    assert reasons.level("ok") == "green"
    for reason in ("not_valid_today", "outside_hours", "wrong_zone", "already_inside", "zone_full"):
        assert reasons.level(reason) == "amber"
    for reason in ("unknown_format", "unknown_ticket", "unknown_key", "invalid_signature", "revoked"):
        assert reasons.level(reason) == "red"


# Fair days and midnight: the day a moment belongs to.


def test_after_midnight_belongs_to_the_evening_day() -> None:
    second = DAY1 + timedelta(days=1)
    assert fair_day(clock.at(second + timedelta(days=1), time(0, 15)), SCHEDULE) == second


def test_after_late_closing_is_the_calendar_day() -> None:
    second = DAY1 + timedelta(days=1)
    assert fair_day(clock.at(second + timedelta(days=1), time(0, 45)), SCHEDULE) == second + timedelta(days=1)


def test_late_day_window_spans_midnight() -> None:
    start, end = LATE.window(early=False)
    assert end - start == timedelta(hours=14, minutes=30)
    ticket = replace(DAY_TICKET, valid_from=LATE.day)
    just_after_midnight = clock.at(LATE.day + timedelta(days=1), time(0, 20))
    assert decide(ticket, situation(day=LATE.day, hours=LATE, moment=just_after_midnight)) == "ok"


def test_fair_day_uses_the_fair_time_zone() -> None:
    # 23:30 UTC on the 15th is 00:30 on the 16th in Casablanca (UTC+1): outside the
    # first day's hours, so the calendar day in the fair's zone.
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 6, 15, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert fair_day(moment, [HOURS]) == date(2026, 6, 16)
    # 20:30 UTC is 21:30 local: still inside day one.
    assert fair_day(datetime(2026, 6, 15, 20, 30, tzinfo=ZoneInfo("UTC")), [HOURS]) == DAY1


def test_opening_hour_is_compared_in_local_time() -> None:
    from zoneinfo import ZoneInfo

    # 09:30 UTC is 10:30 in Casablanca in June: open.
    moment = datetime(2026, 6, 15, 9, 30, tzinfo=ZoneInfo("UTC"))
    assert decide(DAY_TICKET, situation(moment=moment)) == "ok"
    before = datetime(2026, 6, 15, 8, 30, tzinfo=ZoneInfo("UTC"))
    assert decide(DAY_TICKET, situation(moment=before)) == "outside_hours"
