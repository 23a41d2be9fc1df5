"""The day's entries per hour are summed by SQLite (``attendance.entries_per_hour``): the
SQL it is given for a quarter's local hour of day agrees with the fair's clock for every
quarter of a day, on a day the clocks change too (Morocco around Ramadan, Paris in March)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk.entry import attendance


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Africa/Casablanca", date(2026, 6, 15)),
        ("Africa/Casablanca", date(2026, 2, 15)),  # back to UTC+0 for Ramadan
        ("Africa/Casablanca", date(2026, 3, 22)),  # and forward again
        ("Europe/Paris", date(2026, 3, 29)),
        ("Europe/Paris", date(2026, 10, 25)),
        ("Asia/Kathmandu", date(2026, 6, 15)),  # a quarter-hour offset
    ],
)
def test_each_quarter_is_counted_in_its_local_hour(zone: str, day: date) -> None:
    tz = ZoneInfo(zone)
    sql = attendance._local_hour_sql(day, tz)
    conn = sqlite3.connect(":memory:")
    start = datetime.combine(day, datetime.min.time(), tz)
    quarters = range(int(start.timestamp()) // 900 - 8, int((start + timedelta(hours=30)).timestamp()) // 900)
    found = [conn.execute(f"SELECT {sql} FROM (SELECT ? AS quarter)", (q,)).fetchone()[0] for q in quarters]
    assert found == [datetime.fromtimestamp(q * 900, tz).hour for q in quarters]
