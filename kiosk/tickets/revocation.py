"""Revoking tickets on central: a lost or refunded ticket goes on the revocation list,
which travels to every kiosk (bundle or sync) ahead of any other reference data."""

from __future__ import annotations

from datetime import datetime

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database


def revoke(db: Database, serial: int, reason: str = "", moment: datetime | None = None) -> bool:
    """Put a ticket on the revocation list; False if it already was."""
    with dbmod.write(db) as conn:
        cursor = conn.execute(
            "INSERT INTO revocations (serial, reason, revoked_at) VALUES (?, ?, ?)"
            " ON CONFLICT (serial) DO NOTHING",
            (serial, reason[:200], clock.iso(moment or clock.now())),
        )
        return cursor.rowcount == 1
