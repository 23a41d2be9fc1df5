"""The figures kept as the events arrive (migration 0700) equal the figures walked from
the raw log, after every event, whatever order the events arrive in."""

from __future__ import annotations

import itertools
import random
import sqlite3
import uuid
from collections import Counter, defaultdict
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import clock, events, instance
from kiosk import db as dbmod
from kiosk.dashboard import passback
from kiosk.db import Database
from kiosk.entry import attendance, tally
from tests.conftest import FAIR_START

VALID_SCANS = attendance.VALID_SCANS

# Passages in the order they happened: device time corrected by the clock offset sync
# measured for the device, to the millisecond, ties in the device's own order.
_CORRECTED_MS = (
    "CAST(round((julianday(p.device_time) - 2440587.5) * 86400000.0) AS INTEGER)"
    " - CAST(round(coalesce(d.clock_offset, 0) * 1000.0) AS INTEGER)"
)


def raw_occupancy(conn: sqlite3.Connection, day: date) -> dict[str, attendance.ZoneCount]:
    """The reference: "inside now" and the peak walked over the whole raw log (the
    computation ``attendance.occupancy`` made on every call before 0700)."""
    rows = conn.execute(
        "WITH passages AS ("
        " SELECT device_id, device_seq, device_time, zone_id,"
        "  CASE direction WHEN 'in' THEN 1 ELSE -1 END AS delta"
        f" FROM scans WHERE fair_date = :day AND zone_id IS NOT NULL AND {VALID_SCANS}"
        " UNION ALL SELECT device_id, device_seq, device_time, zone_id,"
        "  CASE direction WHEN 'in' THEN people ELSE -people END"
        " FROM walk_ins WHERE fair_date = :day"
        "), running AS ("
        " SELECT p.zone_id, p.delta, row_number() OVER w AS n, sum(p.delta) OVER w AS level"
        " FROM passages p LEFT JOIN sync_devices d ON d.device_id = p.device_id"
        f" WINDOW w AS (PARTITION BY p.zone_id ORDER BY {_CORRECTED_MS}, p.device_id, p.device_seq"
        "  ROWS UNBOUNDED PRECEDING)"
        "), clamped AS ("
        " SELECT zone_id, delta, level, level - min(0, min(level) OVER (PARTITION BY zone_id"
        "  ORDER BY n ROWS UNBOUNDED PRECEDING)) AS inside FROM running"
        ")"
        " SELECT zone_id, sum(delta) - min(0, min(level)) AS inside, max(inside) AS peak"
        " FROM clamped GROUP BY zone_id",
        {"day": day.isoformat()},
    ).fetchall()
    return {row[0]: attendance.ZoneCount(inside=row[1], peak=row[2]) for row in rows}


def raw_gate_entries(conn: sqlite3.Connection, gate_id: str, day: date) -> int:
    return conn.execute(
        f"SELECT (SELECT count(*) FROM scans WHERE fair_date = :day AND gate_id = :gate"
        f"  AND direction = 'in' AND {VALID_SCANS})"
        " + (SELECT coalesce(sum(people), 0) FROM walk_ins WHERE fair_date = :day"
        "  AND gate_id = :gate AND direction = 'in')",
        {"day": day.isoformat(), "gate": gate_id},
    ).fetchone()[0]


