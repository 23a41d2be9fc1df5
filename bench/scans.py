"""Scan throughput and latency: decide-and-record against a bare durable SQLite insert.

    python -m bench scans [--scans N] [--day-scans N]

One clock for the whole run (``KIOSK_NOW`` with ``KIOSK_NOW_AT`` set once, shared by the
servers it starts), so scans arrive in time order as at a real gate: a server restarting
the fair clock made each later round's scans late passages that recount their minute.
A bare round runs before every measured block, so load from elsewhere hits both.
Rows:
- bare insert: one row per transaction into a table shaped like the scan log (same
  indexes), WAL and synchronous=FULL: the floor any durable scan log pays.
- in process: ``Scanner.scan`` on a kiosk database (verify the signature, decide,
  append, commit) for genuine tickets, a mix with refusals, and typed short codes.
- over HTTP: ``POST /api/v1/scans`` to a real ``kiosk serve`` process on loopback,
  one client with keep-alive, then four clients at once, at the main entrance.
- at the heritage gate (occupancy limit 150) on a day already holding ``--day-scans``
  passages there (``fill_day``): the API, and the screen's requests as its browser makes
  them with a staff member logged in (``POST /entry/scan``, and ``GET /entry/stats`` when
  the answer triggers it: it did until the answer carried the figures), each ticket in
  then out so the zone stays under its limit.
Throughput is scans over wall-clock time; p50 and p99 per scan (with all its requests).
Targets (issues 2 and 11): at least 500 durable scans/s on 2 cores, no more than 2x the
bare insert's time, 4 clients getting more through than 1.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.cookies
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from bench.server import start as start_kiosk
from bench.table import percentile, print_table
from kiosk import bundle, clock, db, demo, events, features, figures, instance
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
    # The figures an entry kiosk keeps, as its app sets them at start-up (the in-process rows
    # run without one).
    figures.keep_dashboard(kdb, features.keeps_dashboard_figures(["entry"]))
    # The printed tickets' payloads: central holds them, a kiosk never does. Day tickets
    # first: they enter every zone (a workshop ticket is refused at the heritage gate).
    rows = database.conn.execute(
        "SELECT payload, short_code FROM tickets WHERE valid_from = ? ORDER BY type_id <> 'day', serial",
        (START.isoformat(),),
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


def fill_day(kiosk: Path, count: int) -> float:
    """``count`` passages of other kiosks at the heritage gates, evenly from 09:00 to
    NOW, in twos (in, in, out, out...) so the zone stays under its limit; seconds taken."""
    database = instance.open_db(kiosk)
    start = clock.parse_time(NOW).replace(hour=9)
    step = (clock.parse_time(NOW) - start) / max(count, 1)
    rows = [
        (
            str(uuid.uuid4()),
            "feed-device",
            seq + 1,
            clock.iso(start + step * seq),
            START.isoformat(),
            "heritage",
            "heritage",
            "in" if seq % 4 < 2 else "out",
            uuid.uuid4().hex * 2,
            100_000 + seq,
            "day",
            "accepted",
            "ok",
        )
        for seq in range(count)
    ]
    began = time.perf_counter()
    # Counted together, as a feed page or a central batch is (one figure count, not 40,000).
    with db.write(database) as conn, events.counted_together(conn):
        conn.executemany(f"INSERT INTO scans VALUES ({', '.join('?' * 13)})", rows)
    took = time.perf_counter() - began
    database.conn.close()
    return took


def in_process(
    kiosk: Path, codes: list[str], gate: str = "main", moment: datetime | None = None
) -> list[float]:
    """``Scanner.scan`` of each code, at ``moment`` or else the clock's time of each scan."""
    database = instance.open_db(kiosk)
    scanner = Scanner(debounce_seconds=0)
    timings = []
    for code in codes:
        began = time.perf_counter()
        scanner.scan(database, code, gate, "in", moment or clock.now())
        timings.append(time.perf_counter() - began)
    database.conn.close()
    return timings


# One unit of a client's work: a ticket's code and the direction asked (None: the gate's own).
Work = tuple[str, str | None]


def api_client(port: int, work: list[Work], timings: list[float]) -> None:
    """``POST /api/v1/scans`` for each ticket on one keep-alive connection (the kiosk's
    loopback needs no log-in); every one must be accepted."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for code, direction in work:
        body = json.dumps({"code": code} if direction is None else {"code": code, "direction": direction})
        began = time.perf_counter()
        conn.request("POST", "/api/v1/scans", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
        timings.append(time.perf_counter() - began)
        if response.status != 200 or not json.loads(answer)["ok"]:
            raise RuntimeError(f"HTTP {response.status}: {answer[:200]!r}")
    conn.close()


STAFF = ("Omar", "135791")  # the demo's gate staff
SCREEN = {"HX-Request": "true", "Sec-Fetch-Site": "same-origin"}  # what the screen's htmx sends


def screen_client(port: int, work: list[Work], timings: list[float]) -> None:
    """The entry screen's browser with a staff member logged in: each scan is ``POST
    /entry/scan``, then ``GET /entry/stats`` when the answer's ``HX-Trigger`` names
    "scanned" (htmx would); one timing per scan with what it asked. Every verdict must be
    green."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    jar = http.cookies.SimpleCookie()

    def send(
        method: str, path: str, body: str | None = None, form: bool = False
    ) -> tuple[http.client.HTTPResponse, bytes]:
        headers = {**SCREEN, "Cookie": "; ".join(f"{k}={m.value}" for k, m in jar.items())}
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        answer = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)  # the session cookie moves on (staff_seen), as in a browser
        if response.status not in (200, 302):
            raise RuntimeError(f"{method} {path}: HTTP {response.status}")
        return response, answer

    send("POST", "/staff/login", urllib.parse.urlencode({"name": STAFF[0], "pin": STAFF[1]}), form=True)
    for code, direction in work:
        began = time.perf_counter()
        fields = {"code": code, **({"direction": direction} if direction else {})}
        scan, verdict = send("POST", "/entry/scan", urllib.parse.urlencode(fields), form=True)
        if "scanned" in (scan.headers.get("HX-Trigger") or ""):
            send("GET", "/entry/stats")
        timings.append(time.perf_counter() - began)
        if b'data-level="green"' not in verdict:
            raise RuntimeError(f"not admitted: {verdict[:300]!r}")
    conn.close()


