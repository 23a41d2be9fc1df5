"""Sync benchmark: central's ingest rate, 1,000,000 events pushed by 8 kiosks, the
latency of a realistic small push (1-20 events every 3 s from several kiosks), a new
kiosk's bootstrap of 100,000 tickets, and bytes on the wire per event.

Everything runs for real on loopback: central is a ``kiosk serve`` process, the eight
kiosks are processes each running one ``sync.client`` round (what ``kiosk sync`` and the
``kiosk serve`` loop run), all pushing at once; the clock starts once they are started. Events and tickets are
synthetic rows (written with executemany, not scanned or signed) so that setting up
a million of them takes seconds. Baselines measured in the same run: a bare
executemany insert of the same rows (its batches interleaved with the project's, so
both see the same machine load), a bare ``GET /healthz`` right after each small
push, and the bundle file (write + load) for bootstrap.

``python -m bench sync`` (``BENCH_SYNC_EVENTS=200000`` for a smaller push run, the
table then says so; ``BENCH_SYNC_INGEST`` events for the in-process ingest rows;
``BENCH_SYNC_DAYS=1`` puts every event on the first fair day instead of its 8 days;
``BENCH_SYNC_PARTS=ingest,push`` runs only those parts: ingest, crowded, small,
bootstrap, push).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from datetime import time as dtime
from pathlib import Path

from bench import server
from bench.scans import bare_scans_table
from bench.table import print_table
from kiosk import bundle, clock, demo, events, instance
from kiosk import db as dbmod
from sync import group, protocol, signing, validate, wire
from sync.client import Client, pending_events

KIOSKS = 8
EVENTS = int(os.environ.get("BENCH_SYNC_EVENTS", "1000000"))
INGEST_EVENTS = int(os.environ.get("BENCH_SYNC_INGEST", "200000"))
TICKETS = 100_000
OPEN_HOURS = 10
FAIR_DAYS = int(os.environ.get("BENCH_SYNC_DAYS", "8"))  # the demo fair's days the events spread over
CROWDED_EVENTS = 2_000  # per device, in one minute
DAY = date(2026, 6, 15)
TARGETS = {"ingest": 20_000, "push": 45.0, "bootstrap": 10.0}
SMALL_KIOSKS = 4  # kiosks pushing small batches at once
SMALL_ROUNDS = 10  # pushes per kiosk, SMALL_EVERY seconds apart
SMALL_EVERY = 3.0


def make_central(folder: Path) -> None:
    database = instance.create(folder, ["central"], name="central", gate="main")
    demo.build_reference(database, DAY)
    with dbmod.write(database) as conn:
        protocol.ensure_change_log(conn)
    database.conn.close()


def scan_rows(device_id: str, first: int, count: int, span: timedelta | None = None) -> list[tuple]:
    """Accepted entries of distinct tickets (what a busy gate writes), spread evenly over
    the opening hours from 9:00 of FAIR_DAYS fair days in turn like a gate's days, each
    device a little apart (a gate scans ~1 a second at most: 1,000,000 events from 8
    gates on one day would be 3.5 a second each, 10 hours long).
    span: the rows spread over that much time from 9:00 sharp on DAY, the same moments
    for every device (zero: all at one moment, the pathological crowded minute)."""
    days = [DAY] if span is not None else [DAY + timedelta(days=n) for n in range(FAIR_DAYS)]
    per_day = -(-count // len(days))
    moments: list[tuple[str, str]] = []
    for day in days:
        if span is None:
            opening = clock.at(day, dtime(9)) + timedelta(milliseconds=hash(device_id) % 1000)
            length = timedelta(hours=OPEN_HOURS)
        else:
            opening, length = clock.at(day, dtime(9)), span
        step = length / max(per_day, 1)
        moments += [(clock.iso(opening + i * step), day.isoformat()) for i in range(per_day)]
    return [
        (
            str(uuid.uuid4()),
            device_id,
            seq,
            moment,
            day,
            "main",
            "sales",
            "in",
            f"{seq:064x}",
            (hash(device_id) % 1000) * 10_000_000 + seq,
            "day",
            "accepted",
            "ok",
        )
        for seq, (moment, day) in zip(range(first, first + count), moments, strict=False)
    ]


SCAN_COLUMNS = list(validate.SCAN_COLUMNS)


def fill_kiosk(folder: Path, count: int) -> None:
    database = instance.open_db(folder)
    with dbmod.write(database) as conn, events.counted_together(conn):
        device, last = conn.execute("UPDATE device SET seq = seq + ? RETURNING id, seq", (count,)).fetchone()
        conn.executemany(
            f"INSERT INTO scans ({', '.join(SCAN_COLUMNS)}) VALUES ({', '.join('?' for _ in SCAN_COLUMNS)})",
            scan_rows(device, last - count + 1, count),
        )
    database.conn.close()


def bench_ingest(root: Path) -> list[list[object]]:
    """apply_batch in-process, one transaction per 500-event batch, and grouped as
    central's group commit applies concurrent pushes (``sync.group.apply_together``: the
    KIOSKS devices' next batches in one transaction, counted once), vs bare executemany,
    round for round in turn (each round: one batch of every device). The batches of the
    devices arrive interleaved as in a push from several kiosks: each device's passages
    fall between the others'."""
    devices = [str(uuid.uuid4()) for _ in range(KIOSKS)]
    databases = []
    for name in ("ingest", "ingest-grouped"):
        make_central(root / name)
        database = instance.open_db(root / name)
        with dbmod.write(database) as conn:
            for n, device_id in enumerate(devices):
                protocol.enroll(
                    conn,
                    protocol.add_device(conn, f"k{n}", "entry", "main", clock.now()),
                    device_id,
                    clock.now(),
                )
        databases.append(database)
    single, grouped = databases
    per_device = INGEST_EVENTS // KIOSKS
    backlogs = [scan_rows(device_id, 1, per_device) for device_id in devices]
    rounds = [
        [
            (device_id, rows[i : i + wire.BATCH_EVENTS])
            for device_id, rows in zip(devices, backlogs, strict=True)
        ]
        for i in range(0, per_device, wire.BATCH_EVENTS)
    ]
    bare = sqlite3.connect(root / "bare.db", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=FULL")
    bare_scans_table(bare, root / "ingest" / "kiosk.db")
    insert = f"INSERT INTO scans ({', '.join(SCAN_COLUMNS)}) VALUES ({', '.join('?' for _ in SCAN_COLUMNS)})"

    def document(rows: list[tuple]) -> dict[str, object]:
        return {"events": [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [list(r) for r in rows]}]}

    def work(device_id: str, body: dict[str, object]) -> group.Work[wire.PushAnswer]:
        return lambda conn, together: protocol.apply_batch(
            conn, device_id, body, clock.now(), together=together
        )

    ingest = together = baseline = 0.0
    for batches in rounds:
        documents = [(device_id, document(rows)) for device_id, rows in batches]
        started = time.perf_counter()
        for device_id, body in documents:
            with dbmod.write(single) as conn:
                protocol.apply_batch(conn, device_id, body, clock.now())
        ingest += time.perf_counter() - started
        documents = [(device_id, document(rows)) for device_id, rows in batches]
        started = time.perf_counter()
        outcomes = group.apply_together(grouped, [work(device_id, body) for device_id, body in documents])
        together += time.perf_counter() - started
        assert not [o.error for o in outcomes if o.error]
        started = time.perf_counter()
        for _device_id, rows in batches:
            bare.execute("BEGIN IMMEDIATE")
            bare.executemany(insert, rows)
            bare.execute("COMMIT")
        baseline += time.perf_counter() - started
    # With the wire: the same batches gzip-encoded, decoded and applied.
    replays = [batch for batches in rounds for batch in batches][:100]
    encoded = [(device_id, wire.encode(document(rows))) for device_id, rows in replays]
    started = time.perf_counter()
    for device_id, gzipped in encoded:
        with dbmod.write(single) as conn:
            protocol.apply_batch(conn, device_id, wire.decode(gzipped), clock.now())
    replay = time.perf_counter() - started
    for database in databases:
        database.conn.close()
    total = per_device * KIOSKS
    replayed = sum(len(rows) for _device, rows in replays)
    rate, grouped_rate = total / ingest, total / together
    return [
        [
            f"central ingest, apply_batch ({wire.BATCH_EVENTS}/batch, 1 txn each, {KIOSKS} devices in turn,"
            f" {FAIR_DAYS} days)",
            f"{rate:,.0f} events/s",
            f">= {TARGETS['ingest']:,} events/s",
            "ok" if rate >= TARGETS["ingest"] else "MISSED",
        ],
        [
            f"  same batches grouped as concurrent pushes: {KIOSKS} per txn, counted once (sync.group)",
            f"{grouped_rate:,.0f} events/s",
            f">= {TARGETS['ingest']:,} events/s",
            ("ok" if grouped_rate >= TARGETS["ingest"] else "MISSED")
            + f"; {ingest / together:.2f}x 1 txn each",
        ],
        ["  same, replayed batches (all duplicates) from gzip", f"{replayed / replay:,.0f} events/s", "", ""],
        [
            "  baseline: bare executemany insert, same rows (batches in turn)",
            f"{total / baseline:,.0f} events/s",
            "",
            f"project {baseline / ingest:.2f}x / grouped {baseline / together:.2f}x the bare rate",
        ],
    ]


