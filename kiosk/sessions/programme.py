"""The programme: sessions, their validation, and CSV import and export.

One validation (``clean_session``) serves the organizer page and the CSV import, so
a row refused on import is refused for the same reason on screen.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from kiosk import clock, sheets, spreadsheet
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.sessions.rules import KINDS

CSV_COLUMNS = (
    "id",
    "title_fr",
    "title_ar",
    "title_en",
    "speaker",
    "zone",
    "starts_at",
    "ends_at",
    "capacity",
    "kind",
    "registration_required",
)
TRUE_WORDS = {"1", "yes", "true", "oui", "y", "x"}
FALSE_WORDS = {"0", "no", "false", "non", "n", ""}
MAX_TITLE = 200


class SessionError(ValueError):
    """A session's fields are not acceptable; the message says why."""


def _parse_moment(text: str, what: str) -> datetime:
    try:
        return clock.parse_time(text.strip())
    except ValueError:
        raise SessionError(f"{what} is not a date and time (YYYY-MM-DDTHH:MM): {text!r}") from None


def clean_session(conn: sqlite3.Connection, fields: dict[str, str]) -> dict[str, object]:
    """A session row ready to store, from text fields (CSV row or form); raises SessionError."""
    raw_id = (fields.get("id") or "").strip()
    try:
        session_id = str(uuid.UUID(raw_id)) if raw_id else str(uuid.uuid4())
    except ValueError:
        raise SessionError(f"id is not a UUID: {raw_id!r}") from None
    titles = {lang: (fields.get(f"title_{lang}") or "").strip() for lang in ("fr", "ar", "en")}
    if not titles["fr"]:
        raise SessionError("title_fr is empty")
    if any(len(title) > MAX_TITLE for title in titles.values()):
        raise SessionError(f"a title is longer than {MAX_TITLE} characters")
    zone = (fields.get("zone") or fields.get("zone_id") or "").strip()
    if conn.execute("SELECT 1 FROM zones WHERE id = ?", (zone,)).fetchone() is None:
        known = ", ".join(row[0] for row in conn.execute("SELECT id FROM zones ORDER BY id"))
        raise SessionError(f"unknown zone {zone!r} (zones: {known})")
    starts = _parse_moment(fields.get("starts_at") or "", "starts_at")
    ends = _parse_moment(fields.get("ends_at") or "", "ends_at")
    if ends <= starts:
        raise SessionError("ends_at is not after starts_at")
    if ends - starts > timedelta(hours=24):
        raise SessionError("a session lasts at most 24 hours")
    try:
        capacity = int((fields.get("capacity") or "").strip())
    except ValueError:
        raise SessionError(f"capacity is not a whole number: {fields.get('capacity')!r}") from None
    if not 0 <= capacity <= 100_000:
        raise SessionError("capacity must be between 0 and 100000")
    kind = (fields.get("kind") or "").strip()
    if kind not in KINDS:
        raise SessionError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    required = (fields.get("registration_required") or "").strip().lower()
    if required not in TRUE_WORDS | FALSE_WORDS:
        raise SessionError(f"registration_required must be yes or no, not {required!r}")
    return {
        "id": session_id,
        **{f"title_{lang}": titles[lang] or titles["fr"] for lang in titles},
        "speaker": (fields.get("speaker") or "").strip()[:MAX_TITLE],
        "zone_id": zone,
        "starts_at": clock.iso(starts),
        "ends_at": clock.iso(ends),
        "capacity": capacity,
        "kind": kind,
        "registration_required": int(required in TRUE_WORDS),
    }


def save_session(conn: sqlite3.Connection, row: dict[str, object]) -> None:
    """Insert or update one cleaned session (inside the caller's write transaction)."""
    conn.execute(
        "INSERT INTO sessions (id, title_fr, title_ar, title_en, speaker, zone_id, starts_at,"
        " ends_at, capacity, kind, registration_required) VALUES (:id, :title_fr, :title_ar,"
        " :title_en, :speaker, :zone_id, :starts_at, :ends_at, :capacity, :kind,"
        " :registration_required) ON CONFLICT (id) DO UPDATE SET title_fr = excluded.title_fr,"
        " title_ar = excluded.title_ar, title_en = excluded.title_en, speaker = excluded.speaker,"
        " zone_id = excluded.zone_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at,"
        " capacity = excluded.capacity, kind = excluded.kind,"
        " registration_required = excluded.registration_required",
        row,
    )


@dataclass
class ImportReport:
    loaded: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a programme CSV or .xlsx (first sheet; the line is the
    sheet's row); raises SessionError if it cannot be read."""
    try:
        return sheets.read_table(path, [c for c in CSV_COLUMNS if c != "id"])
    except sheets.SheetError as error:
        raise SessionError(str(error)) from None


def load_rows(db: Database, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportReport:
    """Load the good (line, row) pairs in one transaction; report the bad ones by line."""
    report = ImportReport()
    seen: set[str] = set()
    with dbmod.write(db) as conn:
        for line, row in rows:
            if None in row:
                report.refused.append((line, "more fields than columns"))
                continue
            try:
                cleaned = clean_session(conn, {k: v or "" for k, v in row.items()})
            except SessionError as error:
                report.refused.append((line, str(error)))
                continue
            if cleaned["id"] in seen:
                report.refused.append((line, f"id {cleaned['id']} appears twice in the file"))
                continue
            seen.add(str(cleaned["id"]))
            save_session(conn, cleaned)
            report.loaded += 1
    return report


def import_csv(db: Database, path: Path) -> ImportReport:
    """Load the good rows of a programme CSV (one transaction); report the bad ones by line."""
    return load_rows(db, read_csv(path))


def export_rows(conn: sqlite3.Connection) -> Iterable[list[object]]:
    for row in conn.execute("SELECT * FROM sessions ORDER BY starts_at, title_fr"):
        yield [
            row["id"],
            row["title_fr"],
            row["title_ar"],
            row["title_en"],
            row["speaker"],
            row["zone_id"],
            row["starts_at"],
            row["ends_at"],
            row["capacity"],
            row["kind"],
            "yes" if row["registration_required"] else "no",
        ]


def export_csv(db: Database, path: Path) -> int:
    """Write the programme as CSV (the import format); returns the number of sessions."""
    rows = list(export_rows(db.conn))
    with Path(path).open("w", encoding="utf-8", newline="") as stream:
        writer = spreadsheet.Writer(stream)  # titles and speakers typed by organizers
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)
    return len(rows)


def sessions_on(conn: sqlite3.Connection, day: date) -> list[sqlite3.Row]:
    """Sessions starting on a day (local date), in time order."""
    # Compared as datetimes, not text: Morocco's offset changes during Ramadan.
    rows = conn.execute(
        "SELECT s.*, z.name_fr AS zone_fr, z.name_ar AS zone_ar, z.name_en AS zone_en"
        " FROM sessions s JOIN zones z ON z.id = s.zone_id"
    ).fetchall()
    chosen = [row for row in rows if clock.fair_date(clock.parse_time(row["starts_at"])) == day]
    return sorted(chosen, key=lambda row: (clock.parse_time(row["starts_at"]), row["title_fr"]))


def get_session(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT s.*, z.name_fr AS zone_fr, z.name_ar AS zone_ar, z.name_en AS zone_en"
        " FROM sessions s JOIN zones z ON z.id = s.zone_id WHERE s.id = ?",
        (session_id,),
    ).fetchone()
