"""From a scanned or typed code to the ticket it names: one path for the gate, the
session door, the organizer's forms and ``kiosk revoke``.

A code is either a signed QR payload (``SK1:...``) or a ticket's short code, which
names the ticket by serial; this instance then reads the payload it holds for that
serial, so a typed code passes the same signature check as a scanned one.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from kiosk.tickets import codec, keys, shortcode


def serial_of(code: str) -> int | None:
    """The serial a short code or a QR payload names (signature not checked), or None."""
    parsed = codec.parse(code)
    if isinstance(parsed, codec.Claims):
        return parsed.serial
    return shortcode.decode(code)


def known_serial(conn: sqlite3.Connection, code: str) -> int | None:
    """The serial a code names, if this instance holds that ticket."""
    serial = serial_of(code)
    if serial is None:
        return None
    return serial if conn.execute("SELECT 1 FROM tickets WHERE serial = ?", (serial,)).fetchone() else None


def ticket_claims(conn: sqlite3.Connection, code: str | bytes) -> codec.Claims | str:
    """The verified claims of the ticket a code names, or the reason code why there are
    none: ``unknown_format``, ``mistyped_code`` (a short code whose check symbol does not
    match), ``unknown_ticket`` (a short code naming no ticket held here), ``unknown_key``
    or ``invalid_signature``."""
    text = codec.normalize(code)
    if text is not None and not text.startswith(codec.PREFIX):
        if shortcode.mistyped(text):
            return "mistyped_code"
        serial = shortcode.decode(text)
        if serial is not None:
            row = conn.execute(
                "SELECT t.payload, t.kid, y.code, t.valid_from, t.valid_days FROM tickets t"
                " JOIN ticket_types y ON y.id = t.type_id WHERE t.serial = ?",
                (serial,),
            ).fetchone()
            if row is None:
                return "unknown_ticket"
            if not row[0]:
                # A kiosk holds no payloads (kiosk.reference.CENTRAL_ONLY_COLUMNS): the row
                # came from central over authenticated sync or a bundle, so it is the claim.
                return codec.Claims(row[1], row[2], date.fromisoformat(row[3]), row[4], serial, b"", b"")
            text = row[0]
    parsed = codec.parse(text if text is not None else code)
    if isinstance(parsed, codec.Unreadable):
        return parsed.reason
    signature = keys.check(conn, parsed)
    return parsed if signature == "ok" else signature
