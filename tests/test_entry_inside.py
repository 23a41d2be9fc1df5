"""One definition of "people inside now": entries add, exits subtract in the order they
happened, and the count never goes below zero at any moment. The gate screen, the
``zone_full`` rule, the dashboard and ``/api/v1/attendance`` all read it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from kiosk import clock, instance
from kiosk.db import Database
from kiosk.entry import attendance, scanning, tally
from tests.conftest import FAIR_START
from tests.helpers import ticket

LATE_DAY = FAIR_START + timedelta(days=6)  # the demo's last days close at 00:30


def at(hour: int, minute: int = 0, day: date = FAIR_START) -> datetime:
    return clock.at(day, time(hour, minute))


@pytest.fixture
def db(kiosk_dir: Path) -> Database:
    return instance.open_db(kiosk_dir)


def inside_everywhere(db: Database, zone: str, day: date) -> tuple[int, int]:
    """The figure as the gate screen and the zone_full rule see it, and as the dashboard
    and the API see it."""
    return attendance.inside_zone(db.conn, zone, day), attendance.day_figures(db.conn, day)["inside"][zone]


def test_an_exit_before_any_entry_does_not_cancel_a_later_entry(db) -> None:
    tally.record_walk_in(db, "heritage", "adult", direction="out", moment=at(11))
    tally.record_walk_in(db, "heritage", "adult", direction="in", moment=at(12))
    assert inside_everywhere(db, "heritage", FAIR_START) == (1, 1)
    assert attendance.occupancy(db.conn, FAIR_START)["heritage"] == attendance.ZoneCount(inside=1, peak=1)


def test_zone_full_counts_the_same_people(db, kiosk_dir: Path) -> None:
    db.conn.execute("UPDATE gates SET occupancy_limit = 1 WHERE id = 'kids'")
    tally.record_walk_in(db, "kids", "child", direction="out", moment=at(11))
    tally.record_walk_in(db, "kids", "child", direction="in", moment=at(12))
    scanner = scanning.Scanner()
    verdict = scanner.scan(db, ticket(kiosk_dir, "child")["payload"], "kids", "in", at(12, 30))
    assert verdict.reason == "zone_full"


def test_a_fair_day_that_crosses_midnight_counts_in_time_order(db) -> None:
    after_midnight = LATE_DAY + timedelta(days=1)
    tally.record_walk_in(db, "heritage", "group", 2, direction="in", moment=at(22, day=LATE_DAY))
    tally.record_walk_in(db, "heritage", "group", 2, direction="out", moment=at(0, 15, day=after_midnight))
    tally.record_walk_in(db, "heritage", "adult", direction="in", moment=at(0, 20, day=after_midnight))
    # By wall-clock time alone the 00:15 exit would come first and leave 3 inside.
    assert inside_everywhere(db, "heritage", LATE_DAY) == (1, 1)
    assert attendance.occupancy(db.conn, LATE_DAY)["heritage"].peak == 2
    assert inside_everywhere(db, "heritage", after_midnight) == (0, 0)


def test_a_kiosk_clock_an_hour_fast_is_counted_in_real_order(db, kiosk_dir: Path) -> None:
    tally.record_walk_in(db, "heritage", "adult", direction="in", moment=at(11, 30))
    # Central's view: another device, whose clock runs an hour ahead, saw an exit at
    # 12:00 on its clock (11:00 really, before the entry).
    db.conn.execute(
        "INSERT INTO sync_devices (name, device_id, role, created_at, clock_offset)"
        " VALUES ('fast', 'fast-device', 'entry', '2026-06-01', 3600)"
    )
    db.conn.execute(
        "INSERT INTO walk_ins VALUES ('w-fast', 'fast-device', 1, ?, ?, 'heritage', 'heritage',"
        " 'adult', 1, 'out', NULL)",
        (clock.iso(at(12)), FAIR_START.isoformat()),
    )
    assert inside_everywhere(db, "heritage", FAIR_START) == (1, 1)