def bench_crowded_minute(root: Path, span: timedelta) -> list[list[object]]:
    """apply_batch of two kiosks' backlogs crowded into one minute (over ``span``, the same
    moments for both), batches interleaved so that half the rows land earlier in their
    minute than rows already held (a gate's backlog among another's live passages)."""
    central = root / f"crowded-{span.total_seconds():.0f}"
    make_central(central)
    database = instance.open_db(central)
    devices = sorted((str(uuid.uuid4()) for _ in range(2)), reverse=True)  # later in order first
    with dbmod.write(database) as conn:
        for n, device_id in enumerate(devices):
            protocol.enroll(
                conn, protocol.add_device(conn, f"k{n}", "entry", "main", clock.now()), device_id, clock.now()
            )
    backlogs = [scan_rows(device_id, 1, CROWDED_EVENTS, span) for device_id in devices]
    batches = [
        (device_id, rows[i : i + wire.BATCH_EVENTS])
        for i in range(0, CROWDED_EVENTS, wire.BATCH_EVENTS)
        for device_id, rows in zip(devices, backlogs, strict=True)
    ]
    started = time.perf_counter()
    for device_id, rows in batches:
        batch = {"events": [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [list(r) for r in rows]}]}
        with dbmod.write(database) as conn:
            protocol.apply_batch(conn, device_id, batch, clock.now())
    elapsed = time.perf_counter() - started
    database.conn.close()
    total = CROWDED_EVENTS * len(devices)
    when = f"over {span.total_seconds():.0f} s" if span else "at ONE moment (pathological)"
    return [
        [
            f"  same, {total:,} events of 2 kiosks {when}, interleaved",
            f"{total / elapsed:,.0f} events/s",
            "",
            "",
        ]
    ]


