"""Admissions travel between kiosks through central (sync.feed), against a real central.

Kiosks sync in-process here (``Client.round``); tests/test_gates_processes.py runs them
as ``kiosk serve`` processes with their sync loops."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from conftest import serving
from gates_helpers import figures, scan, sync
from sync_helpers import day_tickets, device_id, enroll, query

from kiosk import instance
from sync import feed


def own_and_foreign(folder: Path) -> tuple[int, int]:
    me = device_id(folder)
    own = query(folder, "SELECT count(*) FROM scans WHERE device_id = ?", (me,))[0][0]
    return own, query(folder, "SELECT count(*) FROM scans WHERE device_id != ?", (me,))[0][0]


def test_an_admission_at_one_gate_is_refused_at_another_after_sync(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        main = enroll(central, central_dir, tmp_path / "main", "entry-main", "entry", "main")
        east = enroll(central, central_dir, tmp_path / "east", "entry-east", "entry", "east")
        out = enroll(central, central_dir, tmp_path / "out", "exit-south", "entry", "south-exit")
        heritage = enroll(central, central_dir, tmp_path / "her", "heritage", "heritage", "heritage")
        first, second, third = day_tickets(central_dir, 3)
        assert scan(main, first) == "ok" and scan(main, second) == "ok"
        assert scan(heritage, third, "heritage") == "ok"
        sync(main, heritage, east, out)
        assert scan(east, first, "east") == "already_inside"
        assert scan(out, second, "south-exit", "out") == "ok", "the exit gate knows the ticket is inside"
        assert scan(out, third, "south-exit", "out") == "not_inside", "inside heritage, not the sales area"
        sync(out, main, east, heritage)
        # One count per zone: every kiosk of the zone and central say the same.
        with urllib.request.urlopen(central + "/api/v1/attendance") as answer:
            central_figures = json.load(answer)
        for folder in (main, east, out):
            assert figures(folder)["inside"]["sales"] == central_figures["inside"]["sales"] == 1
        assert figures(heritage)["inside"]["heritage"] == central_figures["inside"]["heritage"] == 1
        # Bounded to the kiosk's zone: the heritage kiosk holds no sales passages.
        assert query(heritage, "SELECT DISTINCT zone_id FROM scans") == [("heritage",)]
        # Other kiosks' events are held, never pushed back: central has each scan once,
        # under the kiosk that made it.
        assert own_and_foreign(east) == (1, 3)
        for folder in (main, east, out, heritage):
            me = device_id(folder)
            mine = query(folder, "SELECT uuid FROM scans WHERE device_id = ? ORDER BY uuid", (me,))
            assert (
                query(central_dir, "SELECT uuid FROM scans WHERE device_id = ? ORDER BY uuid", (me,)) == mine
            )
        assert query(central_dir, "SELECT count(*) FROM scans") == [(6,)]
        # A second round brings nothing new and changes nothing.
        before = {folder: own_and_foreign(folder) for folder in (main, east, out)}
        sync(main, east, out)
        assert {folder: own_and_foreign(folder) for folder in (main, east, out)} == before


def test_annulments_and_walk_ins_travel_too(central_dir: Path, tmp_path: Path) -> None:
    from kiosk.entry import scanning, tally

    with serving(central_dir) as (central, _process):
        main = enroll(central, central_dir, tmp_path / "main", "entry-main", "entry", "main")
        east = enroll(central, central_dir, tmp_path / "east", "entry-east", "entry", "east")
        (ticket,) = day_tickets(central_dir, 1)
        assert scan(main, ticket) == "ok"
        uuid = query(main, "SELECT uuid FROM scans")[0][0]
        database = instance.open_db(main)
        assert scanning.annul(database, uuid, 5) == "ok"
        tally.record_walk_in(database, "main", "group", 7)
        database.conn.close()
        sync(main, east)
        assert scan(east, ticket, "east") == "ok", "the entry at main was annulled"
        assert figures(east)["inside"]["sales"] == 8
        assert query(east, "SELECT staff_id FROM walk_ins WHERE gate_id = 'main'") == [(None,)]


def test_a_kiosk_refuses_a_feed_page_carrying_its_own_events(kiosk_dir: Path) -> None:
    database = instance.open_db(kiosk_dir)
    me = device_id(kiosk_dir)
    page = {
        "cursor": 9,
        "more": False,
        "tables": {
            "walk_ins": {
                "columns": ["uuid", "device_id", "device_seq", "device_time"],
                "rows": [["u", me, 1, "x"]],
            }
        },
    }
    with pytest.raises(feed.FeedError), database.conn:
        feed.apply_feed(database.conn, page, me)
    with pytest.raises(feed.FeedError):
        feed.apply_feed(database.conn, {"cursor": 1, "tables": {"tickets": {}}}, me)
    assert query(kiosk_dir, "SELECT feed_cursor FROM sync_state") == [(0,)]


def test_zone_full_counts_every_gate_of_the_zone(central_dir: Path, tmp_path: Path) -> None:
    database = instance.open_db(central_dir)
    with database.conn:
        database.conn.execute("UPDATE gates SET occupancy_limit = 2 WHERE id = 'east'")
    database.conn.close()
    with serving(central_dir) as (central, _process):
        main = enroll(central, central_dir, tmp_path / "main", "entry-main", "entry", "main")
        east = enroll(central, central_dir, tmp_path / "east", "entry-east", "entry", "east")
        first, second, third = day_tickets(central_dir, 3)
        assert scan(main, first) == "ok" and scan(main, second) == "ok"
        sync(main, east)
        # Two inside by every gate's count: east (limit 2) is full though it let nobody in.
        assert scan(east, third, "east") == "zone_full"
        assert figures(east)["inside"]["sales"] == figures(main)["inside"]["sales"] == 2