def raw_day_figures(conn: sqlite3.Connection, day: date) -> attendance.DayFigures:
    """The reference: every figure of ``attendance.day_figures`` walked over the day's
    whole raw log, each passage's time parsed and corrected by its device's offset (how
    ``day_figures`` computed them on every call before 0701)."""
    visitor_types = {row[0] for row in conn.execute("SELECT id FROM ticket_types WHERE is_visitor = 1")}
    zones = [row[0] for row in conn.execute("SELECT id FROM zones ORDER BY id")]
    grounds = attendance.fair_zones(conn)
    entries = exits = walk_in_people = 0
    zone_entries = dict.fromkeys(zones, 0)
    entries_by_gate: dict[str, int] = defaultdict(int)
    per_hour: dict[tuple[int, str, str], int] = defaultdict(int)
    visitors: set[int] = set()
    walk_ins = {"adult": 0, "child": 0, "group": 0}
    for row in conn.execute(
        "SELECT m.*, coalesce(d.clock_offset, 0) AS clock_offset FROM ("
        " SELECT device_id, device_time, gate_id, zone_id, direction, 1 AS people,"
        "  ticket_serial, type_id AS kind"
        f" FROM scans WHERE fair_date = :day AND {VALID_SCANS} AND ticket_serial IS NOT NULL"
        " UNION ALL SELECT device_id, device_time, gate_id, zone_id, direction, people, NULL, kind"
        " FROM walk_ins WHERE fair_date = :day) AS m"
        " LEFT JOIN sync_devices d ON d.device_id = m.device_id",
        {"day": day.isoformat()},
    ):
        moment = clock.parse_time(row["device_time"]) - timedelta(seconds=row["clock_offset"])
        people, gate, zone = row["people"], row["gate_id"], row["zone_id"]
        if row["direction"] == "in":
            zone_entries[zone] += people
            entries_by_gate[gate] += people
            per_hour[(moment.hour, gate, zone)] += people
            if row["ticket_serial"] is not None and row["kind"] in visitor_types:
                visitors.add(row["ticket_serial"])
        if zone not in grounds:
            continue
        if row["direction"] == "out":
            exits += people
            continue
        entries += people
        if row["ticket_serial"] is None:
            walk_in_people += people
            walk_ins[row["kind"]] += people
    counts = raw_occupancy(conn, day)
    return {
        "date": day.isoformat(),
        "entries": entries,
        "exits": exits,
        "not_inside": conn.execute(
            "SELECT count(*) FROM scans WHERE fair_date = ? AND reason = 'not_inside'", (day.isoformat(),)
        ).fetchone()[0],
        "unique_visitors": len(visitors) + walk_in_people,
        "ticket_visitors": len(visitors),
        "zone_entries": zone_entries,
        "inside": {zone: counts[zone].inside if zone in counts else 0 for zone in zones},
        "peak": {zone: counts[zone].peak if zone in counts else 0 for zone in zones},
        "walk_ins": walk_ins,
        "entries_by_gate": dict(sorted(entries_by_gate.items())),
        "entries_per_hour": [
            {"hour": hour, "gate": gate, "zone": zone, "fair_entrance": zone in grounds, "entries": count}
            for (hour, gate, zone), count in sorted(per_hour.items())
        ],
    }


def raw_refusals_per_gate_hour(conn: sqlite3.Connection, day: date) -> list[dict[str, object]]:
    """The reference for the dashboard's pass-back refusals (walked over the raw log)."""
    rows = conn.execute(
        "SELECT s.gate_id, s.device_time, coalesce(d.clock_offset, 0) FROM scans s"
        " LEFT JOIN sync_devices d ON d.device_id = s.device_id"
        " WHERE s.fair_date = ? AND s.reason = 'already_inside'",
        (day.isoformat(),),
    ).fetchall()
    counts = Counter(
        (gate, (clock.parse_time(moment) - timedelta(seconds=offset)).hour) for gate, moment, offset in rows
    )
    return [{"gate": gate, "hour": hour, "refusals": n} for (gate, hour), n in sorted(counts.items())]


def clamped(deltas: list[int]) -> attendance.ZoneCount:
    inside = peak = 0
    for delta in deltas:
        inside = max(0, inside + delta)
        peak = max(peak, inside)
    return attendance.ZoneCount(inside=inside, peak=peak)


