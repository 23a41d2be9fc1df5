"""Helpers for the sync tests: enroll kiosks against a real central, scan, compare state."""

from __future__ import annotations

import http.client
import http.server
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import serving

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.entry.scanning import Scanner
from kiosk.events import EVENT_TABLES
from kiosk.reference import REFERENCE_TABLES, kiosk_view, withheld_tables
from sync import protocol, signing, validate, wire
from sync.cli import init_enrolled
from sync.client import Client, Transport
from sync.wire import primary_key, table_columns

FAIR_DAY = "2026-06-15"
# The columns of the event rows a kiosk pushes.
SCAN_COLUMNS = list(validate.SCAN_COLUMNS)
WALK_IN_COLUMNS = list(validate.WALK_IN_COLUMNS)
ANNULMENT_COLUMNS = list(validate.ANNULMENT_COLUMNS)


def _event_row(columns: list[str], device: str, seq: int, values: dict[str, object]) -> list[object]:
    row: dict[str, object] = {
        "uuid": str(uuid.uuid4()),
        "device_id": device,
        "device_seq": seq,
        "device_time": clock.iso(clock.now()),
        "fair_date": FAIR_DAY,
        "gate_id": "main",
        "zone_id": "sales",
        "direction": "in",
        **values,
    }
    return [row[c] for c in columns]


def scan_row(device: str, seq: int, **values: object) -> list[object]:
    """A scan of SCAN_COLUMNS as DEVICE's SEQ-th event: a refused unknown code at gate main
    now, unless VALUES say otherwise."""
    defaults = {"code_digest": f"{seq:064x}", "ticket_serial": None, "type_id": None}
    return _event_row(
        SCAN_COLUMNS, device, seq, {**defaults, "result": "refused", "reason": "unknown_format", **values}
    )


def walk_in_row(device: str, seq: int, **values: object) -> list[object]:
    """A walk-in of WALK_IN_COLUMNS as DEVICE's SEQ-th event: one adult at gate main now,
    unless VALUES say otherwise."""
    return _event_row(
        WALK_IN_COLUMNS, device, seq, {"kind": "adult", "people": 1, "staff_id": None, **values}
    )


def insert_sql(table: str, columns: list[str]) -> str:
    """INSERT INTO TABLE (COLUMNS) VALUES (?, ...)."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"


def token_of(folder: Path) -> str:
    """An enrolled kiosk's device token."""
    return query(folder, "SELECT token FROM sync_state")[0][0]


def add_device(central_dir: Path, name: str, role: str = "entry", gate: str | None = "main") -> str:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        code = protocol.add_device(conn, name, role, gate, clock.now())
    database.conn.close()
    return code


def enroll(
    central_url: str,
    central_dir: Path,
    folder: Path,
    name: str,
    role: str = "entry",
    gate: str | None = "main",
) -> Path:
    """Register the kiosk on central and run ``kiosk init --central --code`` in-process."""
    code = add_device(central_dir, name, role, gate)
    init_enrolled(folder, "kiosk", central_url, code, None, None, central_key(central_dir))
    return folder


def init_args(folder: Path, role: str, central_url: str, code: str, central_dir: Path) -> list[str]:
    """The ``kiosk init`` arguments that enroll FOLDER on central with a one-time code."""
    return [
        "init",
        str(folder),
        "--role",
        role,
        "--central",
        central_url,
        "--code",
        code,
        "--central-key",
        central_key(central_dir),
    ]


def central_key(central_dir: Path) -> str:
    """The fingerprint of central's sync key, as ``kiosk devices add`` prints it."""
    return signing.central_fingerprint(central_dir)


def sync_round(folder: Path) -> None:
    """One sync round of the kiosk at FOLDER with its central, no retry (a refusal raises)."""
    client = Client(folder, attempts=1)
    try:
        client.round()
    finally:
        client.close()


def transport(central_url: str, folder: Path, attempts: int = 4) -> Transport:
    """A transport speaking for an enrolled kiosk (its token, central's pinned key)."""
    token, key = query(folder, "SELECT token, central_key FROM sync_state")[0]
    return Transport(central_url, token, attempts=attempts, central_key=key)


def day_tickets(central_dir: Path, count: int, type_id: str = "day") -> list[str]:
    """QR payloads of tickets valid on the first fair day."""
    conn = sqlite3.connect(central_dir / "kiosk.db")
    rows = conn.execute(
        "SELECT payload FROM tickets WHERE type_id = ? AND valid_from = ? ORDER BY serial LIMIT ?",
        (type_id, FAIR_DAY, count),
    ).fetchall()
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


