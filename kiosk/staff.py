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
ROLES = ("gate", "workshop", "kids", "organizer")
# A kiosk holds its staff's PIN hashes (a stolen one can be attacked offline): 6 digits
# at least. Organizers log in on central (and at the kids' space, kiosk.reference.ALL_ROWS_FOR)
# and can do everything: 8 digits, or a passphrase. Log-in reads at most MAX_SECRET characters.
PIN_DIGITS = (6, 12)
ORGANIZER_DIGITS = 8
PASSPHRASE_CHARACTERS = 12
MAX_SECRET = 64
PIN_RULE = {
    "gate": "a PIN is 6 to 12 digits",
    "workshop": "a PIN is 6 to 12 digits",
    "kids": "a PIN is 6 to 12 digits",
    "organizer": "an organizer's PIN is 8 to 64 digits, or a passphrase of 12 to 64 characters",
}


def pin_problem(role: str, pin: str) -> str | None:
    """Why ``pin`` cannot be the secret of an account with ``role`` (None: it can)."""
    if role == "organizer":
        if len(pin) > MAX_SECRET or pin != pin.strip():
            return PIN_RULE[role]
        digits = pin.isdecimal() and pin.isascii()
        if (digits and len(pin) >= ORGANIZER_DIGITS) or (not digits and len(pin) >= PASSPHRASE_CHARACTERS):
            return None
        return PIN_RULE[role]
    low, high = PIN_DIGITS
    if pin.isdecimal() and pin.isascii() and low <= len(pin) <= high:
        return None
    return PIN_RULE[role]


def add_staff(conn: sqlite3.Connection, name: str, role: str, pin: str) -> str:
    """Create a staff account; returns its id. The PIN follows ``pin_problem``; two
    active accounts never share a name (staff log in by name)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    problem = pin_problem(role, pin)
    if problem:
        raise ValueError(problem)
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