def summary(deltas: list[int]) -> attendance.Minute:
    prefix = list(itertools.accumulate(deltas, initial=0))
    lowest = list(itertools.accumulate(prefix, min))
    return attendance.Minute(
        net=prefix[-1],
        low=min(prefix),
        high=max(prefix),
        rise=max(p - m for p, m in zip(prefix, lowest, strict=True)),
    )


@given(
    deltas=st.lists(st.integers(-5, 5), max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=8),
)
def test_minutes_compose_into_the_clamped_walk(deltas: list[int], cuts: list[int]) -> None:
    bounds = sorted({0, len(deltas), *(min(c, len(deltas)) for c in cuts)})
    chunks = [deltas[a:b] for a, b in itertools.pairwise(bounds)]
    assert attendance.walk(summary(chunk) for chunk in chunks) == clamped(deltas)


@pytest.fixture
def db(kiosk_dir: Path) -> Database:
    database = instance.open_db(kiosk_dir)
    # Central's view of three devices: one on time, one an hour fast, one 90.25 s slow.
    database.conn.executemany(
        "INSERT INTO sync_devices (name, device_id, role, created_at, clock_offset)"
        " VALUES (?, ?, 'entry', ?, ?)",
        [
            ("on-time", "dev-a", "2026-06-01", 0),
            ("fast", "dev-b", "2026-06-01", 3600),
            ("slow", "dev-c", "2026-06-01", -90.25),
        ],
    )
    return database


DEVICES = ["dev-a", "dev-b", "dev-c", "dev-none"]
# The fair's grounds (two outer gates), two gates of one zone inside it, and another zone.
GATES = {"main": "sales", "east": "sales", "heritage": "heritage", "heritage-2": "heritage", "kids": "kids"}
# Visitor types and others (exhibitors and staff are no visitors).
TYPES = ["day", "pass", "child", "exhibitor", "staff"]

passage = st.fixed_dictionaries(
    {
        "walk_in": st.booleans(),
        "kind": st.sampled_from(["adult", "child", "group"]),
        "serial": st.integers(1, 6),
        "type": st.sampled_from(TYPES),
        "refusal": st.sampled_from(["not_inside", "already_inside", "wrong_zone"]),
        "device": st.sampled_from(DEVICES),
        "gate": st.sampled_from(sorted(GATES)),
        "direction": st.sampled_from(["in", "out"]),
        # From 9:00 on the day for 16 hours (past midnight), often crowded into two minutes
        # or into two seconds (several passages of one second arriving out of order).
        "ms": st.one_of(st.integers(0, 2_000), st.integers(0, 120_000), st.integers(0, 16 * 3_600_000)),
        "people": st.integers(1, 4),
        "accepted": st.integers(0, 4).map(bool),
        "annulled": st.integers(0, 3).map(lambda n: n == 0),
    }
)

days = itertools.count()


def as_events(passages: list[dict], day: date) -> list[tuple[str, tuple[object, ...]]]:
    """(table, row) of each drawn passage on ``day``: scans, walk-ins, and annulments
    (their own device and seq) of some scans."""
    seqs = itertools.count(1_000_000 * (day - FAIR_START).days)
    events: list[tuple[str, tuple[object, ...]]] = []
    for p in passages:
        key = str(uuid.uuid4())
        moment = clock.at(day, time(9)) + timedelta(milliseconds=p["ms"])
        common = (
            key,
            p["device"],
            next(seqs),
            clock.iso(moment),
            day.isoformat(),
            p["gate"],
            GATES[p["gate"]],
        )
        if p["walk_in"]:
            events.append(("walk_ins", (*common, p["kind"], p["people"], p["direction"], None)))
            continue
        result, reason = ("accepted", "ok") if p["accepted"] else ("refused", p["refusal"])
        events.append(("scans", (*common, p["direction"], "d", p["serial"], p["type"], result, reason)))
        if p["annulled"]:
            # May arrive before the scan it annuls.
            events.append(
                ("annulments", (str(uuid.uuid4()), "dev-a", next(seqs), clock.iso(moment), key, None))
            )
    return events


