"""Central's side of the sync, in plain functions over a SQLite connection.

Push: ``apply_batch`` stores a kiosk's events exactly once (keyed on uuid and
``(device_id, device_seq)``) in one transaction and answers the highest contiguous
device sequence central holds. Pull: triggers on every reference table write
``sync_changes``; ``serve_changes`` pages it by its seq (the change cursor) and
``serve_snapshot`` pages whole tables by primary key for a new kiosk. Both serve a
device only the tables its registered role needs (``kiosk.reference.PERSONAL_TABLES``):
an entry gate never receives workshop registrations. Conflicts
(double entries, clock offsets, late uploads) are recorded in ``sync_conflicts``.
Everything is generic over ``kiosk.events.EVENT_TABLES`` and
``kiosk.reference.REFERENCE_TABLES``: columns are read from the schema.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypedDict, cast

from kiosk import clock, crockford, events
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.events import EVENT_TABLES
from kiosk.reference import REFERENCE_TABLES, kiosk_view, parse_roles, withheld_tables
from sync import validate
from sync.wire import (
    CHANGES_PAGE,
    SNAPSHOT_PAGE,
    ChangesPage,
    Conflict,
    PushAnswer,
    Rejected,
    SnapshotPage,
    TableChanges,
    primary_key,
    quoted,
    table_columns,
)

CODE_HOURS = 48
CLOCK_OFFSET_LIMIT = events.CLOCK_TOLERANCE_SECONDS  # seconds; beyond, the device's clock is flagged
# Device health alerts on the dashboard: no contact for this long, less free disk than this.
OFFLINE_AFTER_SECONDS = 120.0
LOW_DISK_SHARE = 0.10
LATE_SECONDS = 600.0  # an event reaching central this long after it happened is late
REQUIRED_EVENT_COLUMNS = ("uuid", "device_id", "device_seq", "device_time")


class Enrollment(TypedDict):
    """What an enrolled device learns once: its token, and the name, role and gate
    central registered it with."""

    token: str
    name: str
    role: str
    gate: str | None
    addresses: list[str]


class Refusal(Exception):
    """A request central refuses: HTTP status, error code and a one-line detail."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


def digest(secret: str) -> str:
    """Tokens and codes are long random strings: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


# ---------------------------------------------------------------- change log


def _trigger_sql(table: str, keys: list[str]) -> list[str]:
    def entry(row: str) -> str:
        pk = "json_array(" + ", ".join(f"{row}.[{k}]" for k in keys) + ")"
        return (
            f"DELETE FROM sync_changes WHERE tbl = '{table}' AND pk = {pk};"
            f" INSERT INTO sync_changes (tbl, pk) VALUES ('{table}', {pk});"
        )

    name = f"sync_log_{table}"
    create = "CREATE TRIGGER IF NOT EXISTS"
    return [
        f"{create} [{name}_ins] AFTER INSERT ON [{table}] BEGIN {entry('NEW')} END",
        f"{create} [{name}_upd] AFTER UPDATE ON [{table}] BEGIN {entry('OLD')} {entry('NEW')} END",
        f"{create} [{name}_del] AFTER DELETE ON [{table}] BEGIN {entry('OLD')} END",
    ]


def ensure_change_log(conn: sqlite3.Connection) -> list[str]:
    """Create the change-log triggers of every reference table that lacks them (call in a
    write transaction, on central only). A table that gets triggers late has its existing
    rows logged at once, so no row is ever missing from the log. Returns the tables done."""
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    done = []
    for table in REFERENCE_TABLES:
        if table not in tables or all(f"sync_log_{table}_{op}" in existing for op in ("ins", "upd", "del")):
            continue
        keys = primary_key(conn, table)
        for statement in _trigger_sql(table, keys):
            conn.execute(statement)
        conn.execute(
            "INSERT OR IGNORE INTO sync_changes (tbl, pk) SELECT ?, json_array("
            + ", ".join(f"[{k}]" for k in keys)
            + f") FROM [{table}]",
            (table,),
        )
        done.append(table)
    return done


def current_cursor(conn: sqlite3.Connection) -> int:
    """The latest change seq ever handed out: AUTOINCREMENT's high-water mark, which
    (unlike max(seq)) never goes back when the newest entries are purged."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sync_changes'").fetchone()
    return row[0] if row else 0


def horizon(conn: sqlite3.Connection) -> int:
    """Cursors below this have missed purged tombstones and need a fresh snapshot."""
    row = conn.execute("SELECT value FROM sync_meta WHERE key = 'horizon'").fetchone()
    return int(row[0]) if row else 0


def applied_by_every_kiosk(conn: sqlite3.Connection) -> int:
    """The newest change every enrolled, unrevoked kiosk reports having applied: deletions
    up to it can be forgotten without sending any kiosk back to a snapshot."""
    lowest, kiosks = conn.execute(
        "SELECT min(coalesce(cursor, 0)), count(*) FROM sync_devices"
        " WHERE enrolled_at IS NOT NULL AND revoked_at IS NULL"
    ).fetchone()
    return current_cursor(conn) if kiosks == 0 else int(lowest)


