"""The figures kept as the events arrive (migration 0700) equal the figures walked from
the raw log, after every event, whatever order the events arrive in."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import clock, instance
from kiosk import db as dbmod
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
# Two gates of one zone, and another zone.
GATES = {"heritage": "heritage", "heritage-2": "heritage", "kids": "kids"}

passage = st.fixed_dictionaries(
    {
        "walk_in": st.booleans(),
        "device": st.sampled_from(DEVICES),
        "gate": st.sampled_from(sorted(GATES)),
        "direction": st.sampled_from(["in", "out"]),
        # From 9:00 on the day for 16 hours (past midnight), often crowded into two minutes.
        "ms": st.one_of(st.integers(0, 120_000), st.integers(0, 16 * 3_600_000)),
        "people": st.integers(1, 4),
        "accepted": st.integers(0, 4).map(bool),
        "annulled": st.integers(0, 3).map(lambda n: n == 0),
    }
)

days = itertools.count()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(passages=st.lists(passage, min_size=1, max_size=25), data=st.data())
def test_kept_figures_equal_the_raw_log_after_every_event(db: Database, passages, data) -> None:
    # Each example on its own fair day (the fixture's database is shared by the examples).
    day = FAIR_START + timedelta(days=100 + next(days))
    seqs = itertools.count(1_000_000 * (day - FAIR_START).days)
    events: list[tuple[str, str, tuple[object, ...]]] = []
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
            events.append(("walk_ins", key, (*common, "adult", p["people"], p["direction"], None)))
            continue
        result = "accepted" if p["accepted"] else "refused"
        events.append(("scans", key, (*common, p["direction"], "d", None, None, result, "ok")))
        if p["annulled"]:
            # Its own device and seq, and may arrive before the scan it annuls.
            row = (str(uuid.uuid4()), "dev-a", next(seqs), clock.iso(moment), key, None)
            events.append(("annulments", key, row))
    # Arrival order: late batches, feeds and annulments out of time order.
    for table, _key, row in data.draw(st.permutations(events)):
        with dbmod.write(db) as conn:
            conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in row)})", row)
        assert attendance.occupancy(db.conn, day) == raw_occupancy(db.conn, day)
        for gate in GATES:
            assert attendance.gate_entries(db.conn, gate, day) == raw_gate_entries(db.conn, gate, day)


def test_the_migration_fills_the_figures_from_the_rows_already_held(db: Database) -> None:
    moment = clock.at(FAIR_START, time(11))
    tally.record_walk_in(db, "heritage", "adult", direction="out", moment=moment)
    tally.record_walk_in(db, "heritage", "group", 3, direction="in", moment=moment + timedelta(seconds=5))
    tally.record_walk_in(db, "heritage", "adult", direction="out", moment=moment + timedelta(minutes=3))
    tally.record_walk_in(db, "kids", "child", direction="in", moment=moment)
    kept = attendance.occupancy(db.conn, FAIR_START)
    assert kept == {"heritage": (2, 3), "kids": (1, 1)}
    # The database as it was before 0700, holding the same events.
    db.conn.executescript(
        "DROP TRIGGER scans_counted; DROP TRIGGER walk_ins_counted; DROP TRIGGER annulments_uncounted;"
        " DROP VIEW counted_passages; DROP TABLE zone_passages; DROP TABLE zone_minutes;"
        " DROP TABLE gate_days;"
        " DELETE FROM schema_migrations WHERE name = '0700_zone_minutes.sql';"
    )
    assert dbmod.migrate(db) == ["0700_zone_minutes.sql"]
    assert attendance.occupancy(db.conn, FAIR_START) == kept
    assert attendance.gate_entries(db.conn, "heritage", FAIR_START) == 3