def insert(conn: sqlite3.Connection, table: str, row: tuple[object, ...]) -> None:
    conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in row)})", row)


def assert_kept_equal_raw(db: Database, day: date) -> None:
    assert attendance.occupancy(db.conn, day) == raw_occupancy(db.conn, day)
    for gate in GATES:
        assert attendance.gate_entries(db.conn, gate, day) == raw_gate_entries(db.conn, gate, day)
    assert attendance.day_figures(db.conn, day) == raw_day_figures(db.conn, day)
    assert passback.refusals_per_gate_hour(db.conn, day) == raw_refusals_per_gate_hour(db.conn, day)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(passages=st.lists(passage, min_size=1, max_size=25), data=st.data())
def test_kept_figures_equal_the_raw_log_after_every_event(db: Database, passages, data) -> None:
    # Each example on its own fair day (the fixture's database is shared by the examples).
    day = FAIR_START + timedelta(days=100 + next(days))
    # Arrival order: late batches, feeds and annulments out of time order.
    for table, row in data.draw(st.permutations(as_events(passages, day))):
        with dbmod.write(db) as conn:
            insert(conn, table, row)
        assert_kept_equal_raw(db, day)


def kept_figures(conn: sqlite3.Connection, day: date) -> tuple[object, ...]:
    """Every kept figure of a day, its date left out (to compare two days)."""
    figures = dict(attendance.day_figures(conn, day))
    del figures["date"]
    return (
        attendance.occupancy(conn, day),
        {gate: attendance.gate_entries(conn, gate, day) for gate in GATES},
        figures,
        passback.refusals_per_gate_hour(conn, day),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(passages=st.lists(passage, min_size=1, max_size=30), data=st.data())
def test_a_batch_keeps_the_figures_its_events_keep_one_by_one(db: Database, passages, data) -> None:
    # The same passages on two days: one by one on the first, in batches counted
    # together (central's ingest) on the second, in another arrival order with late
    # moments, annulments before or after their scan, exits first and past midnight.
    first, second = (FAIR_START + timedelta(days=300 + 2 * next(days) + n) for n in range(2))
    for table, row in data.draw(st.permutations(as_events(passages, first))):
        with dbmod.write(db) as conn:
            insert(conn, table, row)
    batched = data.draw(st.permutations(as_events(passages, second)))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(batched)), max_size=4))) | {0, len(batched)})
    for start, end in itertools.pairwise(cuts):
        with dbmod.write(db) as conn, events.counted_together(conn):
            for table, row in batched[start:end]:
                insert(conn, table, row)
        assert_kept_equal_raw(db, second)
    assert kept_figures(db.conn, second) == kept_figures(db.conn, first)
    assert db.conn.execute("SELECT count(*) FROM figure_changes").fetchone()[0] == 0


def test_a_crowded_minute_arriving_out_of_order_keeps_the_figures(db: Database) -> None:
    # Three kiosks' backlogs of one minute interleaved (central after an outage): 240
    # walk-ins and exits on 20 seconds, several per second, each arriving earlier than
    # some already held, then annulled scans taken out of the middle.
    day = FAIR_START + timedelta(days=90)
    start = clock.at(day, time(14))
    rng = random.Random(16)
    rows = []
    for seq in range(240):
        moment = start + timedelta(milliseconds=rng.randrange(20) * 1000 + rng.randrange(3) * 7)
        rows.append(
            (
                str(uuid.uuid4()),
                DEVICES[seq % 3],
                5_000_000 + seq,
                clock.iso(moment),
                day.isoformat(),
                "heritage",
                "heritage",
            )
        )
    rng.shuffle(rows)
    scans = []
    for n, common in enumerate(rows):
        direction = "in" if n % 5 < 3 else "out"
        with dbmod.write(db) as conn:
            if n % 4:
                conn.execute(
                    "INSERT INTO walk_ins VALUES (?, ?, ?, ?, ?, ?, ?, 'adult', 1, ?, NULL)",
                    (*common, direction),
                )
            else:
                conn.execute(
                    "INSERT INTO scans VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'd', ?, 'day', 'accepted', 'ok')",
                    (*common, direction, n),
                )
                scans.append(common)
        assert attendance.occupancy(db.conn, day) == raw_occupancy(db.conn, day)
    for n, common in enumerate(scans[::3]):
        with dbmod.write(db) as conn:
            conn.execute(
                "INSERT INTO annulments VALUES (?, 'dev-a', ?, ?, ?, NULL)",
                (str(uuid.uuid4()), 6_000_000 + n, common[3], common[0]),
            )
        assert attendance.occupancy(db.conn, day) == raw_occupancy(db.conn, day)
    assert attendance.day_figures(db.conn, day) == raw_day_figures(db.conn, day)


