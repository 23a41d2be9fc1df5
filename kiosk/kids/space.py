"""The kids' space rules, without Flask: drop-off, pick-up, release without a receipt,
who is inside, whom to call before closing, the end-of-day wipe and the day's counts.

Names and phones stay in ``kids_drop_offs``/``kids_children`` on this kiosk. Every
change also writes the day's counts as an event (``kids_counts``, no personal data),
the only thing sync carries to central. Personal rows use plain UUIDs, never
``events.stamp``: they are not events, and a device sequence number they took would
be a gap central waits for forever.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypedDict

from kiosk import clock, events, schedule
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.kids import receipt
from kiosk.tickets import codec, reading

log = logging.getLogger(__name__)

AGE_BANDS = ("0-2", "3-5", "6-8", "9-12")
MAX_CHILDREN = 10  # one adult, one go
NAME_LENGTH = 60
NOTE_LENGTH = 200
_PHONE = re.compile(r"\+?[0-9][0-9 .\-]{4,24}")


@dataclass(frozen=True)
class NewChild:
    first_name: str
    age_band: str
    note: str = ""


@dataclass(frozen=True)
class Adult:
    first_name: str
    phone: str


@dataclass(frozen=True)
class Child:
    """A child of the day, with the adult who left them (read on this kiosk only)."""

    id: str
    first_name: str
    age_band: str
    note: str
    code: str
    adult_first_name: str
    adult_phone: str
    dropped_at: datetime
    picked_up_at: datetime | None
    minutes: int  # since drop-off (until pick-up once picked up)
    long_stay: bool


@dataclass(frozen=True)
class DropOff:
    """A drop-off recorded (``reason`` None) or refused (``zone_full``)."""

    reason: str | None
    code: str = ""
    day: date | None = None
    dropped_at: datetime | None = None
    children: tuple[Child, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class PickUp:
    """The children a code names (``reason`` None), or why none: ``unknown_code``,
    ``already_picked_up``, ``not_today``."""

    reason: str | None
    code: str = ""
    children: tuple[Child, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None


class Counts(TypedDict):
    """The day's figures, the only kids' space data that leaves the kiosk."""

    drop_offs: int  # children dropped off
    pick_ups: int  # children picked up
    inside: int
    longest_stay_minutes: int


class AdultToCall(TypedDict):
    first_name: str
    phone: str
    code: str
    children: list[str]


def phone_digits(phone: str) -> str:
    """The digits that identify a phone number: 0612345678, +212 612 345 678 and
    00212612345678 are the same Moroccan number."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("212"):
        digits = "0" + digits[3:]
    return digits


def _clean(text: str, longest: int, what: str, required: bool = True) -> str:
    value = " ".join(text.split())
    if required and not value:
        raise ValueError(f"{what} is empty")
    if len(value) > longest:
        raise ValueError(f"{what} is longer than {longest} characters")
    return value


def capacity(conn: sqlite3.Connection, gate_id: str) -> int | None:
    """How many children the space takes: the limit of the zone at the kiosk's gate
    (``gates.occupancy_limit``; None: no limit)."""
    row = conn.execute("SELECT occupancy_limit FROM gates WHERE id = ?", (gate_id,)).fetchone()
    return row[0] if row else None


def closing(conn: sqlite3.Connection, day: date) -> datetime:
    """When ``day`` closes (after midnight for an evening show); the end of the calendar
    day for a day the fair does not hold."""
    for hours in schedule.load_schedule(conn):
        if hours.day == day:
            return hours.window(early=False)[1]
    return clock.at(day + timedelta(days=1), time(0, 0))


