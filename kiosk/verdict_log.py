"""The logs of verdicts a device gives (gate scans, session door check-ins): one way to
spot a code seen again moments ago, and one way to cancel a mistaken verdict.

A camera sees a held-up code many times and a visitor may scan twice: the same code at
the same place on the same device within the debounce window is a *repeat*, answered
with the first verdict and recorded once. A staff member may cancel a verdict of their
own device for a short while (an annulment at the gate, an undo at the door): the
verdict stays in the log, a cancellation event points at it, and the figures skip it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from kiosk import clock, events


@dataclass(frozen=True)
class VerdictLog:
    """An append-only table of verdicts and the event table that cancels them."""

    table: str  # has uuid, device_id, device_seq, device_time, code_digest, result
    place: tuple[str, ...]  # the columns a repeat has the same values in (gate and direction...)
    cancels: str  # the cancellation events: uuid, device_*, <cancelled>, staff_id
    cancelled: str  # its column naming the cancelled verdict
    already: str  # the outcome of cancelling a verdict twice
    cancellable: str = "1"  # which verdicts may be cancelled (SQL condition)


SCANS = VerdictLog("scans", ("gate_id", "direction"), "annulments", "scan_uuid", "already_annulled")
CHECKINS = VerdictLog(
    "session_checkins",
    ("session_id",),
    "session_checkin_undos",
    "checkin_uuid",
    "already_undone",
    cancellable="result = 'accepted'",
)


def code_digest(code: str | bytes) -> str:
    """What the logs keep of a scanned code: its SHA-256, never the text itself (it may be
    huge or hostile)."""
    raw = code if isinstance(code, bytes) else code.encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()


def repeat_of(
    conn: sqlite3.Connection,
    log: VerdictLog,
    digest: str,
    place: Mapping[str, object],
    moment: datetime,
    window_seconds: float,
) -> sqlite3.Row | None:
    """This device's verdict on the same code (``digest``) at the same ``place`` less than
    ``window_seconds`` before ``moment``, unless cancelled since (then decide afresh)."""
    row = conn.execute(
        f"SELECT * FROM {log.table} WHERE code_digest = ? AND device_id = (SELECT id FROM device)"
        " ORDER BY device_seq DESC LIMIT 1",
        (digest,),
    ).fetchone()
    if row is None or any(row[column] != place[column] for column in log.place):
        return None
    age = (moment - clock.parse_time(row["device_time"])).total_seconds()
    if not 0 <= age < window_seconds:  # a window of 0 turns repeats off
        return None
    if conn.execute(f"SELECT 1 FROM {log.cancels} WHERE {log.cancelled} = ?", (row["uuid"],)).fetchone():
        return None
    return row


def cancel(
    conn: sqlite3.Connection,
    log: VerdictLog,
    verdict_uuid: str,
    moment: datetime,
    window_minutes: float,
    staff_id: str | None,
) -> str:
    """Cancel a verdict of this device, inside the caller's write transaction: ``ok``,
    ``not_found``, ``too_late`` (older than ``window_minutes``) or ``log.already``."""
    row = conn.execute(
        f"SELECT device_time FROM {log.table} WHERE uuid = ? AND {log.cancellable}"
        " AND device_id = (SELECT id FROM device)",
        (verdict_uuid,),
    ).fetchone()
    if row is None:
        return "not_found"
    if conn.execute(f"SELECT 1 FROM {log.cancels} WHERE {log.cancelled} = ?", (verdict_uuid,)).fetchone():
        return log.already
    if (moment - clock.parse_time(row["device_time"])).total_seconds() > window_minutes * 60:
        return "too_late"
    stamp = events.stamp(conn, moment)
    conn.execute(
        f"INSERT INTO {log.cancels} (uuid, device_id, device_seq, device_time, {log.cancelled},"
        " staff_id) VALUES (:uuid, :device_id, :device_seq, :device_time, :verdict, :staff_id)",
        {**stamp, "verdict": verdict_uuid, "staff_id": staff_id},
    )
    return "ok"