def serve(folder: Path, port: int) -> subprocess.Popen:
    return server.start(folder, port=port)[0]


def enroll_direct(central: Path, folder: Path, name: str, url: str) -> None:
    """Enroll a kiosk by writing both databases (the HTTP enrollment is tested elsewhere)."""
    kiosk = instance.create(folder, ["entry"], name=name, gate="main", extra={"CENTRAL_URL": url})
    device_id = kiosk.conn.execute("SELECT id FROM device").fetchone()[0]
    database = instance.open_db(central)
    with dbmod.write(database) as conn:
        answer = protocol.enroll(
            conn, protocol.add_device(conn, name, "entry", "main", clock.now()), device_id, clock.now()
        )
    database.conn.close()
    with dbmod.write(kiosk) as conn:
        conn.execute(
            "UPDATE sync_state SET central_url = ?, token = ?, central_key = ?",
            (url, answer["token"], signing.public_text(signing.load_or_create(central))),
        )
    kiosk.conn.close()


# One kiosk's sync round (hello, push everything, pull, feed), started on a "go" line;
# prints when its last event was on central (push done) and when the round ended.
PUSHER = """
import sys, time
from sync.client import Client
client = Client(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
client.hello()
client.push()
pushed = time.time()
result = client.round()
print(pushed, time.time(), flush=True)
sys.exit(1 if result.waiting else 0)
"""


