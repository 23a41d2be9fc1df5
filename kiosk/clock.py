"""The fair's clock: aware datetimes in the fair's time zone, replaceable by ``KIOSK_NOW``.

The zone is the fair's (``[fair] timezone`` of the fair file, stored with the event):
an instance calls ``use_zone`` when it opens its database. Until then, and for an
instance without a fair yet, it is Africa/Casablanca. ``KIOSK_NOW`` fixes the clock
for demos and tests (an ISO 8601 time; a naive value is read in the fair's zone).
Every module asks this one for the time.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Africa/Casablanca"
_zone: tzinfo = ZoneInfo(DEFAULT_ZONE)


def use_zone(name: str) -> None:
    """Make ``name`` (an IANA zone) the fair's zone for this process."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> tzinfo:
    """The fair's time zone."""
    return _zone


def now() -> datetime:
    """The current time in the fair's zone, or the fixed time of ``KIOSK_NOW``."""
    fixed = os.environ.get("KIOSK_NOW")
    if fixed:
        return parse_time(fixed)
    return datetime.now(_zone)


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as an aware datetime in the fair's zone (naive means fair time)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=_zone)
    return value.astimezone(_zone)


def fair_date(moment: datetime) -> date:
    """The calendar day of the fair that ``moment`` falls on."""
    return moment.astimezone(_zone).date()


def at(day: date, clock_time: time) -> datetime:
    """The aware datetime of a local wall-clock time on a fair day."""
    return datetime.combine(day, clock_time, tzinfo=_zone)


def iso(moment: datetime) -> str:
    """Serialise an aware datetime with its offset, to the millisecond."""
    return moment.astimezone(_zone).isoformat(timespec="milliseconds")
