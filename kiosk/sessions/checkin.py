"""The session door: every input (handheld scanner, typed code, camera, API, name search)
ends in one write transaction that reads what the kiosk knows, lets
``kiosk.sessions.rules.decide`` rule, appends the check-in and commits before answering.

Plug-in point for other inputs (a camera): ``check_in_code(db, session_id, code,
moment, staff_id)`` takes the decoded text and returns a ``SessionVerdict``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from rapidfuzz import fuzz

from kiosk import clock, events, reasons, settings, verdict_log
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.sessions import registrations as regs
from kiosk.sessions import rules
from kiosk.tickets import codec, reading, shortcode


class RosterRow(TypedDict):
    """One person of a session's roster (door screen, API, CSV)."""

    name: str
    phone: str
    short_code: str
    kind: str
    status: str
    checked_in_at: str
    late: bool


class SessionNotFound(LookupError):
    """No session with that id on this instance."""


@dataclass(frozen=True)
class DoorSettings:
    """Door settings from the config (``SESSION_DOORS_OPEN_MINUTES``, ``SESSION_NO_SHOW_MINUTES``,
    ``DEBOUNCE_SECONDS``)."""

    doors_open_minutes: float = settings.default("SESSION_DOORS_OPEN_MINUTES")
    no_show_minutes: float = settings.default("SESSION_NO_SHOW_MINUTES")
    debounce_seconds: float = settings.default("DEBOUNCE_SECONDS")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DoorSettings:
        return cls(
            doors_open_minutes=config["SESSION_DOORS_OPEN_MINUTES"],
            no_show_minutes=config["SESSION_NO_SHOW_MINUTES"],
            debounce_seconds=config["DEBOUNCE_SECONDS"],
        )


@dataclass(frozen=True)
class SessionVerdict:
    ok: bool
    reason: str
    level: str
    session_id: str
    checkin_uuid: str | None = None
    person_id: str | None = None
    name: str | None = None  # staff screens only: never on a public screen
    status: str | None = None  # the person's status before this check-in
    late: bool = False
    short_code: str | None = None
    repeat: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Occupancy:
    """Live figures of a session."""

    capacity: int
    checked_in: int
    held: int
    waitlist: int
    registered: int
    late: int
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.checked_in - self.held)


def facts(row: sqlite3.Row, settings: DoorSettings) -> rules.SessionFacts:
    return rules.SessionFacts(
        starts_at=clock.parse_time(row["starts_at"]),
        ends_at=clock.parse_time(row["ends_at"]),
        capacity=row["capacity"],
        registration_required=bool(row["registration_required"]),
        doors_open_minutes=settings.doors_open_minutes,
        no_show_minutes=settings.no_show_minutes,
    )


