"""Registrations: seats asked for on central, walk-ins taken at the door, and who is in.

A registration is reference data (central writes it, kiosks copy it). It has its own
QR code, ``SKR1:`` plus an unguessable 26-symbol token, and a short code staff can
type (``XXXX-XXXX``: 7 random Crockford symbols and a check symbol, so it never
looks like a 9-symbol ticket code). A kiosk verifies either offline by looking it up
among the registrations it holds; a visitor may also show the ticket the seat was
booked with.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from kiosk import clock, crockford
from kiosk.sessions import rules

QR_PREFIX = "SKR1:"
TOKEN_LENGTH = 26  # 130 bits
SHORT_LENGTH = 7  # random symbols before the check symbol
MAX_NAME = 100
MAX_PHONE = 30


class Registration(TypedDict):
    """A row of ``session_registrations`` as made by ``register``."""

    id: str
    session_id: str
    name: str
    phone: str
    ticket_serial: int | None
    token: str
    short_code: str
    created_at: str


class RegistrationError(ValueError):
    """The registration cannot be made or changed; the message says why."""


def _check_symbol(body: str) -> str | None:
    value = crockford.decode(body)
    return None if value is None else crockford.check_symbol(value)


def make_short_code(rng: random.Random | None = None) -> str:
    body = crockford.random_symbols(SHORT_LENGTH, rng)
    return crockford.group(body + str(_check_symbol(body)), 4)


def short_code_mistyped(text: str) -> bool:
    """Shaped like a registration short code whose check symbol does not match."""
    cleaned = crockford.clean(text[:32])
    if len(cleaned) != SHORT_LENGTH + 1 or not crockford.is_check_symbol(cleaned[-1]):
        return False
    value = crockford.decode(cleaned[:-1])
    return value is not None and not crockford.check_matches(value, cleaned[-1])


def normalize_short_code(text: str) -> str | None:
    """``XXXX-XXXX`` from what staff typed (any case, dashes or not, I/L/O read as 1/0, a
    check symbol's look-alike as the symbol);
    None unless it is a well-formed registration short code."""
    if len(text) > 32:
        return None
    cleaned = crockford.clean(text)
    value = crockford.decode(cleaned[:-1]) if len(cleaned) == SHORT_LENGTH + 1 else None
    if value is None or not crockford.check_matches(value, cleaned[-1]):
        return None
    # Stored codes carry the true check symbol, whatever look-alike was typed.
    return crockford.group(cleaned[:-1] + crockford.check_symbol(value), 4)


def qr_text(token: str) -> str:
    """What a registration's own QR code holds."""
    return QR_PREFIX + token


def register(
    conn: sqlite3.Connection,
    session_id: str,
    name: str,
    moment: datetime,
    phone: str = "",
    ticket_serial: int | None = None,
    rng: random.Random | None = None,
) -> Registration:
    """Ask for a seat (central, inside a write transaction); a full session puts the
    person on the waitlist. Returns the new registration row."""
    name = " ".join(name.split())
    if not name:
        raise RegistrationError("a registration needs a name")
    if len(name) > MAX_NAME or len(phone) > MAX_PHONE:
        raise RegistrationError("name or phone too long")
    if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
        raise RegistrationError(f"no session {session_id!r}")
    if (
        ticket_serial is not None
        and conn.execute(
            "SELECT 1 FROM session_registrations WHERE session_id = ? AND ticket_serial = ?"
            " AND cancelled_at IS NULL",
            (session_id, ticket_serial),
        ).fetchone()
    ):
        raise RegistrationError("this ticket already holds a seat in this session")
    row: Registration = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)) if rng else str(uuid.uuid4()),
        "session_id": session_id,
        "name": name,
        "phone": phone.strip(),
        "ticket_serial": ticket_serial,
        "token": crockford.random_symbols(TOKEN_LENGTH, rng),
        "short_code": make_short_code(rng),
        "created_at": clock.iso(moment),
    }
    conn.execute(
        "INSERT INTO session_registrations (id, session_id, name, phone, ticket_serial, token,"
        " short_code, created_at) VALUES (:id, :session_id, :name, :phone, :ticket_serial,"
        " :token, :short_code, :created_at)",
        row,
    )
    return row


def cancel(conn: sqlite3.Connection, registration_id: str, moment: datetime) -> bool:
    """Cancel a registration (central); the waitlist moves up. False if unknown or done."""
    done = conn.execute(
        "UPDATE session_registrations SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL",
        (clock.iso(moment), registration_id),
    )
    return done.rowcount == 1


@dataclass(frozen=True)
class Entry:
    """One person of a session with what the screens show."""

    id: str
    name: str
    phone: str
    short_code: str | None
    ticket_serial: int | None
    created_at: str
    order: int  # insertion order: breaks ties between equal created_at
    cancelled: bool
    walk_in: bool
    checkin_uuid: str | None  # the live (not undone) accepted check-in, if any
    checked_in_at: str | None
    late: bool

    def person(self) -> rules.Person:
        return rules.Person(
            id=self.id,
            rank=(self.created_at, self.order),
            cancelled=self.cancelled,
            checked_in=self.checkin_uuid is not None,
            walk_in=self.walk_in,
        )


LIVE_CHECKINS = (
    "SELECT * FROM session_checkins WHERE session_id = ? AND result = 'accepted'"
    " AND uuid NOT IN (SELECT checkin_uuid FROM session_checkin_undos) ORDER BY device_time"
)


def entries(conn: sqlite3.Connection, session_id: str) -> list[Entry]:
    """Registrations and walk-ins of a session, with their live check-ins."""
    live: dict[str, sqlite3.Row] = {}
    for row in conn.execute(LIVE_CHECKINS, (session_id,)):
        if row["person_id"] is not None:
            live.setdefault(row["person_id"], row)
    found = []
    for row in conn.execute(
        "SELECT rowid AS n, * FROM session_registrations WHERE session_id = ?", (session_id,)
    ):
        checkin = live.get(row["id"])
        found.append(
            Entry(
                id=row["id"],
                name=row["name"],
                phone=row["phone"],
                short_code=row["short_code"],
                ticket_serial=row["ticket_serial"],
                created_at=row["created_at"],
                order=row["n"],
                cancelled=row["cancelled_at"] is not None,
                walk_in=False,
                checkin_uuid=checkin["uuid"] if checkin else None,
                checked_in_at=checkin["device_time"] if checkin else None,
                late=bool(checkin["late"]) if checkin else False,
            )
        )
    for row in conn.execute("SELECT * FROM session_walk_ins WHERE session_id = ?", (session_id,)):
        checkin = live.get(row["uuid"])
        found.append(
            Entry(
                id=row["uuid"],
                name=row["name"],
                phone=row["phone"],
                short_code=None,
                ticket_serial=row["ticket_serial"],
                created_at=row["device_time"],
                order=row["device_seq"],
                cancelled=False,
                walk_in=True,
                checkin_uuid=checkin["uuid"] if checkin else None,
                checked_in_at=checkin["device_time"] if checkin else None,
                late=bool(checkin["late"]) if checkin else False,
            )
        )
    return found


def anonymous_checkins(conn: sqlite3.Connection, session_id: str) -> list[sqlite3.Row]:
    """Live check-ins of ticket holders let into an open session without a registration
    (no name known: the roster lists them by their ticket's short code)."""
    return [row for row in conn.execute(LIVE_CHECKINS, (session_id,)) if row["person_id"] is None]


def anonymous_checked_in(conn: sqlite3.Connection, session_id: str) -> int:
    """How many ticket holders are in the session without a registration."""
    return len(anonymous_checkins(conn, session_id))
