"""Personal data goes only where it is needed: workshop registrations reach workshop
kiosks (by sync pull and by ``kiosk bundle --role workshop``), never entry gates,
heritage or stand finders; staff (PIN log-in) reaches every kiosk."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serving
from sessions_helpers import add_session, at, register
from sync_helpers import add_device, enroll, init_args, query, reference_of, sync_round

from kiosk import bundle, instance, reference
from kiosk import db as dbmod
from kiosk.cli import main
from kiosk.sessions import registrations
from kiosk.sessions.checkin import DoorSettings, check_in_code
from sync import protocol


def central_conn(central_dir: Path) -> sqlite3.Connection:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        protocol.ensure_change_log(conn)
    return database.conn


def count(folder: Path, table: str) -> int:
    return query(folder, f"SELECT count(*) FROM [{table}]")[0][0]


def test_declaration() -> None:
    assert reference.withheld_tables("entry") == ["session_registrations"]
    assert reference.withheld_tables("heritage,finder") == ["session_registrations"]
    assert reference.withheld_tables(None) == ["tickets", "staff", "staff_state", "session_registrations"]
    assert reference.withheld_tables("entry,workshop") == []
    assert reference.withheld_tables(["workshop"]) == []
    assert reference.withheld_tables("central") == []
    # Staff (PIN log-in) and tickets go to the kiosks that decide; a stand finder gets neither.
    assert reference.withheld_tables("finder") == ["tickets", "staff", "staff_state", "session_registrations"]
    local = {"staff_attempts", "staff_sessions", "kids_drop_offs", "kids_children"}
    assert set(reference.PERSONAL_TABLES) - local <= set(reference.REFERENCE_TABLES)


def test_entry_kiosk_never_receives_registrations_a_workshop_kiosk_gets_them_all(
    central_dir: Path, tmp_path: Path
) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        door = enroll(central, central_dir, tmp_path / "door", "door-1", "workshop", None)
        mixed = enroll(central, central_dir, tmp_path / "mixed", "east-door", "entry,workshop", "east")
        held = count(central_dir, "session_registrations")
        assert held > 0
        assert count(gate, "session_registrations") == 0
        # Neither organizers (central only) nor the kids' space supervisor (kids' kiosks).
        elsewhere = query(central_dir, "SELECT count(*) FROM staff WHERE role IN ('organizer', 'kids_lead')")
        assert count(gate, "staff") == count(central_dir, "staff") - elsewhere[0][0] > 0
        assert count(door, "session_registrations") == held
        assert count(mixed, "session_registrations") == held

        # Central changes registrations around a change of another table: the gate gets
        # the gate change, no registration, and its cursor reaches central's.
        database = instance.open_db(central_dir)
        session_id = add_session(database, capacity=4)
        made = register(database, session_id, ["Nadia Berrada", "Omar Fassi"])
        with dbmod.write(database) as conn:
            conn.execute("UPDATE gates SET occupancy_limit = 321 WHERE id = 'east'")
            registrations.cancel(conn, str(made[0]["id"]), at(-60))
            registrations.register(conn, session_id, "Salma Idrissi", at(-30))
        for folder in (gate, door, mixed):
            sync_round(folder)
        final = protocol.current_cursor(central_conn(central_dir))
        for folder in (gate, door, mixed):
            assert query(folder, "SELECT cursor FROM sync_state")[0][0] == final
        assert query(gate, "SELECT occupancy_limit FROM gates WHERE id = 'east'") == [(321,)]
        assert count(gate, "session_registrations") == 0
        assert reference_of(gate) == reference_of(central_dir, "entry")
        assert reference_of(door) == reference_of(central_dir, "workshop")
        assert reference_of(mixed) == reference_of(central_dir, "entry,workshop")
        assert count(door, "session_registrations") == held + 3

        # A gate that holds registrations anyway (an old bundle) drops them at its
        # next snapshot: central serves the table empty.
        conn = sqlite3.connect(gate / "kiosk.db")
        conn.execute("ATTACH ? AS central", (str(central_dir / "kiosk.db"),))
        conn.execute("INSERT INTO session_registrations SELECT * FROM central.session_registrations")
        conn.execute("UPDATE sync_state SET cursor = 0")
        conn.commit()
        conn.close()
        assert count(gate, "session_registrations") == held + 3
        sync_round(gate)
        assert count(gate, "session_registrations") == 0
        assert reference_of(gate) == reference_of(central_dir, "entry")


def test_change_pages_skip_withheld_tables_yet_advance_the_cursor(central_dir: Path) -> None:
    conn = central_conn(central_dir)
    start = protocol.current_cursor(conn)
    database = instance.open_db(central_dir)
    session_id = add_session(database)
    register(database, session_id, ["Ali", "Basma"])
    with dbmod.write(database) as write:
        write.execute("UPDATE gates SET occupancy_limit = 11 WHERE id = 'main'")
    register(database, session_id, ["Chaimae", "Driss"])  # withheld changes last
    logged = conn.execute("SELECT count(*) FROM sync_changes WHERE seq > ?", (start,)).fetchone()[0]
    assert logged == 6  # a session, four registrations, a gate

    def pull(roles: str) -> tuple[dict[str, int], int, int]:
        """Page one change at a time until done: rows per table, pages, last cursor."""
        received: dict[str, int] = {}
        cursor, pages, more = start, 0, True
        while more:
            page = protocol.serve_changes(conn, cursor, limit=1, roles=roles)
            pages += 1
            assert page["cursor"] > cursor  # every page moves on, sent or withheld
            cursor, more = page["cursor"], page["more"]
            for table, part in page["tables"].items():
                received[table] = received.get(table, 0) + len(part["rows"])
            assert pages <= logged
        return received, pages, cursor

    entry, pages, cursor = pull("entry")
    assert entry == {"sessions": 1, "gates": 1}
    assert (pages, cursor) == (logged, protocol.current_cursor(conn))
    workshop, _pages, cursor = pull("workshop")
    assert workshop == {"sessions": 1, "gates": 1, "session_registrations": 4}
    assert cursor == protocol.current_cursor(conn)
    # Nothing new: the cursor stays, no endless loop.
    assert protocol.serve_changes(conn, cursor, roles="entry") == {
        "cursor": cursor,
        "more": False,
        "tables": {},
    }


def test_snapshot_of_a_withheld_table_is_empty(central_dir: Path) -> None:
    conn = central_conn(central_dir)
    page = protocol.serve_snapshot(conn, "session_registrations", None, roles="heritage,finder")
    assert (page["rows"], page["done"], page["withheld"]) == ([], True, True)
    assert "token" in page["columns"]
    page = protocol.serve_snapshot(conn, "session_registrations", None, limit=10, roles="workshop")
    assert len(page["rows"]) == 10 and not page["withheld"]
    assert protocol.serve_snapshot(conn, "staff", None, roles="entry")["rows"]
    assert not protocol.serve_snapshot(conn, "staff", None, roles="finder")["rows"]


def test_bundle_without_role_carries_no_registrations(central_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    names = [row[0] for row in query(central_dir, "SELECT name FROM session_registrations LIMIT 5")]
    plain, door = tmp_path / "plain.bundle", tmp_path / "door.bundle"
    result = runner.invoke(main, ["bundle", str(central_dir), "--out", str(plain)])
    assert result.exit_code == 0, result.output
    assert "no role" in result.output
    assert "personal data left out: tickets, staff, staff_state, session_registrations" in result.output
    text = gzip.decompress(plain.read_bytes()).decode()
    assert not any(name in text for name in names)
    document = bundle.open_bundle(plain)
    assert (
        document["withheld"] == ["tickets", "staff", "staff_state", "session_registrations"]
        and document["roles"] == []
    )
    assert document["tables"]["session_registrations"] == [] and document["tables"]["staff"] == []

    result = runner.invoke(main, ["bundle", str(central_dir), "--out", str(door), "--role", "entry,workshop"])
    assert result.exit_code == 0, result.output
    assert "roles entry,workshop; personal data left out: none" in result.output
    held = count(central_dir, "session_registrations")
    assert f"session_registrations {held}" in result.output
    assert len(bundle.read_bundle(door)["session_registrations"]) == held

    for wrong, message in (("central", "a bundle is for a kiosk"), ("mayor", "unknown role")):
        result = runner.invoke(main, ["bundle", str(central_dir), "--out", str(door), "--role", wrong])
        assert result.exit_code != 0 and message in result.output

    # kiosk init --bundle: a workshop kiosk from the plain bundle works but is warned.
    result = runner.invoke(main, ["init", str(tmp_path / "w1"), "--role", "workshop", "--bundle", str(plain)])
    assert result.exit_code == 0, result.output
    assert "carries no session_registrations" in result.stderr and "--role workshop" in result.stderr
    assert count(tmp_path / "w1", "session_registrations") == 0
    result = runner.invoke(main, ["init", str(tmp_path / "w2"), "--role", "workshop", "--bundle", str(door)])
    assert result.exit_code == 0 and not result.stderr
    assert count(tmp_path / "w2", "session_registrations") == held
    result = runner.invoke(
        main, ["init", str(tmp_path / "g"), "--role", "entry", "--bundle", str(plain), "--gate", "main"]
    )
    # A gate from the plain bundle lacks tickets and staff: it works, and is warned.
    assert result.exit_code == 0 and "tickets" in result.stderr and "--role entry" in result.stderr


@pytest.mark.parametrize(("roles", "expected"), [(None, "not_registered"), ("workshop", "ok")])
def test_a_door_knows_registrations_only_from_a_workshop_bundle(
    central_dir: Path, tmp_path: Path, roles: str | None, expected: str
) -> None:
    central = instance.open_db(central_dir)
    session_id = add_session(central, capacity=2)
    made = register(central, session_id, ["Widad"])
    bundle_file = tmp_path / "fair.bundle"
    bundle.write_bundle(central, bundle_file, roles)
    kiosk = instance.create(tmp_path / "door", ["workshop"], name="door")
    bundle.load_tables(kiosk, bundle.read_bundle(bundle_file))
    code = registrations.qr_text(str(made[0]["token"]))
    verdict = check_in_code(kiosk, session_id, code, at(0), settings=DoorSettings(debounce_seconds=0))
    assert verdict.reason == expected


def test_old_bundles_without_the_withheld_list_still_load(central_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.bundle"
    bundle.write_bundle(instance.open_db(central_dir), old, "workshop")
    document = json.loads(gzip.decompress(old.read_bytes()))
    del document["withheld"], document["roles"]
    old.write_bytes(gzip.compress(json.dumps(document).encode()))
    result = CliRunner().invoke(
        main, ["init", str(tmp_path / "k"), "--role", "workshop", "--bundle", str(old)]
    )
    assert result.exit_code == 0, result.output
    assert count(tmp_path / "k", "session_registrations") == count(central_dir, "session_registrations")


def test_central_decides_by_the_role_it_registered(central_dir: Path, tmp_path: Path) -> None:
    """A kiosk that calls itself a workshop door while central registered it as an entry
    gate gets no registrations, and is told why at enrollment."""
    with serving(central_dir) as (central, _process):
        code = add_device(central_dir, "gate-2", "entry", "main")
        result = CliRunner().invoke(main, init_args(tmp_path / "k", "workshop", central, code, central_dir))
        assert result.exit_code == 0, result.output
        assert "registered gate-2 as entry, so it will not send session_registrations" in result.stderr
        assert instance.read_config(tmp_path / "k")["ROLE"] == "workshop"
        assert count(tmp_path / "k", "session_registrations") == 0
        assert count(tmp_path / "k", "staff") > 0
        code = add_device(central_dir, "door-2", "workshop", None)
        result = CliRunner().invoke(main, init_args(tmp_path / "d", "kiosk", central, code, central_dir))
        assert result.exit_code == 0 and not result.stderr
        assert count(tmp_path / "d", "session_registrations") == count(central_dir, "session_registrations")