Client = Callable[[int, list[Work], list[float]], None]


def clients_at(port: int, client: Client, batches: list[list[Work]]) -> tuple[list[float], float]:
    """``client`` threads, one per batch, started together; their timings and the wall time."""
    timings: list[float] = []
    threads = [threading.Thread(target=client, args=(port, batch, timings)) for batch in batches]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(timings) != sum(len(batch) for batch in batches):
        raise RuntimeError("a client failed (see above)")
    return timings, time.perf_counter() - began


def in_and_out(codes: list[str]) -> list[Work]:
    """Each ticket in then out: the zone stays under its limit however long the run."""
    return [(code, direction) for code in codes for direction in ("in", "out")]


def row(name: str, timings: list[float], wall: float, bare_p50: float) -> list[object]:
    p50 = percentile(timings, 0.5)
    return [
        name,
        len(timings),
        round(len(timings) / wall),
        round(p50 * 1000, 3),
        round(percentile(timings, 0.99) * 1000, 3),
        f"{p50 / bare_p50:.2f}x",
    ]


class Run:
    """The run's measurements, each preceded by a bare round (the baseline samples)."""

    def __init__(self, root: Path, block: int) -> None:
        self.root = root
        self.block = block
        self.bare: list[float] = []
        self.measured: list[tuple[str, list[float], float]] = []

    def measure(self, name: str, action: Callable[[], tuple[list[float], float]]) -> None:
        self.bare += bare_insert(self.root, self.block)
        timings, wall = action()
        self.measured.append((name, timings, wall))

    def rows(self) -> list[list[object]]:
        bare_p50 = percentile(self.bare, 0.5)
        merged: dict[str, tuple[list[float], float]] = {}
        for name, timings, wall in self.measured:
            before, before_wall = merged.get(name, ([], 0.0))
            merged[name] = (before + timings, before_wall + wall)
        return [row("bare durable insert (baseline)", self.bare, sum(self.bare), bare_p50)] + [
            row(name, timings, wall, bare_p50) for name, (timings, wall) in merged.items()
        ]


def in_process_walled(kiosk: Path, codes: list[str]) -> tuple[list[float], float]:
    """``in_process`` with its wall time."""
    began = time.perf_counter()
    timings = in_process(kiosk, codes)
    return timings, time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=1600, help="scans per measurement")
    parser.add_argument("--day-scans", type=int, default=40_000, help="passages at the heritage gate already")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:] if __name__ == "__main__" else [])
    os.environ["KIOSK_NOW"] = NOW
    os.environ["KIOSK_NOW_AT"] = datetime.now(UTC).isoformat()
    root = Path(tempfile.mkdtemp(prefix="bench-scans-"))
    try:
        kiosk, payloads, short_codes = build_kiosk(root)
        count = min(args.scans, len(payloads) // 4)
        fill = fill_day(kiosk, args.day_scans)
        run = Run(root, count // ROUNDS // 2)
        genuine, mixed_source, rest = (
            payloads[:count],
            payloads[count : 2 * count],
            payloads[3 * count : 4 * count],
        )
        block = count // ROUNDS
        for index in range(ROUNDS):
            codes = genuine[index * block : (index + 1) * block]
            run.measure("in process, genuine tickets", functools.partial(in_process_walled, kiosk, codes))
        mixed_codes = [c if i % 3 else c[:-4] + "AAAA" for i, c in enumerate(mixed_source)]
        typed = short_codes[2 * count : 3 * count]
        run.measure("in process, 1/3 forged", lambda: in_process_walled(kiosk, mixed_codes))
        run.measure("in process, typed short codes", lambda: in_process_walled(kiosk, typed))
        env = {"KIOSK_DEBOUNCE_SECONDS": "0"}
        server, port = start_kiosk(kiosk, env)
        try:
            half: list[Work] = [(code, None) for code in rest]
            one, four = half[: count // 2], half[count // 2 :]
            run.measure("API main gate, 1 client", lambda: clients_at(port, api_client, [one]))
            run.measure(
                "API main gate, 4 clients",
                lambda: clients_at(port, api_client, [four[i::4] for i in range(4)]),
            )
        finally:
            server.terminate()
            server.wait(10)
        # The heritage gate: the same kiosk's folder served as standing there.
        server, port = start_kiosk(kiosk, {**env, "KIOSK_GATE": "heritage"})
        try:
            tickets = genuine[: count // 2]
            work = in_and_out(tickets)
            split = [in_and_out(tickets[i::4]) for i in range(4)]
            run.measure("heritage API, 1 client", lambda: clients_at(port, api_client, [work]))
            run.measure("heritage API, 4 clients", lambda: clients_at(port, api_client, split))
            run.measure("heritage screen, 1 client", lambda: clients_at(port, screen_client, [work]))
            run.measure("heritage screen, 4 clients", lambda: clients_at(port, screen_client, split))
        finally:
            server.terminate()
            server.wait(10)
        print(
            f"heritage gate (limit 150): {args.day_scans} passages already that day (filled in {fill:.1f} s)"
        )
        print_table(["path", "scans", "scans/s", "p50 ms", "p99 ms", "p50 vs bare"], run.rows())
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