def purge_tombstones(conn: sqlite3.Connection, upto: int) -> int:
    """Forget deletions logged at or before ``upto`` (call in a write transaction);
    kiosks whose cursor is older will take a snapshot. Returns how many were purged."""
    purged = 0
    for table in REFERENCE_TABLES:
        if not table_columns(conn, table):
            continue
        keys = primary_key(conn, table)
        match = " AND ".join(f"t.[{k}] = json_extract(sync_changes.pk, '$[{i}]')" for i, k in enumerate(keys))
        purged += conn.execute(
            f"DELETE FROM sync_changes WHERE tbl = ? AND seq <= ? AND NOT EXISTS"
            f" (SELECT 1 FROM [{table}] t WHERE {match})",
            (table, upto),
        ).rowcount
    conn.execute(
        "INSERT INTO sync_meta (key, value) VALUES ('horizon', ?) ON CONFLICT (key) DO UPDATE"
        " SET value = max(CAST(value AS INTEGER), excluded.value)",
        (upto,),
    )
    return purged


def _rows_by_key(
    conn: sqlite3.Connection, table: str, keys: list[str], wanted: list[list[object]], roles: str | None
) -> tuple[list[str], list[tuple], set[str]]:
    """(columns, rows, json keys found) of the rows of ``table`` with these primary keys,
    as a device with ``roles`` sees them (a row it may not hold reads as deleted)."""
    select = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(keys)))
    prefix = "rowid AS [rowid], " if keys == ["rowid"] else ""
    shown, only = kiosk_view(table, table_columns(conn, table), roles)
    cursor = conn.execute(
        f"SELECT {prefix}{shown} FROM [{table}] WHERE ({quoted(keys)}) IN (SELECT {select} FROM json_each(?))"
        f" AND {only}",
        (json.dumps(wanted),),
    )
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    index = [columns.index(k) for k in keys]
    found = {json.dumps([row[i] for i in index]) for row in rows}
    return columns, [tuple(row) for row in rows], found


def serve_changes(
    conn: sqlite3.Connection, cursor: int, limit: int = CHANGES_PAGE, roles: str | None = None
) -> ChangesPage:
    """One page of reference changes after ``cursor`` for a device with ``roles`` (comma
    list; None = no role-bound personal table): current rows and tombstones per table,
    revocations first. Read in one transaction so rows and cursor agree."""
    limit = max(1, min(limit, 10 * CHANGES_PAGE))
    withheld = set(withheld_tables(roles))
    with dbmod.read(conn):
        if cursor <= 0 or cursor < horizon(conn):
            return {"snapshot_required": True, "snapshot_cursor": current_cursor(conn)}
        changes = conn.execute(
            "SELECT seq, tbl, pk FROM sync_changes WHERE seq > ? ORDER BY seq LIMIT ?",
            (cursor, limit),
        ).fetchall()
        by_table: dict[str, list[str]] = {}
        for _seq, table, pk in changes:
            # Withheld changes are skipped, yet the cursor moves past them (it is the last
            # seq of the page, sent or not): the device neither misses nor re-asks anything.
            if table not in withheld:
                by_table.setdefault(table, []).append(pk)
        # Revocations first: every revocation changed since the cursor rides on each
        # page, so a kiosk never holds a newer ticket without its revocation.
        if "revocations" in REFERENCE_TABLES and by_table.keys() - {"revocations"}:
            early = conn.execute(
                "SELECT pk FROM sync_changes WHERE tbl = 'revocations' AND seq > ? LIMIT ?",
                (cursor, 10 * CHANGES_PAGE),
            ).fetchall()
            by_table["revocations"] = sorted(set(by_table.get("revocations", [])) | {r[0] for r in early})
        tables: dict[str, TableChanges] = {}
        for table in REFERENCE_TABLES:
            pks = by_table.get(table)
            if not pks or not table_columns(conn, table):
                continue
            keys = primary_key(conn, table)
            wanted = [json.loads(pk) for pk in pks]
            columns, rows, found = _rows_by_key(conn, table, keys, wanted, roles)
            deleted = [key for key, pk in zip(wanted, pks, strict=True) if pk not in found]
            tables[table] = {"columns": columns, "rows": rows, "deleted": deleted}
        last = changes[-1][0] if changes else cursor
        more = (
            bool(changes)
            and conn.execute("SELECT 1 FROM sync_changes WHERE seq > ? LIMIT 1", (last,)).fetchone()
            is not None
        )
        return {"cursor": last, "more": more, "tables": tables}


