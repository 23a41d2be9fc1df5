"""Enrollment, push, pull, revocation, protocol versions and event files, against a real
central ``kiosk serve`` process on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serving
from sync_helpers import (
    add_device,
    day_tickets,
    device_id,
    enroll,
    events_of,
    init_args,
    query,
    reference_of,
    scan,
    transport,
)

from kiosk import clock, instance
from kiosk import db as dbmod
from kiosk.cli import main
from kiosk.entry import tally
from sync import wire
from sync.client import Client, Refused


def kiosk_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_enroll_push_pull_and_attendance(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        code = add_device(central_dir, "entry-main", "entry", "main")
        done = kiosk_cli(*init_args(tmp_path / "k1", "kiosk", central, code, central_dir))
        assert done.returncode == 0, done.stderr
        assert "Enrolled as entry-main" in done.stdout
        # The code works once.
        again = kiosk_cli(*init_args(tmp_path / "k1b", "kiosk", central, code, central_dir))
        assert again.returncode != 0 and "enrollment failed" in again.stderr
        k2 = enroll(central, central_dir, tmp_path / "k2", "entry-east", "entry", "east")
        k1 = tmp_path / "k1"
        assert reference_of(k1) == reference_of(central_dir, "entry")
        assert instance.read_config(k1)["CENTRAL_URL"] == central

        tickets = day_tickets(central_dir, 6)
        assert [scan(k1, t) for t in tickets[:4]] == ["ok"] * 4
        assert [scan(k2, t, "east") for t in tickets[4:]] == ["ok"] * 2
        tally.record_walk_in(instance.open_db(k2), "east", "group", 5)
        for folder in (k1, k2):
            done = kiosk_cli("sync", str(folder))
            assert done.returncode == 0, done.stderr
            assert "0 left unsent" in done.stdout
            assert events_of(central_dir, device_id(folder)) == events_of(folder, device_id(folder))
        with urllib.request.urlopen(central + "/api/v1/attendance") as answer:
            figures = json.load(answer)
        assert figures["entries"] == 6 + 5
        assert figures["ticket_visitors"] == 6
        assert figures["entries_by_gate"] == {"east": 7, "main": 4}

        # Central changes reference data: a revocation and a new gate reach the kiosks.
        database = instance.open_db(central_dir)
        with dbmod.write(database) as conn:
            conn.execute(
                "INSERT INTO revocations (serial, reason, revoked_at) SELECT serial, 'lost', ?"
                " FROM tickets WHERE payload = ?",
                (clock.iso(clock.now()), tickets[5]),
            )
            conn.execute("UPDATE gates SET occupancy_limit = 99 WHERE id = 'east'")
            conn.execute("DELETE FROM tickets WHERE payload = ?", (tickets[4],))
        assert kiosk_cli("sync", str(k1)).returncode == 0
        assert reference_of(k1) == reference_of(central_dir, "entry")
        assert query(k1, "SELECT occupancy_limit FROM gates WHERE id = 'east'") == [(99,)]


def test_revoked_kiosk_is_refused_and_wipes_personal_data(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        # Entry and workshop door: the kiosk holds staff and registrations, both wiped.
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main", "entry,workshop")
        assert query(k1, "SELECT count(*) FROM staff")[0][0] > 0
        assert query(k1, "SELECT count(*) FROM session_registrations")[0][0] > 0
        scan(k1, day_tickets(central_dir, 1)[0])
        result = CliRunner().invoke(main, ["devices", "revoke", str(central_dir), "entry-main"])
        assert result.exit_code == 0, result.output
        done = kiosk_cli("sync", str(k1))
        assert done.returncode != 0
        assert "device_revoked" in done.stderr and "1 events left unsent" in done.stderr
        assert query(k1, "SELECT count(*) FROM staff") == [(0,)]
        assert query(k1, "SELECT count(*) FROM session_registrations") == [(0,)]
        assert query(k1, "SELECT revoked, token FROM sync_state") == [(1, None)]
        # The scan stays on the kiosk (an event, not personal data), still unsent.
        assert query(k1, "SELECT count(*) FROM scans") == [(1,)]


def test_protocol_version_refused_clearly(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        scan(k1, day_tickets(central_dir, 1)[0])
        token = query(k1, "SELECT token FROM sync_state")[0][0]
        old = transport(central, k1, attempts=1)
        for version in ("0", "99"):
            request = urllib.request.Request(
                central + "/api/v1/sync/hello",
                data=b"{}",
                method="POST",
                headers={wire.PROTOCOL_HEADER: version, "Authorization": f"Bearer {token}"},
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request)
            assert refused.value.code == 426
            body = json.load(refused.value)
            assert body["error"] == "protocol_version"
            assert ("update the kiosk" if version == "0" else "update central") in body["detail"]
        old.close()
        # A kiosk speaking a newer protocol keeps its events queued.
        client = Client(k1, attempts=1)
        try:
            wire_version = wire.PROTOCOL
            wire.PROTOCOL = 99
            with pytest.raises(Refused) as refusal:
                client.round()
            assert refusal.value.error == "protocol_version"
        finally:
            wire.PROTOCOL = wire_version
            client.close()
        assert query(k1, "SELECT device.seq - pushed_seq FROM device, sync_state") == [(1,)]


def test_events_file_import_is_exactly_once(central_dir: Path, kiosk_dir: Path, tmp_path: Path) -> None:
    """A bundle-provisioned kiosk (no network) carries its events to central on a file."""
    tickets = day_tickets(central_dir, 3)
    assert [scan(kiosk_dir, t) for t in tickets] == ["ok"] * 3
    runner = CliRunner()
    out = tmp_path / "events.json.gz"
    result = runner.invoke(main, ["events", "export", str(kiosk_dir), str(out)])
    assert result.exit_code == 0 and "Wrote 3 events" in result.output
    for expected in ("Imported 3 new events", "Imported 0 new events"):
        result = runner.invoke(main, ["events", "import", str(central_dir), str(out)])
        assert result.exit_code == 0, result.output
        assert expected in result.output
    me = device_id(kiosk_dir)
    assert events_of(central_dir, me) == events_of(kiosk_dir, me)
    assert query(central_dir, "SELECT role, high_seq FROM sync_devices WHERE device_id = ?", (me,)) == [
        ("imported", 3)
    ]


def test_devices_commands_and_explicit_roles(central_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "devices",
            "add",
            str(central_dir),
            "--name",
            "heritage-door",
            "--role",
            "heritage",
            "--gate",
            "heritage",
            "--central-url",
            "http://fair.lan:5000",
        ],
    )
    assert added.exit_code == 0, added.output
    code = added.output.split("Enrollment code for heritage-door: ")[1].split()[0]
    assert "--central http://fair.lan:5000 --code " + code in added.output
    wrong = runner.invoke(
        main, ["devices", "add", str(central_dir), "--name", "x", "--role", "entry", "--gate", "nowhere"]
    )
    assert wrong.exit_code != 0 and "no gate 'nowhere'" in wrong.output
    with serving(central_dir) as (central, _process):
        # Explicit kiosk roles win over the roles registered on central.
        done = kiosk_cli(*init_args(tmp_path / "k", "heritage,finder", central, code, central_dir))
        assert done.returncode == 0, done.stderr
    config = instance.read_config(tmp_path / "k")
    assert config["ROLE"] == "heritage,finder" and config["GATE"] == "heritage"
    listed = runner.invoke(main, ["devices", "list", str(central_dir)])
    assert "heritage-door" in listed.output and "enrolled" in listed.output
    assert runner.invoke(main, ["devices", "revoke", str(central_dir), "nobody"]).exit_code != 0
