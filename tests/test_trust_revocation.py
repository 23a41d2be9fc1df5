"""Revoking a stolen kiosk rotates the PINs it held (issue 11 point 5): a PIN whose hash
the kiosk held logs in nowhere, central and every other kiosk alike, until an organizer
sets a new one on central, which reaches the kiosks by sync."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import serving
from sync_helpers import enroll, sync_round

from kiosk import create_app
from kiosk.cli import main

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}
OLD = {"name": "Omar", "pin": "135791"}
NEW = {"name": "Omar", "pin": "975318"}


def test_a_pin_a_revoked_kiosk_held_logs_in_nowhere_until_it_is_changed(
    central_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    with serving(central_dir) as (central, _process):
        east = enroll(central, central_dir, tmp_path / "east", "entry-east", "entry", "main")
        east_app = create_app(east, {"TESTING": True}).test_client()
        central_app = create_app(central_dir, {"TESTING": True}).test_client()
        assert east_app.post("/api/v1/login", json=OLD).status_code == 200
        added = runner.invoke(
            main, ["devices", "add", str(central_dir), "--name", "entry-lost", "--role", "entry"]
        )
        assert added.exit_code == 0, added.output
        revoked = runner.invoke(main, ["devices", "revoke", str(central_dir), "entry-lost"])
        assert revoked.exit_code == 0, revoked.output
        assert "Omar" in revoked.stdout and "no longer logs in" in revoked.stdout

        # Central refuses the old PIN at once, with a reason, on the API and the screen...
        refused = central_app.post("/api/v1/login", json=OLD, environ_base=REMOTE)
        assert refused.status_code == 403
        assert refused.get_json() == {"ok": False, "reason": "pin_must_change"}
        screen = central_app.post("/staff/login?lang=fr", data=OLD, environ_base=REMOTE)
        assert screen.status_code == 403
        assert "Ce code doit être changé : voyez un organisateur." in screen.get_data(as_text=True)
        # ...and a wrong PIN for the account says nothing more than any wrong PIN.
        wrong = central_app.post("/api/v1/login", json={"name": "Omar", "pin": "000000"}, environ_base=REMOTE)
        assert wrong.status_code == 401 and wrong.get_json()["reason"] == "wrong_pin"

        # Another kiosk learns it by sync, and refuses it on its own screen too.
        sync_round(east)
        refused = east_app.post("/api/v1/login", json=OLD)
        assert refused.status_code == 403 and refused.get_json()["reason"] == "pin_must_change"
        screen = east_app.post("/staff/login?lang=ar", data=OLD)
        assert screen.status_code == 403
        assert "يجب تغيير هذا الرمز: راجع أحد المنظمين." in screen.get_data(as_text=True)

        changed = runner.invoke(
            main, ["staff", "set-pin", str(central_dir), "--name", "Omar", "--pin", NEW["pin"]]
        )
        assert changed.exit_code == 0, changed.output
        assert central_app.post("/api/v1/login", json=NEW, environ_base=REMOTE).status_code == 200
        assert central_app.post("/api/v1/login", json=OLD, environ_base=REMOTE).status_code == 401
        assert east_app.post("/api/v1/login", json=NEW).status_code == 401  # not synced yet
        sync_round(east)
        assert east_app.post("/api/v1/login", json=NEW).status_code == 200
        assert east_app.post("/api/v1/login", json=OLD).status_code == 401
