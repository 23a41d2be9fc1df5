"""Staff accounts (kiosk.staff) and the ``kiosk staff`` commands, through the real CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import rows

from kiosk import clock, instance
from kiosk import staff as accounts
from kiosk.cli import main


def test_staff_add_and_list(central_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["staff", "add", str(central_dir), "--name", "Zahra", "--role", "workshop", "--pin", "975310"]
    )
    assert result.exit_code == 0, result.output
    prompted = runner.invoke(
        main, ["staff", "add", str(central_dir), "--name", "Ali", "--role", "gate"], input="808080\n808080\n"
    )
    assert prompted.exit_code == 0, prompted.output
    twice = runner.invoke(
        main, ["staff", "add", str(central_dir), "--name", "Zahra", "--role", "gate", "--pin", "123456"]
    )
    assert twice.exit_code == 1 and "already named" in twice.stderr
    short = runner.invoke(
        main, ["staff", "add", str(central_dir), "--name", "Bo", "--role", "gate", "--pin", "12"]
    )
    assert short.exit_code == 1 and "6 to 12 digits" in short.stderr
    listed = runner.invoke(main, ["staff", "list", str(central_dir)])
    assert "workshop   Zahra" in listed.stdout and "gate       Ali" in listed.stdout
    assert "975310" not in listed.stdout
    stored = rows(central_dir, "SELECT id, pin_hash FROM staff WHERE name = 'Zahra'")[0]
    assert stored["pin_hash"].startswith("scrypt:")
    database = instance.open_db(central_dir)
    here = accounts.Client("127.0.0.1", local=True)
    attempt = accounts.log_in(
        database, "Zahra", "975310", clock.now(), here, accounts.ClientThrottle(), True, timedelta(hours=1)
    )
    assert attempt.outcome == "ok" and attempt.staff is not None and attempt.staff["id"] == stored["id"]


def test_a_kiosk_warns_that_central_owns_staff_accounts(kiosk_dir: Path) -> None:
    added = CliRunner().invoke(
        main, ["staff", "add", str(kiosk_dir), "--name", "Local", "--role", "gate", "--pin", "444444"]
    )
    assert added.exit_code == 0 and "Warning" in added.stderr


def test_two_active_accounts_never_share_a_name(kiosk_dir: Path) -> None:
    conn = instance.open_db(kiosk_dir).conn
    accounts.add_staff(conn, "Samia", "gate", "246824")
    with pytest.raises(ValueError, match="already named"):
        accounts.add_staff(conn, "Samia", "workshop", "135791")
