"""The ticket QR payload: compact, signed with Ed25519, readable offline.

Layout: ``SK1:`` then Base45 of 11 data bytes and a 64-byte Ed25519 signature over
the prefix and the data. Data, big-endian: key id (2 bytes), ticket type code (1),
first valid day as days since 2020-01-01 (2), number of valid days (1), serial (5).
That is 117 alphanumeric characters: QR version 6 at error correction M holds 122.

Parsing never raises on hostile input: it answers a ``Claims`` or a reason code.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import date, timedelta

import base45

PREFIX = "SK1:"
EPOCH = date(2020, 1, 1)
DATA_FORMAT = ">HBHB5s"
DATA_SIZE = struct.calcsize(DATA_FORMAT)
SIGNATURE_SIZE = 64
# Anything longer than a payload plus stray whitespace is not ours; stop before decoding.
MAX_CODE_LENGTH = 256
SERIAL_BITS = 40


@dataclass(frozen=True)
class Claims:
    """What a ticket payload says, before (``signed_data``) and after verification."""

    kid: int
    type_code: int
    valid_from: date
    valid_days: int
    serial: int
    signed_data: bytes
    signature: bytes

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day < self.valid_from + timedelta(days=self.valid_days)


@dataclass(frozen=True)
class Unreadable:
    """A code that is not a ticket payload at all; ``reason`` is ``unknown_format``."""

    reason: str = "unknown_format"


def pack_data(kid: int, type_code: int, valid_from: date, valid_days: int, serial: int) -> bytes:
    """The 11 data bytes of a payload (what gets signed after the prefix)."""
    return struct.pack(
        DATA_FORMAT,
        kid,
        type_code,
        (valid_from - EPOCH).days,
        valid_days,
        serial.to_bytes(5, "big"),
    )


def encode(data: bytes, signature: bytes) -> str:
    """The QR text for signed data."""
    return PREFIX + base45.b45encode(data + signature).decode("ascii")


def signing_input(data: bytes) -> bytes:
    """The bytes the signature covers: the version prefix too, so it cannot be swapped."""
    return PREFIX.encode("ascii") + data


def normalize(code: str | bytes) -> str | None:
    """The scanned text, trimmed and upper-cased; None if it cannot be a payload."""
    if isinstance(code, bytes):
        if len(code) > MAX_CODE_LENGTH:
            return None
        try:
            code = code.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if len(code) > MAX_CODE_LENGTH:
        return None
    # Keyboard-wedge scanners may send with caps lock on; Base45 has no lower case.
    return code.strip().upper()


def parse(code: str | bytes) -> Claims | Unreadable:
    """Split a scanned code into claims (signature not yet checked) or say it is unreadable."""
    text = normalize(code)
    if text is None or not text.startswith(PREFIX):
        return Unreadable()
    try:
        raw = base45.b45decode(text[len(PREFIX) :])
    except (ValueError, KeyError, IndexError, TypeError):
        return Unreadable()
    if len(raw) != DATA_SIZE + SIGNATURE_SIZE:
        return Unreadable()
    data, signature = raw[:DATA_SIZE], raw[DATA_SIZE:]
    kid, type_code, day_number, valid_days, serial = struct.unpack(DATA_FORMAT, data)
    try:
        valid_from = EPOCH + timedelta(days=day_number)
    except OverflowError:
        return Unreadable()
    return Claims(
        kid=kid,
        type_code=type_code,
        valid_from=valid_from,
        valid_days=valid_days,
        serial=int.from_bytes(serial, "big"),
        signed_data=data,
        signature=signature,
    )
