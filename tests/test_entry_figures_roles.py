"""Which figures an instance keeps (``kiosk.figures``): a kiosk counts what its screens and
decisions read and none of the dashboard's; an instance that comes to serve the dashboard
counts the dashboard's figures from the log it holds."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import create_app, events, figures, instance
from kiosk import db as dbmod
from kiosk.dashboard import passback
from kiosk.db import Database
from kiosk.entry import attendance
from tests.conftest import FAIR_START
from tests.helpers import rows, ticket
from tests.test_entry_figures import (
    GATES,
    as_events,
    db,  # noqa: F401 (the fixture: a kiosk's database with three devices' clock offsets)
    insert,
    passage,
    raw_day_figures,
    raw_gate_entries,
    raw_occupancy,
    raw_refusals_per_gate_hour,
)

days = itertools.count()


def dashboard_rows(conn: dbmod.Connection) -> int:
    tables = figures.DASHBOARD_TABLES
    return sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables)


def test_an_instance_keeps_the_dashboards_figures_where_it_serves_the_dashboard(
    kiosk_dir: Path, central_dir: Path
) -> None:
    kiosk = create_app(kiosk_dir, {"TESTING": True}).test_client()
    assert not figures.keeps_dashboard(instance.open_db(kiosk_dir))
    create_app(central_dir, {"TESTING": True})
    assert figures.keeps_dashboard(instance.open_db(central_dir))
    # A scan, a refused exit and a walk-in at the kiosk: its gate and zone counted, nothing else.
    assert kiosk.post("/api/v1/scans", json={"code": ticket(kiosk_dir, "day")["payload"]}).get_json()["ok"]
    other = ticket(kiosk_dir, "day", offset=1)["payload"]
    refused = kiosk.post("/api/v1/scans", json={"code": other, "direction": "out"}).get_json()
    assert refused["reason"] == "not_inside"
    assert kiosk.post("/api/v1/walk-ins", json={"kind": "group", "people": 3}).status_code == 201
    assert [tuple(row) for row in rows(kiosk_dir, "SELECT gate_id, entries FROM gate_days")] == [("main", 4)]
    for table in figures.DASHBOARD_TABLES:
        assert rows(kiosk_dir, f"SELECT count(*) FROM {table}")[0][0] == 0, table
    database = instance.open_db(kiosk_dir)
    assert attendance.occupancy(database.conn, FAIR_START) == raw_occupancy(database.conn, FAIR_START)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(passages=st.lists(passage, min_size=1, max_size=25), data=st.data())
def test_a_kiosk_counts_its_own_figures_only_and_the_dashboards_once_it_serves_it(
    db: Database,  # noqa: F811 (the fixture imported above)
    passages,
    data,
) -> None:
    day = FAIR_START + timedelta(days=500 + next(days))
    figures.keep_dashboard(db, False)  # an entry kiosk's app does this at start-up
    arrived = data.draw(st.permutations(as_events(passages, day)))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, len(arrived)), max_size=3))) | {0, len(arrived)})
    for start, end in itertools.pairwise(cuts):
        # One by one (a gate, a feed page) or counted together (a batch).
        if data.draw(st.booleans()):
            for table, row in arrived[start:end]:
                with dbmod.write(db) as conn:
                    insert(conn, table, row)
        else:
            with dbmod.write(db) as conn, events.counted_together(conn):
                for table, row in arrived[start:end]:
                    insert(conn, table, row)
        assert attendance.occupancy(db.conn, day) == raw_occupancy(db.conn, day)
        for gate in GATES:
            assert attendance.gate_entries(db.conn, gate, day) == raw_gate_entries(db.conn, gate, day)
        assert dashboard_rows(db.conn) == 0
    # The instance comes to serve the dashboard: its figures counted from the log held.
    assert figures.keep_dashboard(db, True)
    assert attendance.day_figures(db.conn, day) == raw_day_figures(db.conn, day)
    assert passback.refusals_per_gate_hour(db.conn, day) == raw_refusals_per_gate_hour(db.conn, day)
    assert db.conn.execute("SELECT count(*) FROM figure_changes").fetchone()[0] == 0
    assert not figures.keep_dashboard(db, True)
    # And stops: nothing left that would stop moving.
    assert figures.keep_dashboard(db, False)
    assert dashboard_rows(db.conn) == 0
