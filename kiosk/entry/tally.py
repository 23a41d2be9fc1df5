"""Ticketless walk-ins counted by staff with a tally (adult, child, group of N)."""

from __future__ import annotations

from datetime import datetime

from kiosk import clock, events, schedule
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.entry.scanning import gate_row

KINDS = ("adult", "child", "group")
MAX_GROUP = 500


def record_walk_in(
    db: Database,
    gate_id: str,
    kind: str,
    people: int = 1,
    direction: str = "in",
    moment: datetime | None = None,
    staff_id: str | None = None,
) -> str:
    """Append a tally event; returns its UUID. Raises ValueError on a bad kind or count."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if kind != "group" and people != 1:
        raise ValueError("adult and child tallies count one person")
    if not 1 <= people <= MAX_GROUP:
        raise ValueError(f"a group counts 1 to {MAX_GROUP} people")
    moment = moment or clock.now()
    with dbmod.write(db) as conn:
        gate = gate_row(conn, gate_id, direction)
        stamp = events.stamp(conn, moment)
        conn.execute(
            "INSERT INTO walk_ins (uuid, device_id, device_seq, device_time, fair_date, gate_id,"
            " zone_id, kind, people, direction, staff_id) VALUES (:uuid, :device_id,"
            " :device_seq, :device_time, :fair_date, :gate_id, :zone_id, :kind, :people,"
            " :direction, :staff_id)",
            {
                **stamp,
                "fair_date": schedule.today(conn, moment).isoformat(),
                "gate_id": gate_id,
                "zone_id": gate["zone_id"],
                "kind": kind,
                "people": people,
                "direction": direction,
                "staff_id": staff_id,
            },
        )
    return str(stamp["uuid"])
