"""The verdict path: every input (camera, handheld scanner, typed code, API) ends here.

``Scanner.scan`` turns scanned text into a recorded verdict in one write transaction:
parse and verify the payload, gather what the kiosk knows, let
``kiosk.entry.admission.decide`` rule, append the scan to the log, commit, and only then
answer. A verdict shown as accepted is therefore already on disk (``kiosk.db.write``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from kiosk import clock, events, reasons, schedule, settings, verdict_log
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.entry import admission, attendance
from kiosk.metrics import VERDICT_SECONDS
from kiosk.tickets import codec, reading, shortcode


class GateError(ValueError):
    """The scan names a gate or direction this instance does not have."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str
    level: str
    direction: str
    gate_id: str
    scan_uuid: str | None
    ticket_type: str | None
    short_code: str | None
    repeat: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def gate_directions(gate: sqlite3.Row) -> list[str]:
    """A gate's configured directions: ``in``, ``out`` or both (entries first)."""
    return sorted(gate["directions"].split(","))


def exit_needs_staff(conn: sqlite3.Connection, gate_id: str, direction: str | None) -> bool:
    """Whether recording this passage needs a logged-in staff member: an exit asked for at
    a gate that is both entry and exit (a visitor who could choose "exit" would pass the
    ticket back over the fence)."""
    return direction == "out" and len(directions_of(conn, gate_id)) > 1


def directions_of(conn: sqlite3.Connection, gate_id: str) -> list[str]:
    """The directions of a gate by its id (none for a gate this instance does not have)."""
    gate = conn.execute("SELECT directions FROM gates WHERE id = ?", (gate_id,)).fetchone()
    return gate_directions(gate) if gate is not None else []


def gate_row(conn: sqlite3.Connection, gate_id: str, direction: str | None = None) -> sqlite3.Row:
    """The gate, checking it allows ``direction`` (when given)."""
    gate = conn.execute("SELECT * FROM gates WHERE id = ?", (gate_id,)).fetchone()
    if gate is None:
        raise GateError(f"unknown gate {gate_id!r}")
    if direction is not None and direction not in gate_directions(gate):
        raise GateError(f"gate {gate_id!r} does not allow direction {direction!r}")
    return gate