def _session_row(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise SessionNotFound(session_id)
    return row


def occupancy(
    conn: sqlite3.Connection, session_id: str, moment: datetime, settings: DoorSettings
) -> tuple[Occupancy, list[regs.Entry]]:
    """The session's figures at a moment, and its people."""
    session = facts(_session_row(conn, session_id), settings)
    people = regs.entries(conn, session_id)
    anonymous = regs.anonymous_checked_in(conn, session_id)
    released = session.released(moment)
    statuses = rules.allocate([p.person() for p in people], session.capacity, released, anonymous)
    checked = anonymous + sum(1 for p in people if p.checkin_uuid)
    return Occupancy(
        capacity=session.capacity,
        checked_in=checked,
        held=rules.held_seats(statuses, released),
        waitlist=sum(1 for v in statuses.values() if v == "waitlist"),
        registered=sum(1 for p in people if not p.cancelled and not p.walk_in),
        late=sum(1 for p in people if p.checkin_uuid and p.late),
        statuses=statuses,
    ), people


def _identify(
    conn: sqlite3.Connection, session_id: str, code: str | bytes
) -> tuple[str | None, regs.Entry | None, int | None]:
    """(refusal of the code itself or None, the person, the ticket serial shown)."""
    people = regs.entries(conn, session_id)
    text = codec.normalize(code)
    if text is None:
        return "unknown_format", None, None
    if text.startswith(regs.QR_PREFIX):
        token = text[len(regs.QR_PREFIX) :]
        row = conn.execute(
            "SELECT id FROM session_registrations WHERE token = ? AND session_id = ?",
            (token, session_id),
        ).fetchone()
        person = next((p for p in people if row and p.id == row["id"]), None)
        # A registration code names a person, not a ticket: no seat without it here.
        return (None if person else "not_registered"), person, None
    if not text.startswith(codec.PREFIX):
        short = regs.normalize_short_code(text)
        if short is not None:
            person = next((p for p in people if p.short_code == short), None)
            return (None if person else "not_registered"), person, None
        if regs.short_code_mistyped(text):
            return "mistyped_code", None, None
    claims = reading.ticket_claims(conn, text)
    if isinstance(claims, str):
        return claims, None, None
    if conn.execute("SELECT 1 FROM revocations WHERE serial = ?", (claims.serial,)).fetchone():
        return "revoked", None, claims.serial
    holders = [p for p in people if p.ticket_serial == claims.serial and not p.cancelled]
    person = min(holders, key=lambda p: p.checkin_uuid is None) if holders else None
    return None, person, claims.serial


def _ticket_inside(conn: sqlite3.Connection, session_id: str, serial: int | None) -> bool:
    if serial is None:
        return False
    return (
        conn.execute(
            "SELECT 1 FROM session_checkins WHERE session_id = ? AND ticket_serial = ?"
            " AND result = 'accepted' AND uuid NOT IN (SELECT checkin_uuid FROM session_checkin_undos)",
            (session_id, serial),
        ).fetchone()
        is not None
    )


def _record(
    conn: sqlite3.Connection,
    session_id: str,
    moment: datetime,
    reason: str,
    *,
    person: regs.Entry | None,
    status: str | None,
    serial: int | None,
    digest: str | None,
    late: bool,
    staff_id: str | None,
) -> SessionVerdict:
    stamp = events.stamp(conn, moment)
    ok = reason == "ok"
    conn.execute(
        "INSERT INTO session_checkins (uuid, device_id, device_seq, device_time, session_id,"
        " person_id, ticket_serial, code_digest, result, reason, late, staff_id) VALUES"
        " (:uuid, :device_id, :device_seq, :device_time, :session_id, :person_id,"
        " :ticket_serial, :code_digest, :result, :reason, :late, :staff_id)",
        {
            **stamp,
            "session_id": session_id,
            "person_id": person.id if person else None,
            "ticket_serial": serial,
            "code_digest": digest,
            "result": "accepted" if ok else "refused",
            "reason": reason,
            "late": int(ok and late),
            "staff_id": staff_id,
        },
    )
    return SessionVerdict(
        ok=ok,
        reason=reason,
        level=reasons.level(reason),
        session_id=session_id,
        checkin_uuid=str(stamp["uuid"]),
        person_id=person.id if person else None,
        name=person.name if person else None,
        status=status,
        late=ok and late,
        short_code=person.short_code if person else (shortcode.encode(serial) if serial else None),
    )


def _refuse(
    conn: sqlite3.Connection,
    session_id: str,
    moment: datetime,
    reason: str,
    staff_id: str | None,
    *,
    serial: int | None = None,
    digest: str | None = None,
) -> SessionVerdict:
    """Record a refusal that names no person of the session."""
    return _record(
        conn,
        session_id,
        moment,
        reason,
        person=None,
        status=None,
        serial=serial,
        digest=digest,
        late=False,
        staff_id=staff_id,
    )


def _judge_and_record(
    conn: sqlite3.Connection,
    session_id: str,
    moment: datetime,
    settings: DoorSettings,
    person: regs.Entry | None,
    serial: int | None,
    digest: str | None,
    staff_id: str | None,
) -> SessionVerdict:
    session = facts(_session_row(conn, session_id), settings)
    figures, _people = occupancy(conn, session_id, moment, settings)
    status = figures.statuses.get(person.id) if person else None
    if person is None and _ticket_inside(conn, session_id, serial):
        status = "checked_in"
    door = rules.Door(moment=moment, checked_in=figures.checked_in, held=figures.held)
    reason = rules.decide(session, status, door)
    return _record(
        conn,
        session_id,
        moment,
        reason,
        person=person,
        status=status,
        serial=serial,
        digest=digest,
        late=rules.is_late(session, moment),
        staff_id=staff_id,
    )


def _recent_repeat(
    conn: sqlite3.Connection, session_id: str, digest: str, moment: datetime, seconds: float
) -> SessionVerdict | None:
    """The earlier verdict if this device saw the same code at this door moments ago."""
    place = {"session_id": session_id}
    row = verdict_log.repeat_of(conn, verdict_log.CHECKINS, digest, place, moment, seconds)
    if row is None:
        return None
    person = conn.execute(
        "SELECT r.name AS reg_name, r.short_code AS reg_code, w.name AS walk_name FROM (SELECT ? AS id) p"
        " LEFT JOIN session_registrations r ON r.id = p.id LEFT JOIN session_walk_ins w ON w.uuid = p.id",
        (row["person_id"],),
    ).fetchone()
    return SessionVerdict(
        ok=row["result"] == "accepted",
        reason=row["reason"],
        level=reasons.level(row["reason"]),
        session_id=session_id,
        checkin_uuid=row["uuid"],
        person_id=row["person_id"],
        name=person["reg_name"] or person["walk_name"],
        late=bool(row["late"]),
        short_code=person["reg_code"]
        or (shortcode.encode(row["ticket_serial"]) if row["ticket_serial"] else None),
        repeat=True,
    )


def check_in_code(
    db: Database,
    session_id: str,
    code: str | bytes,
    moment: datetime | None = None,
    staff_id: str | None = None,
    settings: DoorSettings | None = None,
) -> SessionVerdict:
    """Decide on a scanned or typed code (ticket QR or short code, registration QR or
    short code) at a session's door and record it durably. Raises SessionNotFound."""
    moment = moment or clock.now()
    settings = settings or DoorSettings()
    digest = verdict_log.code_digest(code)
    with dbmod.write(db) as conn:
        _session_row(conn, session_id)
        repeat = _recent_repeat(conn, session_id, digest, moment, settings.debounce_seconds)
        if repeat is not None:
            return repeat
        refusal, person, serial = _identify(conn, session_id, code)
        if refusal is not None:
            return _refuse(conn, session_id, moment, refusal, staff_id, serial=serial, digest=digest)
        return _judge_and_record(conn, session_id, moment, settings, person, serial, digest, staff_id)


def check_in_person(
    db: Database,
    session_id: str,
    person_id: str,
    moment: datetime | None = None,
    staff_id: str | None = None,
    settings: DoorSettings | None = None,
) -> SessionVerdict:
    """Check in a person found by name search (a registration or walk-in of the session)."""
    moment = moment or clock.now()
    settings = settings or DoorSettings()
    with dbmod.write(db) as conn:
        _session_row(conn, session_id)
        person = next((p for p in regs.entries(conn, session_id) if p.id == person_id), None)
        if person is None:
            # Not a person of this session: never an anonymous seat, even at an open session.
            return _refuse(conn, session_id, moment, "not_registered", staff_id)
        return _judge_and_record(conn, session_id, moment, settings, person, None, None, staff_id)


def walk_in(
    db: Database,
    session_id: str,
    name: str,
    moment: datetime | None = None,
    phone: str = "",
    staff_id: str | None = None,
    settings: DoorSettings | None = None,
) -> SessionVerdict:
    """Register a person at the door and check them in, if a seat is left. Nothing is
    stored for a refusal but the refused check-in."""
    moment = moment or clock.now()
    settings = settings or DoorSettings()
    name = " ".join(name.split())
    if not name or len(name) > regs.MAX_NAME or len(phone) > regs.MAX_PHONE:
        raise regs.RegistrationError("a walk-in needs a name (at most 100 characters)")
    with dbmod.write(db) as conn:
        session = facts(_session_row(conn, session_id), settings)
        figures, _people = occupancy(conn, session_id, moment, settings)
        door = rules.Door(moment=moment, checked_in=figures.checked_in, held=figures.held)
        reason = rules.decide(session, "walk_in", door)
        if reason != "ok":
            return _refuse(conn, session_id, moment, reason, staff_id)
        stamp = events.stamp(conn, moment)
        conn.execute(
            "INSERT INTO session_walk_ins (uuid, device_id, device_seq, device_time, session_id,"
            " name, phone, staff_id) VALUES (:uuid, :device_id, :device_seq, :device_time,"
            " :session_id, :name, :phone, :staff_id)",
            {**stamp, "session_id": session_id, "name": name, "phone": phone.strip(), "staff_id": staff_id},
        )
        person = regs.Entry(
            id=str(stamp["uuid"]),
            name=name,
            phone=phone,
            short_code=None,
            ticket_serial=None,
            created_at=str(stamp["device_time"]),
            order=int(str(stamp["device_seq"])),
            cancelled=False,
            walk_in=True,
            checkin_uuid=None,
            checked_in_at=None,
            late=False,
        )
        return _record(
            conn,
            session_id,
            moment,
            "ok",
            person=person,
            status="walk_in",
            serial=None,
            digest=None,
            late=rules.is_late(session, moment),
            staff_id=staff_id,
        )


def undo(
    db: Database,
    checkin_uuid: str,
    moment: datetime | None = None,
    staff_id: str | None = None,
    window_minutes: float = 5.0,
) -> str:
    """Undo a mistaken check-in of this device: ``ok``, ``not_found``, ``already_undone``
    or ``too_late`` (older than ``window_minutes``, config ``ANNUL_MINUTES`` like the
    entry annulment: an undo is for a mistake at the door, not for rewriting the roster
    later). The check-in stays in the log; the counts skip it."""
    moment = moment or clock.now()
    with dbmod.write(db) as conn:
        return verdict_log.cancel(conn, verdict_log.CHECKINS, checkin_uuid, moment, window_minutes, staff_id)


SEARCH_MIN_LENGTH = 2  # fewer characters match too many people to be worth a list


def search(
    conn: sqlite3.Connection, session_id: str, text: str, statuses: dict[str, str], limit: int = 8
) -> list[tuple[regs.Entry, str]]:
    """People of a session whose name or short code matches what staff typed, best first."""
    text = " ".join(text.split())[:100]
    if len(text) < SEARCH_MIN_LENGTH:
        return []
    people = regs.entries(conn, session_id)
    short = regs.normalize_short_code(text)
    if short is not None:
        return [(p, statuses.get(p.id, "")) for p in people if p.short_code == short]
    wanted = text.casefold()
    scored = []
    for person in people:
        name = person.name.casefold()
        score = 100.0 if wanted in name else fuzz.partial_ratio(wanted, name)
        if score >= 80:
            scored.append((score, person))
    scored.sort(key=lambda item: (-item[0], item[1].name))
    return [(p, statuses.get(p.id, "")) for _score, p in scored[:limit]]


def roster(
    conn: sqlite3.Connection, session_id: str, moment: datetime, settings: DoorSettings
) -> tuple[list[RosterRow], float | None]:
    """Everyone of a session with status and check-in time (ticket holders without a
    registration by their ticket's short code), and the no-show rate: None until the
    release time, when a registered person who has not come yet is not a no-show."""
    session = facts(_session_row(conn, session_id), settings)
    figures, people = occupancy(conn, session_id, moment, settings)
    rows: list[RosterRow] = [
        {
            "name": p.name,
            "phone": p.phone,
            "short_code": p.short_code or "",
            "kind": "walk_in" if p.walk_in else "registration",
            "status": figures.statuses.get(p.id, ""),
            "checked_in_at": p.checked_in_at or "",
            "late": p.late,
        }
        for p in sorted(people, key=lambda p: (p.walk_in, p.created_at, p.order))
    ]
    rows += [
        {
            "name": "",
            "phone": "",
            "short_code": shortcode.encode(row["ticket_serial"]) if row["ticket_serial"] is not None else "",
            "kind": "ticket",
            "status": "checked_in",
            "checked_in_at": row["device_time"],
            "late": bool(row["late"]),
        }
        for row in regs.anonymous_checkins(conn, session_id)
    ]
    if not session.released(moment):
        return rows, None
    return rows, rules.no_show_rate([p.person() for p in people], figures.capacity)
