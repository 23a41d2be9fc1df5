"""Scan throughput and latency: decide-and-record against a bare durable SQLite insert.

    python -m bench.scans [--scans N]

Rows:
- bare insert: one row per transaction into a table shaped like the scan log (same
  indexes), WAL and synchronous=FULL: the floor any durable scan log pays.
- in process: ``Scanner.scan`` on a kiosk database (verify the signature, decide,
  append, commit) for genuine tickets, a mix with refusals, and typed short codes.
- over HTTP: ``POST /api/v1/scans`` to a real ``kiosk serve`` process on loopback,
  one client with keep-alive, then four clients at once.
Targets (issue 2): at least 500 durable scans/s on 2 cores, and no more than 2x the
bare insert's time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from bench.server import start as start_kiosk
from bench.table import percentile, print_table
from kiosk import bundle, clock, demo, instance
from kiosk.entry.scanning import Scanner
from kiosk.tickets.issuing import issue_tickets

START = date(2026, 6, 15)
NOW = "2026-06-15T11:00:00+01:00"
EXTRA_TICKETS = 6000
ROUNDS = 4  # bare and project measurements alternate, so load from elsewhere hits both


def build_kiosk(root: Path, gate: str = "main") -> tuple[Path, list[str], list[str]]:
    central = root / "central"
    database = instance.create(central, ["central"], name="central")
    demo.build(database, central, START)
    issue_tickets(database, central, "day", EXTRA_TICKETS, day=START)
    bundle_file = root / "fair.bundle"
    bundle.write_bundle(database, bundle_file, roles="entry")
    kiosk = root / "kiosk"
    kdb = instance.create(kiosk, ["entry"], name="bench-kiosk", gate=gate)
    bundle.load_tables(kdb, bundle.read_bundle(bundle_file))
    # The printed tickets' payloads: central holds them, a kiosk never does.
    rows = database.conn.execute(
        "SELECT payload, short_code FROM tickets WHERE valid_from = ?", (START.isoformat(),)
    ).fetchall()
    return kiosk, [r[0] for r in rows], [r[1] for r in rows]


def bare_scans_table(conn: sqlite3.Connection, source: Path) -> None:
    """Create in ``conn`` the scans table and its indexes as the migrated database ``source``
    has them, without its triggers: those feed the figure tables (migrations 07xx), which a
    bare baseline has not, and their cost is the project's, not the floor's."""
    schema = (
        sqlite3.connect(source)
        .execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'scans' AND type IN ('table', 'index')"
            " AND sql IS NOT NULL ORDER BY type = 'index'"
        )
        .fetchall()
    )
    for (sql,) in schema:
        conn.execute(sql)


def bare_insert(folder: Path, count: int) -> list[float]:
    """Insert ``count`` scan-log rows, one durable transaction each, into ``bare.db``."""
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'scans'").fetchone():
        bare_scans_table(conn, folder / "kiosk" / "kiosk.db")
    first = conn.execute("SELECT coalesce(max(device_seq), 0) + 1 FROM scans").fetchone()[0]
    timings = []
    for seq in range(first, first + count):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO scans VALUES (?, 'dev', ?, ?, '2026-06-15', 'main', 'sales', 'in', ?, ?,"
            " 'day', 'accepted', 'ok')",
            (str(uuid.uuid4()), seq, clock.iso(clock.now()), uuid.uuid4().hex * 2, seq),
        )
        conn.execute("COMMIT")
        timings.append(time.perf_counter() - began)
    conn.close()
    return timings


def in_process(
    kiosk: Path, codes: list[str], gate: str = "main", moment: datetime | None = None
) -> list[float]:
    database = instance.open_db(kiosk)
    scanner = Scanner(debounce_seconds=0)
    moment = moment or clock.parse_time(NOW)
    timings = []
    for code in codes:
        began = time.perf_counter()
        scanner.scan(database, code, gate, "in", moment)
        timings.append(time.perf_counter() - began)
    database.conn.close()
    return timings


def http_client(port: int, codes: list[str], timings: list[float]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for code in codes:
        body = json.dumps({"code": code})
        began = time.perf_counter()
        conn.request("POST", "/api/v1/scans", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        timings.append(time.perf_counter() - began)
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    conn.close()


def over_http(kiosk: Path, batches: list[list[str]]) -> tuple[list[float], float]:
    server, port = start_kiosk(kiosk, {"KIOSK_NOW": NOW, "KIOSK_DEBOUNCE_SECONDS": "0"})
    try:
        timings: list[float] = []
        threads = [threading.Thread(target=http_client, args=(port, batch, timings)) for batch in batches]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return timings, time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(10)


def row(name: str, timings: list[float], wall: float | None, bare_p50: float) -> list[object]:
    wall = wall if wall is not None else sum(timings)
    p50 = percentile(timings, 0.5)
    return [
        name,
        len(timings),
        round(len(timings) / wall),
        round(p50 * 1000, 3),
        round(percentile(timings, 0.99) * 1000, 3),
        f"{p50 / bare_p50:.2f}x",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=1600, help="scans per measurement")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    os.environ["KIOSK_NOW"] = NOW
    root = Path(tempfile.mkdtemp(prefix="bench-scans-"))
    try:
        kiosk, payloads, short_codes = build_kiosk(root)
        count = min(args.scans, len(payloads) // 4)
        bare: list[float] = []
        genuine: list[float] = []
        block = count // ROUNDS
        for index in range(ROUNDS):
            bare += bare_insert(root, block)
            genuine += in_process(kiosk, payloads[index * block : (index + 1) * block])
        bare_p50 = percentile(bare, 0.5)
        mixed_codes = [c if i % 3 else c[:-4] + "AAAA" for i, c in enumerate(payloads[count : 2 * count])]
        mixed = in_process(kiosk, mixed_codes)
        typed = in_process(kiosk, short_codes[2 * count : 3 * count])
        rest = payloads[3 * count : 4 * count]
        single, single_wall = over_http(kiosk, [rest[: count // 2]])
        quad, quad_wall = over_http(kiosk, [rest[count // 2 :][i::4] for i in range(4)])
        rows = [
            row("bare durable insert (baseline)", bare, None, bare_p50),
            row("in process, genuine tickets", genuine, None, bare_p50),
            row("in process, 1/3 forged", mixed, None, bare_p50),
            row("in process, typed short codes", typed, None, bare_p50),
            row("HTTP, 1 client", single, single_wall, bare_p50),
            row("HTTP, 4 clients", quad, quad_wall, bare_p50),
        ]
        print_table(["path", "scans", "scans/s", "p50 ms", "p99 ms", "p50 vs bare"], rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