def bench_push(root: Path) -> list[list[object]]:
    central = root / "central"
    make_central(central)
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    per_kiosk = EVENTS // KIOSKS
    folders = [root / f"kiosk-{i}" for i in range(KIOSKS)]
    process = serve(central, port)
    try:
        for i, folder in enumerate(folders):
            enroll_direct(central, folder, f"kiosk-{i}", url)
            client = Client(folder)
            client.pull()  # bootstrapped before the clock starts
            client.close()
            fill_kiosk(folder, per_kiosk)
        conn = instance.open_db(folders[0]).conn
        parts, _last = pending_events(conn, 0, wire.BATCH_EVENTS)
        raw_bytes = len(json.dumps({"events": parts}, separators=(",", ":")).encode())
        wire_bytes = len(wire.encode({"events": parts}))
        conn.close()
        # Kiosks are running processes: start the pushers, let them import, then time.
        pushers = [
            subprocess.Popen(
                [sys.executable, "-c", PUSHER, str(f)],
                text=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for f in folders
        ]
        for pusher in pushers:
            assert pusher.stdout is not None  # a pipe (above)
            assert pusher.stdout.readline().strip() == "ready"
        started, wall = time.perf_counter(), time.time()
        for pusher in pushers:
            assert pusher.stdin is not None
            pusher.stdin.write("go\n")
            pusher.stdin.flush()
        outputs = [p.communicate() for p in pushers]
        elapsed = time.perf_counter() - started
        failures = [err for p, (_out, err) in zip(pushers, outputs, strict=True) if p.returncode != 0]
        ends = [[float(t) for t in out.split()] for out, _err in outputs if len(out.split()) == 2]
        pushed = max(end[0] for end in ends) - wall if ends else elapsed
    finally:
        process.terminate()
        process.wait()
    held = sqlite3.connect(central / "kiosk.db").execute("SELECT count(*) FROM scans").fetchone()[0]
    total = per_kiosk * KIOSKS
    label = f"push {total:,} events over {FAIR_DAYS} fair days from {KIOSKS} kiosk processes (real HTTP)"
    rows: list[list[object]] = [
        [
            label + ": all on central",
            f"{pushed:.1f} s ({total / pushed:,.0f} events/s)",
            f"<= {TARGETS['push']:.0f} s for 1,000,000",
            ("ok" if pushed <= TARGETS["push"] else "MISSED")
            if total >= 1_000_000
            else f"scaled run: x{1_000_000 / total:.1f} = {pushed * 1_000_000 / total:.0f} s extrapolated",
        ],
        [
            "  whole rounds (then pull, and the feed: each kiosk stores the others' admissions)",
            f"{elapsed:.1f} s",
            "",
            f"feed: the others' {(KIOSKS - 1) * per_kiosk // FAIR_DAYS:,} admissions of today",
        ],
        ["  events held by central afterwards", f"{held:,}", f"{total:,}", "ok" if held == total else "LOST"],
        [
            "bytes on the wire per event (gzip batch of 500)",
            f"{wire_bytes / wire.BATCH_EVENTS:.0f} B",
            "",
            f"uncompressed JSON {raw_bytes / wire.BATCH_EVENTS:.0f} B",
        ],
    ]
    if failures:
        rows.append(["  kiosk sync failures", len(failures), "0", failures[0][-200:]])
    return rows


def bench_small_batches(root: Path) -> list[list[object]]:
    """SMALL_KIOSKS kiosks (threads, each its own connection to a real central) each
    write 1-20 events and push them every SMALL_EVERY s, staggered: the latency of one
    push (POST /api/v1/sync/push: gzip, authentication, validation, apply, ack) and,
    right after it, of a bare GET /healthz on a keep-alive connection (the baseline)."""
    central = root / "small-central"
    make_central(central)
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    folders = [root / f"small-kiosk-{i}" for i in range(SMALL_KIOSKS)]
    process = serve(central, port)
    pushes: list[float] = []
    bare: list[float] = []
    failures: list[str] = []
    try:
        for i, folder in enumerate(folders):
            enroll_direct(central, folder, f"small-{i}", url)
            client = Client(folder)
            client.pull()
            client.close()

        def kiosk(n: int) -> None:
            rng = random.Random(n)
            client = Client(folders[n])  # its database connection belongs to this thread
            plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            time.sleep(n * SMALL_EVERY / SMALL_KIOSKS)
            for _ in range(SMALL_ROUNDS):
                tick = time.perf_counter()
                fill_kiosk(folders[n], rng.randint(1, 20))
                try:
                    started = time.perf_counter()
                    client.push()
                    pushes.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    plain.request("GET", "/healthz")
                    plain.getresponse().read()
                    bare.append(time.perf_counter() - started)
                except Exception as error:  # reported in the table
                    failures.append(repr(error))
                time.sleep(max(0.0, SMALL_EVERY - (time.perf_counter() - tick)))
            client.close()
            plain.close()

        threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(SMALL_KIOSKS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        process.terminate()
        process.wait()

    def quantiles(values: list[float]) -> tuple[float, float]:
        cuts = statistics.quantiles(values, n=20) if len(values) > 1 else values * 19
        return statistics.median(values) * 1000, cuts[18] * 1000

    rows: list[list[object]] = []
    if pushes:
        p50, p95 = quantiles(pushes)
        b50, b95 = quantiles(bare)
        rows += [
            [
                f"small push (1-20 events) every {SMALL_EVERY:.0f} s from {SMALL_KIOSKS} kiosks, "
                f"{len(pushes)} pushes",
                f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                "",
                f"{p95 / b95:.1f}x the bare p95",
            ],
            ["  baseline: GET /healthz right after each push", f"p50 {b50:.1f} ms, p95 {b95:.1f} ms", "", ""],
        ]
    if failures:
        rows.append(["  small push failures", len(failures), "0", failures[0][-200:]])
    return rows


def bench_bootstrap(root: Path) -> list[list[object]]:
    central = root / "boot-central"
    make_central(central)
    database = instance.open_db(central)
    moment = clock.iso(clock.now())
    with dbmod.write(database) as conn:
        conn.execute("INSERT INTO signing_keys VALUES (1, ?, ?)", ("00" * 32, moment))
        conn.executemany(
            "INSERT INTO tickets (uuid, serial, short_code, type_id, valid_from, valid_days, kid, payload,"
            " issued_at) VALUES (?, ?, ?, 'day', ?, 1, 1, ?, ?)",
            (
                (
                    str(uuid.uuid4()),
                    (1 << 39) + i,
                    f"{i:09d}",
                    DAY.isoformat(),
                    "SK1:" + uuid.uuid4().hex * 3 + uuid.uuid4().hex[:17],
                    moment,
                )
                for i in range(TICKETS)
            ),
        )
    database.conn.close()
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve(central, port)
    try:
        folder = root / "boot-kiosk"
        enroll_direct(central, folder, "new-kiosk", url)
        client = Client(folder)
        started = time.perf_counter()
        pages = client.pull()
        elapsed = time.perf_counter() - started
        received = client.transport.bytes_received
        client.close()
    finally:
        process.terminate()
        process.wait()
    held = sqlite3.connect(folder / "kiosk.db").execute("SELECT count(*) FROM tickets").fetchone()[0]
    started = time.perf_counter()
    bundle_file = root / "fair.bundle"
    bundle.write_bundle(instance.open_db(central), bundle_file, roles="entry")  # what a gate gets
    target = instance.create(root / "bundle-kiosk", ["entry"], name="b", gate="main")
    bundle.load_tables(target, bundle.read_bundle(bundle_file))
    baseline = time.perf_counter() - started
    return [
        [
            f"new kiosk bootstrap, {TICKETS:,} tickets by sync",
            f"{elapsed:.1f} s ({pages} pages, {received / 1e6:.1f} MB)",
            f"<= {TARGETS['bootstrap']:.0f} s",
            "ok" if elapsed <= TARGETS["bootstrap"] and held == TICKETS else "MISSED",
        ],
        ["  baseline: bundle file write + load, same data", f"{baseline:.1f} s", "", ""],
    ]


def main() -> None:
    os.environ.setdefault("KIOSK_NOW", f"{DAY.isoformat()}T11:00:00+01:00")
    parts = {
        "ingest": bench_ingest,
        "crowded": lambda root: (
            bench_crowded_minute(root, timedelta(minutes=1)) + bench_crowded_minute(root, timedelta(0))
        ),
        "small": bench_small_batches,
        "bootstrap": bench_bootstrap,
        "push": bench_push,
    }
    wanted = os.environ.get("BENCH_SYNC_PARTS", ",".join(parts)).split(",")
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        rows = [row for name in wanted for row in parts[name](Path(tmp))]
    print_table(["measure", "result", "target", "note"], rows)


if __name__ == "__main__":
    main()