def serve_snapshot(
    conn: sqlite3.Connection,
    table: str,
    after: list[object] | None,
    limit: int = SNAPSHOT_PAGE,
    roles: str | None = None,
) -> SnapshotPage:
    """One page of a whole reference table in primary-key order, after key ``after``, for
    a device with ``roles``. A table withheld from those roles reads as empty (flag
    ``withheld``), so a device that held rows of it (an older bundle) drops them."""
    limit = max(1, min(limit, 4 * SNAPSHOT_PAGE))
    if table not in REFERENCE_TABLES or not table_columns(conn, table):
        return {"table": table, "unknown": True, "rows": [], "columns": [], "done": True, "last": after}
    keys = primary_key(conn, table)
    prefix = "rowid AS [rowid], " if keys == ["rowid"] else ""
    where, params = "", []
    withheld = table in withheld_tables(roles)
    if withheld:
        where, after = " WHERE 0", None  # the columns, no rows
    elif after is not None:
        if not isinstance(after, list) or len(after) != len(keys):
            raise Refusal(400, "bad_request", "'after' must be the last primary key received")
        where = f" WHERE ({quoted(keys)}) > ({', '.join('?' for _ in keys)})"
        params = list(after)
    shown, only = kiosk_view(table, table_columns(conn, table), roles)
    where = f"{where} AND {only}" if where else f" WHERE {only}"
    cursor = conn.execute(
        f"SELECT {prefix}{shown} FROM [{table}]{where} ORDER BY {quoted(keys)} LIMIT ?", (*params, limit)
    )
    columns = [d[0] for d in cursor.description]
    rows = [tuple(row) for row in cursor.fetchall()]
    index = [columns.index(k) for k in keys]
    last = [rows[-1][i] for i in index] if rows else after
    return {
        "table": table,
        "columns": columns,
        "rows": rows,
        "last": last,
        "done": len(rows) < limit,
        "withheld": withheld,
    }


# ---------------------------------------------------------------- devices


def new_code() -> str:
    """A one-time enrollment code: 12 Crockford symbols (60 bits), XXXX-XXXX-XXXX."""
    return crockford.group(crockford.random_symbols(12), 4)


def enrollment_qr(central_url: str | None, code: str, key: str) -> str:
    """What the enrollment QR carries: the code and the fingerprint of central's sync key
    (the kiosk pins it), with central's address when known."""
    return f"salon-kiosk:enroll?code={code}&key={key}" + (f"&central={central_url}" if central_url else "")


def normalize_code(code: str) -> str:
    return crockford.group(crockford.clean(code), 4)


def add_device(
    conn: sqlite3.Connection,
    name: str,
    role: str,
    gate: str | None,
    moment: datetime,
    addresses: Sequence[str] = (),
) -> str:
    """Register a kiosk to enroll; returns its one-time code (stored hashed). Adding a
    name again that has not enrolled yet replaces its code. ADDRESSES: the LAN addresses
    or host names its HTTPS certificate will name (venue CA)."""
    existing = conn.execute(
        "SELECT enrolled_at, revoked_at FROM sync_devices WHERE name = ?", (name,)
    ).fetchone()
    if existing and existing["enrolled_at"] and not existing["revoked_at"]:
        raise Refusal(409, "device_exists", f"device {name!r} is enrolled; revoke it first")
    code = new_code()
    expires = clock.iso(moment + timedelta(hours=CODE_HOURS))
    conn.execute(
        "INSERT INTO sync_devices (name, role, gate_id, code_hash, code_expires_at, created_at, addresses)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role,"
        " gate_id = excluded.gate_id, code_hash = excluded.code_hash, code_expires_at ="
        " excluded.code_expires_at, token_hash = NULL, device_id = NULL, enrolled_at = NULL,"
        " revoked_at = NULL, high_seq = 0, addresses = excluded.addresses",
        (name, role, gate, digest(normalize_code(code)), expires, clock.iso(moment), " ".join(addresses)),
    )
    return code


def enroll(conn: sqlite3.Connection, code: str, device_id: str, moment: datetime) -> Enrollment:
    """Exchange a one-time code for a device token (returned once, stored hashed). The
    code serves one device only; the same device asking again (its answer was lost on
    the way) gets a fresh token and the previous one stops working."""
    row = conn.execute(
        "SELECT * FROM sync_devices WHERE code_hash = ?", (digest(normalize_code(code)),)
    ).fetchone()
    if row is None or row["revoked_at"] or (row["enrolled_at"] and row["device_id"] != device_id):
        raise Refusal(403, "bad_code", "unknown or already used enrollment code")
    if moment > clock.parse_time(row["code_expires_at"]):
        raise Refusal(403, "code_expired", "this enrollment code has expired; make a new one")
    other = conn.execute(
        "SELECT name FROM sync_devices WHERE device_id = ? AND name != ?", (device_id, row["name"])
    ).fetchone()
    if other:
        raise Refusal(409, "device_exists", f"device id already enrolled as {other['name']!r}")
    token = secrets.token_urlsafe(32)
    conn.execute(
        "UPDATE sync_devices SET device_id = ?, token_hash = ?, enrolled_at = ?, last_seen_at = ?"
        " WHERE name = ?",
        (device_id, digest(token), clock.iso(moment), clock.iso(moment), row["name"]),
    )
    return {
        "token": token,
        "name": row["name"],
        "role": row["role"],
        "gate": row["gate_id"],
        "addresses": row["addresses"].split(),
    }


