"""Central trusts only what a device token proves: a push is stored under the token's
device, with known columns once each, only in the event tables the device's role
produces; a device sequence central holds under another uuid is a conflict the kiosk
hears of, never "already held". Against a real central ``kiosk serve`` on loopback."""

from __future__ import annotations

import http.server
import threading
import urllib.request
import uuid
from pathlib import Path

import click
import pytest
from conftest import serving
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_helpers import (
    SCAN_COLUMNS,
    add_device,
    central_key,
    day_tickets,
    device_id,
    enroll,
    events_of,
    insert_sql,
    point_at,
    query,
    scan,
    scan_row,
    sync_round,
    token_of,
    transport,
)

from kiosk import clock, instance
from kiosk import db as dbmod
from sync import protocol, signing, wire
from sync.cli import init_enrolled
from sync.client import Client, Refused, Transient


def push(central: str, folder: Path, parts: list[dict[str, object]]) -> dict[str, object]:
    """Push a batch with a kiosk's token (whatever it says)."""
    sender = transport(central, folder, attempts=1)
    try:
        return sender.request("POST", "/api/v1/sync/push", {"events": parts})  # type: ignore[return-value]
    finally:
        sender.close()


def test_a_device_cannot_write_in_another_devices_name(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        other = enroll(central, central_dir, tmp_path / "other", "entry-east", "entry", "east")
        victim = device_id(gate)
        # device_id and device_seq listed twice: SQLite would store the first copy.
        columns = [*SCAN_COLUMNS, "device_id", "device_seq"]
        rows = [[*scan_row(victim, seq), device_id(other), 1000 + seq] for seq in range(1, 6)]
        with pytest.raises(Refused) as refused:
            push(central, other, [{"table": "scans", "columns": columns, "rows": rows}])
        assert refused.value.status == 400 and "twice" in refused.value.detail
        # The other device's id in the rows: refused whole, nothing stored under it.
        rows = [scan_row(victim, seq) for seq in range(1, 6)]
        with pytest.raises(Refused):
            push(central, other, [{"table": "scans", "columns": SCAN_COLUMNS, "rows": rows}])
        assert query(central_dir, "SELECT count(*) FROM scans WHERE device_id = ?", (victim,)) == [(0,)]
        # Entry-main's own scans all reach central.
        assert [scan(gate, t) for t in day_tickets(central_dir, 5)] == ["ok"] * 5
        Client(gate).round()
    assert events_of(central_dir, victim) == events_of(gate, victim)
    assert len(events_of(central_dir, victim)["scans"]) == 5


def test_unknown_columns_are_refused(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    device = str(uuid.uuid4())
    with dbmod.write(database) as conn:
        protocol.enroll(
            conn, protocol.add_device(conn, "k", "entry", "main", clock.now()), device, clock.now()
        )
    batch = {
        "events": [
            {"table": "scans", "columns": [*SCAN_COLUMNS, "admin"], "rows": [[*scan_row(device, 1), 1]]}
        ]
    }
    with pytest.raises(protocol.Refusal) as refused, dbmod.write(database) as conn:
        protocol.apply_batch(conn, device, batch, clock.now())
    assert refused.value.status == 400 and "admin" in refused.value.detail


def test_a_role_pushes_only_the_event_tables_it_produces(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        finder = enroll(central, central_dir, tmp_path / "finder", "finder-1", "finder", None)
        me = device_id(finder)
        with pytest.raises(Refused) as refused:
            push(central, finder, [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [scan_row(me, 1)]}])
        assert refused.value.status == 403 and refused.value.error == "table_not_for_role"
    assert query(central_dir, "SELECT count(*) FROM scans WHERE device_id = ?", (me,)) == [(0,)]


def test_a_seq_held_under_another_uuid_is_a_conflict_never_sent(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        me = device_id(gate)
        # Central already holds seq 1 of this device under another uuid (planted).
        database = instance.open_db(central_dir)
        with dbmod.write(database) as conn:
            conn.execute(
                insert_sql("scans", SCAN_COLUMNS),
                scan_row(me, 1),
            )
        database.conn.close()
        assert [scan(gate, t) for t in day_tickets(central_dir, 3)] == ["ok"] * 3
        with pytest.raises(Refused) as refused:
            sync_round(gate)
        assert refused.value.error == "seq_conflict"
    # Nothing marked sent, the kiosk says why, the dashboard's conflicts list it.
    assert query(gate, "SELECT pushed_seq FROM sync_state") == [(0,)]
    assert "seq_conflict" in query(gate, "SELECT last_error FROM sync_state")[0][0]
    assert query(central_dir, "SELECT kind FROM sync_conflicts") == [("seq_conflict",)]
    assert query(central_dir, "SELECT high_seq FROM sync_devices WHERE device_id = ?", (me,)) == [(0,)]


class FakeCentral:
    """A real HTTP server on loopback answering sync requests with forged pages: it
    claims to hold every event and plants a signing key and an organizer account.
    ``mode``: 'unsigned', 'own_key' (signed with its own key, offered in the header),
    'replay' (central's genuine signature of another answer)."""

    def __init__(self, mode: str, replayed: tuple[str, str] | None = None) -> None:
        attacker = Ed25519PrivateKey.generate()
        page = {
            "cursor": 10**9,
            "more": False,
            "tables": {
                "signing_keys": {
                    "columns": ["kid", "public_key", "created_at"],
                    "rows": [[99, "ab" * 32, "2026-06-15T10:00:00+01:00"]],
                    "deleted": [],
                },
                "staff": {
                    "columns": ["id", "name", "role", "pin_hash", "active"],
                    "rows": [["evil", "Mallory", "organizer", "scrypt:32768:8:1$x$y", 1]],
                    "deleted": [],
                },
            },
        }

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                document = page if path.endswith("/changes") else {"high_seq": 10**6, "server_time": None}
                body = wire.encode(document)
                self.send_response(200)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                if mode == "own_key":
                    nonce = self.headers.get(signing.NONCE_HEADER, "")
                    signature = signing.sign(attacker, nonce, self.command, self.path, 200, body)
                    self.send_header(signing.KEY_HEADER, signing.public_text(attacker))
                    self.send_header(signing.SIGNATURE_HEADER, signature)
                elif mode == "replay" and replayed:
                    self.send_header(signing.KEY_HEADER, replayed[0])
                    self.send_header(signing.SIGNATURE_HEADER, replayed[1])
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("mode", ["unsigned", "own_key", "replay"])
def test_a_kiosk_acts_on_no_answer_central_did_not_sign(central_dir: Path, tmp_path: Path, mode: str) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        # A genuine signed answer of central, to replay against another request.
        request = urllib.request.Request(
            central + "/api/v1/sync/hello",
            data=b"{}",
            method="POST",
            headers={wire.PROTOCOL_HEADER: "1", "Authorization": f"Bearer {token_of(gate)}"},
        )
        with urllib.request.urlopen(request) as answer:
            replayed = (answer.headers[signing.KEY_HEADER], answer.headers[signing.SIGNATURE_HEADER])
    assert [scan(gate, t) for t in day_tickets(central_dir, 5)] == ["ok"] * 5
    keys_before = query(gate, "SELECT * FROM signing_keys")
    fake = FakeCentral(mode, replayed)
    try:
        point_at(gate, fake.url)
        with pytest.raises(Transient) as failed:
            sync_round(gate)
    finally:
        fake.close()
    assert "signature" in str(failed.value) or "not signed" in str(failed.value)
    assert query(gate, "SELECT device.seq - pushed_seq FROM device, sync_state") == [(5,)]
    assert query(gate, "SELECT * FROM signing_keys") == keys_before
    assert query(gate, "SELECT count(*) FROM staff WHERE name = 'Mallory'") == [(0,)]


def test_enrollment_pins_the_central_that_printed_the_code(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        code = add_device(central_dir, "entry-main")
        other = signing.fingerprint(signing.public_text(Ed25519PrivateKey.generate()))
        with pytest.raises(click.ClickException) as refused:
            init_enrolled(tmp_path / "k", "kiosk", central, code, None, None, other)
        assert "central_key_mismatch" in str(refused.value.message)
        assert not (tmp_path / "k" / "config.toml").exists()
        # The right fingerprint, typed loosely (lower case, no dashes), enrolls and pins.
        init_enrolled(
            tmp_path / "k",
            "kiosk",
            central,
            code,
            None,
            None,
            central_key(central_dir).lower().replace("-", ""),
        )
    key = query(tmp_path / "k", "SELECT central_key FROM sync_state")[0][0]
    assert signing.central_fingerprint(central_dir) == signing.fingerprint(key)


def test_a_stolen_kiosk_holds_only_what_its_role_needs(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        finder = enroll(central, central_dir, tmp_path / "finder", "finder-1", "finder", None)
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
    # A stand finder: no tickets, no staff.
    assert query(finder, "SELECT count(*) FROM tickets") == [(0,)]
    assert query(finder, "SELECT count(*) FROM staff") == [(0,)]
    # A gate: every ticket without its signed payload, staff without organizers.
    assert query(gate, "SELECT count(*) FROM tickets") == query(central_dir, "SELECT count(*) FROM tickets")
    assert query(gate, "SELECT count(*) FROM tickets WHERE payload != ''") == [(0,)]
    assert query(gate, "SELECT count(*) FROM staff WHERE role = 'organizer'") == [(0,)]
    assert query(gate, "SELECT count(*) FROM staff")[0][0] > 0
    # It still decides: a typed short code and a scanned payload are both admitted.
    short, payload = query(
        central_dir,
        "SELECT short_code, payload FROM tickets WHERE type_id = 'day' AND valid_from = ?"
        " ORDER BY serial LIMIT 1",
        ("2026-06-15",),
    )[0]
    assert scan(gate, short) == "ok"
    assert scan(gate, payload, direction="out") == "ok"
    # The same holds for a kiosk provisioned from a bundle.
    from kiosk import bundle

    bundle_file = tmp_path / "finder.bundle"
    bundle.write_bundle(instance.open_db(central_dir), bundle_file, roles="finder")
    tables = bundle.read_bundle(bundle_file)
    assert tables["tickets"] == [] and tables["staff"] == []
    bundle.write_bundle(instance.open_db(central_dir), bundle_file, roles="entry")
    tables = bundle.read_bundle(bundle_file)
    assert {t["payload"] for t in tables["tickets"]} == {""}
    assert "organizer" not in {s["role"] for s in tables["staff"]}
