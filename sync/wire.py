"""What both ends of the sync agree on: protocol version, headers, gzip JSON bodies."""

from __future__ import annotations

import gzip
import json
import sqlite3
import zlib
from collections.abc import Sequence
from typing import NotRequired, TypedDict

PROTOCOL = 1
# Versions central still accepts; a kiosk outside gets a clear 426 refusal.
SUPPORTED = (1, 1)
PROTOCOL_HEADER = "X-Sync-Protocol"
TIME_HEADER = "X-Device-Time"
# Bounds on what either side will inflate (gzip bombs) or send in one go.
MAX_INFLATED = 256 * 1024 * 1024
BATCH_EVENTS = 500
# A push carries up to PUSH_EVENTS events (a kiosk draining a backlog: fewer round trips,
# and central counts more of them at once), as long as its JSON stays within PUSH_BYTES,
# half of what central inflates of a push at most (MAX_PUSH_BODY, issue 11 point 7): a
# scan is ~250 bytes, a session walk-in with long names several times that.
PUSH_EVENTS = 2000
MAX_PUSH_BODY = 2 * 1024 * 1024
PUSH_BYTES = MAX_PUSH_BODY // 2
CHANGES_PAGE = 2000
SNAPSHOT_PAGE = 5000


# The documents both ends exchange. Rows are sequences of column values in ``columns``
# order (tuples when sent, lists once parsed).


class EventPart(TypedDict):
    """One table's events in a push batch or an events file."""

    table: str
    columns: list[str]
    rows: Sequence[Sequence[object]]


class Conflict(TypedDict):
    """A device seq central holds under another event."""

    table: str
    device_seq: int
    uuid: str


class Rejected(TypedDict):
    """An event central refused to count (kept aside for the organizers)."""

    table: str
    device_seq: int
    reason: str


class PushAnswer(TypedDict):
    high_seq: int  # highest contiguous seq central holds for the device
    applied: int
    duplicates: int
    conflicts: NotRequired[list[Conflict]]
    rejected: NotRequired[list[Rejected]]


class TableChanges(TypedDict):
    columns: list[str]
    rows: Sequence[Sequence[object]]
    deleted: list[list[object]]  # primary keys


class ChangesPage(TypedDict):
    """A page of reference changes after a cursor, or a request to take a snapshot."""

    cursor: NotRequired[int]
    more: NotRequired[bool]
    tables: NotRequired[dict[str, TableChanges]]
    snapshot_required: NotRequired[bool]
    snapshot_cursor: NotRequired[int]


class SnapshotPage(TypedDict):
    """A page of one reference table in primary-key order."""

    table: str
    columns: list[str]
    rows: Sequence[Sequence[object]]
    last: list[object] | None  # primary key of the last row (the next page's ``after``)
    done: bool
    withheld: NotRequired[bool]
    unknown: NotRequired[bool]


class WireError(ValueError):
    """A body that is not gzip JSON of a sane size."""


def dumps(document: object) -> bytes:
    """A document as compact UTF-8 JSON (what ``encode`` compresses)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode(document: object) -> bytes:
    """A document as gzip JSON; ``bytes`` are taken as JSON already (from ``dumps``)."""
    raw = document if isinstance(document, bytes) else dumps(document)
    # Level 1: the wire is a LAN; compressing faster matters more than a few bytes.
    return gzip.compress(raw, compresslevel=1)


class TooLarge(WireError):
    """A body larger than allowed once inflated."""


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse(raw: bytes | str) -> object:
    """Strict JSON: no NaN or Infinity; nesting beyond the interpreter's recursion limit
    is refused (RecursionError) rather than failing the request."""
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise WireError("JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise WireError(f"not JSON: {error}") from None


def decode(body: bytes, limit: int = MAX_INFLATED) -> object:
    """Inflate and parse, refusing more than ``limit`` bytes once inflated."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise WireError(f"not gzip JSON: {error}") from None
    if len(raw) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"body larger than {limit} bytes once inflated")
    return parse(raw)


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """Column names of a table from its schema (empty when the table does not exist)."""
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    """Primary key columns in key order; ``rowid`` for a table without one."""
    info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
    keyed = sorted((row[5], row[1]) for row in info if row[5])
    return [name for _order, name in keyed] or ["rowid"]


def quoted(columns: list[str]) -> str:
    return ", ".join(f"[{c}]" for c in columns)