def revoke_device(conn: sqlite3.Connection, name: str, moment: datetime) -> list[str]:
    """Revoke a kiosk (a stolen one): its token stops working, and what it held that
    could be reused is rotated. It held the PIN hashes of the staff (kiosks that decide,
    ``kiosk.reference.PERSONAL_TABLES``): their sessions end everywhere and each PIN is
    marked to change (never an organizer's: no kiosk holds one). It held no signing key
    (public keys only).
    Returns the names of the accounts whose PIN must change."""
    row = conn.execute("SELECT revoked_at, role FROM sync_devices WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise Refusal(404, "unknown_device", f"no device named {name!r}")
    conn.execute(
        "UPDATE sync_devices SET revoked_at = coalesce(revoked_at, ?), code_hash = NULL WHERE name = ?",
        (clock.iso(moment), name),
    )
    if "staff" in withheld_tables(row["role"]):
        return []
    held = accounts.held_by_kiosks(conn, row["role"])
    accounts.expose(conn, [r["id"] for r in held], name, moment)
    return [r["name"] for r in held]


def authenticate(conn: sqlite3.Connection, token: str | None) -> sqlite3.Row:
    """The device a bearer token belongs to; refuses unknown and revoked tokens."""
    if not token:
        raise Refusal(401, "device_token_required", "send Authorization: Bearer <device token>")
    row = conn.execute("SELECT * FROM sync_devices WHERE token_hash = ?", (digest(token),)).fetchone()
    if row is None:
        raise Refusal(401, "unknown_device", "this device token is not known here")
    if row["revoked_at"]:
        raise Refusal(403, "device_revoked", "this device has been revoked by the organizers")
    return row


def record_contact(
    conn: sqlite3.Connection,
    device: sqlite3.Row,
    device_time: str | None,
    status: dict[str, object] | None,
    protocol: int,
    moment: datetime,
    cursor: int | None = None,
) -> float | None:
    """Note that a device called: last seen, reported status, clock offset (flagged when
    large). Offsets are measured against central's clock; nothing is ordered by them."""
    offset = None
    if device_time:
        try:
            offset = round((clock.parse_time(device_time) - moment).total_seconds(), 3)
        except ValueError:
            offset = None
    status = status if isinstance(status, dict) else {}
    conn.execute(
        "UPDATE sync_devices SET last_seen_at = ?, clock_offset = coalesce(?, clock_offset),"
        " protocol = ?, app_version = coalesce(?, app_version), status = ?,"
        " cursor = coalesce(?, cursor) WHERE name = ?",
        (
            clock.iso(moment),
            offset,
            protocol,
            _text(status.get("app_version")),
            _status_text(status),
            cursor,
            device["name"],
        ),
    )
    if offset is not None and abs(offset) > CLOCK_OFFSET_LIMIT:
        flag(
            conn,
            "clock_offset",
            f"clock_offset:{device['name']}",
            device["device_id"],
            {"device": device["name"], "offset_seconds": offset},
            moment,
        )
    return offset


def _status_text(status: dict[str, object]) -> str:
    """A kiosk's reported status as stored: its plain values, whole JSON (never cut)."""
    plain = {
        str(k)[:40]: v
        for k, v in list(status.items())[:40]
        if v is None or isinstance(v, str | int | float | bool)
    }
    text = json.dumps(plain, ensure_ascii=False, default=str)
    return text if len(text) <= 4000 else "{}"


def high_seq(conn: sqlite3.Connection, device: sqlite3.Row) -> int:
    """The highest seq such that central holds every event of the device up to it."""
    return int(
        conn.execute("SELECT high_seq FROM sync_devices WHERE name = ?", (device["name"],)).fetchone()[0]
    )


def seen(conn: sqlite3.Connection, device: sqlite3.Row, moment: datetime) -> None:
    conn.execute(
        "UPDATE sync_devices SET last_seen_at = ? WHERE name = ?", (clock.iso(moment), device["name"])
    )


def _text(value: object) -> str | None:
    return str(value)[:100] if value is not None else None


def flag(
    conn: sqlite3.Connection,
    kind: str,
    key: str,
    device_id: str | None,
    detail: dict[str, object],
    moment: datetime,
) -> None:
    """Record a conflict, or refresh the one with the same key."""
    conn.execute(
        "INSERT INTO sync_conflicts (kind, key, device_id, detail, detected_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET detail = excluded.detail,"
        " updated_at = excluded.updated_at",
        (kind, key, device_id, json.dumps(detail, ensure_ascii=False), clock.iso(moment), clock.iso(moment)),
    )


# ---------------------------------------------------------------- push


@dataclass
class Together:
    """Batches applied in one write transaction (``batches_together``): what is left to
    do once their passages are counted."""

    touched: set[tuple[object, object, object]] = field(default_factory=set)  # (ticket, zone, day)


@contextmanager
def batches_together(conn: sqlite3.Connection, moment: datetime) -> Iterator[Together]:
    """Apply several batches in one write transaction (``apply_batch(..., together=)``):
    their passages are counted into the figures once, as one set, at the end, and double
    entries are judged after that, on the counted passages, in one query."""
    together = Together()
    with events.counted_together(conn):
        yield together
    _flag_double_entries(conn, together.touched, moment)


def apply_batch(
    conn: sqlite3.Connection,
    device_id: str,
    document: object,
    moment: datetime,
    device_name: str | None = None,
    roles: str | None = None,
    together: Together | None = None,
) -> PushAnswer:
    """Store a batch of one device's events exactly once; call inside one write
    transaction. ``device_id`` is the authenticated device (never read from the body);
    a device central registered is held to its registered roles, others (an events file
    of a kiosk that never enrolled) to ``roles``. Returns ``high_seq`` (highest
    contiguous device_seq held), how many events were new, how many central already
    had, and ``conflicts``: sequence numbers central holds under another uuid (never
    counted as held: the kiosk must not mark them sent). ``together``: the batch is one
    of a group (``batches_together``), counted with the others at the group's end;
    alone, it is counted at its own end."""
    if together is None:
        with batches_together(conn, moment) as together:
            return apply_batch(conn, device_id, document, moment, device_name, roles, together)
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise Refusal(400, "bad_batch", "a batch is {'events': [{'table', 'columns', 'rows'}]}")
    device = conn.execute("SELECT * FROM sync_devices WHERE device_id = ?", (device_id,)).fetchone()
    if device is not None and device["role"] != "imported":
        roles = device["role"]
    allowed = parse_roles(roles)
    seqs: set[int] = set()
    clashes: list[Conflict] = []
    rejected: list[Rejected] = []
    reference: validate.Reference | None = None
    applied = duplicates = 0
    touched: set[tuple[object, object, object]] = set()  # (ticket, zone, day) with new passages
    annulled: list[object] = []
    oldest_new: str | None = None
    for part in document["events"]:
        table, columns, rows = _check_part(conn, part)
        if not events.produces(allowed, table):
            raise Refusal(
                403, "table_not_for_role", f"a kiosk with roles {roles or 'none'} does not write {table}"
            )
        at = {c: i for i, c in enumerate(columns)}
        seqs_of_rows: list[int] = []
        for row in rows:
            seq = row[at["device_seq"]]
            if row[at["device_id"]] != device_id or type(seq) is not int or not 0 < seq < 1 << 62:
                raise Refusal(400, "bad_batch", "every event must carry this device's id and a positive seq")
            seqs_of_rows.append(seq)
        held = _held(conn, device_id, seqs_of_rows)
        new = []
        for row, seq in zip(rows, seqs_of_rows, strict=True):
            key = row[at["uuid"]]
            if seq not in held:
                held[seq] = (table, key)
                new.append(row)
            elif held[seq] == (table, key):
                duplicates += 1
                seqs.add(seq)
            else:
                clashes.append({"table": table, "device_seq": seq, "uuid": str(key)})
        reference = reference or validate.Reference(conn)
        fresh = []
        for row, reason in zip(
            new, validate.check_rows(table, columns, new, reference, device_id), strict=True
        ):
            if reason is None:
                fresh.append(row)
                continue
            # Kept aside, never counted; its seq holds the device's high_seq back.
            seq = cast(int, row[at["device_seq"]])  # checked above
            rejected.append({"table": table, "device_seq": seq, "reason": reason})
            _keep_rejected(conn, table, device_id, dict(zip(columns, row, strict=True)), reason, moment)
        if not fresh:
            continue
        # ON CONFLICT DO NOTHING skips a uuid central holds for another event (reported
        # below as a conflict); a row that breaks a CHECK still fails the batch loudly.
        try:
            # rowcount, not total_changes: rows written by triggers (the feed log) are
            # not events received.
            inserted = conn.executemany(
                f"INSERT INTO [{table}] ({quoted(columns)}) VALUES ({', '.join('?' for _ in columns)})"
                " ON CONFLICT DO NOTHING",
                fresh,
            ).rowcount
        except sqlite3.IntegrityError as error:
            raise Refusal(400, "bad_batch", f"{table}: {error}") from None
        if inserted < len(fresh):
            fresh, lost = _landed(conn, table, device_id, fresh, at)
            clashes.extend(lost)
        applied += inserted
        if table == "staff_lockouts":
            # A kiosk locked an account: every kiosk learns it with the reference data.
            for row in fresh:
                accounts.share_lockout(conn, str(row[at["staff_id"]]), str(row[at["locked_until"]]))
        seqs.update(cast(int, row[at["device_seq"]]) for row in fresh)  # checked above
        times = [sent for row in fresh if isinstance(sent := row[at["device_time"]], str)]
        if times:
            oldest_new = min([*times, oldest_new] if oldest_new else times)
        if table == "scans":
            # Entries can make a double entry, exits can resolve one; refusals do neither.
            touched.update(
                (row[at["ticket_serial"]], row[at["zone_id"]], row[at["fair_date"]])
                for row in fresh
                if row[at["result"]] == "accepted" and row[at["ticket_serial"]] is not None
            )
        elif table == "annulments":
            annulled.extend(row[at["scan_uuid"]] for row in fresh)
    blocked = {c["device_seq"] for c in clashes} | {r["device_seq"] for r in rejected}
    seqs -= blocked
    high = _advance(conn, device_id, device["high_seq"] if device else 0, seqs, blocked)
    if device is None:
        # Events imported from a file of a kiosk that never enrolled (bundle-provisioned).
        conn.execute(
            "INSERT INTO sync_devices (name, device_id, role, created_at, high_seq) VALUES (?, ?, ?, ?, ?)",
            (_free_name(conn, device_name or device_id), device_id, "imported", clock.iso(moment), high),
        )
    else:
        conn.execute("UPDATE sync_devices SET high_seq = ? WHERE device_id = ?", (high, device_id))
    if annulled:
        touched.update(
            conn.execute(
                "SELECT ticket_serial, zone_id, fair_date FROM scans"
                " WHERE uuid IN (SELECT value FROM json_each(?))"
                " AND result = 'accepted' AND ticket_serial IS NOT NULL",
                (json.dumps(annulled),),
            ).fetchall()
        )
    together.touched |= touched  # judged once the group is counted
    if oldest_new and seqs:
        _flag_late(conn, device_id, device, oldest_new, seqs, applied, moment)
    answer: PushAnswer = {"high_seq": high, "applied": applied, "duplicates": duplicates}
    if clashes:
        name = device["name"] if device else device_name or device_id
        flag(
            conn,
            "seq_conflict",
            f"seq_conflict:{device_id}",
            device_id,
            {"device": name, "seqs": sorted(blocked)[:50], "events": clashes[:50]},
            moment,
        )
        answer["conflicts"] = clashes[:50]
    if rejected:
        answer["rejected"] = rejected[:50]
    return answer


def _keep_rejected(
    conn: sqlite3.Connection,
    table: str,
    device_id: str,
    event: dict[str, object],
    reason: str,
    moment: datetime,
) -> None:
    """Keep a refused event aside with its reason (sent again, it is refreshed)."""
    conn.execute(
        "INSERT INTO sync_rejected (device_id, device_seq, tbl, uuid, event, reason, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, device_seq) DO UPDATE SET"
        " tbl = excluded.tbl, uuid = excluded.uuid, event = excluded.event, reason = excluded.reason,"
        " received_at = excluded.received_at WHERE voided_at IS NULL",
        (
            device_id,
            event["device_seq"],
            table,
            str(event.get("uuid"))[:64],
            json.dumps(event, ensure_ascii=False, default=str)[:20_000],
            reason,
            clock.iso(moment),
        ),
    )


def void_rejected(conn: sqlite3.Connection, name: str, staff_id: str | None, moment: datetime) -> int:
    """An organizer voids a device's refused events (call in a write transaction): they
    stay in ``sync_rejected``, marked void, never counted, and no longer hold the
    device's high_seq back. Returns how many were voided."""
    device = conn.execute("SELECT device_id, high_seq FROM sync_devices WHERE name = ?", (name,)).fetchone()
    if device is None or device["device_id"] is None:
        raise Refusal(404, "unknown_device", f"no device named {name!r}")
    voided = conn.execute(
        "UPDATE sync_rejected SET voided_at = ?, voided_by = ? WHERE device_id = ? AND voided_at IS NULL",
        (clock.iso(moment), staff_id, device["device_id"]),
    ).rowcount
    high = _advance(conn, device["device_id"], device["high_seq"], set(), set())
    conn.execute("UPDATE sync_devices SET high_seq = ? WHERE name = ?", (high, name))
    return voided


def _held(conn: sqlite3.Connection, device_id: str, seqs: list[int]) -> dict[int, tuple[str, object]]:
    """(table, uuid) of each of these seqs central holds for the device, in any event
    table: a seq names one event of a device, whatever its table. One index range probe
    per table; rows are read only where the range holds something (a re-sent batch)."""
    if not seqs:
        return {}
    low, high, wanted = min(seqs), max(seqs), set(seqs)
    held: dict[int, tuple[str, object]] = {}
    for table in EVENT_TABLES:
        if not table_columns(conn, table):
            continue
        span = (device_id, low, high)
        where = f"FROM [{table}] WHERE device_id = ? AND device_seq BETWEEN ? AND ?"
        if conn.execute(f"SELECT 1 {where} LIMIT 1", span).fetchone():
            held.update(
                (s, (table, u))
                for s, u in conn.execute(f"SELECT device_seq, uuid {where}", span)
                if s in wanted
            )
    # A refused event an organizer voided counts as held: the kiosk may mark it sent.
    held.update(
        (s, (t, u))
        for s, t, u in conn.execute(
            "SELECT device_seq, tbl, uuid FROM sync_rejected WHERE device_id = ?"
            " AND device_seq BETWEEN ? AND ?"
            " AND voided_at IS NOT NULL",
            (device_id, low, high),
        )
        if s in wanted
    )
    return held


def _landed(
    conn: sqlite3.Connection, table: str, device_id: str, rows: list[list[object]], at: dict[str, int]
) -> tuple[list[list[object]], list[Conflict]]:
    """Split inserted rows into those stored as sent and those whose uuid central
    already holds for another event (a conflict)."""
    stored = {
        (r[0], r[1])
        for r in conn.execute(
            f"SELECT uuid, device_seq FROM [{table}] WHERE device_id = ?"
            " AND uuid IN (SELECT value FROM json_each(?))",
            (device_id, json.dumps([row[at["uuid"]] for row in rows])),
        )
    }
    landed: list[list[object]] = []
    lost: list[Conflict] = []
    for row in rows:
        seq, key = cast(int, row[at["device_seq"]]), row[at["uuid"]]  # seq checked by apply_batch
        if (key, seq) in stored:
            landed.append(row)
        else:
            lost.append({"table": table, "device_seq": seq, "uuid": str(key)})
    return landed, lost


def _check_part(conn: sqlite3.Connection, part: object) -> tuple[str, list[str], list[list[object]]]:
    if not isinstance(part, dict):
        raise Refusal(400, "bad_batch", "each part is {'table', 'columns', 'rows'}")
    table, columns, rows = part.get("table"), part.get("columns"), part.get("rows")
    if table not in EVENT_TABLES or not (ours := table_columns(conn, str(table))):
        raise Refusal(400, "bad_batch", f"{table!r} is not an event table central knows")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise Refusal(400, "bad_batch", f"{table}: columns must be a list of names")
    if len(set(columns)) != len(columns):
        raise Refusal(400, "bad_batch", f"{table}: a column is listed twice")
    unknown = [c for c in columns if c not in ours]
    if unknown:
        raise Refusal(400, "bad_batch", f"{table}: unknown columns {', '.join(unknown)[:200]}")
    if any(c not in columns for c in REQUIRED_EVENT_COLUMNS):
        raise Refusal(400, "bad_batch", f"{table}: columns must include {', '.join(REQUIRED_EVENT_COLUMNS)}")
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == len(columns) for r in rows):
        raise Refusal(400, "bad_batch", f"{table}: rows must be lists as long as the columns")
    return str(table), columns, rows