def test_a_passage_at_the_same_millisecond_after_one_held_is_composed_not_recounted(db: Database) -> None:
    # Two kiosks' passages at one millisecond, the second after the first in time order
    # (device, seq): composed onto the second's summary like any passage that comes last.
    # The summary is marked first: a recount from the passages would wipe the mark.
    day = FAIR_START + timedelta(days=80)
    moment = clock.iso(clock.at(day, time(12)))
    second = clock.at(day, time(12)).timestamp() // 1

    def walk_in(device: str, seq: int) -> None:
        with dbmod.write(db) as conn:
            row = (str(uuid.uuid4()), device, seq, moment, day.isoformat(), "heritage", "heritage")
            insert(conn, "walk_ins", (*row, "adult", 1, "in", None))

    def net() -> int:
        return db.conn.execute("SELECT net FROM zone_seconds WHERE second = ?", (second,)).fetchone()[0]

    walk_in("dev-a", 7_000_000)
    with dbmod.write(db) as conn:
        conn.execute("UPDATE zone_seconds SET net = net + 100 WHERE second = ?", (second,))
    walk_in("dev-a", 7_000_001)
    assert net() == 102
    walk_in("dev-a", 6_999_999)  # before both in time order: its second recounted
    assert net() == 3
    assert attendance.occupancy(db.conn, day) == raw_occupancy(db.conn, day)


