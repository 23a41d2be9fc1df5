"""The ``kiosk`` command: init, bundle, kiosk provisioning, help and error lines."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import create_app, instance
from tests.helpers import rows, ticket


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_help_explains_every_command() -> None:
    result = kiosk("--help")
    assert result.returncode == 0
    for command in ("init", "bundle", "tickets", "serve"):
        assert command in result.stdout
    issue_help = kiosk("tickets", "issue", "--help").stdout
    assert "--format" in issue_help and "txt|png|pdf" in issue_help


def test_central_demo_then_bundle_then_kiosk(tmp_path: Path) -> None:
    central = tmp_path / "central"
    made = kiosk("init", str(central), "--role", "central", "--demo", "--start", "2026-06-15")
    assert made.returncode == 0, made.stderr
    assert (central / "keys" / "ed25519-1.pem").exists()
    assert rows(central, "SELECT start_date, end_date FROM event")[0][:] == ("2026-06-15", "2026-06-22")
    types = {r[0] for r in rows(central, "SELECT DISTINCT type_id FROM tickets")}
    assert types == {"day", "pass", "child", "exhibitor", "staff", "guest", "workshop"}
    assert {r[0] for r in rows(central, "SELECT id FROM gates")} >= {"main", "east", "heritage"}

    bundle_file = tmp_path / "fair.bundle"
    assert kiosk("bundle", str(central), "--out", str(bundle_file)).returncode == 0
    assert b"PRIVATE KEY" not in gzip.decompress(bundle_file.read_bytes())

    booth = tmp_path / "kiosk"
    result = kiosk("init", str(booth), "--role", "kiosk", "--bundle", str(bundle_file), "--gate", "heritage")
    assert result.returncode == 0, result.stderr
    assert not (booth / "keys").exists(), "a kiosk holds public keys only"
    assert rows(booth, "SELECT count(*) FROM signing_keys")[0][0] == 1
    device = rows(booth, "SELECT * FROM device")[0]
    assert device["gate_id"] == "heritage" and device["role"] == "entry"


def test_the_demo_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        made = kiosk("init", str(folder), "--role", "central", "--demo", "--start", "2026-06-15")
        assert made.returncode == 0
    query = "SELECT payload FROM tickets ORDER BY serial"
    assert [r[0] for r in rows(first, query)] == [r[0] for r in rows(second, query)]


def test_kiosk_admits_a_ticket_it_has_never_seen(kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    db = instance.open_db(kiosk_dir)
    db.conn.execute("DELETE FROM tickets")
    app = create_app(kiosk_dir, {"TESTING": True})
    answer = app.test_client().post("/api/v1/scans", json={"code": payload}).get_json()
    assert answer["ok"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "{tmp}/x", "--role", "mayor"], "unknown role"),
        (["init", "{tmp}/x", "--role", "entry", "--demo"], "--demo is for a central instance"),
        (["init", "{tmp}/x", "--role", "central", "--start", "2026-06-15"], "--start goes with --demo"),
        (["init", "{tmp}/x", "--role", "central", "--demo", "--start", "15/06/2026"], "not a date"),
        (["bundle", "{tmp}/nowhere", "--out", "{tmp}/b"], "is not an instance folder"),
        (["serve", "{tmp}/nowhere"], "is not an instance folder"),
        (
            ["tickets", "issue", "{tmp}/nowhere", "--type", "day", "--count", "1", "--out", "{tmp}/t"],
            "is not an instance folder",
        ),
    ],
)
def test_errors_are_one_line_and_non_zero(tmp_path: Path, args: list[str], message: str) -> None:
    result = kiosk(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_init_refuses_an_existing_instance(central_dir: Path) -> None:
    result = kiosk("init", str(central_dir), "--role", "central")
    assert result.returncode != 0 and "already an instance folder" in result.stderr


def test_bad_bundle_files(tmp_path: Path, central_dir: Path) -> None:
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(b"\x1f\x8b not really gzip")
    result = kiosk("init", str(tmp_path / "k"), "--role", "kiosk", "--bundle", str(junk), "--gate", "main")
    assert result.returncode != 0 and "not a bundle file" in result.stderr
    other = tmp_path / "other.bundle"
    other.write_bytes(gzip.compress(b'{"format": "something-else"}'))
    result = kiosk("init", str(tmp_path / "k"), "--role", "kiosk", "--bundle", str(other), "--gate", "main")
    assert result.returncode != 0 and "not a salon-kiosk bundle" in result.stderr
    good = tmp_path / "fair.bundle"
    kiosk("bundle", str(central_dir), "--out", str(good))
    result = kiosk("init", str(tmp_path / "k"), "--role", "kiosk", "--bundle", str(good), "--gate", "moon")
    assert result.returncode != 0 and "has no gate 'moon'" in result.stderr
    assert not (tmp_path / "k").exists(), "a refused init leaves nothing behind"


def test_environment_overrides_the_config_file(kiosk_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_GATE", "east")
    monkeypatch.setenv("KIOSK_DEBOUNCE_SECONDS", "9")
    app = create_app(kiosk_dir)
    assert app.config["GATE"] == "east" and app.config["DEBOUNCE_SECONDS"] == 9


def test_revoke_then_the_kiosk_refuses(central_dir: Path, tmp_path: Path) -> None:
    row = ticket(central_dir, "day")
    result = kiosk("tickets", "revoke", str(central_dir), row["short_code"], "--reason", "lost")
    assert result.returncode == 0 and "revoked" in result.stdout
    again = kiosk("tickets", "revoke", str(central_dir), row["payload"])
    assert "already revoked" in again.stdout
    assert kiosk("tickets", "revoke", str(central_dir), "nonsense").returncode != 0
    bundle_file = tmp_path / "fair.bundle"
    kiosk("bundle", str(central_dir), "--out", str(bundle_file))
    booth = tmp_path / "booth"
    kiosk("init", str(booth), "--role", "entry", "--bundle", str(bundle_file), "--gate", "main")
    answer = create_app(booth).test_client().post("/api/v1/scans", json={"code": row["payload"]})
    assert answer.get_json()["reason"] == "revoked"


def test_demo_writes_a_sheet_of_tickets_valid_today(central_dir: Path) -> None:
    from kiosk.demo_run import write_sample_tickets

    sheet, codes = write_sample_tickets(central_dir)
    assert sheet.read_bytes().startswith(b"%PDF")
    assert {kind for kind, _code in codes} == {
        "day",
        "pass",
        "child",
        "exhibitor",
        "staff",
        "guest",
        "workshop",
    }
    app = create_app(central_dir, {"TESTING": True})
    for _kind, code in codes:
        assert app.test_client().post("/api/v1/scans", json={"code": code, "gate": "main"}).get_json()["ok"]