def _child(row: sqlite3.Row, moment: datetime, long_stay_minutes: int) -> Child:
    dropped = clock.parse_time(row["dropped_at"])
    picked = clock.parse_time(row["picked_up_at"]) if row["picked_up_at"] else None
    minutes = max(0, int(((picked or moment) - dropped).total_seconds() // 60))
    return Child(
        id=row["id"],
        first_name=row["first_name"],
        age_band=row["age_band"],
        note=row["note"],
        code=row["code"],
        adult_first_name=row["adult_first_name"],
        adult_phone=row["adult_phone"],
        dropped_at=dropped,
        picked_up_at=picked,
        minutes=minutes,
        long_stay=picked is None and minutes >= long_stay_minutes,
    )


_CHILDREN = (
    "SELECT c.id, c.first_name, c.age_band, c.note, c.picked_up_at, d.code, d.adult_first_name,"
    " d.adult_phone, d.dropped_at FROM kids_children c JOIN kids_drop_offs d ON d.id = c.drop_off_id"
)


def inside(conn: sqlite3.Connection, day: date, moment: datetime, long_stay_minutes: int) -> list[Child]:
    """The children inside, longest there first."""
    rows = conn.execute(
        _CHILDREN + " WHERE d.fair_date = ? AND c.picked_up_at IS NULL ORDER BY d.dropped_at, c.rowid",
        (day.isoformat(),),
    )
    return [_child(row, moment, long_stay_minutes) for row in rows]


def counts(conn: sqlite3.Connection, day: date, moment: datetime) -> Counts:
    """The day's drop-offs, pick-ups, children inside and longest stay so far (a child
    still inside counts its stay up to ``moment``)."""
    row = conn.execute(
        "SELECT count(*), count(c.picked_up_at), coalesce(max((julianday(coalesce(c.picked_up_at, ?))"
        " - julianday(d.dropped_at)) * 1440), 0)"
        " FROM kids_children c JOIN kids_drop_offs d ON d.id = c.drop_off_id WHERE d.fair_date = ?",
        (clock.iso(moment), day.isoformat()),
    ).fetchone()
    return {
        "drop_offs": row[0],
        "pick_ups": row[1],
        "inside": row[0] - row[1],
        "longest_stay_minutes": max(0, int(row[2] + 1e-6)),
    }


def _record_counts(conn: sqlite3.Connection, day: date, moment: datetime, figures: Counts) -> None:
    """The day's counts as an event for central (inside the write transaction)."""
    conn.execute(
        "INSERT INTO kids_counts (uuid, device_id, device_seq, device_time, fair_date, drop_offs,"
        " pick_ups, inside, longest_stay_minutes) VALUES (:uuid, :device_id, :device_seq, :device_time,"
        " :fair_date, :drop_offs, :pick_ups, :inside, :longest_stay_minutes)",
        {**events.stamp(conn, moment), "fair_date": day.isoformat(), **figures},
    )


def adult_ticket(conn: sqlite3.Connection, code: str) -> int:
    """The serial of the adult's scanned ticket; ValueError naming why it is not one."""
    claims = reading.ticket_claims(conn, code)
    if not isinstance(claims, codec.Claims):
        raise ValueError(f"the adult's ticket is not readable: {claims}")
    return claims.serial


def drop_off(
    db: Database,
    adult: Adult,
    children: Sequence[NewChild],
    moment: datetime,
    places: int | None,
    staff_id: str | None = None,
    ticket_serial: int | None = None,
) -> DropOff:
    """Record children left by one adult under a new code; refused ``zone_full`` when
    they do not all fit in ``places`` (the space's capacity). ValueError: bad input."""
    first_name = _clean(adult.first_name, NAME_LENGTH, "the adult's first name")
    phone = _clean(adult.phone, 30, "the adult's phone")
    if not _PHONE.fullmatch(phone) or len(phone_digits(phone)) < 6:
        raise ValueError("the adult's phone is not a phone number")
    if not 1 <= len(children) <= MAX_CHILDREN:
        raise ValueError(f"a drop-off has 1 to {MAX_CHILDREN} children")
    kids = []
    for child in children:
        if child.age_band not in AGE_BANDS:
            raise ValueError(f"age band must be one of {', '.join(AGE_BANDS)}")
        kids.append(
            NewChild(
                _clean(child.first_name, NAME_LENGTH, "a child's first name"),
                child.age_band,
                _clean(child.note, NOTE_LENGTH, "a note", required=False),
            )
        )
    with dbmod.write(db) as conn:
        day = schedule.today(conn, moment)
        figures = counts(conn, day, moment)
        if places is not None and figures["inside"] + len(kids) > places:
            return DropOff("zone_full")
        taken = {
            row[0]
            for row in conn.execute("SELECT code FROM kids_drop_offs WHERE fair_date = ?", (day.isoformat(),))
        }
        code = receipt.new_code(taken)
        drop_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO kids_drop_offs (id, fair_date, code, adult_first_name, adult_phone, ticket_serial,"
            " dropped_at, staff_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (drop_id, day.isoformat(), code, first_name, phone, ticket_serial, clock.iso(moment), staff_id),
        )
        conn.executemany(
            "INSERT INTO kids_children (id, drop_off_id, first_name, age_band, note) VALUES (?, ?, ?, ?, ?)",
            [(str(uuid.uuid4()), drop_id, k.first_name, k.age_band, k.note) for k in kids],
        )
        _record_counts(conn, day, moment, counts(conn, day, moment))
        rows = conn.execute(_CHILDREN + " WHERE d.id = ? ORDER BY c.rowid", (drop_id,)).fetchall()
    log.info("kids' space: %d children dropped off under a new code", len(kids))
    return DropOff(None, code, day, moment, tuple(_child(row, moment, 1 << 30) for row in rows))


def look_up(
    conn: sqlite3.Connection, text: str, day: date, moment: datetime, long_stay_minutes: int
) -> PickUp:
    """The children a receipt (scanned QR text or typed code) names today: those still
    inside, or the reason there are none."""
    read = receipt.read(text)
    if read is None:
        return PickUp("unknown_code")
    if read.day is not None and read.day != day:
        return PickUp("not_today", read.code)
    rows = conn.execute(
        _CHILDREN + " WHERE d.fair_date = ? AND d.code = ? ORDER BY c.rowid", (day.isoformat(), read.code)
    ).fetchall()
    if not rows:
        other_day = conn.execute(
            "SELECT 1 FROM kids_drop_offs WHERE code = ? AND fair_date != ?", (read.code, day.isoformat())
        ).fetchone()
        return PickUp("not_today" if other_day else "unknown_code", read.code)
    children = [_child(row, moment, long_stay_minutes) for row in rows]
    waiting = tuple(child for child in children if child.picked_up_at is None)
    if not waiting:
        return PickUp("already_picked_up", read.code)
    return PickUp(None, read.code, waiting)


def pick_up(
    db: Database,
    text: str,
    moment: datetime,
    staff_id: str | None = None,
    child_ids: Sequence[str] | None = None,
) -> PickUp:
    """Hand over the children a receipt names (only ``child_ids`` of them when given:
    staff confirm each child); answers those handed over, or why none."""
    with dbmod.write(db) as conn:
        day = schedule.today(conn, moment)
        found = look_up(conn, text, day, moment, 1 << 30)
        if not found.ok:
            return found
        chosen = tuple(c for c in found.children if child_ids is None or c.id in child_ids)
        if not chosen:
            return PickUp("already_picked_up", found.code)
        conn.executemany(
            "UPDATE kids_children SET picked_up_at = ?, picked_up_by = ?"
            " WHERE id = ? AND picked_up_at IS NULL",
            [(clock.iso(moment), staff_id, child.id) for child in chosen],
        )
        _record_counts(conn, day, moment, counts(conn, day, moment))
    log.info("kids' space: %d children picked up with their receipt", len(chosen))
    return PickUp(None, found.code, chosen)


def release(
    db: Database, child_id: str, phone: str, moment: datetime, staff_id: str, staff_name: str
) -> str | None:
    """The kids' space supervisor (staff role kids_lead) hands a child over
    without the receipt, after checking the adult's phone number; logged with who did it
    (``kids_overrides`` and the log). None when done, else ``wrong_phone`` or ``not_inside``."""
    with dbmod.write(db) as conn:
        day = schedule.today(conn, moment)
        row = conn.execute(
            "SELECT d.adult_phone FROM kids_children c JOIN kids_drop_offs d ON d.id = c.drop_off_id"
            " WHERE c.id = ? AND d.fair_date = ? AND c.picked_up_at IS NULL",
            (child_id, day.isoformat()),
        ).fetchone()
        if row is None:
            return "not_inside"
        if not phone_digits(phone) or phone_digits(phone) != phone_digits(row[0]):
            log.warning("kids' space: release without receipt refused (wrong phone) for %s", staff_name)
            return "wrong_phone"
        conn.execute(
            "UPDATE kids_children SET picked_up_at = ?, picked_up_by = ? WHERE id = ?",
            (clock.iso(moment), staff_id, child_id),
        )
        conn.execute(
            "INSERT INTO kids_overrides (fair_date, released_at, staff_id, staff_name, children)"
            " VALUES (?, ?, ?, ?, 1)",
            (day.isoformat(), clock.iso(moment), staff_id, staff_name),
        )
        _record_counts(conn, day, moment, counts(conn, day, moment))
    log.info("kids' space: a child released without receipt by %s (phone checked)", staff_name)
    return None


def overrides(conn: sqlite3.Connection, day: date) -> list[sqlite3.Row]:
    """The day's releases without a receipt: when, and by whom."""
    return conn.execute(
        "SELECT released_at, staff_id, staff_name, children FROM kids_overrides WHERE fair_date = ?"
        " ORDER BY id",
        (day.isoformat(),),
    ).fetchall()


def adults_to_call(
    conn: sqlite3.Connection, day: date, moment: datetime, call_minutes: int
) -> list[AdultToCall]:
    """From ``call_minutes`` before closing: the adults whose children are still inside."""
    if moment < closing(conn, day) - timedelta(minutes=call_minutes):
        return []
    adults: dict[str, AdultToCall] = {}
    for child in inside(conn, day, moment, 1 << 30):
        entry = adults.setdefault(
            child.code,
            {
                "first_name": child.adult_first_name,
                "phone": child.adult_phone,
                "code": child.code,
                "children": [],
            },
        )
        entry["children"].append(child.first_name)
    return list(adults.values())


def wipe_moment(conn: sqlite3.Connection, day: date, keep_hours: float) -> datetime:
    """When the names and phones of ``day`` go: its closing plus ``keep_hours``."""
    return closing(conn, day) + timedelta(hours=keep_hours)


def due(conn: sqlite3.Connection, moment: datetime, keep_hours: float) -> list[date]:
    """The days whose names and phones are still held past their wipe moment."""
    days = [
        date.fromisoformat(row[0]) for row in conn.execute("SELECT DISTINCT fair_date FROM kids_drop_offs")
    ]
    return sorted(day for day in days if moment >= wipe_moment(conn, day, keep_hours))


def wipe_due(db: Database, moment: datetime, keep_hours: float) -> list[date]:
    """Delete the names and phones of every day whose time has come (after recording its
    final counts) and log each wipe; returns the days wiped."""
    wiped = []
    if not due(db.conn, moment, keep_hours):
        return []  # the usual answer, found without taking the write lock
    with dbmod.write(db) as conn:
        for day in due(conn, moment, keep_hours):
            figures = counts(conn, day, moment)
            drops = conn.execute(
                "SELECT count(*) FROM kids_drop_offs WHERE fair_date = ?", (day.isoformat(),)
            ).fetchone()[0]
            _record_counts(conn, day, moment, figures)
            conn.execute(
                "DELETE FROM kids_children WHERE drop_off_id IN"
                " (SELECT id FROM kids_drop_offs WHERE fair_date = ?)",
                (day.isoformat(),),
            )
            conn.execute("DELETE FROM kids_drop_offs WHERE fair_date = ?", (day.isoformat(),))
            conn.execute(
                "INSERT INTO kids_wipes (fair_date, wiped_at, drop_offs, children, still_inside)"
                " VALUES (?, ?, ?, ?, ?)",
                (day.isoformat(), clock.iso(moment), drops, figures["drop_offs"], figures["inside"]),
            )
            wiped.append((day, drops, figures))
    for day, drops, figures in wiped:
        log.info(
            "kids' space: names and phones of %s wiped (%d drop-offs, %d children)",
            day.isoformat(),
            drops,
            figures["drop_offs"],
        )
        if figures["inside"]:
            log.warning(
                "kids' space: %d children were still recorded inside at the wipe of %s",
                figures["inside"],
                day.isoformat(),
            )
    return [day for day, _drops, _figures in wiped]


def last_wipe(conn: sqlite3.Connection) -> datetime | None:
    """When names and phones were last wiped (None: never)."""
    row = conn.execute("SELECT max(wiped_at) FROM kids_wipes").fetchone()
    return clock.parse_time(row[0]) if row[0] else None


def central_counts(conn: sqlite3.Connection, day: date) -> Counts | None:
    """The day's figures of every kids' kiosk, as central holds them: each kiosk's latest
    counts, added up (the longest stay is the longest of any); None before any arrived."""
    row = conn.execute(
        "SELECT sum(drop_offs), sum(pick_ups), sum(inside), max(longest_stay_minutes)"
        " FROM kids_counts k WHERE fair_date = :day"
        " AND device_seq = (SELECT max(device_seq) FROM kids_counts l WHERE l.fair_date = :day"
        " AND l.device_id = k.device_id)",
        {"day": day.isoformat()},
    ).fetchone()
    if row[0] is None:
        return None
    return {"drop_offs": row[0], "pick_ups": row[1], "inside": row[2], "longest_stay_minutes": row[3]}
