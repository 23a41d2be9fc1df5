"""Attendance figures from the scan log and the walk-in tallies.

Everything is derived from the append-only logs, so a kiosk and the central
instance (which holds every kiosk's events) compute figures the same way. Annulled
scans are skipped. Walk-in tallies count into entries, exits, visitors and
occupancy like scanned tickets.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk import clock

VALID_SCANS = "scans.result = 'accepted' AND scans.uuid NOT IN (SELECT scan_uuid FROM annulments)"


def inside_zone(conn: sqlite3.Connection, zone_id: str, day: date) -> int:
    """People in a zone now: entries minus exits today, never below zero."""
    row = conn.execute(
        "SELECT"
        " (SELECT coalesce(sum(CASE direction WHEN 'in' THEN 1 ELSE -1 END), 0) FROM scans"
        f"  WHERE fair_date = :day AND zone_id = :zone AND {VALID_SCANS})"
        " + (SELECT coalesce(sum(CASE direction WHEN 'in' THEN people ELSE -people END), 0)"
        "  FROM walk_ins WHERE fair_date = :day AND zone_id = :zone)",
        {"day": day.isoformat(), "zone": zone_id},
    ).fetchone()
    return max(0, row[0])


@dataclass(frozen=True)
class Movement:
    """One counted passage: when (on central's clock where known), where, who."""

    moment: datetime
    gate_id: str
    zone_id: str
    direction: str
    people: int
    ticket_serial: int | None
    kind: str  # ticket type, or walk-in kind


def _movements(conn: sqlite3.Connection, day: date) -> list[Movement]:
    """Every counted passage of the day, oldest first. On central, each device's time is
    corrected by the clock offset sync measured for it, so a kiosk whose clock is an
    hour off still counts in the right hour and in the right order."""
    rows = conn.execute(
        "SELECT m.*, coalesce(d.clock_offset, 0) AS clock_offset FROM ("
        " SELECT device_id, device_time, gate_id, zone_id, direction, 1 AS people,"
        "  ticket_serial, type_id AS kind"
        f" FROM scans WHERE fair_date = :day AND {VALID_SCANS}"
        " UNION ALL SELECT device_id, device_time, gate_id, zone_id, direction, people, NULL, kind"
        " FROM walk_ins WHERE fair_date = :day) AS m"
        " LEFT JOIN sync_devices d ON d.device_id = m.device_id",
        {"day": day.isoformat()},
    ).fetchall()
    movements = [
        Movement(
            moment=clock.parse_time(row["device_time"]) - timedelta(seconds=row["clock_offset"]),
            gate_id=row["gate_id"],
            zone_id=row["zone_id"],
            direction=row["direction"],
            people=row["people"],
            ticket_serial=row["ticket_serial"],
            kind=row["kind"],
        )
        for row in rows
    ]
    movements.sort(key=lambda movement: movement.moment)
    return movements


def day_figures(conn: sqlite3.Connection, day: date) -> dict[str, object]:
    """The day's figures: entries, exits, unique visitors, inside now and peak per zone,
    walk-ins, and entries per hour per gate."""
    visitor_types = {row[0] for row in conn.execute("SELECT id FROM ticket_types WHERE is_visitor = 1")}
    zones = [row[0] for row in conn.execute("SELECT id FROM zones ORDER BY id")]
    inside = dict.fromkeys(zones, 0)
    peak = dict.fromkeys(zones, 0)
    entries = exits = 0
    entries_by_gate: dict[str, int] = defaultdict(int)
    per_hour: dict[tuple[int, str], int] = defaultdict(int)
    visitors: set[int] = set()
    walk_in_people = 0
    walk_ins = {"adult": 0, "child": 0, "group": 0}
    for row in _movements(conn, day):
        people = row.people
        zone = row.zone_id
        if row.direction == "in":
            entries += people
            entries_by_gate[row.gate_id] += people
            per_hour[(row.moment.hour, row.gate_id)] += people
            inside[zone] = inside.get(zone, 0) + people
            peak[zone] = max(peak.get(zone, 0), inside[zone])
            if row.ticket_serial is None:
                walk_in_people += people
                walk_ins[row.kind] += people
            elif row.kind in visitor_types:
                visitors.add(row.ticket_serial)
        else:
            exits += people
            inside[zone] = max(0, inside.get(zone, 0) - people)
    return {
        "date": day.isoformat(),
        "entries": entries,
        "exits": exits,
        "unique_visitors": len(visitors) + walk_in_people,
        "ticket_visitors": len(visitors),
        "inside": inside,
        "peak": peak,
        "walk_ins": walk_ins,
        "entries_by_gate": dict(sorted(entries_by_gate.items())),
        "entries_per_hour": [
            {"hour": hour, "gate": gate, "entries": count} for (hour, gate), count in sorted(per_hour.items())
        ],
    }


def gate_entries(conn: sqlite3.Connection, gate_id: str, day: date) -> int:
    """Entries through one gate today (tickets and walk-ins), for the kiosk screen."""
    row = conn.execute(
        f"SELECT (SELECT count(*) FROM scans WHERE fair_date = :day AND gate_id = :gate"
        f"  AND direction = 'in' AND {VALID_SCANS})"
        " + (SELECT coalesce(sum(people), 0) FROM walk_ins WHERE fair_date = :day"
        "  AND gate_id = :gate AND direction = 'in')",
        {"day": day.isoformat(), "gate": gate_id},
    ).fetchone()
    return row[0]
