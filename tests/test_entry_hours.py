"""The day's entries per hour and the chart's quarters are placed by SQLite
(``attendance.local_quarter_sql``): a counter's local quarter of an hour of day agrees with
the fair's clock for every quarter of a day, on a day the clocks change too (Morocco around
Ramadan, Paris in March and October, Nepal's quarter-hour offset)."""

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
def test_each_quarter_is_placed_in_its_local_quarter_of_the_day(zone: str, day: date) -> None:
    tz = ZoneInfo(zone)
    sql = attendance._local_quarter_sql(day, tz)
    conn = sqlite3.connect(":memory:")
    start = datetime.combine(day, datetime.min.time(), tz)
    quarters = range(int(start.timestamp()) // 900 - 8, int((start + timedelta(hours=30)).timestamp()) // 900)
    found = [conn.execute(f"SELECT {sql} FROM (SELECT ? AS quarter)", (q,)).fetchone()[0] for q in quarters]
    local = [datetime.fromtimestamp(q * 900, tz) for q in quarters]
    assert found == [moment.hour * 4 + moment.minute // 15 for moment in local]
