"""Staff accounts: personal PINs (hashed), and lock-out after repeated wrong PINs.

Plain functions on a connection, used by the log-in views, the API, ``kiosk staff``
and the demo; the request guards are in ``kiosk.auth``.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from kiosk import clock

MAX_FAILURES = 5
LOCK_MINUTES = 5
ROLES = ("gate", "workshop", "organizer")


def add_staff(conn: sqlite3.Connection, name: str, role: str, pin: str) -> str:
    """Create a staff account; returns its id. PINs are 4 to 12 digits; two active
    accounts never share a name (staff log in by name)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    if find_by_name(conn, name) is not None:
        raise ValueError(f"an active staff account is already named {name!r}")
    staff_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO staff (id, name, role, pin_hash) VALUES (?, ?, ?, ?)",
        (staff_id, name, role, generate_password_hash(pin)),
    )
    return staff_id


def find_by_name(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The active account of ``name``, whatever its case ("rachid" is Rachid): people
    type their name on a phone or a kiosk keyboard that capitalises as it likes.
    Compared with ``str.casefold`` (SQLite's NOCASE knows ASCII only: "élodie" is Élodie)."""
    wanted = name.strip().casefold()
    for row in conn.execute("SELECT id, name, role FROM staff WHERE active = 1"):
        if row["name"].strip().casefold() == wanted:
            return row
    return None


def check_pin(conn: sqlite3.Connection, staff_id: str, pin: str, moment: datetime) -> str:
    """``ok``, ``wrong_pin``, ``locked`` or ``unknown_staff``; counts failures and locks
    the account for a while after too many."""
    staff = conn.execute("SELECT pin_hash FROM staff WHERE id = ? AND active = 1", (staff_id,)).fetchone()
    if staff is None:
        return "unknown_staff"
    attempts = conn.execute(
        "SELECT failures, locked_until FROM staff_attempts WHERE staff_id = ?", (staff_id,)
    ).fetchone()
    if attempts and attempts["locked_until"] and moment < clock.parse_time(attempts["locked_until"]):
        return "locked"
    if check_password_hash(staff["pin_hash"], pin[:64]):
        conn.execute("DELETE FROM staff_attempts WHERE staff_id = ?", (staff_id,))
        return "ok"
    failures = (attempts["failures"] if attempts else 0) + 1
    locked_until = None
    if failures >= MAX_FAILURES:
        locked_until = clock.iso(moment + timedelta(minutes=LOCK_MINUTES))
        failures = 0
    conn.execute(
        "INSERT INTO staff_attempts (staff_id, failures, locked_until) VALUES (?, ?, ?)"
        " ON CONFLICT (staff_id) DO UPDATE SET failures = excluded.failures,"
        " locked_until = excluded.locked_until",
        (staff_id, failures, locked_until),
    )
    return "locked" if locked_until else "wrong_pin"


def log_in(conn: sqlite3.Connection, name: str, pin: str, moment: datetime) -> tuple[str, sqlite3.Row | None]:
    """A staff member's name and PIN: ``("ok", staff)``, else ``(outcome, None)`` with
    ``wrong_pin``, ``locked`` or ``unknown_staff`` (for the log: the answer to the person
    says only wrong name or PIN, so it does not tell which names exist)."""
    row = find_by_name(conn, name[:100])
    outcome = check_pin(conn, row["id"], pin, moment) if row else "unknown_staff"
    return outcome, row if outcome == "ok" else None


def list_staff(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every staff account (never the PIN hash), by role then name."""
    return conn.execute("SELECT id, name, role, active FROM staff ORDER BY role, name").fetchall()
