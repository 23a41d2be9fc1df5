"""Helpers for the sync tests: enroll kiosks against a real central, scan, compare state."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.events import EVENT_TABLES
from kiosk.reference import REFERENCE_TABLES
from kiosk.scanning import Scanner
from sync import protocol
from sync.cli import init_enrolled
from sync.wire import primary_key, table_columns

FAIR_DAY = "2026-06-15"


def add_device(central_dir: Path, name: str, role: str = "entry", gate: str | None = "main") -> str:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        code = protocol.add_device(conn, name, role, gate, clock.now())
    database.conn.close()
    return code


def enroll(central_url: str, central_dir: Path, folder: Path, name: str, role: str = "entry",
           gate: str | None = "main") -> Path:
    """Register the kiosk on central and run ``kiosk init --central --code`` in-process."""
    code = add_device(central_dir, name, role, gate)
    init_enrolled(folder, "kiosk", central_url, code, None, None)
    return folder


def day_tickets(central_dir: Path, count: int, type_id: str = "day") -> list[str]:
    """QR payloads of tickets valid on the first fair day."""
    conn = sqlite3.connect(central_dir / "kiosk.db")
    rows = conn.execute("SELECT payload FROM tickets WHERE type_id = ? AND valid_from = ? ORDER BY serial"
                        " LIMIT ?", (type_id, FAIR_DAY, count)).fetchall()
    conn.close()
    return [r[0] for r in rows]


def scan(folder: Path, code: str, gate: str = "main", direction: str = "in") -> str:
    database = instance.open_db(folder)
    try:
        verdict = Scanner(debounce_seconds=0).scan(database, code, gate, direction)
    finally:
        database.conn.close()
    return verdict.reason


def query(folder: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(Path(folder) / "kiosk.db", timeout=30)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def events_of(folder: Path, device_id: str | None = None) -> dict[str, list[tuple]]:
    """Every event row per table (optionally of one device), sorted."""
    out = {}
    conn = sqlite3.connect(Path(folder) / "kiosk.db", timeout=30)
    for table in EVENT_TABLES:
        if not table_columns(conn, table):
            continue
        sql = f"SELECT * FROM [{table}]" + (" WHERE device_id = ?" if device_id else "")
        out[table] = sorted(tuple(r) for r in conn.execute(sql, (device_id,) if device_id else ()))
    conn.close()
    return out


def device_id(folder: Path) -> str:
    return query(folder, "SELECT id FROM device")[0][0]


def reference_of(folder: Path) -> dict[str, list[tuple]]:
    """Every reference table's rows (columns by name, sorted) for comparing instances."""
    out = {}
    conn = sqlite3.connect(Path(folder) / "kiosk.db", timeout=30)
    for table in REFERENCE_TABLES:
        columns = table_columns(conn, table)
        if not columns:
            continue
        keys = primary_key(conn, table)
        out[table] = [tuple(r) for r in conn.execute(
            f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY "
            + ", ".join(f"[{k}]" for k in keys))]
    conn.close()
    return out


def integrity(folder: Path) -> str:
    return query(folder, "PRAGMA integrity_check")[0][0]
