"""The organizer's control room: what the dashboard shows beside the day's figures
(``kiosk.entry.attendance.day_figures``), as plain data the templates draw.

- entries per quarter of an hour per gate (the chart), from the counters the database keeps
  per gate and quarter (``gate_quarters``, migration 0702);
- the fair's entries so far against the same time of day on the earlier fair days;
- each zone's people inside against its limit (the gauges);
- the fill of today's workshops and talks.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from kiosk import clock, schedule
from kiosk.entry import attendance
from kiosk.sessions import checkin, programme


class DaySoFar(TypedDict):
    day: date
    entries: int  # into the fair, at its outer gates, by this time of day
    today: bool


class Gauge(TypedDict):
    zone: str
    inside: int
    limit: int | None
    share: float | None  # inside / limit, 0..1 (more when over)
    level: str  # ok, near (a tenth or less left), full


class Fill(TypedDict):
    session_id: str
    title_fr: str
    title_ar: str
    title_en: str
    starts_at: str
    capacity: int
    checked_in: int
    registered: int
    share: float  # checked_in / capacity


def quarter_entries(conn: sqlite3.Connection, day: date) -> dict[str, dict[int, int]]:
    """Entries per gate per quarter of an hour of ``day`` (key: local minute of day of the
    quarter's start), every gate, tickets and walk-ins; placed by SQLite."""
    found: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for gate, quarter, entries in conn.execute(
        f"SELECT gate_id, {attendance.local_quarter_sql(day)}, entries FROM gate_quarters"
        " WHERE fair_date = ? AND entries > 0",
        (day.isoformat(),),
    ):
        found[gate][quarter * 15] += entries
    return {gate: dict(counts) for gate, counts in sorted(found.items())}


def entries_by(conn: sqlite3.Connection, day: date, minute_of_day: int) -> int:
    """The fair's entries on ``day`` (at the outer gates) in the quarters that began before
    ``minute_of_day`` local time; a fair day past midnight counts its small hours after.
    Summed by SQLite: every poll of the control room reads it for each fair day so far."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute_of_day)  # past midnight: the next day
    before = int(clock.at(wall.date(), wall.time()).timestamp())
    grounds = sorted(attendance.fair_zones(conn))
    (total,) = conn.execute(
        "SELECT coalesce(sum(entries), 0) FROM gate_quarters WHERE fair_date = ? AND quarter < ?"
        f" AND zone_id IN ({', '.join('?' for _ in grounds)})",
        (day.isoformat(), -(-before // attendance.QUARTER_SECONDS), *grounds),
    ).fetchone()
    return int(total)


def days_so_far(conn: sqlite3.Connection, day: date, moment: datetime) -> list[DaySoFar]:
    """The fair's entries by this time of day on ``day`` and on each earlier fair day (on a
    past day, by the same time of day as now)."""
    local = moment.astimezone(clock.zone())
    minute = local.hour * 60 + local.minute + 1
    days = [hours.day for hours in schedule.load_schedule(conn) if hours.day <= day]
    return [{"day": d, "entries": entries_by(conn, d, minute), "today": d == day} for d in days]


def gauges(conn: sqlite3.Connection, inside: Mapping[str, int]) -> list[Gauge]:
    """Each zone's people inside against its limit (the smallest its gates declare)."""
    limits: dict[str, int] = {}
    for zone, limit in conn.execute(
        "SELECT zone_id, min(occupancy_limit) FROM gates WHERE occupancy_limit IS NOT NULL GROUP BY zone_id"
    ):
        limits[zone] = limit
    found: list[Gauge] = []
    for zone, count in inside.items():
        limit = limits.get(zone)
        share = count / limit if limit else None
        left = limit - count if limit else None
        level = "ok"
        if limit and left is not None:
            level = "full" if left <= 0 else ("near" if left <= max(1, limit // 10) else "ok")
        found.append({"zone": zone, "inside": count, "limit": limit, "share": share, "level": level})
    return found


def session_changes(conn: sqlite3.Connection) -> int:
    """A counter every write to the sessions, their registrations, check-ins, undos and
    walk-ins moves (migration 0270): ``session_fill`` says the same while it stays."""
    (counter,) = conn.execute("SELECT counter FROM session_changes").fetchone()
    return int(counter)


def session_fill(
    conn: sqlite3.Connection, day: date, moment: datetime, settings: checkin.DoorSettings
) -> list[Fill]:
    """Today's sessions: people in the room against the seats."""
    found: list[Fill] = []
    for row in programme.sessions_on(conn, day):
        figures, _people = checkin.occupancy(conn, row["id"], moment, settings)
        capacity = figures.capacity or 1
        found.append(
            {
                "session_id": row["id"],
                "title_fr": row["title_fr"],
                "title_ar": row["title_ar"],
                "title_en": row["title_en"],
                "starts_at": row["starts_at"],
                "capacity": figures.capacity,
                "checked_in": figures.checked_in,
                "registered": figures.registered,
                "share": figures.checked_in / capacity,
            }
        )
    return found
