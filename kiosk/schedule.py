"""The fair's calendar: its days and opening hours (reference table ``event_days``), and
the fair day a moment belongs to. The gate, the session door, the dashboard and
central's gate feed all ask this module which day it is.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kiosk import clock


@dataclass(frozen=True)
class OpeningHours:
    """One fair day's hours, local wall-clock. ``closes`` before ``opens`` means after midnight."""

    day: date
    opens: time
    closes: time
    early_opens: time

    def window(self, early: bool) -> tuple[datetime, datetime]:
        start = clock.at(self.day, self.early_opens if early else self.opens)
        end = clock.at(self.day, self.closes)
        if self.closes <= self.opens:
            end = clock.at(self.day + timedelta(days=1), self.closes)
        return start, end


def fair_day(moment: datetime, schedule: list[OpeningHours]) -> date:
    """The fair day a moment belongs to: the day whose hours (early access included)
    contain it, so a scan at 00:30 after an evening show counts for the evening's day;
    outside every day's hours, the calendar date."""
    for hours in schedule:
        start, end = hours.window(early=True)
        if start <= moment < end:
            return hours.day
    return clock.fair_date(moment)


def load_schedule(conn: sqlite3.Connection) -> list[OpeningHours]:
    """The fair's opening hours, day by day (read on every scan, parsed only when changed)."""
    rows = conn.execute("SELECT date, opens, closes, early_opens FROM event_days ORDER BY date")
    return _parse_schedule(tuple(tuple(row) for row in rows))


@functools.lru_cache(maxsize=8)
def _parse_schedule(rows: tuple[tuple[str, str, str, str], ...]) -> list[OpeningHours]:
    return [
        OpeningHours(
            day=date.fromisoformat(day),
            opens=time.fromisoformat(opens),
            closes=time.fromisoformat(closes),
            early_opens=time.fromisoformat(early_opens),
        )
        for day, opens, closes, early_opens in rows
    ]


def today(conn: sqlite3.Connection, moment: datetime | None = None) -> date:
    """The fair day now (or at ``moment``): an evening show after midnight still belongs
    to its evening."""
    return fair_day(moment or clock.now(), load_schedule(conn))
