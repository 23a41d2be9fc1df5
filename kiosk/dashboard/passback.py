"""Pass-back attempts for the organizers' dashboard: where and when gates refused a
ticket already inside, and which tickets got in twice while gates could not see each
other (double entries central flagged when the offline gates' scans arrived)."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import Counter
from datetime import date, tzinfo
from typing import TypedDict

from kiosk import clock
from kiosk.entry import attendance
from kiosk.tickets import shortcode


class Refusals(TypedDict):
    gate: str
    hour: int
    refusals: int


def refusals_per_gate_hour(conn: sqlite3.Connection, day: date) -> list[Refusals]:
    """``already_inside`` refusals of a fair day per gate and hour (fair time, each
    device's clock corrected by the offset sync measured), in gate then hour order;
    counted as the scans arrive (migrations 0701, 0702)."""
    counts: Counter[tuple[str, int]] = Counter()
    for gate, hour, refusals in conn.execute(
        f"SELECT gate_id, {attendance.local_quarter_sql(day)} / 4, already_inside FROM gate_quarters"
        " WHERE fair_date = ? AND already_inside > 0",
        (day.isoformat(),),
    ):
        counts[(gate, hour)] += refusals
    return [{"gate": gate, "hour": hour, "refusals": n} for (gate, hour), n in sorted(counts.items())]


def offline_double_entries(conn: sqlite3.Connection, day: date, limit: int = 30) -> list[dict[str, object]]:
    """Tickets let in twice into one zone on a fair day by gates that had not heard of
    each other's admission, the ``limit`` latest flagged (all are in the conflicts
    export): the ticket's short code (never its serial), the zone, and each entry's gate
    and fair-time moment, oldest first."""
    return [
        _double_entry(detail, clock.zone())
        for (detail,) in conn.execute(
            "SELECT detail FROM sync_conflicts WHERE kind = 'double_entry' AND key LIKE ?"
            " ORDER BY detected_at DESC, id DESC LIMIT ?",
            (f"double_entry:%:{day.isoformat()}", limit),
        )
    ]


@functools.lru_cache(maxsize=1024)
def _double_entry(detail: str, zone: tzinfo) -> dict[str, object]:
    """A flagged double entry as the dashboard shows it, read once per stored text and
    fair zone (every poll after a commit reads the same few dozen flags; the times are
    the fair's, ``clock.parse_time``). Shared: never change it."""
    record = json.loads(detail)
    entries = sorted(
        ({"gate": scan["gate"], "moment": clock.parse_time(scan["device_time"])} for scan in record["scans"]),
        key=lambda entry: entry["moment"],
    )
    return {
        "short_code": shortcode.encode(int(record["ticket_serial"])),
        "zone": record["zone"],
        "entries": entries,
    }