class Scanner:
    """Decides and records scans with the instance's settings (debounce window)."""

    def __init__(
        self,
        debounce_seconds: float = settings.default("DEBOUNCE_SECONDS"),
        after_admission: Callable[[], None] | None = None,
    ) -> None:
        self.debounce_seconds = debounce_seconds
        # Told once an accepted passage is committed (kiosk serve: wake the sync loop).
        self.after_admission = after_admission

    def scan(
        self,
        db: Database,
        code: str | bytes,
        gate_id: str,
        direction: str | None = None,
        moment: datetime | None = None,
    ) -> Verdict:
        """Decide on a scanned or typed code at a gate and record it durably. Without a
        direction, the gate's first (an entry, or the exit of an exit-only gate)."""
        digest = verdict_log.code_digest(code)
        # Parsing and verifying the code reads only reference data (keys, tickets) and costs
        # a signature check: done before the write lock, so concurrent scans queue only for
        # the decision reads and the append.
        claims = reading.ticket_claims(db.conn, code)
        with self._timing(gate_id), dbmod.write(db) as conn:
            # The moment is read under the lock: a scan that waited for it is later than the
            # one it waited for, so a twin scan is seen as a repeat, never as a second entry.
            moment = moment or clock.now()
            gate = gate_row(conn, gate_id, direction)
            direction = direction or gate_directions(gate)[0]
            repeat = self._recent_repeat(conn, digest, gate_id, direction, moment)
            if repeat is not None:
                return repeat
            days = schedule.load_schedule(conn)
            # Day and opening hours on central's clock: a kiosk set wrong must not admit
            # yesterday's tickets (the event keeps this device's own time; central corrects it).
            judged = events.central_time(conn, moment)
            day = schedule.fair_day(judged, days)
            situation = _Where(gate, direction, judged, day, days)
            reason, ticket = self._judge(conn, claims, situation)
            stamp = events.stamp(conn, moment)
            conn.execute(
                "INSERT INTO scans (uuid, device_id, device_seq, device_time, fair_date,"
                " gate_id, zone_id, direction, code_digest, ticket_serial, type_id, result,"
                " reason) VALUES (:uuid, :device_id, :device_seq, :device_time, :fair_date,"
                " :gate_id, :zone_id, :direction, :code_digest, :ticket_serial, :type_id,"
                " :result, :reason)",
                {
                    **stamp,
                    "fair_date": day.isoformat(),
                    "gate_id": gate_id,
                    "zone_id": gate["zone_id"],
                    "direction": direction,
                    "code_digest": digest,
                    "ticket_serial": ticket.serial if ticket else None,
                    "type_id": ticket.type_id if ticket else None,
                    "result": "accepted" if reason == "ok" else "refused",
                    "reason": reason,
                },
            )
        if reason == "ok" and self.after_admission is not None:
            self.after_admission()
        return Verdict(
            ok=reason == "ok",
            reason=reason,
            level=reasons.level(reason),
            direction=direction,
            gate_id=gate_id,
            scan_uuid=str(stamp["uuid"]),
            ticket_type=ticket.type_id if ticket else None,
            short_code=shortcode.encode(ticket.serial) if ticket else None,
        )

    def _timing(self, gate_id: str) -> AbstractContextManager[object]:
        """What times a verdict's transaction: nothing here (see ``TimedScanner``)."""
        return nullcontext()

    def _judge(
        self,
        conn: sqlite3.Connection,
        claims: codec.Claims | str,
        where: _Where,
    ) -> tuple[str, admission.TicketFacts | None]:
        if isinstance(claims, str):
            return claims, None
        kind = conn.execute("SELECT * FROM ticket_types WHERE code = ?", (claims.type_code,)).fetchone()
        if kind is None:
            # Genuinely signed but of a type this kiosk was never told about.
            return "unknown_format", None
        ticket = admission.TicketFacts(
            serial=claims.serial,
            type_id=kind["id"],
            valid_from=claims.valid_from,
            valid_days=claims.valid_days,
            zones=None if kind["zones"] == "*" else frozenset(kind["zones"].split(",")),
            early_access=bool(kind["early_access"]),
            reentry=bool(kind["reentry"]),
        )
        day = where.day
        zone_id = where.gate["zone_id"]
        limit = where.gate["occupancy_limit"]
        seen = attendance.presence(conn, claims.serial, zone_id, day)
        situation = admission.Situation(
            moment=where.moment,
            day=day,
            hours=next((h for h in where.days if h.day == day), None),
            direction=where.direction,
            zone_id=zone_id,
            occupancy_limit=limit,
            inside_zone=attendance.inside_zone(conn, zone_id, day) if limit is not None else 0,
            ticket_inside=seen.inside,
            ticket_left=seen.left,
            revoked=conn.execute("SELECT 1 FROM revocations WHERE serial = ?", (claims.serial,)).fetchone()
            is not None,
        )
        return admission.decide(ticket, situation), ticket

    def _recent_repeat(
        self,
        conn: sqlite3.Connection,
        digest: str,
        gate_id: str,
        direction: str,
        moment: datetime,
    ) -> Verdict | None:
        """The earlier verdict if this device saw the same code moments ago (camera twice)."""
        place = {"gate_id": gate_id, "direction": direction}
        row = verdict_log.repeat_of(conn, verdict_log.SCANS, digest, place, moment, self.debounce_seconds)
        if row is None:
            return None
        # The first verdict's outcome, shown in a neutral colour: nothing new happened.
        return Verdict(
            ok=row["result"] == "accepted",
            reason=row["reason"],
            level=reasons.Level.REPEAT,
            direction=direction,
            gate_id=gate_id,
            scan_uuid=row["uuid"],
            ticket_type=row["type_id"],
            short_code=shortcode.encode(row["ticket_serial"]) if row["ticket_serial"] is not None else None,
            repeat=True,
        )


@dataclass(frozen=True)
class _Where:
    """The gate, direction and moment of one scan, and the fair day it falls on."""

    gate: sqlite3.Row
    direction: str
    moment: datetime
    day: date
    days: list[schedule.OpeningHours]


def recent_scans(conn: sqlite3.Connection, window_minutes: float, moment: datetime) -> list[sqlite3.Row]:
    """This device's scans young enough to be annulled, newest first, with annulment state."""
    since = clock.iso(moment - timedelta(minutes=window_minutes))
    return conn.execute(
        "SELECT s.uuid, s.device_time, s.gate_id, s.direction, s.result, s.reason, s.type_id,"
        " s.ticket_serial, a.uuid IS NOT NULL AS annulled FROM scans s"
        " LEFT JOIN annulments a ON a.scan_uuid = s.uuid"
        " WHERE s.device_id = (SELECT id FROM device) AND s.device_time >= ?"
        " ORDER BY s.device_seq DESC LIMIT 50",
        (since,),
    ).fetchall()


def annul(
    db: Database,
    scan_uuid: str,
    window_minutes: float,
    moment: datetime | None = None,
    staff_id: str | None = None,
) -> str:
    """Annul a mistaken scan of this device: ``ok``, ``not_found``, ``too_late`` or
    ``already_annulled``. The scan stays in the log; the figures skip it."""
    moment = moment or clock.now()
    with dbmod.write(db) as conn:
        return verdict_log.cancel(conn, verdict_log.SCANS, scan_uuid, moment, window_minutes, staff_id)


class TimedScanner(Scanner):
    """The scanner, timing each verdict into ``/metrics`` (``kiosk_verdict_seconds``)."""

    def _timing(self, gate_id: str) -> AbstractContextManager[object]:
        return VERDICT_SECONDS.labels(gate=gate_id).time()