def test_the_migration_fills_the_figures_from_the_rows_already_held(db: Database) -> None:
    moment = clock.at(FAIR_START, time(11))
    tally.record_walk_in(db, "heritage", "adult", direction="out", moment=moment)
    tally.record_walk_in(db, "heritage", "group", 3, direction="in", moment=moment + timedelta(seconds=5))
    tally.record_walk_in(db, "heritage", "adult", direction="out", moment=moment + timedelta(minutes=3))
    tally.record_walk_in(db, "kids", "child", direction="in", moment=moment)
    tally.record_walk_in(db, "main", "adult", direction="in", moment=moment)
    with dbmod.write(db) as conn:
        for seq, (serial, result, reason) in enumerate(
            [(7, "accepted", "ok"), (7, "refused", "already_inside"), (8, "refused", "not_inside")]
        ):
            conn.execute(
                "INSERT INTO scans VALUES (?, 'dev-a', ?, ?, ?, 'main', 'sales', ?, 'd', ?, 'day', ?, ?)",
                (
                    str(uuid.uuid4()),
                    seq + 1,
                    clock.iso(moment + timedelta(minutes=seq)),
                    FAIR_START.isoformat(),
                    "out" if reason == "not_inside" else "in",
                    serial,
                    result,
                    reason,
                ),
            )
    kept = attendance.occupancy(db.conn, FAIR_START)
    assert kept == {"heritage": (2, 3), "kids": (1, 1), "sales": (2, 2)}
    figures = attendance.day_figures(db.conn, FAIR_START)
    assert (figures["entries"], figures["unique_visitors"], figures["not_inside"]) == (2, 2, 1)
    assert figures["zone_entries"] == {
        **dict.fromkeys(figures["zone_entries"], 0),
        "sales": 2,
        "heritage": 3,
        "kids": 1,
    }
    refusals = passback.refusals_per_gate_hour(db.conn, FAIR_START)
    assert refusals == [{"gate": "main", "hour": 11, "refusals": 1}]
    # The database as it was before 0700, holding the same events.
    db.conn.executescript(
        "DROP TRIGGER scans_noted; DROP TRIGGER scans_refusal_noted; DROP TRIGGER walk_ins_noted;"
        " DROP TRIGGER annulments_noted; DROP VIEW counted_passages; DROP VIEW counted_refusals;"
        " DROP TABLE zone_passages; DROP TABLE zone_minutes; DROP TABLE zone_hours; DROP TABLE gate_days;"
        " DROP TABLE gate_quarters; DROP TABLE day_visitors; DROP TABLE day_totals; DROP TABLE zone_seconds;"
        " DROP TABLE figure_mode; DROP TABLE figure_changes;"
        " DROP TABLE figure_minutes;"
        " DELETE FROM schema_migrations WHERE name LIKE '070_%';"
    )
    assert dbmod.migrate(db) == [
        "0700_zone_minutes.sql",
        "0701_day_figures.sql",
        "0702_figure_rollups.sql",
        "0703_zone_hours_prefix.sql",
        "0704_zone_seconds.sql",
        "0705_figures_counted_once.sql",
    ]
    assert attendance.occupancy(db.conn, FAIR_START) == kept
    assert attendance.gate_entries(db.conn, "heritage", FAIR_START) == 3
    assert attendance.day_figures(db.conn, FAIR_START) == figures
    assert passback.refusals_per_gate_hour(db.conn, FAIR_START) == refusals


def test_a_database_that_applied_the_folded_migrations_takes_the_fold(db: Database) -> None:
    # A developer's instance recorded 0705-0708 of session 4 and the first fold of them,
    # which 0705_figures_counted_once replaces: it applies over them, no "already exists".
    moment = clock.at(FAIR_START, time(11))
    tally.record_walk_in(db, "heritage", "group", 3, moment=moment)
    with dbmod.write(db) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE name = '0705_figures_counted_once.sql'")
        conn.executemany(
            "INSERT INTO schema_migrations VALUES (?, datetime('now'))",
            [
                ("0705_figures_per_batch.sql",),
                ("0706_figures_noted_per_event.sql",),
                ("0707_figures_single_passage.sql",),
                ("0708_counted_passages_whole_people.sql",),
                ("0705_figures_counted_per_write.sql",),
            ],
        )
    assert dbmod.migrate(db) == ["0705_figures_counted_once.sql"]
    tally.record_walk_in(db, "heritage", "adult", direction="out", moment=moment + timedelta(seconds=1))
    tally.record_walk_in(db, "heritage", "adult", moment=moment - timedelta(seconds=1))  # late
    assert attendance.occupancy(db.conn, FAIR_START) == raw_occupancy(db.conn, FAIR_START)
    assert attendance.day_figures(db.conn, FAIR_START) == raw_day_figures(db.conn, FAIR_START)


def test_a_fair_without_grounds_counts_every_zone_as_the_fair(db: Database) -> None:
    moment = clock.at(FAIR_START, time(11))
    tally.record_walk_in(db, "main", "adult", moment=moment)
    tally.record_walk_in(db, "heritage", "group", 3, moment=moment)
    assert attendance.day_figures(db.conn, FAIR_START)["entries"] == 1  # sales is the grounds
    with dbmod.write(db) as conn:
        conn.execute("UPDATE zones SET kind = 'area' WHERE kind = 'grounds'")
    assert attendance.fair_zones(db.conn) == {row[0] for row in db.conn.execute("SELECT id FROM zones")}
    assert attendance.day_figures(db.conn, FAIR_START)["entries"] == 4
