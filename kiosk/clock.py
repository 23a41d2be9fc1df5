"""The fair's clock: aware datetimes in the fair's time zone, replaceable by ``KIOSK_NOW``.

The zone is the fair's (``[fair] timezone`` of the fair file, stored with the event):
an instance calls ``use_fair_zone`` when it opens its database and a kiosk again after
each sync pull. Until then, and for an
instance without a fair yet, it is Africa/Casablanca. Every module asks this one for
the time.

``KIOSK_NOW`` (an ISO 8601 time; a naive value is read in the fair's zone) sets the
time of a clock that then runs: a demo at "11:00" is at 11:05 five minutes later, so
debounce, undo windows and idle log-outs behave as on the day. It was that time at
``KIOSK_NOW_AT`` (a real ISO time; the demo runner and the tests set it so that all
their processes share one clock), else when this process first saw the value.
``KIOSK_NOW_FROZEN=1`` stops the clock at ``KIOSK_NOW``.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Africa/Casablanca"
_zone: tzinfo = ZoneInfo(DEFAULT_ZONE)


def use_zone(name: str) -> None:
    """Make ``name`` (an IANA zone) the fair's zone for this process."""
    global _zone
    _zone = ZoneInfo(name)


def use_fair_zone(conn: sqlite3.Connection) -> None:
    """Make the zone stored with the event (if there is one yet) the fair's: an instance
    calls it when it opens its database, and a kiosk after sync brought the event again,
    so a changed ``timezone`` applies without a restart."""
    row = conn.execute("SELECT timezone FROM event LIMIT 1").fetchone()
    if row is not None:
        use_zone(row[0])


def zone() -> tzinfo:
    """The fair's time zone."""
    return _zone


# KIOSK_NOW value -> the real time this process first saw it (when KIOSK_NOW_AT is unset).
_first_seen: dict[str, datetime] = {}


def now() -> datetime:
    """The current time in the fair's zone, shifted by ``KIOSK_NOW`` if set."""
    real = datetime.now(UTC)
    start = os.environ.get("KIOSK_NOW")
    if not start:
        return real.astimezone(_zone)
    shifted = _parsed(start, _zone)
    if os.environ.get("KIOSK_NOW_FROZEN") in ("1", "true", "yes"):
        return shifted
    anchor = os.environ.get("KIOSK_NOW_AT")
    since = _parsed(anchor, _zone) if anchor else _first_seen.setdefault(start, real)
    return (shifted + (real - since)).astimezone(_zone)


@functools.lru_cache(maxsize=8)
def _parsed(text: str, zone: tzinfo) -> datetime:
    # The settings of a shifted clock, read at every now(): parsed once (a benchmark run
    # with KIOSK_NOW must not pay what a fair's kiosk never does).
    return parse_time(text)


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
