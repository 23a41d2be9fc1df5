"""Pull details: the change cursor and late commits, tombstones, snapshots for cursors
that are too old, change-log triggers added late, and events first carried on a file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest import serving
from sync_helpers import day_tickets, device_id, enroll, events_of, query, reference_of, scan

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.cli import main
from sync import protocol
from sync.client import Client


def central_conn(central_dir: Path) -> sqlite3.Connection:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        protocol.ensure_change_log(conn)
    return database.conn


def test_a_change_committed_late_is_not_skipped(central_dir: Path) -> None:
    writer = central_conn(central_dir)
    reader = central_conn(central_dir)
    start = protocol.current_cursor(reader)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE gates SET occupancy_limit = 7 WHERE id = 'east'")
    # A kiosk pulls while the transaction is open: it cannot see the change yet...
    page = protocol.serve_changes(reader, start)
    assert page["tables"] == {} and page["cursor"] == start
    writer.execute("COMMIT")
    # ...and gets it from the same cursor once committed: its seq is above the cursor.
    page = protocol.serve_changes(reader, page["cursor"])
    gates = page["tables"]["gates"]
    assert gates["rows"][0][gates["columns"].index("occupancy_limit")] == 7
    assert page["cursor"] > start


def test_tombstones_and_revocations_first(central_dir: Path) -> None:
    conn = central_conn(central_dir)
    start = protocol.current_cursor(conn)
    serial = conn.execute("SELECT serial FROM tickets ORDER BY serial LIMIT 1").fetchone()[0]
    with dbmod.write(instance.open_db(central_dir)) as write:
        write.execute("DELETE FROM tickets WHERE serial = ?", (serial,))
        for n in range(5):
            write.execute("UPDATE gates SET occupancy_limit = ? WHERE id = 'main'", (n,))
        write.execute("INSERT INTO revocations VALUES (?, 'stolen', ?)", (serial + 1, clock.iso(clock.now())))
    first = protocol.serve_changes(conn, start, limit=1, roles="entry")  # one change per page
    assert first["more"] is True
    assert list(first["tables"]) == ["revocations", "tickets"]  # the revocation rides on page one
    assert first["tables"]["tickets"]["deleted"] == [
        [
            conn.execute(
                "SELECT json_extract(pk, '$[0]') FROM sync_changes WHERE tbl = 'tickets'"
                " ORDER BY seq DESC LIMIT 1"
            ).fetchone()[0]
        ]
    ]
    # Five updates of one row are one change in the log.
    rest = protocol.serve_changes(conn, first["cursor"], limit=100, roles="entry")
    assert len(rest["tables"]["gates"]["rows"]) == 1 and rest["more"] is False


def test_cursor_older_than_purged_tombstones_gets_a_snapshot(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        old = query(k1, "SELECT cursor FROM sync_state")[0][0]
        database = instance.open_db(central_dir)
        with dbmod.write(database) as conn:
            conn.execute("DELETE FROM tickets WHERE serial = (SELECT max(serial) FROM tickets)")
            conn.execute("UPDATE zones SET name_en = 'Market' WHERE id = 'sales'")
            protocol.purge_tombstones(conn, protocol.current_cursor(conn))
        assert protocol.serve_changes(database.conn, old)["snapshot_required"] is True
        client = Client(k1)
        pages = client.pull()
        client.close()
    assert pages >= len(reference_of(central_dir))  # one page per table at least: a snapshot
    assert reference_of(k1) == reference_of(central_dir, "entry")
    assert query(k1, "SELECT cursor FROM sync_state")[0][0] > old


def test_change_log_backfills_a_table_it_meets_late(central_dir: Path) -> None:
    conn = central_conn(central_dir)
    conn.execute("DROP TRIGGER sync_log_zones_del")
    conn.execute("DELETE FROM sync_changes WHERE tbl = 'zones'")
    with dbmod.write(instance.open_db(central_dir)) as write:
        assert protocol.ensure_change_log(write) == ["zones"]
    logged = {json.loads(pk)[0] for (pk,) in conn.execute("SELECT pk FROM sync_changes WHERE tbl = 'zones'")}
    assert logged == {row[0] for row in conn.execute("SELECT id FROM zones")}


def test_events_carried_on_a_file_are_not_sent_again(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        for code in day_tickets(central_dir, 4):
            assert scan(k1, code) == "ok"
        runner = CliRunner()
        out = tmp_path / "events.gz"
        assert runner.invoke(main, ["events", "export", str(k1), str(out)]).exit_code == 0
        assert (
            "Imported 4 new events"
            in runner.invoke(main, ["events", "import", str(central_dir), str(out)]).output
        )
        client = Client(k1)
        result = client.round()
        client.close()
    assert result.pushed == 0 and result.waiting == 0  # central's hello said it holds them
    me = device_id(k1)
    assert events_of(central_dir, me) == events_of(k1, me)


def test_purge_keeps_what_a_kiosk_has_not_seen(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        kiosk = tmp_path / "k1"
        enroll(central, central_dir, kiosk, "entry-main", "entry", "main")
        Client(kiosk).round()  # the kiosk has applied everything up to now
        seen = protocol.current_cursor(central_conn(central_dir))
        serials = [r[0] for r in query(central_dir, "SELECT serial FROM tickets ORDER BY serial LIMIT 2")]
        with dbmod.write(instance.open_db(central_dir)) as conn:
            conn.execute("DELETE FROM tickets WHERE serial = ?", (serials[0],))
        Client(kiosk).round()  # applies the first deletion...
        Client(kiosk).round()  # ...and reports the cursor past it in its next hello
        with dbmod.write(instance.open_db(central_dir)) as conn:
            conn.execute("DELETE FROM tickets WHERE serial = ?", (serials[1],))
        result = CliRunner().invoke(main, ["devices", "purge", str(central_dir)])
        assert result.exit_code == 0, result.output
        assert "Forgot 1 deletions" in result.output
        after = protocol.current_cursor(central_conn(central_dir))
        assert after > seen
        # The deletion the kiosk has not pulled yet is still in the log: no snapshot needed.
        Client(kiosk).round()
        assert query(kiosk, "SELECT count(*) FROM tickets WHERE serial IN (?, ?)", tuple(serials))[0][0] == 0
        assert query(kiosk, "PRAGMA integrity_check")[0][0] == "ok"
        everything = CliRunner().invoke(main, ["devices", "purge", str(central_dir), "--all"])
        assert "Forgot 1 deletions" in everything.output
