"""Central checks every pushed event as strictly as the kiosk that wrote it.

A kiosk's token proves which device speaks, not that what it says is sane: a stolen or
buggy kiosk can send a scan at "not-a-time", a walk-in of a billion people, or an
annulment of another gate's scans. ``check_row`` answers the reason an event is refused
(None when it is fine), reading the reference data once per batch (``Reference``);
``sync.protocol.apply_batch`` keeps refused events aside (``sync_rejected``) with
their reason, where the dashboard shows them and an organizer can void them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast

from kiosk import clock, reasons, staff
from kiosk.entry.tally import KINDS as WALK_IN_KINDS
from kiosk.entry.tally import MAX_GROUP

# Largest integer a cell may hold: SQLite stores 64-bit signed integers.
MAX_INT = (1 << 63) - 1
MAX_TEXT = 500
FINDER_KINDS = ("search", "category", "province", "route")
DIGEST = re.compile(r"[0-9a-f]{64}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UUIDS = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n)*" + UUID.pattern)
DIGESTS = re.compile(r"(?:[0-9a-f]{64}\n)*[0-9a-f]{64}")
# The columns of the event rows, in the tables' order (the sync benchmarks and tests push them).
SCAN_COLUMNS = (
    "uuid",
    "device_id",
    "device_seq",
    "device_time",
    "fair_date",
    "gate_id",
    "zone_id",
    "direction",
    "code_digest",
    "ticket_serial",
    "type_id",
    "result",
    "reason",
)
# A walk-in: a scan's event stamp and place (its first seven columns), then its own.
WALK_IN_COLUMNS = (*SCAN_COLUMNS[:7], "kind", "people", "direction", "staff_id")
ANNULMENT_COLUMNS = ("uuid", "device_id", "device_seq", "device_time", "scan_uuid", "staff_id")
GATE_CODES = frozenset(reasons.codes(reasons.Place.GATE))
DOOR_CODES = frozenset(reasons.codes(reasons.Place.DOOR))


def cell_problem(value: object) -> str | None:
    """What is wrong with a value as a SQLite cell (lists, huge integers, NaN...)."""
    if value is None or isinstance(value, str):
        return "text_too_long" if isinstance(value, str) and len(value) > 10_000 else None
    if type(value) is int:
        return None if -MAX_INT <= value <= MAX_INT else "integer_out_of_range"
    if type(value) is float:
        return None if value == value and abs(value) != float("inf") else "not_a_number"
    return "bad_cell_type"


@dataclass
class Reference:
    """The reference data events point at, read once per batch."""

    conn: sqlite3.Connection
    gates: dict[str, str] = field(default_factory=dict)  # gate -> zone
    types: set[str] = field(default_factory=set)
    days: set[str] = field(default_factory=set)
    _sets: dict[str, set[object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.gates = dict(self.conn.execute("SELECT id, zone_id FROM gates"))
        self.types = {r[0] for r in self.conn.execute("SELECT id FROM ticket_types")}
        self.days = {r[0] for r in self.conn.execute("SELECT date FROM event_days")}

    def ids(self, sql: str) -> set[object]:
        """Ids of a small reference table (sessions, categories...), read on first use."""
        if sql not in self._sets:
            self._sets[sql] = {r[0] for r in self.conn.execute(sql)}
        return self._sets[sql]

    def own(self, table: str, column: str, device_id: str, key: object) -> bool:
        """Whether ``key`` names an event of this device in ``table``."""
        found = self.conn.execute(
            f"SELECT 1 FROM [{table}] WHERE {column} = ? AND device_id = ?", (key, device_id)
        ).fetchone()
        return found is not None


Row = dict[str, object]


def _text(row: Row, name: str, required: bool = True, longest: int = MAX_TEXT) -> bool:
    value = row.get(name)
    if value is None:
        return not required
    return isinstance(value, str) and 0 < len(value) <= longest if required else isinstance(value, str)


def _int(row: Row, name: str, low: int, high: int, required: bool = False) -> bool:
    value = row.get(name)
    if value is None:
        return not required
    return type(value) is int and low <= value <= high


def _day(row: Row, ref: Reference) -> str | None:
    value = row.get("fair_date")
    if not isinstance(value, str):
        return "bad_fair_date"
    try:
        date.fromisoformat(value)
    except ValueError:
        return "bad_fair_date"
    return None if value in ref.days or not ref.days else "not_a_fair_day"


def _place(row: Row, ref: Reference) -> str | None:
    gate = row.get("gate_id")
    if gate not in ref.gates:
        return "unknown_gate"
    if row.get("zone_id") != ref.gates[gate]:
        return "wrong_zone_for_gate"
    if row.get("direction") not in ("in", "out"):
        return "bad_direction"
    return None


def _verdict(row: Row, codes: frozenset[str]) -> str | None:
    """A result and a reason of CODES that agree (accepted exactly when ok)."""
    if row.get("result") not in ("accepted", "refused") or row.get("reason") not in codes:
        return "bad_result"
    if (row["result"] == "accepted") != (row["reason"] == "ok"):
        return "bad_result"
    return None


def _scan(row: Row, ref: Reference, _device: str) -> str | None:
    problem = _day(row, ref) or _place(row, ref)
    if problem:
        return problem
    if not isinstance(row.get("code_digest"), str) or not DIGEST.fullmatch(str(row["code_digest"])):
        return "bad_code_digest"
    problem = _verdict(row, GATE_CODES)
    if problem:
        return problem
    if not _int(row, "ticket_serial", 0, MAX_INT):
        return "bad_ticket_serial"
    if row.get("type_id") is not None and row["type_id"] not in ref.types:
        return "unknown_type"
    if row["result"] == "accepted" and (row.get("ticket_serial") is None or row.get("type_id") is None):
        return "admission_without_ticket"
    return None


def _walk_in(row: Row, ref: Reference, _device: str) -> str | None:
    problem = _day(row, ref) or _place(row, ref)
    if problem:
        return problem
    if row.get("kind") not in WALK_IN_KINDS:
        return "bad_kind"
    if not _int(row, "people", 1, MAX_GROUP, required=True):
        return "bad_people"
    if row["kind"] != "group" and row["people"] != 1:
        return "bad_people"
    return None


def _annulment(row: Row, ref: Reference, device: str) -> str | None:
    if not ref.own("scans", "uuid", device, row.get("scan_uuid")):
        return "annulment_of_unknown_scan"
    return None


def _session(row: Row, ref: Reference) -> str | None:
    if row.get("session_id") not in ref.ids("SELECT id FROM sessions"):
        return "unknown_session"
    return None


def _session_walk_in(row: Row, ref: Reference, _device: str) -> str | None:
    if not _text(row, "name", longest=200) or not _text(row, "phone", required=False, longest=40):
        return "bad_person"
    if not _int(row, "ticket_serial", 0, MAX_INT):
        return "bad_ticket_serial"
    return _session(row, ref)


def _checkin(row: Row, ref: Reference, _device: str) -> str | None:
    problem = _verdict(row, DOOR_CODES)
    if problem:
        return problem
    digest = row.get("code_digest")
    if digest is not None and not (isinstance(digest, str) and DIGEST.fullmatch(digest)):
        return "bad_code_digest"
    if not _int(row, "ticket_serial", 0, MAX_INT) or row.get("late") not in (0, 1):
        return "bad_value"
    if not _text(row, "person_id", required=False, longest=64):
        return "bad_person"
    return _session(row, ref)


def _undo(row: Row, ref: Reference, device: str) -> str | None:
    if not ref.own("session_checkins", "uuid", device, row.get("checkin_uuid")):
        return "undo_of_unknown_checkin"
    return None


def _finder(row: Row, ref: Reference, _device: str) -> str | None:
    if row.get("kind") not in FINDER_KINDS:
        return "bad_kind"
    if not _text(row, "query", required=False, longest=200) or not _int(row, "results", 0, 1_000_000):
        return "bad_value"
    for column, sql in (
        ("category_id", "SELECT id FROM categories"),
        ("province_id", "SELECT id FROM provinces"),
        ("stand_number", "SELECT number FROM stands"),
    ):
        if row.get(column) is not None and row[column] not in ref.ids(sql):
            return f"unknown_{column.removesuffix('_id').removesuffix('_number')}"
    return None


def _kids_counts(row: Row, ref: Reference, _device: str) -> str | None:
    problem = _day(row, ref)
    if problem:
        return problem
    figures = [row.get(name) for name in ("drop_offs", "pick_ups", "inside", "longest_stay_minutes")]
    if not all(type(value) is int and 0 <= value <= 1_000_000 for value in figures):
        return "bad_value"
    drop_offs, pick_ups, inside, _longest = cast(list[int], figures)
    # Children picked up or inside were dropped off first.
    return "bad_value" if max(pick_ups, inside) > drop_offs else None


def _lockout(row: Row, ref: Reference, _device: str) -> str | None:
    # A known account, locked for at most the lock-out time from the event's own clock.
    if row.get("staff_id") not in ref.ids("SELECT id FROM staff"):
        return "unknown_staff"
    try:
        start = clock.parse_time(str(row["device_time"]))
        until = clock.parse_time(str(row.get("locked_until")))
    except ValueError:
        return "bad_time"
    if not start < until <= start + timedelta(minutes=staff.LOCK_MINUTES + 1):
        return "bad_value"
    return None


CHECKS: dict[str, Callable[[Row, Reference, str], str | None]] = {
    "scans": _scan,
    "walk_ins": _walk_in,
    "annulments": _annulment,
    "session_walk_ins": _session_walk_in,
    "session_checkins": _checkin,
    "session_checkin_undos": _undo,
    "finder_events": _finder,
    "kids_counts": _kids_counts,
    "staff_lockouts": _lockout,
}


def _scans_fine(columns: list[str], rows: list[list[object]], ref: Reference) -> bool:
    """Whether every scan of a batch passes ``check_row``, decided column by column with
    set operations (a gate's batch of 500 scans in well under a millisecond). False only
    means "look row by row": it never lets a bad scan through."""
    if not set(columns) >= set(SCAN_COLUMNS) or not rows:
        return False
    col = dict(zip(columns, zip(*rows, strict=True), strict=True))
    # Columns central does not check itself (added later to scans): plain cells only.
    for name in set(columns) - set(SCAN_COLUMNS):
        if any(cell_problem(v) for v in set(col[name])):
            return False
    texts = ("uuid", "device_time", "fair_date", "gate_id", "zone_id", "direction", "code_digest")
    if any({type(v) for v in col[name]} != {str} for name in (*texts, "result", "reason")):
        return False
    if not {type(v) for v in col["ticket_serial"]} <= {int, type(None)}:
        return False
    if not {type(v) for v in col["type_id"]} <= {str, type(None)}:
        return False
    serials = [v for v in col["ticket_serial"] if v is not None]
    if serials and not 0 <= min(serials) <= max(serials) <= MAX_INT:
        return False
    if max(max(map(len, col[name])) for name in texts) > MAX_TEXT:
        return False
    if not UUIDS.fullmatch("\n".join(col["uuid"])) or not DIGESTS.fullmatch("\n".join(col["code_digest"])):
        return False
    try:
        for text in col["device_time"]:
            datetime.fromisoformat(text)
    except ValueError:
        return False
    return (
        (not ref.days or set(col["fair_date"]) <= ref.days)
        and all(_is_date(d) for d in set(col["fair_date"]))
        and set(zip(col["gate_id"], col["zone_id"], strict=True)) <= ref.gates.items()
        and set(col["direction"]) <= {"in", "out"}
        and all(
            (result == "accepted") == (reason == "ok")
            and result in ("accepted", "refused")
            and reason in GATE_CODES
            for result, reason in set(zip(col["result"], col["reason"], strict=True))
        )
        and set(col["type_id"]) - {None} <= ref.types
        and not any(
            r == "accepted" and (s is None or t is None)
            for r, s, t in zip(col["result"], col["ticket_serial"], col["type_id"], strict=True)
        )
    )


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_rows(
    table: str, columns: list[str], rows: list[list[object]], ref: Reference, device_id: str
) -> list[str | None]:
    """``check_row`` of each row, with a fast path for a batch of scans that is all fine."""
    if table == "scans" and _scans_fine(columns, rows, ref):
        return [None] * len(rows)
    return [check_row(table, dict(zip(columns, row, strict=True)), ref, device_id) for row in rows]


def check_row(table: str, row: Row, ref: Reference, device_id: str) -> str | None:
    """Why central refuses this event of ``device_id`` (None: it is fine). The identity
    columns (uuid, device_id, device_seq) are checked by the caller."""
    for value in row.values():
        problem = cell_problem(value)
        if problem:
            return problem
    if not isinstance(row.get("uuid"), str) or not UUID.fullmatch(str(row["uuid"])):
        return "bad_uuid"
    try:
        clock.parse_time(str(row.get("device_time")))
    except ValueError:
        return "bad_time"
    if not isinstance(row.get("device_time"), str) or not _text(row, "staff_id", required=False, longest=64):
        return "bad_value"
    check = CHECKS.get(table)
    return check(row, ref, device_id) if check else "unchecked_table"