def reference_of(folder: Path, roles: str | None = None) -> dict[str, list[tuple]]:
    """Every reference table's rows (columns by name, sorted) for comparing instances.
    With ``roles``: what a kiosk with those roles should hold, tables withheld from it
    (personal data it does not need) empty."""
    out = {}
    withheld = withheld_tables(roles) if roles is not None else []
    conn = sqlite3.connect(Path(folder) / "kiosk.db", timeout=30)
    for table in REFERENCE_TABLES:
        columns = table_columns(conn, table)
        if not columns:
            continue
        if table in withheld:
            out[table] = []
            continue
        keys = primary_key(conn, table)
        # What a kiosk gets of the table (no organizers, no QR payloads); all for central.
        shown, only = kiosk_view(table, columns, roles) if roles is not None else ("*", "1")
        out[table] = [
            tuple(r)
            for r in conn.execute(
                f"SELECT {shown} FROM [{table}] WHERE {only} ORDER BY " + ", ".join(f"[{k}]" for k in keys)
            )
        ]
    conn.close()
    return out


def integrity(folder: Path) -> str:
    return query(folder, "PRAGMA integrity_check")[0][0]


def fake_scans(folder: Path, count: int, gate: str = "main") -> None:
    """Append ``count`` refused scans quickly, stamped like real ones (contiguous seqs)."""
    database = instance.open_db(folder)
    moment = clock.iso(clock.now())
    with dbmod.write(database) as conn:
        device, last = conn.execute("UPDATE device SET seq = seq + ? RETURNING id, seq", (count,)).fetchone()
        first = last - count + 1
        conn.executemany(
            insert_sql("scans", SCAN_COLUMNS),
            (scan_row(device, seq, device_time=moment, gate_id=gate) for seq in range(first, last + 1)),
        )
    database.conn.close()


def fake_tickets(folder: Path, count: int, start_serial: int = 1 << 39) -> None:
    """Add ``count`` ticket rows on central (reference data to pull; not signed)."""
    database = instance.open_db(folder)
    with dbmod.write(database) as conn:
        conn.executemany(
            "INSERT INTO tickets (uuid, serial, short_code, type_id, valid_from, valid_days, kid, payload,"
            " issued_at) VALUES (?, ?, ?, 'day', ?, 1, 1, ?, ?)",
            (
                (
                    str(uuid.uuid4()),
                    start_serial + i,
                    f"FAKE-{start_serial + i}",
                    FAIR_DAY,
                    "x" * 117,
                    clock.iso(clock.now()),
                )
                for i in range(count)
            ),
        )
    database.conn.close()


@contextmanager
def serve_at(folder: Path, port: int, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """``kiosk serve`` on a given loopback port (to bring central back at the same URL)."""
    with serving(folder, env, port=port) as (_base, process):
        yield process


def wait_until(predicate: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Proxy:
    """A loopback HTTP proxy in front of central that can drop answers (after central
    handled the request) or run a hook before forwarding; records what central said."""

    def __init__(self, target: str) -> None:
        self.target = urllib.parse.urlsplit(target)
        self.drop_answers = 0  # drop the answers of this many next pushes
        self.before_push: Callable[[int], None] | None = None
        self.after_answer: Callable[[str], None] | None = None  # called with the path answered
        self.pushes = 0
        self.answers: list[dict[str, object]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                is_push = self.path.startswith("/api/v1/sync/push")
                if is_push:
                    proxy.pushes += 1
                    if proxy.before_push:
                        proxy.before_push(proxy.pushes)
                conn = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                conn.close()
                if is_push and answer.status == 200:
                    proxy.answers.append(wire.decode(data))
                if is_push and proxy.drop_answers > 0:
                    proxy.drop_answers -= 1
                    self.close_connection = True  # central committed; the kiosk never hears
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                if proxy.after_answer:
                    self.wfile.flush()
                    proxy.after_answer(self.path)

            do_GET = _forward
            do_POST = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def point_at(folder: Path, url: str) -> None:
    """Make a kiosk talk to central through another address (a proxy)."""
    database = instance.open_db(folder)
    database.conn.execute("UPDATE sync_state SET central_url = ?", (url,))
    database.conn.close()