def _free_name(conn: sqlite3.Connection, wanted: str) -> str:
    name, n = wanted, 1
    while conn.execute("SELECT 1 FROM sync_devices WHERE name = ?", (name,)).fetchone():
        n += 1
        name = f"{wanted}-{n}"
    return name


def _holds(conn: sqlite3.Connection, device_id: str, seq: int) -> bool:
    voided = conn.execute(
        "SELECT 1 FROM sync_rejected WHERE device_id = ? AND device_seq = ? AND voided_at IS NOT NULL",
        (device_id, seq),
    ).fetchone()
    return voided is not None or any(
        conn.execute(
            f"SELECT 1 FROM [{t}] WHERE device_id = ? AND device_seq = ?", (device_id, seq)
        ).fetchone()
        for t in EVENT_TABLES
        if table_columns(conn, t)
    )


def _advance(conn: sqlite3.Connection, device_id: str, high: int, seqs: set[int], blocked: set[int]) -> int:
    """Highest seq such that central holds every one of the device's events up to it
    (never past a seq held under another uuid: that event of the kiosk is not held)."""
    while high + 1 not in blocked:
        if high + 1 in seqs or _holds(conn, device_id, high + 1):
            high += 1
        else:
            return high
    return high


def _flag_double_entries(
    conn: sqlite3.Connection, touched: set[tuple[object, object, object]], moment: datetime
) -> None:
    """A ticket let in while it was already inside a zone, by a gate that had not heard of
    its earlier entry (another kiosk's): keep both scans, flag them. Judged in the order
    the passages happened (device time corrected by each device's clock offset, as
    ``zone_passages`` holds them), whatever order they arrived in, so an exit that
    arrives after a later re-entry clears the flag it had raised. ``touched``: the
    (ticket, zone, day) the batch brought passages or annulments for; two queries."""
    if not touched:
        return
    # Only a ticket with two passages or more in a zone on a day can have a double entry:
    # the passages of the others (most tickets of a batch) are not read into Python.
    several = sorted(
        {
            str(row[0])
            for row in conn.execute(
                "SELECT s.ticket_serial FROM zone_passages p JOIN scans s ON s.uuid = p.uuid"
                " WHERE s.ticket_serial IN (SELECT value FROM json_each(?))"
                " GROUP BY s.ticket_serial, s.zone_id, s.fair_date HAVING count(*) > 1",
                (json.dumps(sorted({str(key[0]) for key in touched})),),
            )
        }
    )
    passages: dict[tuple[object, object, object], list[sqlite3.Row]] = {}
    for row in conn.execute(
        "SELECT s.uuid, s.device_id, s.gate_id, s.direction, s.device_time, s.ticket_serial, s.zone_id,"
        " s.fair_date FROM zone_passages p JOIN scans s ON s.uuid = p.uuid"
        " WHERE s.ticket_serial IN (SELECT value FROM json_each(?))"
        " ORDER BY p.moment, p.device_id, p.device_seq",
        (json.dumps(several),),
    ):
        passages.setdefault((str(row["ticket_serial"]), row["zone_id"], row["fair_date"]), []).append(row)
    cleared: list[str] = []  # keys without a double entry now: one DELETE for the batch
    for serial, zone, day in touched:
        rows = passages.get((str(serial), zone, day), [])
        doubles: list[sqlite3.Row] = []
        inside: sqlite3.Row | None = None
        for row in rows:
            if row["direction"] == "out":
                inside = None
                continue
            if inside is not None and inside["device_id"] != row["device_id"]:
                doubles.extend(r for r in (inside, row) if r not in doubles)
            inside = row
        key = f"double_entry:{serial}:{zone}:{day}"
        if not doubles:
            cleared.append(key)
            continue
        flag(
            conn,
            "double_entry",
            key,
            doubles[-1]["device_id"],
            {
                "ticket_serial": serial,
                "zone": zone,
                "date": day,
                "entries": sum(r["direction"] == "in" for r in rows),
                "exits": sum(r["direction"] == "out" for r in rows),
                "scans": [
                    {
                        "uuid": r["uuid"],
                        "device_id": r["device_id"],
                        "gate": r["gate_id"],
                        "device_time": r["device_time"],
                    }
                    for r in doubles
                ],
            },
            moment,
        )
    conn.execute(
        "DELETE FROM sync_conflicts WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(cleared),)
    )


