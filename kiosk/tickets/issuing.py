"""Issuing tickets on the central instance: sign, store, return the rows."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import clock
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.tickets import codec, keys, shortcode

BATCH = 1000


class IssueError(ValueError):
    """The request cannot be met (unknown type, day outside the fair, bad count)."""


def sign_payload(
    signer: Ed25519PrivateKey,
    kid: int,
    type_code: int,
    valid_from: date,
    valid_days: int,
    serial: int,
) -> str:
    """The QR text of one ticket."""
    data = codec.pack_data(kid, type_code, valid_from, valid_days, serial)
    return codec.encode(data, signer.sign(codec.signing_input(data)))


def first_day(conn: sqlite3.Connection) -> date:
    """The fair's first day (tickets are valid from it unless told otherwise)."""
    row = conn.execute("SELECT start_date FROM event").fetchone()
    if row is None:
        raise IssueError("no event is defined on this instance")
    return date.fromisoformat(row[0])


def issue_tickets(
    db: Database,
    instance_dir: Path,
    type_id: str,
    count: int,
    day: date | None = None,
    rng: random.Random | None = None,
    moment: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, object]]:
    """Issue ``count`` tickets of a type, valid from ``day`` (default: the first fair day)
    for the type's number of days. ``rng`` makes serials reproducible (demo)."""
    if not 1 <= count <= 1_000_000:
        raise IssueError("count must be between 1 and 1,000,000")
    conn = db.conn
    kind = conn.execute("SELECT * FROM ticket_types WHERE id = ?", (type_id,)).fetchone()
    if kind is None:
        known = ", ".join(row[0] for row in conn.execute("SELECT id FROM ticket_types"))
        raise IssueError(f"unknown ticket type {type_id!r}; known types: {known}")
    valid_from = day or first_day(conn)
    fair_days = {row[0] for row in conn.execute("SELECT date FROM event_days")}
    if valid_from.isoformat() not in fair_days:
        raise IssueError(f"{valid_from} is not a day of the fair")
    kid = keys.newest_kid(conn)
    signer = keys.load_signer(instance_dir, kid)
    rng = rng or random.SystemRandom()
    issued_at = clock.iso(moment or clock.now())
    tickets: list[dict[str, object]] = []
    while len(tickets) < count:
        batch_size = min(BATCH, count - len(tickets))
        with dbmod.write(db) as wconn:
            made = 0
            while made < batch_size:
                serial = rng.getrandbits(codec.SERIAL_BITS)
                row = {
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "serial": serial,
                    "short_code": shortcode.encode(serial),
                    "type_id": type_id,
                    "valid_from": valid_from.isoformat(),
                    "valid_days": kind["default_days"],
                    "kid": kid,
                    "payload": sign_payload(
                        signer, kid, kind["code"], valid_from, kind["default_days"], serial
                    ),
                    "issued_at": issued_at,
                }
                try:
                    wconn.execute(
                        "INSERT INTO tickets (uuid, serial, short_code, type_id, valid_from,"
                        " valid_days, kid, payload, issued_at) VALUES (:uuid, :serial,"
                        " :short_code, :type_id, :valid_from, :valid_days, :kid, :payload,"
                        " :issued_at)",
                        row,
                    )
                except sqlite3.IntegrityError:
                    continue  # serial already taken: draw another
                tickets.append(row)
                made += 1
        if progress:
            progress(batch_size)
    return tickets
