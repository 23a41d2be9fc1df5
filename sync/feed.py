"""The admissions feed: other kiosks' gate events, pulled by each entry and heritage kiosk.

A gate decides alone and at once; what it knows of the other gates of its zone comes
from this feed. Central logs every event that can change a decision elsewhere (an
accepted scan, its annulment, a walk-in) in ``feed_log`` as it stores it, and serves a
kiosk, after its feed cursor, those of today in the zone of the gate central registered
it at, never its own. The kiosk stores them in the same tables as its own events, so
presence per ticket and "inside now" (``kiosk.entry.attendance``) read every gate's
passages with one definition; it never pushes them back (a push sends the kiosk's own
device id only). Each page is applied with its cursor in one local transaction, and
rows are keyed by uuid: a page applied twice (kill -9 before the cursor was saved)
changes nothing.

Protocol addition: ``GET /api/v1/sync/feed?cursor=N`` answers ``{cursor, more, tables:
{table: {columns, rows}}}``; central says it serves it with ``"feed": true`` in hello.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import TypedDict

from kiosk import db as dbmod
from kiosk import events
from sync.wire import quoted, table_columns

# Parents first: an annulment is applied after the scan it names.
FEED_TABLES = ("scans", "annulments", "walk_ins")
# Roles whose decisions depend on other gates' passages.
FEED_ROLES = frozenset({"entry", "heritage"})
# Who annulled or counted is central's business, not another gate's.
WITHHELD_COLUMNS = frozenset({"staff_id"})
FEED_PAGE = 2000
REQUIRED = ("uuid", "device_id", "device_seq", "device_time")


class FeedError(ValueError):
    """A feed page this kiosk will not store."""


def _trigger_sql() -> list[str]:
    create = "CREATE TRIGGER IF NOT EXISTS"
    insert = "INSERT INTO feed_log (tbl, uuid, device_id, fair_date, zone_id)"
    return [
        f"{create} feed_log_scans AFTER INSERT ON scans"
        " WHEN NEW.result = 'accepted' AND NEW.zone_id IS NOT NULL"
        f" BEGIN {insert} VALUES ('scans', NEW.uuid, NEW.device_id, NEW.fair_date, NEW.zone_id); END",
        f"{create} feed_log_walk_ins AFTER INSERT ON walk_ins"
        f" BEGIN {insert} VALUES ('walk_ins', NEW.uuid, NEW.device_id, NEW.fair_date, NEW.zone_id); END",
        f"{create} feed_log_annulments AFTER INSERT ON annulments"
        f" BEGIN {insert} SELECT 'annulments', NEW.uuid, NEW.device_id, s.fair_date, s.zone_id"
        "  FROM scans s WHERE s.uuid = NEW.scan_uuid AND s.result = 'accepted'"
        "  AND s.zone_id IS NOT NULL; END",
    ]


def ensure_feed_log(conn: sqlite3.Connection) -> bool:
    """Create the feed triggers on central (call in a write transaction); events stored
    before they existed are logged at once, in the order they were stored. Returns
    whether anything was created."""
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if {"feed_log_scans", "feed_log_walk_ins", "feed_log_annulments"} <= existing:
        return False
    for statement in _trigger_sql():
        conn.execute(statement)
    if conn.execute("SELECT 1 FROM feed_log LIMIT 1").fetchone() is None:
        conn.execute(
            "INSERT INTO feed_log (tbl, uuid, device_id, fair_date, zone_id) SELECT 'scans', uuid,"
            " device_id, fair_date, zone_id FROM scans WHERE result = 'accepted' AND zone_id IS NOT NULL"
            " ORDER BY rowid"
        )
        conn.execute(
            "INSERT INTO feed_log (tbl, uuid, device_id, fair_date, zone_id) SELECT 'annulments', a.uuid,"
            " a.device_id, s.fair_date, s.zone_id FROM annulments a JOIN scans s ON s.uuid = a.scan_uuid"
            " WHERE s.result = 'accepted' AND s.zone_id IS NOT NULL ORDER BY a.rowid"
        )
        conn.execute(
            "INSERT INTO feed_log (tbl, uuid, device_id, fair_date, zone_id) SELECT 'walk_ins', uuid,"
            " device_id, fair_date, zone_id FROM walk_ins ORDER BY rowid"
        )
    return True


def _high_water(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'feed_log'").fetchone()
    return row[0] if row else 0


def device_zones(conn: sqlite3.Connection, device: sqlite3.Row) -> list[str]:
    """The zones whose passages a device needs: the zone of the gate central registered
    it at, for a gate role (never what the kiosk says of itself)."""
    roles = {part.strip() for part in str(device["role"] or "").split(",")}
    if not roles & FEED_ROLES or not device["gate_id"]:
        return []
    return [row[0] for row in conn.execute("SELECT zone_id FROM gates WHERE id = ?", (device["gate_id"],))]


class FeedTable(TypedDict):
    columns: list[str]
    rows: list[list[object]]


class FeedPage(TypedDict):
    """Other devices' gate events after a feed cursor (``serve_feed``)."""

    cursor: int
    more: bool
    tables: dict[str, FeedTable]


