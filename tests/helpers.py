"""Small helpers for tests that work on instance folders."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from flask.testing import FlaskClient

from kiosk import db as dbmod


def rows(folder: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    """Query an instance's database through a fresh connection (what is on disk)."""
    conn = sqlite3.connect(folder / dbmod.DB_FILENAME)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def ticket(folder: Path, type_id: str, offset: int = 0, valid_from: str = "2026-06-15") -> sqlite3.Row:
    """The ``offset``-th ticket of a type valid from a day (default: the demo's first day),
    as printed: kiosks hold no QR payloads, so the row is read from central (the
    ``central`` folder beside a kiosk's, as the fixtures make them)."""
    if not (Path(folder) / "keys").exists() and (Path(folder).parent / "central").exists():
        folder = Path(folder).parent / "central"
    found = rows(
        folder,
        "SELECT * FROM tickets WHERE type_id = ? AND valid_from = ? ORDER BY serial LIMIT 1 OFFSET ?",
        (type_id, valid_from, offset),
    )
    assert found, f"no {type_id} ticket at offset {offset}"
    return found[0]


def accepted_scans(folder: Path, payload: str) -> int:
    """How many accepted scans an instance holds of one scanned text."""
    digest = hashlib.sha256(payload.encode()).hexdigest()
    return rows(
        folder, "SELECT count(*) FROM scans WHERE code_digest = ? AND result = 'accepted'", (digest,)
    )[0][0]


def api_bearer(
    client: FlaskClient, name: str, pin: str, environ: dict[str, str] | None = None
) -> dict[str, str]:
    """Log a staff member in through a test client's ``/api/v1/login`` (from ENVIRON's
    address); the Authorization header that carries the token it answers."""
    token = client.post("/api/v1/login", json={"name": name, "pin": pin}, environ_base=environ).get_json()
    return {"Authorization": f"Bearer {token['token']}"}


def staff_log_in(page, base: str, name: str, pin: str, then: str) -> None:
    """Log a staff member in through the real log-in form and land on ``then``."""
    page.goto(f"{base}/staff/login?next={then}")
    page.fill("input[name=name]", name)
    page.fill("input[name=pin]", pin)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")
