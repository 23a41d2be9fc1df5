"""The fair's clock: aware datetimes in Africa/Casablanca, replaceable by ``KIOSK_NOW``.

``KIOSK_NOW`` fixes the clock for demos and tests (an ISO 8601 time; a naive value
is read in the fair's zone). Every module asks this one for the time.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

FAIR_TZ = ZoneInfo("Africa/Casablanca")


def now() -> datetime:
    """The current time in the fair's zone, or the fixed time of ``KIOSK_NOW``."""
    fixed = os.environ.get("KIOSK_NOW")
    if fixed:
        return parse_time(fixed)
    return datetime.now(FAIR_TZ)


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as an aware datetime in the fair's zone (naive means fair time)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=FAIR_TZ)
    return value.astimezone(FAIR_TZ)


def fair_date(moment: datetime) -> date:
    """The calendar day of the fair that ``moment`` falls on."""
    return moment.astimezone(FAIR_TZ).date()


def at(day: date, clock_time: time) -> datetime:
    """The aware datetime of a local wall-clock time on a fair day."""
    return datetime.combine(day, clock_time, tzinfo=FAIR_TZ)


def iso(moment: datetime) -> str:
    """Serialise an aware datetime with its offset, to the millisecond."""
    return moment.astimezone(FAIR_TZ).isoformat(timespec="milliseconds")
