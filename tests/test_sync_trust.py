"""Central trusts only what a device token proves: a push is stored under the token's
device, with known columns once each, only in the event tables the device's role
produces; a device sequence central holds under another uuid is a conflict the kiosk
hears of, never "already held". Against a real central ``kiosk serve`` on loopback."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import serving
from sync_helpers import day_tickets, device_id, enroll, events_of, query, scan

from kiosk import clock, instance
from kiosk import db as dbmod
from sync import protocol
from sync.client import Client, Refused, Transport

COLUMNS = [
    "uuid",
    "device_id",
    "device_seq",
    "device_time",
    "fair_date",
    "gate_id",
    "zone_id",
    "direction",
    "code_digest",
    "ticket_serial",
    "type_id",
    "result",
    "reason",
]


def scan_row(device: str, seq: int, **values: object) -> list[object]:
    row = {
        "uuid": str(uuid.uuid4()),
        "device_id": device,
        "device_seq": seq,
        "device_time": clock.iso(clock.now()),
        "fair_date": "2026-06-15",
        "gate_id": "main",
        "zone_id": "sales",
        "direction": "in",
        "code_digest": f"{seq:064x}",
        "ticket_serial": None,
        "type_id": None,
        "result": "refused",
        "reason": "unknown_format",
        **values,
    }
    return [row[c] for c in COLUMNS]


def token_of(folder: Path) -> str:
    return query(folder, "SELECT token FROM sync_state")[0][0]


def push(central: str, token: str, parts: list[dict[str, object]]) -> dict[str, object]:
    transport = Transport(central, token, attempts=1)
    try:
        return transport.request("POST", "/api/v1/sync/push", {"events": parts})  # type: ignore[return-value]
    finally:
        transport.close()


def test_a_device_cannot_write_in_another_devices_name(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        other = enroll(central, central_dir, tmp_path / "other", "entry-east", "entry", "east")
        victim = device_id(gate)
        # device_id and device_seq listed twice: SQLite would store the first copy.
        columns = [*COLUMNS, "device_id", "device_seq"]
        rows = [[*scan_row(victim, seq), device_id(other), 1000 + seq] for seq in range(1, 6)]
        with pytest.raises(Refused) as refused:
            push(central, token_of(other), [{"table": "scans", "columns": columns, "rows": rows}])
        assert refused.value.status == 400 and "twice" in refused.value.detail
        # The other device's id in the rows: refused whole, nothing stored under it.
        rows = [scan_row(victim, seq) for seq in range(1, 6)]
        with pytest.raises(Refused):
            push(central, token_of(other), [{"table": "scans", "columns": COLUMNS, "rows": rows}])
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
        "events": [{"table": "scans", "columns": [*COLUMNS, "admin"], "rows": [[*scan_row(device, 1), 1]]}]
    }
    with pytest.raises(protocol.Refusal) as refused, dbmod.write(database) as conn:
        protocol.apply_batch(conn, device, batch, clock.now())
    assert refused.value.status == 400 and "admin" in refused.value.detail


def test_a_role_pushes_only_the_event_tables_it_produces(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        finder = enroll(central, central_dir, tmp_path / "finder", "finder-1", "finder", None)
        me = device_id(finder)
        with pytest.raises(Refused) as refused:
            push(
                central, token_of(finder), [{"table": "scans", "columns": COLUMNS, "rows": [scan_row(me, 1)]}]
            )
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
                f"INSERT INTO scans ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                scan_row(me, 1),
            )
        database.conn.close()
        assert [scan(gate, t) for t in day_tickets(central_dir, 3)] == ["ok"] * 3
        client = Client(gate, attempts=1)
        with pytest.raises(Refused) as refused:
            client.round()
        client.close()
        assert refused.value.error == "seq_conflict"
    # Nothing marked sent, the kiosk says why, the dashboard's conflicts list it.
    assert query(gate, "SELECT pushed_seq FROM sync_state") == [(0,)]
    assert "seq_conflict" in query(gate, "SELECT last_error FROM sync_state")[0][0]
    assert query(central_dir, "SELECT kind FROM sync_conflicts") == [("seq_conflict",)]
    assert query(central_dir, "SELECT high_seq FROM sync_devices WHERE device_id = ?", (me,)) == [(0,)]
