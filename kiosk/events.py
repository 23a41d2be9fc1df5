"""Identity of the events this instance writes: UUID, device id and device sequence.

Every append-only record (scan, annulment, walk-in, check-in, search statistic) is
stamped here inside its write transaction, so sequence numbers follow commit order
with no gap, and ``(device_id, device_seq)`` names an event on every instance.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypedDict

from kiosk import clock
from kiosk.reference import DECIDING_ROLES

# Tables of append-only events that kiosks push to central. Each has the columns
# uuid, device_id, device_seq and device_time; features add their tables here.
EVENT_TABLES: list[str] = [
    "scans",
    "annulments",
    "walk_ins",
    "session_walk_ins",
    "session_checkins",
    "session_checkin_undos",
    "finder_events",
    "kids_counts",
    "staff_lockouts",
]

# The kiosk roles that write each event table: central stores a pushed table only from
# a device registered with one of them (a stand finder never sends scans). Features
# adding an event table add its producers here.
EVENT_ROLES: dict[str, frozenset[str]] = {
    "scans": frozenset({"entry", "heritage"}),
    "annulments": frozenset({"entry", "heritage"}),
    "walk_ins": frozenset({"entry", "heritage"}),
    "session_walk_ins": frozenset({"workshop"}),
    "session_checkins": frozenset({"workshop"}),
    "session_checkin_undos": frozenset({"workshop"}),
    "finder_events": frozenset({"finder"}),
    "kids_counts": frozenset({"kids"}),
    # Kiosks where staff log in (they hold the staff table) report lock-outs.
    "staff_lockouts": DECIDING_ROLES,
}


def produces(roles: set[str], table: str) -> bool:
    """Whether a device with these roles writes events of ``table``."""
    return bool(EVENT_ROLES.get(table, frozenset()) & roles)


class Stamp(TypedDict):
    """The identity every event row carries (columns of the same names)."""

    uuid: str
    device_id: str
    device_seq: int
    device_time: str


def stamp(conn: sqlite3.Connection, moment: datetime) -> Stamp:
    """Fields that identify a new event; call inside the write transaction that stores it."""
    device_id, seq = conn.execute("UPDATE device SET seq = seq + 1 RETURNING id, seq").fetchone()
    return {
        "uuid": str(uuid.uuid4()),
        "device_id": device_id,
        "device_seq": seq,
        "device_time": clock.iso(moment),
    }


@contextmanager
def counted_together(conn: sqlite3.Connection) -> Iterator[None]:
    """Count the passages written inside this block into the kept figures once, at its
    end, as one set (migration 0705), instead of once per row. Call inside the write
    transaction (a batch of events on central); on an error the transaction is rolled
    back, uncounted changes with it. Inside another such block it counts nothing of its
    own: the outer one counts everything once (central's group of pushes)."""
    if conn.execute("SELECT deferred FROM figure_mode").fetchone()[0]:
        yield
        return
    conn.execute("UPDATE figure_mode SET deferred = 1")
    yield
    conn.execute("UPDATE figure_mode SET deferred = 0")  # counts what was noted (trigger)


def this_device(conn: sqlite3.Connection) -> sqlite3.Row:
    """The instance's own device row (id, name, role, gate_id, seq)."""
    row = conn.execute("SELECT * FROM device").fetchone()
    if row is None:
        raise LookupError("this instance has no device identity; run `kiosk init` first")
    return row


# A kiosk whose clock is further than this from central's shows a staff warning, and
# `kiosk doctor` fails it.
CLOCK_TOLERANCE_SECONDS = 120.0


def clock_offset(conn: sqlite3.Connection) -> float | None:
    """This clock minus central's, as the last sync measured it (None: not known)."""
    row = conn.execute("SELECT clock_offset FROM sync_state WHERE id = 1").fetchone()
    return None if row is None or row[0] is None else float(row[0])


def central_time(conn: sqlite3.Connection, moment: datetime) -> datetime:
    """``moment`` on central's clock when the offset is known; unchanged otherwise
    (central itself, a kiosk never synced)."""
    return moment - timedelta(seconds=clock_offset(conn) or 0.0)
