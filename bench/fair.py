"""A realistic full fair, generated, and the day's figures measured on it.

    python -m bench fair [--scale N ...] [--days D] [--requests N] [--keep DIR]

For each scale N (default 1 and 4) a central instance of the demo fair (320
exhibitors, 8 days, 6 zones) receives generated days through the sync protocol
(``sync.protocol.apply_batch``, one batch per kiosk and minute, in arrival order):
15,000 x N visitors a day arriving in a late-morning and an evening peak at the
two entrances, leaving by them or the exit-only south gate (some without scanning
out), some leaving and coming back, a quarter visiting the heritage zone and a
tenth the kids' space; exhibitor and staff badges early in the morning; walk-in
groups; pass-back attempts refused ``already_inside``, exits of tickets not inside,
annulments a few seconds after their scan; the east gate's kiosk offline from 14:00
to 16:00 (its events arrive in one late batch) with a clock 2.5 s fast. About
45,000 x N scans a day.

Measured on the last day, each beside a bare baseline in the same run:
- ``attendance.day_figures``, ``GET /dashboard/live``, ``GET /api/v1/attendance`` and
  the attendance CSV, in process, against a bare ``count(*)`` of the day's scans
  (issue 16 point 1: p95 at most the baseline's, x4 within 1.5x of x1); the CPU time
  per request, median and largest (point 2: at most 50 ms). The HTTP readers keep what
  they read until the next commit to the database (``kiosk.db.kept``), and the control room
  draws again only the parts whose figures changed (``kiosk.dashboard.parts``): each is
  measured as a poll with nothing new and as the first call after a kiosk's push (1-20
  scans at the main gate and the device seen, committed untimed before each call), which at
  a live fair is most polls; the live fragment also drawn afresh (nothing kept: the first
  poll after a start, the largest a request costs);
- ingest: the last day applied with the figure triggers (migrations 0700 to 0705) and
  the same batches on a copy of the instance without them (both in process, commits
  not waited for: the triggers' cost, not the disk's);
- over HTTP on the largest scale's central (``kiosk serve``): a kiosk pushing small
  batches (1-20 scans) while 3 organizer tabs poll ``/dashboard/live`` every 5 s,
  against the same pushes with no tab open (point 2: p95 within 2x), rounds alternating.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from flask.testing import FlaskClient

from bench import server
from bench.table import percentile, print_table
from kiosk import clock, create_app, demo, instance, serve, staff
from kiosk import db as dbmod
from kiosk.entry import attendance
from sync import protocol, validate, wire

START = date(2026, 6, 15)
DAYS = 8
VISITORS = 15_000  # a day, at scale 1
BADGES = 400  # exhibitors' and staff badges in use each day
ORGANIZER = ("Bench organizer", "97531864")
# Kiosk name -> (gate, role). Two kiosks at the main entrance.
KIOSKS = {
    "main-a": ("main", "entry"),
    "main-b": ("main", "entry"),
    "east": ("east", "entry"),
    "south-exit": ("south-exit", "entry"),
    "heritage": ("heritage", "heritage"),
    "kids": ("kids", "entry"),
}
ZONE_OF = {"main": "sales", "east": "sales", "south-exit": "sales", "heritage": "heritage", "kids": "kids"}
OFFLINE = ("east", clock_time(14), clock_time(16))
EAST_CLOCK_FAST = 2.5  # seconds
COLUMNS = {
    "scans": list(validate.SCAN_COLUMNS),
    "walk_ins": list(validate.WALK_IN_COLUMNS),
    "annulments": list(validate.ANNULMENT_COLUMNS),
}
# Migration 0705: the triggers that note events for the figure count.
FIGURE_TRIGGERS = ("scans_noted", "scans_refusal_noted", "walk_ins_noted", "annulments_noted")


@dataclass
class Event:
    kiosk: str
    moment: datetime  # true time
    table: str
    values: dict[str, object] = field(default_factory=dict)


class Day:
    """One fair day's events, generated from ``rng``."""

    def __init__(self, day: date, scale: int, rng: random.Random, passes: list[int]) -> None:
        self.day = day
        self.rng = rng
        self.events: list[Event] = []
        opens = clock.at(day, clock_time(10))
        self.closes = clock.at(day, clock_time(22))
        serial = 10_000_000 * (day - START).days + 1_000_000
        # A fifth of the visitors hold an 8-day pass, each pass used by one person.
        holders = iter(rng.sample(passes, min(len(passes), VISITORS * scale // 5)))
        for _ in range(VISITORS * scale):
            roll = rng.random()
            pass_serial = next(holders, None) if roll < 0.2 else None
            if pass_serial is not None:
                serial_of, kind = pass_serial, "pass"
            else:
                serial += 1
                serial_of, kind = serial, "child" if roll > 0.9 else "day"
            self.visitor(serial_of, kind, self.arrival(opens))
        for badge in range(BADGES):
            kind = "exhibitor" if badge < 0.8 * BADGES else "staff"
            self.visitor(500_000 + badge, kind, clock.at(day, clock_time(8)) + self.minutes(0, 110))
        for _ in range(150 * scale):
            people = rng.choice([1, 1, 1, 3, 5, 8, 12])
            kind = "group" if people > 1 else rng.choice(["adult", "child"])
            self.walk_in(self.arrival(opens), kind, people)

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=self.rng.uniform(low * 60, high * 60))

    def arrival(self, opens: datetime) -> datetime:
        """A late-morning peak and a larger evening one, within opening hours."""
        rng = self.rng
        hour = rng.gauss(11.5, 0.8) if rng.random() < 0.45 else rng.gauss(17.5, 1.5)
        hour = min(max(hour, 10.0), 21.5)
        return opens + timedelta(hours=hour - 10)

    def scan(
        self,
        kiosk: str,
        moment: datetime,
        serial: int,
        kind: str,
        direction: str,
        reason: str = "ok",
    ) -> None:
        gate = KIOSKS[kiosk][0]
        key = str(uuid.uuid4())
        values = {
            "uuid": key,
            "fair_date": self.day.isoformat(),
            "gate_id": gate,
            "zone_id": ZONE_OF[gate],
            "direction": direction,
            "code_digest": f"{serial:064x}",
            "ticket_serial": serial,
            "type_id": kind,
            "result": "accepted" if reason == "ok" else "refused",
            "reason": reason,
        }
        self.events.append(Event(kiosk, moment, "scans", values))
        if reason == "ok" and self.rng.random() < 0.003:
            # Staff undo a scan they should not have let through, seconds later.
            annulment: dict[str, object] = {"uuid": str(uuid.uuid4()), "scan_uuid": key, "staff_id": None}
            self.events.append(Event(kiosk, moment + timedelta(seconds=8), "annulments", annulment))

    def walk_in(self, moment: datetime, kind: str, people: int) -> None:
        values = {
            "uuid": str(uuid.uuid4()),
            "fair_date": self.day.isoformat(),
            "gate_id": "main",
            "zone_id": "sales",
            "kind": kind,
            "people": people,
            "direction": "in",
            "staff_id": None,
        }
        self.events.append(Event(self.rng.choice(["main-a", "main-b"]), moment, "walk_ins", values))

    def entrance(self) -> str:
        return self.rng.choices(["main-a", "main-b", "east"], [0.3, 0.3, 0.4])[0]

    def visitor(self, serial: int, kind: str, arrives: datetime) -> None:
        rng = self.rng
        leaves = min(arrives + self.minutes(60, 240), self.closes)
        self.scan(self.entrance(), arrives, serial, kind, "in")
        stay = (leaves - arrives).total_seconds()
        if rng.random() < 0.25 and kind != "child":
            self.zone_visit("heritage", arrives, stay, serial, kind)
        if rng.random() < (0.5 if kind == "child" else 0.07):
            self.zone_visit("kids", arrives, stay, serial, kind)
        if rng.random() < 0.08:
            # Out for a while, back in at another entrance.
            out = arrives + timedelta(seconds=stay * rng.uniform(0.2, 0.5))
            self.scan(rng.choice(["main-a", "east"]), out, serial, kind, "out")
            self.scan(self.entrance(), out + self.minutes(15, 45), serial, kind, "in")
        if rng.random() < 0.015:
            # Someone else tries the same ticket while its holder is inside.
            self.scan(self.entrance(), arrives + self.minutes(5, 50), serial, kind, "in", "already_inside")
        if rng.random() < 0.005:
            self.scan("south-exit", arrives - self.minutes(5, 30), serial + 7, kind, "out", "not_inside")
        if rng.random() < 0.85:
            way_out = rng.choices(["main-a", "east", "south-exit"], [0.4, 0.3, 0.3])[0]
            self.scan(way_out, leaves, serial, kind, "out")

    def zone_visit(self, zone: str, arrives: datetime, stay: float, serial: int, kind: str) -> None:
        enters = arrives + timedelta(seconds=stay * self.rng.uniform(0.05, 0.6))
        self.scan(zone, enters, serial, kind, "in")
        self.scan(zone, enters + self.minutes(15, 60), serial, kind, "out")

    def batches(self, device_ids: dict[str, str], seqs: dict[str, int]) -> list[tuple[datetime, str, dict]]:
        """Each kiosk's events in time order with its sequence numbers, as one push per
        kiosk and minute, in the order central receives them."""
        by_kiosk: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            by_kiosk[event.kiosk].append(event)
        pushes: list[tuple[datetime, str, dict]] = []
        offline_from, offline_to = (clock.at(self.day, t) for t in OFFLINE[1:])
        for kiosk, kiosk_events in by_kiosk.items():
            kiosk_events.sort(key=lambda e: (e.moment, e.table == "annulments"))
            fast = timedelta(seconds=EAST_CLOCK_FAST if kiosk == "east" else 0)
            minutes: dict[datetime, dict[str, list[list[object]]]] = defaultdict(lambda: defaultdict(list))
            for event in kiosk_events:
                seqs[kiosk] += 1
                values = {
                    **event.values,
                    "device_id": device_ids[kiosk],
                    "device_seq": seqs[kiosk],
                    "device_time": clock.iso(event.moment + fast),
                }
                arrives = event.moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
                if kiosk == OFFLINE[0] and offline_from <= event.moment < offline_to:
                    arrives = offline_to + timedelta(seconds=30)
                minutes[arrives][event.table].append([values[c] for c in COLUMNS[event.table]])
            for arrives, parts in minutes.items():
                document = {
                    "events": [
                        {"table": table, "columns": COLUMNS[table], "rows": parts[table]}
                        for table in ("scans", "walk_ins", "annulments")
                        if parts.get(table)
                    ]
                }
                pushes.append((arrives, kiosk, document))
        pushes.sort(key=lambda push: (push[0], push[1]))
        return pushes


@dataclass
class Fair:
    folder: Path
    device_ids: dict[str, str]
    seqs: dict[str, int]
    passes: list[int]
    scans: dict[date, int] = field(default_factory=dict)


def create(folder: Path) -> Fair:
    """A central instance of the demo fair with its kiosks enrolled."""
    database = instance.create(folder, ["central"], name="central", gate="main")
    demo.build(database, folder, START)
    device_ids = {kiosk: str(uuid.uuid4()) for kiosk in KIOSKS}
    moment = clock.at(START, clock_time(8))
    with dbmod.write(database) as conn:
        protocol.ensure_change_log(conn)
        staff.add_staff(conn, ORGANIZER[0], "organizer", ORGANIZER[1])
        for kiosk, (gate, role) in KIOSKS.items():
            code = protocol.add_device(conn, kiosk, role, gate, moment)
            protocol.enroll(conn, code, device_ids[kiosk], moment)
        east = device_ids["east"]
        conn.execute("UPDATE sync_devices SET clock_offset = ? WHERE device_id = ?", (EAST_CLOCK_FAST, east))
    database.conn.close()
    return Fair(folder, device_ids, dict.fromkeys(KIOSKS, 0), list(range(2_000_000, 2_000_000 + 20_000)))


def ingest(folder: Path, device_ids: dict[str, str], pushes: list[tuple[datetime, str, dict]]) -> float:
    """Apply the pushes on central, one write transaction each; seconds taken."""
    database = instance.open_db(folder)
    began = time.perf_counter()
    for arrives, kiosk, document in pushes:
        with dbmod.write(database, durable=False) as conn:
            protocol.apply_batch(conn, device_ids[kiosk], document, arrives)
    took = time.perf_counter() - began
    asked = database.conn.execute("SELECT tbl, reason, count(*) FROM sync_rejected GROUP BY 1, 2")
    refused = asked.fetchall()
    database.conn.close()
    if refused:
        raise RuntimeError(f"central refused generated events: {[tuple(r) for r in refused]}")
    return took


def generate(folder: Path, scale: int, days: int, seed: str = "bench-fair") -> tuple[Fair, list]:
    """The fair's first ``days - 1`` days applied on central; the last day's pushes are
    returned, to be applied by the caller (and timed)."""
    fair = create(folder)
    last: list = []
    for index in range(days):
        day = START + timedelta(days=index)
        generated = Day(day, scale, random.Random(f"{seed} {scale} {day}"), fair.passes)
        fair.scans[day] = sum(event.table == "scans" for event in generated.events)
        pushes = generated.batches(fair.device_ids, fair.seqs)
        if index == days - 1:
            last = pushes
        else:
            ingest(folder, fair.device_ids, pushes)
    return fair, last


def timed(
    count: int, action: Callable[[], object], before: Callable[[], object] | None = None
) -> tuple[list[float], list[float]]:
    """Wall times of ``count`` calls, and the CPU time each took (``before`` each, untimed)."""
    timings = []
    cpus = []
    for _ in range(count):
        if before is not None:
            before()
        began, began_cpu = time.perf_counter(), time.thread_time()
        action()
        cpus.append(time.thread_time() - began_cpu)
        timings.append(time.perf_counter() - began)
    return timings, cpus


def scan_rows(
    device_id: str, seqs: range, moment: datetime, day: date, serials: int, every: float = 1.0
) -> list[list[object]]:
    """Entries at the main gate, one ``every`` seconds from ``moment``, as a kiosk pushes
    them (the tickets numbered from ``serials``, a new one each)."""
    return [
        [
            str(uuid.uuid4()),
            device_id,
            seq,
            clock.iso(moment + timedelta(seconds=every * (seq - seqs.start))),
            day.isoformat(),
            "main",
            "sales",
            "in",
            f"{seq:064x}",
            serials + seq,
            "day",
            "accepted",
            "ok",
        ]
        for seq in seqs
    ]


def measure(folder: Path, day: date, count: int) -> dict[str, tuple[list[float], list[float]]]:
    """The figures' readers on ``day``, each beside a bare count(*) of the day's scans."""
    app = create_app(folder)
    client = app.test_client()
    answer = client.post("/staff/login", data={"name": ORGANIZER[0], "pin": ORGANIZER[1]})
    if answer.status_code != 302:
        raise RuntimeError(f"organizer log-in: HTTP {answer.status_code}")
    bare = sqlite3.connect(folder / "kiosk.db")
    database = instance.open_db(folder)
    # A kiosk at the main gate pushing while the organizers poll: its pushes are the commits.
    device_id = str(uuid.uuid4())
    moment = clock.now()
    with dbmod.write(database) as conn:
        protocol.enroll(
            conn, protocol.add_device(conn, "bench-commit", "entry", "main", moment), device_id, moment
        )
    rng = random.Random("commit")
    seq = 0
    at = clock.now()  # the kiosk's time: a scan every 2 s, whatever the bench's pace

    def push() -> None:
        # What central commits for a kiosk's push (sync.blueprint.push): its scans since
        # the last (1-20), and the device seen.
        nonlocal seq, at
        rows = scan_rows(device_id, range(seq + 1, seq + 1 + rng.randint(1, 20)), at, day, 8_000_000_000, 2.0)
        seq += len(rows)
        at += timedelta(seconds=2.0 * len(rows))
        batch = {"events": [{"table": "scans", "columns": COLUMNS["scans"], "rows": rows}]}
        with dbmod.write(database, durable=False) as conn:
            protocol.apply_batch(conn, device_id, batch, at)
            device = conn.execute("SELECT * FROM sync_devices WHERE device_id = ?", (device_id,)).fetchone()
            protocol.seen(conn, device, at)

    anonymous = app.test_client()  # /api/v1/attendance needs no log-in

    def get(path: str, by: FlaskClient = client) -> Callable[[], object]:
        def call() -> object:
            answer = by.get(f"{path}?date={day.isoformat()}")
            if answer.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {answer.status_code}")
            return answer.get_data()

        return call

    def afresh() -> None:
        # Nothing kept: the first poll after start, or a commit that changed every part.
        database.conn.changes.kept.clear()
        app.extensions.pop("dashboard_parts", None)

    live, api, csv = (
        get("/dashboard/live"),
        get("/api/v1/attendance"),
        get("/dashboard/export/attendance.csv"),
    )
    count_scans = lambda: bare.execute(  # noqa: E731
        "SELECT count(*) FROM scans WHERE fair_date = ?", (day.isoformat(),)
    ).fetchone()
    # name -> (untimed step before each call, the call): "after a push" is the first call
    # after a kiosk's push was committed, which at a live fair is most polls.
    readers: dict[str, tuple[Callable[[], object] | None, Callable[[], object]]] = {
        "bare count(*) of the day's scans": (None, count_scans),
        "attendance.day_figures": (None, lambda: attendance.day_figures(database.conn, day)),
        "GET /dashboard/live": (None, live),
        "GET /dashboard/live, after a push": (push, live),
        "GET /dashboard/live, drawn afresh": (afresh, live),
        "GET /api/v1/attendance": (None, api),
        "GET /api/v1/attendance, after a push": (push, api),
        "GET /api/v1/attendance, anonymous, after a push": (push, get("/api/v1/attendance", anonymous)),
        "GET /dashboard/export/attendance.csv": (None, csv),
        "GET /dashboard/export/attendance.csv, after a push": (push, csv),
    }
    results: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    # Alternating rounds, so load from elsewhere on the machine hits every reader.
    rounds = 4
    for _before, reader in readers.values():
        reader()  # warm: templates compiled, pages in the cache
    serve.warm(app)  # as ``kiosk serve`` does before serving
    for _ in range(rounds):
        for name, (before, reader) in readers.items():
            reader()  # not timed: the reader measured before may have dropped what this one keeps
            timings, cpu = timed(max(1, count // rounds), reader, before)
            results[name] += timings
            cpus[name] += cpu
    bare.close()
    database.conn.close()
    return {name: (results[name], cpus[name]) for name in readers}


TAB_EVERY = 5.0  # seconds between two polls of an open dashboard tab


def push_while_polling(folder: Path, day: date, seconds: float) -> list[list[object]]:
    """Push latency of small batches over HTTP, idle and with 3 dashboard tabs polling."""
    database = instance.open_db(folder)
    device_id = str(uuid.uuid4())
    moment = clock.at(day, clock_time(18))
    with dbmod.write(database) as conn:
        code = protocol.add_device(conn, "bench-push", "entry", "main", moment)
        token = protocol.enroll(conn, code, device_id, moment)["token"]
    database.conn.close()
    process, port = server.start(folder, env={"KIOSK_NOW": clock.iso(moment)})
    url = f"http://127.0.0.1:{port}"
    rng = random.Random("push")
    seq = 0

    def push_once() -> float:
        nonlocal seq
        seqs = range(seq + 1, seq + 1 + rng.randint(1, 20))
        seq += len(seqs)
        rows = scan_rows(device_id, seqs, moment + timedelta(seconds=seqs.start), day, 9_000_000_000)
        body = wire.encode({"events": [{"table": "scans", "columns": COLUMNS["scans"], "rows": rows}]})
        asked = urllib.request.Request(
            f"{url}/api/v1/sync/push",
            data=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Encoding": "gzip",
                "Content-Type": "application/json",
                wire.PROTOCOL_HEADER: str(wire.PROTOCOL),
            },
        )
        began = time.perf_counter()
        with urllib.request.urlopen(asked, timeout=30) as answer:
            answer.read()
        return time.perf_counter() - began

    def tab(stop: threading.Event, polls: list[float]) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = urllib.parse.urlencode({"name": ORGANIZER[0], "pin": ORGANIZER[1]}).encode()
        opener.open(f"{url}/staff/login", data=form, timeout=30).read()
        while not stop.is_set():
            began = time.perf_counter()
            opener.open(f"{url}/dashboard/live?date={day.isoformat()}", timeout=30).read()
            polls.append(time.perf_counter() - began)
            stop.wait(TAB_EVERY)

    idle: list[float] = []
    busy: list[float] = []
    polls: list[float] = []
    try:
        push_once()
        for _ in range(2):
            ends = time.monotonic() + seconds / 4
            while time.monotonic() < ends:
                idle.append(push_once())
                time.sleep(0.2)
            stop = threading.Event()
            tabs = [threading.Thread(target=tab, args=(stop, polls)) for _ in range(3)]
            for thread in tabs:
                thread.start()
            ends = time.monotonic() + seconds / 4
            while time.monotonic() < ends:
                busy.append(push_once())
                time.sleep(0.2)
            stop.set()
            for thread in tabs:
                thread.join()
    finally:
        process.terminate()
        process.wait()
    idle_p95 = percentile(idle, 0.95)
    return [
        ["push, no tab open (baseline)", len(idle), ms(percentile(idle, 0.5)), ms(idle_p95), "1.00x"],
        [
            "push, 3 tabs polling /dashboard/live every 5 s",
            len(busy),
            ms(percentile(busy, 0.5)),
            ms(percentile(busy, 0.95)),
            f"{percentile(busy, 0.95) / idle_p95:.2f}x",
        ],
        ["  the tabs' polls", len(polls), ms(percentile(polls, 0.5)), ms(percentile(polls, 0.95)), ""],
    ]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def without_figures(source: Path, target: Path) -> None:
    """A copy of the instance without the triggers that keep the figures (the bare
    ingest: the same protocol, the same tables)."""
    shutil.copytree(source, target)
    conn = sqlite3.connect(target / "kiosk.db", isolation_level=None)
    for trigger in FIGURE_TRIGGERS:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[1, 4], help="visitors x15,000 a day")
    parser.add_argument("--days", type=int, default=DAYS, help="fair days generated (at most 8)")
    parser.add_argument("--requests", type=int, default=200, help="calls per reader")
    parser.add_argument("--keep", type=Path, help="leave the generated instances in this folder")
    parser.add_argument("--push-seconds", type=float, default=60.0, help="push measurement (0: skip)")
    args = parser.parse_args(argv if argv is not None else [])
    os.environ.setdefault("KIOSK_NOW", clock.iso(clock.at(START, clock_time(20))))
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-fair-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        measured: dict[int, dict[str, tuple[list[float], list[float]]]] = {}
        ingest_rows = []
        for scale in args.scale:
            began = time.perf_counter()
            folder = root / f"x{scale}"
            fair, last = generate(folder, scale, min(args.days, DAYS))
            day = START + timedelta(days=min(args.days, DAYS) - 1)
            plain = root / f"x{scale}-without-figures"
            without_figures(folder, plain)
            events = sum(len(part["rows"]) for _a, _k, document in last for part in document["events"])
            bare_ingest = ingest(plain, fair.device_ids, last)
            kept_ingest = ingest(folder, fair.device_ids, last)
            shutil.rmtree(plain)
            held = sqlite3.connect(folder / "kiosk.db").execute("SELECT count(*) FROM scans").fetchone()[0]
            print(
                f"x{scale}: {sum(fair.scans.values()):,} scans over {len(fair.scans)} days"
                f" ({fair.scans[day]:,} on {day}; central holds {held:,}),"
                f" {len(last):,} pushes on the last day; built in {time.perf_counter() - began:.0f} s",
                flush=True,
            )
            ingest_rows.append(
                [
                    f"x{scale}: last day, {events:,} events in {len(last):,} pushes",
                    f"{events / bare_ingest:,.0f}/s",
                    f"{events / kept_ingest:,.0f}/s",
                    f"{kept_ingest / bare_ingest:.2f}x",
                    f"{(kept_ingest - bare_ingest) / events * 1e6:.0f} us",
                ]
            )
            measured[scale] = measure(folder, day, args.requests)
        print("\ningest through sync.protocol.apply_batch: without vs with the figure triggers")
        print_table(["day", "without (bare)", "with triggers", "time ratio", "cost per event"], ingest_rows)
        print("\nthe day's figures, in process (ms)")
        first = args.scale[0]
        rows = []
        for name in measured[first]:
            row: list[object] = [name]
            for scale in args.scale:
                timings, cpus = measured[scale][name]
                baseline = percentile(measured[scale]["bare count(*) of the day's scans"][0], 0.95)
                p95 = percentile(timings, 0.95)
                row += [round(percentile(timings, 0.5) * 1000, 2), round(p95 * 1000, 2)]
                row += [f"{p95 / baseline:.2f}x", ms(percentile(cpus, 0.5)), ms(max(cpus))]
            if len(args.scale) > 1:
                last_p95 = percentile(measured[args.scale[-1]][name][0], 0.95)
                row.append(f"{last_p95 / percentile(measured[first][name][0], 0.95):.2f}x")
            rows.append(row)
        headers = ["reader"]
        for scale in args.scale:
            headers += [
                f"x{scale} p50",
                f"x{scale} p95",
                f"x{scale} p95/bare",
                f"x{scale} CPU p50",
                f"x{scale} max CPU",
            ]
        if len(args.scale) > 1:
            headers.append(f"p95 x{args.scale[-1]}/x{first}")
        print_table(headers, rows)
        print(f"\ntargets: p95/bare <= 1; p95 x{args.scale[-1]}/x{first} <= 1.5; max CPU <= 50 ms")
        if args.push_seconds > 0:
            largest = root / f"x{args.scale[-1]}"
            print(f"\nsync push over HTTP to the x{args.scale[-1]} central (ms)")
            print_table(
                ["path", "n", "p50", "p95", "p95 vs idle"],
                push_while_polling(
                    largest, START + timedelta(days=min(args.days, DAYS) - 1), args.push_seconds
                ),
            )
            print("target: p95 with 3 tabs within 2x idle")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