def serve_feed(
    conn: sqlite3.Connection,
    device_id: str,
    zones: list[str],
    day: date,
    cursor: int,
    limit: int = FEED_PAGE,
) -> FeedPage:
    """One page of other devices' gate events of ``day`` in ``zones`` after ``cursor``.
    Read in one transaction; a page that is not full moves the cursor to the log's
    high-water mark, so events of other days and zones are never asked for again."""
    limit = max(1, min(limit, 10 * FEED_PAGE))
    with dbmod.read(conn):
        entries = conn.execute(
            "SELECT seq, tbl, uuid FROM feed_log WHERE fair_date = ? AND zone_id IN"
            " (SELECT value FROM json_each(?)) AND seq > ? AND device_id != ? ORDER BY seq LIMIT ?",
            (day.isoformat(), json.dumps(zones), cursor, device_id, limit),
        ).fetchall()
        more = len(entries) == limit
        last = entries[-1][0] if more else max(cursor, _high_water(conn))
        wanted: dict[str, list[str]] = {}
        for _seq, table, uuid in entries:
            wanted.setdefault(table, []).append(uuid)
        tables: dict[str, FeedTable] = {}
        for table in FEED_TABLES:
            if table not in wanted:
                continue
            columns = [c for c in table_columns(conn, table) if c not in WITHHELD_COLUMNS]
            rows = conn.execute(
                f"SELECT {quoted(columns)} FROM [{table}] WHERE uuid IN (SELECT value FROM json_each(?))"
                " ORDER BY rowid",
                (json.dumps(wanted[table]),),
            ).fetchall()
            tables[table] = {"columns": columns, "rows": [list(row) for row in rows]}
        return {"cursor": last, "more": more, "tables": tables}


def apply_feed(conn: sqlite3.Connection, page: object, own_device: str) -> int:
    """Store one feed page and its cursor (call inside one write transaction); returns
    the rows new here. Checks the page's shape first; rows are only ever added."""
    if not isinstance(page, dict) or not isinstance(page.get("cursor"), int) or page["cursor"] < 0:
        raise FeedError("a feed page is {cursor, more, tables}")
    tables = page.get("tables") or {}
    if not isinstance(tables, dict) or set(tables) - set(FEED_TABLES):
        raise FeedError(f"a feed page carries only {', '.join(FEED_TABLES)}")
    with events.counted_together(conn):  # a page of other gates' passages, counted once
        added = _store(conn, tables, own_device)
    conn.execute("UPDATE sync_state SET feed_cursor = max(feed_cursor, ?)", (page["cursor"],))
    return added


def _store(conn: sqlite3.Connection, tables: dict[str, dict[str, object]], own_device: str) -> int:
    """Insert a checked page's rows, parents first; returns the rows new here."""
    added = 0
    for table in FEED_TABLES:
        part = tables.get(table)
        if part is None:
            continue
        columns, rows = part.get("columns"), part.get("rows")
        ours = set(table_columns(conn, table))
        if (
            not isinstance(columns, list)
            or len(set(columns)) != len(columns)
            or not set(REQUIRED) <= set(columns)
            or not set(columns) <= ours
        ):
            raise FeedError(f"{table}: columns must be known, once each, and include {', '.join(REQUIRED)}")
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == len(columns) for r in rows
        ):
            raise FeedError(f"{table}: rows must be lists as long as the columns")
        at = columns.index("device_id")
        # Never another device's row under this kiosk's id: its own events are its to push.
        if any(row[at] == own_device for row in rows):
            raise FeedError(f"{table}: the feed sent this kiosk's own events back")
        try:
            # Only a row held already is skipped; one that breaks a CHECK fails the page.
            added += conn.executemany(
                f"INSERT INTO [{table}] ({quoted(columns)}) VALUES ({', '.join('?' for _ in columns)})"
                " ON CONFLICT DO NOTHING",
                rows,
            ).rowcount
        except sqlite3.Error as error:
            raise FeedError(f"{table}: {error}") from None
    return added
