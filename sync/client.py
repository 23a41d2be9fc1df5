"""The kiosk's side of the sync: push unsent events, pull reference data, in a loop.

A round is: ``hello`` (status, clock offset, what central already holds), push every
unsent event in gzip batches (marked sent only from central's answer), then pull
reference changes page by page (each page applied together with its cursor in one
local transaction; a snapshot first when the kiosk is new or its cursor too old).
Network trouble is retried with exponential backoff and jitter; refusals (protocol
version, unknown or revoked token) are not, and events simply stay queued.
"""

from __future__ import annotations

import gzip
import http.client
import json
import logging
import random
import sqlite3
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TypedDict, cast

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from kiosk import clock, events, tls
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.events import EVENT_TABLES
from kiosk.reference import PERSONAL_TABLES, REFERENCE_TABLES
from sync import feed as feedmod
from sync import signing, wire
from sync.wire import primary_key, quoted, table_columns

log = logging.getLogger("sync")

TIMEOUT = 15.0
MAX_RESPONSE = 128 * 1024 * 1024
EXPORT_FORMAT = "salon-kiosk-events"


class Transient(Exception):
    """Central unreachable, timed out or failing: try again later."""


class Refused(Exception):
    """Central refused the request (protocol version, token, malformed batch)."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


def app_version() -> str:
    try:
        return metadata.version("salon-kiosk")
    except metadata.PackageNotFoundError:
        return "unknown"


class Transport:
    """One keep-alive HTTP connection to central; every request has a time-out and a
    bounded answer, and transient failures are retried with backoff and jitter."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = TIMEOUT,
        attempts: int = 4,
        max_wait: float = 5.0,
        central_key: str | None = None,
        fingerprint: str | None = None,
        ca_pem: str | None = None,
        verify_tls: bool = True,
    ) -> None:
        """``central_key``: central's pinned sync key; or, to enroll, the ``fingerprint``
        printed with the code (the key central offers must match it, then it is pinned).

        Over HTTPS, ``ca_pem`` (the venue CA, learnt at enrollment) is the only authority
        trusted for central's certificate; without it, the system's. ``verify_tls=False``
        is for enrollment's first look only (``GET /sync/key``): it sends no secret, and
        its answer is trusted only through the key fingerprint."""
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        if not central_key and not fingerprint:
            raise ValueError("central's key is not known: enroll with --central-key (printed with the code)")
        self.central_key = central_key
        self.fingerprint = fingerprint
        self.parts = parts
        self.host = parts.hostname
        self.token = token
        self.timeout = timeout
        self.attempts = attempts
        self.max_wait = max_wait
        self.tls = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
        if not verify_tls:
            self.tls.check_hostname = False
            self.tls.verify_mode = ssl.CERT_NONE
        self.conn: http.client.HTTPConnection | None = None
        self.bytes_sent = 0
        self.bytes_received = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            if self.parts.scheme == "https":
                self.conn = http.client.HTTPSConnection(
                    self.host, self.parts.port, timeout=self.timeout, context=self.tls
                )
            else:
                self.conn = http.client.HTTPConnection(self.host, self.parts.port, timeout=self.timeout)
        return self.conn

    def request(
        self, method: str, path: str, document: object | None = None, query: dict[str, object] | None = None
    ) -> object:
        """``document``: the JSON body, or its JSON bytes (``wire.dumps``); gzipped on the way."""
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            wait=wait_random_exponential(multiplier=0.1, max=self.max_wait),
            stop=stop_after_attempt(self.attempts),
            reraise=True,
        )
        return retrying(self._once, method, path, document, query)

    def _once(
        self, method: str, path: str, document: object | None, query: dict[str, object] | None
    ) -> object:
        target = path + ("?" + urllib.parse.urlencode(query) if query else "")
        url = self.parts.path.rstrip("/") + target
        nonce = signing.new_nonce()
        headers = {
            signing.NONCE_HEADER: nonce,
            wire.PROTOCOL_HEADER: str(wire.PROTOCOL),
            wire.TIME_HEADER: clock.iso(clock.now()),
            "Accept-Encoding": "gzip",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = None
        if document is not None:
            body = wire.encode(document)
            headers.update({"Content-Type": "application/json", "Content-Encoding": "gzip"})
        try:
            conn = self._connection()
            conn.request(method, url, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read(MAX_RESPONSE + 1)
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise Transient(f"{method} {path}: {error or type(error).__name__}") from None
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        self.bytes_sent += len(body or b"")
        self.bytes_received += len(raw)
        if len(raw) > MAX_RESPONSE:
            self.close()
            raise Transient(f"{method} {path}: answer larger than {MAX_RESPONSE} bytes")
        key = self.central_key
        if key is None:
            offered = response.getheader(signing.KEY_HEADER) or ""
            if not signing.same_fingerprint(offered, str(self.fingerprint)):
                self.close()
                raise Refused(
                    0,
                    "central_key_mismatch",
                    f"the server at {self.parts.geturl()} has key {signing.fingerprint(offered)},"
                    f" not {self.fingerprint}: not the central that printed the code",
                )
            key = offered
        try:
            signature = response.getheader(signing.SIGNATURE_HEADER)
            signing.verify(key, signature, nonce, method, target, response.status, raw)
        except signing.Unverified as error:
            # Acted on, a forged answer could plant keys or staff, or claim events it
            # never got: treated as no answer at all, the events stay queued.
            self.close()
            log.warning("%s %s: %s", method, path, error)
            raise Transient(f"{method} {path}: {error}") from None
        self.central_key = key
        if response.status >= 500 or response.status == 429:
            raise Transient(f"{method} {path}: HTTP {response.status}")
        try:
            if response.getheader("Content-Encoding") == "gzip":
                answer = wire.decode(raw)
            else:
                answer = json.loads(raw or b"{}")
        except (wire.WireError, json.JSONDecodeError, UnicodeDecodeError):
            raise Transient(f"{method} {path}: HTTP {response.status} with an unreadable body") from None
        if response.status != 200:
            reason = answer.get("error", "refused") if isinstance(answer, dict) else "refused"
            detail = answer.get("detail", "") if isinstance(answer, dict) else ""
            raise Refused(response.status, str(reason), str(detail))
        return answer


# ---------------------------------------------------------------- local state


def open_local(folder: Path) -> Database:
    """The kiosk database for syncing. Foreign keys are off on this connection: central
    enforces them, and a page of a copy may briefly hold a child before its parent."""
    return dbmod.connect(Path(folder) / dbmod.DB_FILENAME, foreign_keys=False)


def state(conn: sqlite3.Connection) -> sqlite3.Row:
    return conn.execute("SELECT * FROM sync_state WHERE id = 1").fetchone()


def waiting(conn: sqlite3.Connection) -> int:
    """Events not yet confirmed by central (device seqs are contiguous, so a subtraction)."""
    return conn.execute("SELECT device.seq - sync_state.pushed_seq FROM device, sync_state").fetchone()[0]


def pending_events(conn: sqlite3.Connection, after: int, limit: int) -> tuple[list[wire.EventPart], int]:
    """The next ``limit`` own events after seq ``after`` across every event table, as
    batch parts ``{table, columns, rows}``; and the last seq included."""
    device_id = events.this_device(conn)["id"]
    found: list[tuple[int, str, tuple]] = []
    columns: dict[str, list[str]] = {}
    for table in EVENT_TABLES:
        if not table_columns(conn, table):
            continue
        cursor = conn.execute(
            f"SELECT * FROM [{table}] WHERE device_id = ? AND device_seq > ? ORDER BY device_seq LIMIT ?",
            (device_id, after, limit),
        )
        columns[table] = [d[0] for d in cursor.description]
        at = columns[table].index("device_seq")
        found.extend((row[at], table, tuple(row)) for row in cursor)
    found.sort(key=lambda item: item[0])
    found = found[:limit]
    rows: dict[str, list[tuple]] = {}
    for _seq, table, row in found:
        rows.setdefault(table, []).append(row)
    parts: list[wire.EventPart] = [
        {"table": table, "columns": columns[table], "rows": table_rows} for table, table_rows in rows.items()
    ]
    return parts, (found[-1][0] if found else after)


def _local_columns(conn: sqlite3.Connection, table: str, columns: list[str]) -> list[int]:
    ours = set(table_columns(conn, table)) | {"rowid"}
    return [i for i, c in enumerate(columns) if c in ours]


def _upsert(
    conn: sqlite3.Connection, table: str, columns: list[str], rows: Sequence[Sequence[object]]
) -> None:
    keep = _local_columns(conn, table, columns)
    names = [columns[i] for i in keep]
    if rows and names:
        conn.executemany(
            f"INSERT OR REPLACE INTO [{table}] ({quoted(names)}) VALUES ({', '.join('?' for _ in names)})",
            ([row[i] for i in keep] for row in rows),
        )


def _rows(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(row, list) for row in value)


def _names(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def changes_page(answer: dict[str, object]) -> wire.ChangesPage:
    """Central's answer to ``/sync/changes``, checked for the shape applying it relies on."""
    if answer.get("snapshot_required"):
        if type(answer.get("snapshot_cursor")) is not int:
            raise Refused(200, "bad_page", "snapshot_required without a snapshot_cursor")
        return cast(wire.ChangesPage, answer)
    tables = answer.get("tables", {})
    if (
        type(answer.get("cursor")) is not int
        or not isinstance(tables, dict)
        or not all(
            isinstance(part, dict)
            and _names(part.get("columns"))
            and _rows(part.get("rows"))
            and _rows(part.get("deleted"))
            for part in tables.values()
        )
    ):
        raise Refused(200, "bad_page", "not a page of changes: {cursor, more, tables}")
    return cast(wire.ChangesPage, answer)


def snapshot_page(answer: dict[str, object], table: str) -> wire.SnapshotPage:
    """Central's answer to ``/sync/snapshot?table=...``, checked like ``changes_page``."""
    last = answer.get("last")
    if (
        answer.get("table") != table
        or not _names(answer.get("columns"))
        or not _rows(answer.get("rows"))
        or not isinstance(answer.get("done"), bool)
        or not (last is None or isinstance(last, list))
    ):
        raise Refused(200, "bad_page", f"not a snapshot page of {table}")
    return cast(wire.SnapshotPage, answer)


class SnapshotProgress(TypedDict):
    """Where a snapshot pull stands (kept in ``sync_state.snapshot`` across rounds)."""

    cursor: int  # central's change cursor when the snapshot began
    tables: list[str]  # tables still to copy, the current one first
    after: list[object] | None  # primary key of the last row copied of the current table


def _key_match(keys: list[str]) -> str:
    select = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(keys)))
    return f"({quoted(keys)}) IN (SELECT {select} FROM json_each(?))"


def apply_changes(conn: sqlite3.Connection, page: wire.ChangesPage) -> None:
    """Apply one page of changes and its cursor; call inside one write transaction."""
    tables = page.get("tables") or {}
    known = [t for t in REFERENCE_TABLES if t in tables and table_columns(conn, t)]
    for table in reversed(known):
        deleted = tables[table]["deleted"]
        if deleted:
            conn.execute(
                f"DELETE FROM [{table}] WHERE {_key_match(primary_key(conn, table))}", (json.dumps(deleted),)
            )
    for table in known:
        _upsert(conn, table, tables[table]["columns"], tables[table]["rows"])
    conn.execute(
        "UPDATE sync_state SET cursor = max(cursor, ?), last_pull_at = ?",
        (page["cursor"], clock.iso(clock.now())),
    )


def apply_snapshot_page(
    conn: sqlite3.Connection, page: wire.SnapshotPage, after: list[object] | None
) -> None:
    """Replace the rows of one key range of a table with the page's rows (rows in the
    range that central no longer has are deleted); call inside a write transaction."""
    table = page["table"]
    if page.get("unknown") or not table_columns(conn, table):
        return
    keys = primary_key(conn, table)
    columns = page["columns"]
    rows = page["rows"]
    _upsert(conn, table, columns, rows)
    index = [columns.index(k) for k in keys]
    placeholders = ", ".join("?" for _ in keys)
    where: list[str] = []
    params: list[object] = []
    if after is not None:
        where.append(f"({quoted(keys)}) > ({placeholders})")
        params += list(after)
    if not page.get("done"):
        where.append(f"({quoted(keys)}) <= ({placeholders})")
        params += page["last"] or []
    where.append(f"NOT {_key_match(keys)}")
    params.append(json.dumps([[row[i] for i in index] for row in rows]))
    conn.execute(f"DELETE FROM [{table}] WHERE " + " AND ".join(where), params)


def wipe_personal_data(conn: sqlite3.Connection) -> list[str]:
    """Delete personal data (staff names and PIN hashes, registrations...) from a
    revoked kiosk; call inside a write transaction. Returns the tables emptied. Every
    table of ``kiosk.reference.PERSONAL_TABLES`` goes, also those sent to every role;
    events are kept (a revoked kiosk can still hand its unsent ones over on a file)."""
    wiped = []
    for table in PERSONAL_TABLES:
        if table_columns(conn, table):
            conn.execute(f"DELETE FROM [{table}]")
            wiped.append(table)
    conn.execute("UPDATE sync_state SET revoked = 1, token = NULL, last_error = 'device_revoked'")
    return wiped


# ---------------------------------------------------------------- a round


@dataclass
class RoundResult:
    pushed: int = 0
    waiting: int = 0
    pages: int = 0
    cursor: int = 0
    fed: int = 0  # other kiosks' events new here (sync.feed)
    clock_offset: float | None = None
    errors: list[str] = field(default_factory=list)


class Client:
    """Syncs one kiosk folder with its central instance."""

    def __init__(
        self,
        folder: Path,
        batch: int = wire.PUSH_EVENTS,
        timeout: float = TIMEOUT,
        attempts: int = 4,
        max_wait: float = 5.0,
        extra_status: Callable[[], dict[str, object]] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.extra_status = extra_status
        self.db = open_local(self.folder)
        self.batch = max(1, min(batch, wire.PUSH_EVENTS))
        row = state(self.db.conn)
        if not row["central_url"]:
            raise ValueError("this kiosk has no central to sync with (enroll it with `kiosk init --central`)")
        if not row["central_key"]:
            raise ValueError("this kiosk does not know central's key: enroll it again with --central-key")
        self.transport = Transport(
            row["central_url"],
            row["token"],
            timeout,
            attempts,
            max_wait,
            central_key=row["central_key"],
            ca_pem=tls.venue_ca_pem(self.folder),
        )
        self.problems: list[tuple[str, str]] = []

    def close(self) -> None:
        self.transport.close()
        self.db.conn.close()

    def _call(
        self, method: str, path: str, document: object | None = None, query: dict[str, object] | None = None
    ) -> dict[str, object]:
        try:
            answer = self.transport.request(method, path, document, query)
        except Refused as refusal:
            if refusal.error == "device_revoked":
                with dbmod.write(self.db) as conn:
                    wiped = wipe_personal_data(conn)
                log.warning("central revoked this kiosk; wiped %s", ", ".join(wiped))
            else:
                self._note_error(str(refusal))
            raise
        if not isinstance(answer, dict):
            raise Transient(f"{path}: answer is not an object")
        return answer

    def _note_error(self, text: str | None) -> None:
        with dbmod.write(self.db) as conn:
            conn.execute("UPDATE sync_state SET last_error = ?", (text,))

    def status(self) -> dict[str, object]:
        conn = self.db.conn
        report: dict[str, object] = {
            "app_version": app_version(),
            "events_waiting": waiting(conn),
            "device_seq": events.this_device(conn)["seq"],
            "cursor": state(conn)["cursor"],
        }
        if self.extra_status:
            report.update(self.extra_status())
        return report

    def hello(self) -> dict[str, object]:
        """Report status; learn central's time (clock offset) and what it already holds."""
        sent = time.time()
        answer = self._call("POST", "/api/v1/sync/hello", {"status": self.status()})
        received = clock.now()
        elapsed = time.time() - sent
        offset = None
        server_time = answer.get("server_time")
        if isinstance(server_time, str):
            # Our clock at the middle of the exchange minus central's clock then.
            try:
                offset = round((received - clock.parse_time(server_time)).total_seconds() - elapsed / 2, 3)
            except ValueError:
                offset = None  # central's time unreadable: no offset rather than a failed round
        high = answer.get("high_seq")
        with dbmod.write(self.db) as conn:
            conn.execute("UPDATE sync_state SET clock_offset = ?", (offset,))
            if isinstance(high, int):
                # Central's word decides what is sent: re-send anything it lost, skip
                # anything a lost answer left unmarked.
                conn.execute("UPDATE sync_state SET pushed_seq = min(?, (SELECT seq FROM device))", (high,))
        answer["clock_offset"] = offset
        return answer

    def push(self) -> int:
        """Send every unsent event; returns how many central confirmed this time. Events
        central does not take (a value it refuses, a seq it holds as another event) stay
        queued and are logged and kept in ``problems``; the events after them still go."""
        confirmed = 0
        self.problems = []
        after = state(self.db.conn)["pushed_seq"]
        size = self.batch
        while True:
            conn = self.db.conn
            before = state(conn)["pushed_seq"]
            parts, last = pending_events(conn, after, size)
            if not parts:
                return confirmed
            body = wire.dumps({"events": parts})
            if len(body) > wire.PUSH_BYTES and size > 1:
                size //= 2  # long rows: fewer of them per push, for the rest of this push
                continue
            answer = self._call("POST", "/api/v1/sync/push", body)
            high = answer.get("high_seq")
            if not isinstance(high, int):
                raise Refused(200, "no_progress", f"central answered no high_seq for {after + 1}..{last}")
            self._take_problems(answer)
            if high <= before and not self.problems:
                raise Refused(
                    200, "no_progress", f"central holds up to seq {high}, sent {before + 1}..{last}"
                )
            self._mark_pushed(high)
            confirmed += max(0, min(high, last) - before)
            after = last

    def _take_problems(self, answer: dict[str, object]) -> None:
        """Log and note what central said it did not take from a batch."""
        for key, error in (("conflicts", "seq_conflict"), ("rejected", "events_rejected")):
            items = answer.get(key)
            if not isinstance(items, list) or not items:
                continue
            detail = "; ".join(
                f"seq {item.get('device_seq')} {item.get('table')}"
                + (f": {item.get('reason')}" if item.get("reason") else " held as another event")
                for item in items[:10]
                if isinstance(item, dict)
            )
            log.error("central did not take events: %s", detail)
            self.problems.append((error, detail))
        if self.problems:
            self._note_error("; ".join(f"{error}: {detail}" for error, detail in self.problems)[:2000])

    def _mark_pushed(self, high: int) -> None:
        # The "sent" mark need not survive a power cut: lost, the kiosk re-sends and
        # central skips what it holds (hello even says so). No fsync per batch, then.
        with dbmod.write(self.db, durable=False) as conn:
            conn.execute(
                "UPDATE sync_state SET pushed_seq = max(pushed_seq, min(?, (SELECT seq FROM device))),"
                " last_push_at = ?",
                (high, clock.iso(clock.now())),
            )

    def pull(self) -> int:
        """Fetch reference changes until up to date; returns the pages applied."""
        pages = restarts = 0
        while True:
            row = state(self.db.conn)
            if row["snapshot"]:
                pages += self._snapshot_page(json.loads(row["snapshot"]))
                continue
            page = changes_page(self._call("GET", "/api/v1/sync/changes", query={"cursor": row["cursor"]}))
            if page.get("snapshot_required"):
                restarts += 1
                if restarts > 2:  # never loop on a central that keeps asking for snapshots
                    raise Transient("central keeps asking for a fresh snapshot")
                tables = [t for t in REFERENCE_TABLES if table_columns(self.db.conn, t)]
                progress: SnapshotProgress = {
                    "cursor": page["snapshot_cursor"],
                    "tables": tables,
                    "after": None,
                }
                with dbmod.write(self.db) as conn:
                    conn.execute("UPDATE sync_state SET snapshot = ?", (json.dumps(progress),))
                continue
            with dbmod.write(self.db) as conn:
                apply_changes(conn, page)
            pages += 1
            if not page.get("more"):
                clock.use_fair_zone(self.db.conn)  # the fair may have moved to another zone
                return pages

    def _snapshot_page(self, progress: SnapshotProgress) -> int:
        tables = progress["tables"]
        if not tables:
            with dbmod.write(self.db) as conn:
                conn.execute(
                    "UPDATE sync_state SET cursor = max(cursor, ?), snapshot = NULL, last_pull_at = ?",
                    (progress["cursor"], clock.iso(clock.now())),
                )
            return 0
        table, after = tables[0], progress["after"]
        query: dict[str, object] = {"table": table}
        if after is not None:
            query["after"] = json.dumps(after)
        page = snapshot_page(self._call("GET", "/api/v1/sync/snapshot", query=query), table)
        if page.get("done"):
            progress["tables"], progress["after"] = tables[1:], None
        else:
            progress["after"] = page["last"]
        with dbmod.write(self.db) as conn:
            apply_snapshot_page(conn, page, after)
            conn.execute("UPDATE sync_state SET snapshot = ?", (json.dumps(progress),))
        return 1

    def feed(self) -> int:
        """Fetch other kiosks' admissions until up to date (``sync.feed``); each page is
        stored with its cursor in one transaction. Returns the events new here."""
        own = events.this_device(self.db.conn)["id"]
        added = 0
        while True:
            cursor = state(self.db.conn)["feed_cursor"]
            page = self._call("GET", "/api/v1/sync/feed", query={"cursor": cursor})
            try:
                with dbmod.write(self.db) as conn:
                    added += feedmod.apply_feed(conn, page, own)
            except feedmod.FeedError as error:
                self._note_error(f"bad_feed: {error}")
                raise Refused(200, "bad_feed", str(error)) from None
            if not page.get("more"):
                return added

    def round(self) -> RoundResult:
        """One full round: hello, push everything, pull everything, then the feed."""
        if state(self.db.conn)["revoked"]:
            raise Refused(403, "device_revoked", "this kiosk was revoked; it no longer syncs")
        result = RoundResult()
        answer = self.hello()
        offset = answer.get("clock_offset")
        result.clock_offset = offset if isinstance(offset, float) else None
        result.pushed = self.push()
        result.pages = self.pull()
        if answer.get("feed"):  # a central that serves other kiosks' admissions
            result.fed = self.feed()
        if self.problems:
            # Pulled anyway (revocations must arrive), then said: events wait on organizers.
            error, detail = self.problems[0]
            raise Refused(409, error, detail)
        self._note_error(None)
        result.waiting = waiting(self.db.conn)
        result.cursor = state(self.db.conn)["cursor"]
        return result


# ---------------------------------------------------------------- background loop


def retry_delay(interval: float, max_backoff: float, failures: int, queued: bool) -> float:
    """Seconds before the next round after ``failures`` rounds in a row could not reach
    central. With events queued, central is probed at the normal pace (a hello is small),
    so the backlog leaves within an interval of its return and is pushed whole in that
    round; with nothing to send, the probe backs off exponentially up to ``max_backoff``.
    Full jitter either way: kiosks that lost central together do not return together."""
    if queued:
        return random.uniform(interval / 2, interval)
    ceiling = min(max_backoff, interval * 2 ** min(failures, 6))
    return random.uniform(interval / 2, max(interval / 2, ceiling))


class Loop(threading.Thread):
    """``kiosk serve``'s sync thread: a round every ``interval`` seconds; while central is
    unreachable, a probe at the same pace when events wait (``retry_delay``), else with
    exponential backoff; stop when revoked."""

    def __init__(
        self,
        folder: Path,
        interval: float,
        max_backoff: float,
        extra_status: Callable[[], dict[str, object]] | None = None,
    ) -> None:
        super().__init__(name="sync-loop", daemon=True)
        self.folder = Path(folder)
        self.extra_status = extra_status
        self.interval = interval
        self.max_backoff = max_backoff
        self.stopping = threading.Event()
        self.wake = threading.Event()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def nudge(self) -> None:
        """A local admission to send: start the next round soon (other gates learn of it
        from the feed one round after it reaches central), yet never sooner than a third
        of the interval after the last round, so a busy gate does not sync back to back."""
        self.wake.set()

    def _pause(self, delay: float, healthy: bool) -> None:
        started = time.monotonic()
        if self.stopping.wait(min(delay, self.interval / 3)):
            return
        rest = max(0.0, delay - (time.monotonic() - started))
        # While central fails, backoff rules: a nudge does not shorten it.
        (self.wake if healthy else self.stopping).wait(rest)
        self.wake.clear()

    def run(self) -> None:
        failures = 0
        client = None
        while not self.stopping.is_set():
            if client is None:
                try:
                    client = Client(self.folder, attempts=1, extra_status=self.extra_status)
                except ValueError as error:  # no central in the database: nothing to do
                    log.warning("sync loop stops: %s", error)
                    return
            try:
                client.round()
                failures = 0
                delay = self.interval
            except Refused as refusal:
                log.warning("sync refused: %s", refusal)
                if refusal.error == "device_revoked":
                    return
                failures += 1
                delay = min(self.max_backoff, self.interval * 2 ** min(failures, 6))
            except Exception as error:
                if isinstance(error, Transient | sqlite3.OperationalError):
                    log.info("sync failed: %s", error)
                else:
                    log.exception("sync round failed")
                failures += 1
                delay = retry_delay(self.interval, self.max_backoff, failures, waiting(client.db.conn) > 0)
                client.transport.close()
            self._pause(delay, healthy=failures == 0)
        if client is not None:
            client.close()


# ---------------------------------------------------------------- files


class EventsFile(TypedDict):
    """A kiosk's unsent events on a file (``kiosk sync export``, ``import-events``)."""

    format: str
    version: int
    device: dict[str, object]  # id, name, role of the kiosk
    created_at: str
    events: list[wire.EventPart]


def export_events(db: Database, out: Path) -> int:
    """Write this kiosk's unsent events to a gzip JSON file for central; returns how many."""
    conn = db.conn
    device = events.this_device(conn)
    parts, _last = pending_events(conn, state(conn)["pushed_seq"], 1 << 62)
    document: EventsFile = {
        "format": EXPORT_FORMAT,
        "version": wire.PROTOCOL,
        "device": {"id": device["id"], "name": device["name"], "role": device["role"]},
        "created_at": clock.iso(clock.now()),
        "events": parts,
    }
    tmp = Path(str(out) + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as stream:
        json.dump(document, stream, ensure_ascii=False, separators=(",", ":"))
    tmp.replace(out)
    return sum(len(p["rows"]) for p in parts)


def read_export(path: Path) -> EventsFile:
    """An events file, checked for format, version and device (each part is checked as
    central checks a pushed batch)."""
    try:
        document = wire.decode(Path(path).read_bytes())
    except (OSError, wire.WireError) as error:
        raise ValueError(f"{path}: not an events file ({error})") from None
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValueError(f"{path}: not a salon-kiosk events file")
    if document.get("version") != wire.PROTOCOL or not isinstance(document.get("device"), dict):
        raise ValueError(f"{path}: events file version {document.get('version')} is not supported")
    if not isinstance(document.get("events"), list):
        raise ValueError(f"{path}: events file without a list of events")
    return cast(EventsFile, document)
