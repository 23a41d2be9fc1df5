"""The kids' space supervisor (staff role ``kids_lead``): the only account that releases a
child without the receipt, held by kids' kiosks only, so that no kiosk ever holds an
organizer's account (issue 11 point 5: organizers log in on central only)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serving
from kids_helpers import KIDS_LEAD, ORGANIZER, call, every_text, make_kids_kiosk, rows
from sync_helpers import enroll, sync_round

from kiosk import db as dbmod
from kiosk import instance
from kiosk import staff as accounts
from kiosk.cli import main


def organizer_cells(central_dir: Path) -> set[str]:
    """What would let someone at a kiosk log in as an organizer: ids, names, PIN hashes."""
    found = rows(central_dir, "SELECT id, name, pin_hash FROM staff WHERE role = 'organizer'")
    assert found
    return {cell for row in found for cell in row}


def test_a_kids_kiosk_holds_no_organizer_row_in_any_table(central_dir: Path, tmp_path: Path) -> None:
    from_bundle = make_kids_kiosk(central_dir, tmp_path / "bundled")
    with serving(central_dir) as (central, _process):
        enrolled = enroll(central, central_dir, tmp_path / "enrolled", "kids", "kids", "kids")
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        # Central changes organizer accounts after enrollment: a new one, and a session
        # generation (staff_state) for every organizer. The next pull carries none of it.
        database = instance.open_db(central_dir)
        with dbmod.write(database) as conn:
            accounts.add_staff(conn, "Karima", "organizer", "13572468")
            for (staff_id,) in conn.execute("SELECT id FROM staff WHERE role = 'organizer'").fetchall():
                accounts.end_sessions(conn, staff_id)
            lead = accounts.add_staff(conn, "Houda", "kids_lead", "97531086")
        sync_round(enrolled)
        sync_round(gate)
    organizers = organizer_cells(central_dir)
    for kiosk in (from_bundle, enrolled, gate):
        held = set(every_text(kiosk).split("\n"))
        assert not organizers & held, f"{kiosk.name} holds an organizer's account"
    # The supervisors reach kids' kiosks, and kids' kiosks only.
    assert rows(enrolled, "SELECT name FROM staff WHERE role = 'kids_lead' ORDER BY name") == [
        ("Houda",),
        ("Nadia",),
    ]
    assert rows(from_bundle, "SELECT name FROM staff WHERE role = 'kids_lead'") == [("Nadia",)]
    assert rows(gate, "SELECT count(*) FROM staff WHERE role = 'kids_lead'") == [(0,)]
    assert lead not in every_text(gate)


def test_revoking_a_kids_kiosk_rotates_its_staff_and_supervisor_never_an_organizer(central_dir: Path) -> None:
    runner = CliRunner()
    for name, role in (("kids-lost", "kids"), ("entry-lost", "entry")):
        added = runner.invoke(main, ["devices", "add", str(central_dir), "--name", name, "--role", role])
        assert added.exit_code == 0, added.output
    kids = runner.invoke(main, ["devices", "revoke", str(central_dir), "kids-lost"])
    assert kids.exit_code == 0, kids.output
    assert "Salma" in kids.stdout and "Nadia" in kids.stdout and "Hanane" not in kids.stdout
    entry = runner.invoke(main, ["devices", "revoke", str(central_dir), "entry-lost"])
    assert "Omar" in entry.stdout and "Nadia" not in entry.stdout and "Hanane" not in entry.stdout


def test_the_organizer_cannot_log_in_at_a_kids_kiosk(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk) as (base, _process):
        status, _answer = call(base, "POST", "/api/v1/login", {"name": ORGANIZER[0], "pin": ORGANIZER[1]})
        assert status == 401
        status, answer = call(base, "POST", "/api/v1/login", {"name": KIDS_LEAD[0], "pin": KIDS_LEAD[1]})
        assert status == 200, answer


@pytest.mark.parametrize("pin", ["975310", "1234567", "kids room"])
def test_a_supervisor_pin_is_as_strong_as_an_organizers(central_dir: Path, pin: str) -> None:
    added = CliRunner().invoke(
        main, ["staff", "add", str(central_dir), "--name", "Loubna", "--role", "kids_lead", "--pin", pin]
    )
    assert added.exit_code != 0 and "8 to 64 digits" in added.output
    assert rows(central_dir, "SELECT count(*) FROM staff WHERE name = 'Loubna'") == [(0,)]


def test_a_supervisor_is_added_with_eight_digits_or_a_passphrase(central_dir: Path) -> None:
    runner = CliRunner()
    for name, pin in (("Loubna", "24680135"), ("Ilham", "the swings by the door")):
        added = runner.invoke(
            main, ["staff", "add", str(central_dir), "--name", name, "--role", "kids_lead", "--pin", pin]
        )
        assert added.exit_code == 0, added.output
    names = rows(central_dir, "SELECT name FROM staff WHERE role = 'kids_lead' ORDER BY name")
    assert names == [("Ilham",), ("Loubna",), ("Nadia",)]


def test_a_kiosk_that_received_organizers_before_drops_them_central_keeps_them(
    central_dir: Path, tmp_path: Path
) -> None:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    # As a kids' kiosk provisioned before migration 0801 held them (reference.ALL_ROWS_FOR).
    copied = rows(central_dir, "SELECT id, name, role, pin_hash, active FROM staff WHERE role = 'organizer'")
    conn = sqlite3.connect(kiosk / "kiosk.db")
    conn.executemany("INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?, ?, ?, ?, ?)", copied)
    conn.executemany("INSERT INTO staff_state (staff_id, generation) VALUES (?, 3)", [c[:1] for c in copied])
    conn.commit()
    conn.close()
    for folder in (kiosk, central_dir):
        with sqlite3.connect(folder / "kiosk.db") as conn:
            conn.execute("DELETE FROM schema_migrations WHERE name = '0802_no_organizer_on_kiosks.sql'")
        instance.open_db(folder).conn.close()  # migrates
    assert not organizer_cells(central_dir) & set(every_text(kiosk).split("\n"))
    assert rows(kiosk, "SELECT name FROM staff WHERE role = 'kids_lead'") == [("Nadia",)]
    assert rows(central_dir, "SELECT count(*) FROM staff WHERE role = 'organizer'") == [(1,)]