def _flag_late(
    conn: sqlite3.Connection,
    device_id: str,
    device: sqlite3.Row | None,
    oldest: str,
    seqs: set[int],
    applied: int,
    moment: datetime,
) -> None:
    """Mark a batch whose oldest new event happened long before it reached central
    (device time corrected by the device's measured clock offset)."""
    if not applied:
        return
    offset = (device["clock_offset"] if device else None) or 0.0
    try:
        happened = clock.parse_time(oldest) - timedelta(seconds=offset)
    except ValueError:
        return
    delay = (moment - happened).total_seconds()
    if delay <= LATE_SECONDS:
        return
    # One entry per device and arrival day: a kiosk back after hours offline sends many
    # batches, and the dashboard should show one late upload, not hundreds.
    key = f"late_upload:{device_id}:{clock.fair_date(moment).isoformat()}"
    detail = {
        "device": device["name"] if device else device_id,
        "first_seq": min(seqs),
        "last_seq": max(seqs),
        "events": applied,
        "delay_seconds": round(delay),
        "oldest_device_time": oldest,
    }
    known = conn.execute("SELECT detail FROM sync_conflicts WHERE key = ?", (key,)).fetchone()
    if known:
        before = json.loads(known[0])
        detail.update(
            first_seq=min(before["first_seq"], detail["first_seq"]),
            last_seq=max(before["last_seq"], detail["last_seq"]),
            events=before["events"] + applied,
            delay_seconds=max(before["delay_seconds"], detail["delay_seconds"]),
            oldest_device_time=min(before["oldest_device_time"], oldest),
        )
    flag(conn, "late_upload", key, device_id, detail, moment)


def conflicts(conn: sqlite3.Connection, kind: str | None = None, limit: int = 500) -> list[dict[str, object]]:
    """Conflicts, newest first."""
    rows = conn.execute(
        "SELECT * FROM sync_conflicts WHERE ? IS NULL OR kind = ? ORDER BY updated_at DESC, id DESC LIMIT ?",
        (kind, kind, limit),
    ).fetchall()
    return [
        {
            "id": r["id"],
            "kind": r["kind"],
            "device_id": r["device_id"],
            "detail": json.loads(r["detail"]),
            "detected_at": r["detected_at"],
            "updated_at": r["updated_at"],
        }
        for r in rows
    ]


def devices(conn: sqlite3.Connection) -> list[dict[str, object]]:
    """Every known device with its health as last reported."""
    refused = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            "SELECT device_id, count(*), reason, max(received_at) FROM sync_rejected"
            " WHERE voided_at IS NULL GROUP BY device_id"
        )
    }
    out = []
    for r in conn.execute("SELECT * FROM sync_devices ORDER BY name"):
        rejected, reason = refused.get(r["device_id"], (0, None))
        status = json.loads(r["status"]) if r["status"] else {}
        # Waiting = the kiosk's last seq it told us of minus what we hold: it shrinks with
        # each batch applied, not only at the kiosk's next hello.
        waiting = status.get("events_waiting")
        if isinstance(status.get("device_seq"), int):
            waiting = max(0, status["device_seq"] - r["high_seq"])
        out.append(
            {
                "name": r["name"],
                "device_id": r["device_id"],
                "role": r["role"],
                "gate": r["gate_id"],
                "state": "revoked"
                if r["revoked_at"]
                else "enrolled"
                if r["enrolled_at"]
                else "imported"
                if r["role"] == "imported"
                else "waiting",
                "last_seen_at": r["last_seen_at"],
                "clock_offset": r["clock_offset"],
                "app_version": r["app_version"],
                "high_seq": r["high_seq"],
                "cursor": r["cursor"],
                "events_waiting": waiting,
                "camera": status.get("camera"),
                "disk_free_ratio": status.get("disk_free_ratio"),
                "rejected": rejected,
                "rejected_reason": reason,
            }
        )
    return out


def health_alerts(device: dict[str, object], moment: datetime) -> list[str]:
    """What needs staff at an enrolled device: ``offline`` (no contact for more than
    ``OFFLINE_AFTER_SECONDS``), ``clock`` (off central by more than the limit), ``disk``
    (less than ``LOW_DISK_SHARE`` free), ``camera`` (frozen or missing)."""
    if device.get("state") != "enrolled":
        return []
    alerts = []
    seen = device.get("last_seen_at")
    if not isinstance(seen, str) or (moment - clock.parse_time(seen)).total_seconds() > OFFLINE_AFTER_SECONDS:
        alerts.append("offline")
    offset = device.get("clock_offset")
    if isinstance(offset, int | float) and abs(offset) > CLOCK_OFFSET_LIMIT:
        alerts.append("clock")
    disk = device.get("disk_free_ratio")
    if isinstance(disk, int | float) and disk < LOW_DISK_SHARE:
        alerts.append("disk")
    if device.get("camera") in ("frozen", "missing"):
        alerts.append("camera")
    return alerts
