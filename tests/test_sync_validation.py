"""Central checks what kiosks send as strictly as the kiosk that wrote it: bad events are
kept aside with a reason (the kiosk logs it, the dashboard shows it), never counted,
and an organizer can void them; stored rows never break the figures; hostile sync
bodies and values get a 4xx, never a 500."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import serving
from sync_helpers import (
    ANNULMENT_COLUMNS,
    SCAN_COLUMNS,
    WALK_IN_COLUMNS,
    day_tickets,
    device_id,
    enroll,
    insert_sql,
    query,
    scan,
    scan_row,
    token_of,
    walk_in_row,
)
from test_sync_dashboard import login

from kiosk import clock, create_app, events, instance
from kiosk import db as dbmod
from sync import protocol, wire
from sync.client import Client, Refused


def enrolled(central_dir: Path, name: str = "k", role: str = "entry") -> tuple[object, str]:
    database = instance.open_db(central_dir)
    device = str(uuid.uuid4())
    with dbmod.write(database) as conn:
        protocol.ensure_change_log(conn)
        protocol.enroll(conn, protocol.add_device(conn, name, role, "main", clock.now()), device, clock.now())
    return database, device


def apply(database: object, device: str, parts: list[dict[str, object]]) -> dict[str, object]:
    with dbmod.write(database) as conn:  # type: ignore[arg-type]
        return protocol.apply_batch(conn, device, {"events": parts}, clock.now())


BAD_SCANS = [
    ({"device_time": "not-a-time"}, "bad_time"),
    ({"result": "accepted", "reason": "ok", "ticket_serial": None}, "admission_without_ticket"),
    ({"gate_id": "nowhere"}, "unknown_gate"),
    ({"zone_id": "heritage"}, "wrong_zone_for_gate"),
    ({"direction": "sideways"}, "bad_direction"),
    ({"type_id": "vip-forever"}, "unknown_type"),
    ({"reason": "because"}, "bad_result"),
    ({"fair_date": "2031-01-01"}, "not_a_fair_day"),
    ({"code_digest": "x"}, "bad_code_digest"),
    ({"ticket_serial": [1, 2]}, "bad_cell_type"),
    ({"ticket_serial": 1 << 64}, "integer_out_of_range"),
]


@pytest.mark.parametrize(("values", "reason"), BAD_SCANS)
def test_a_bad_scan_is_kept_aside_with_its_reason(central_dir: Path, values: dict, reason: str) -> None:
    database, device = enrolled(central_dir)
    rows = [scan_row(device, 1), scan_row(device, 2, **values), scan_row(device, 3)]
    answer = apply(database, device, [{"table": "scans", "columns": SCAN_COLUMNS, "rows": rows}])
    assert answer["high_seq"] == 1 and answer["applied"] == 2
    assert [(r["device_seq"], r["reason"]) for r in answer["rejected"]] == [(2, reason)]
    assert query(central_dir, "SELECT device_seq FROM scans WHERE device_id = ?", (device,)) == [(1,), (3,)]
    health = {d["name"]: d for d in protocol.devices(database.conn)}["k"]
    assert health["rejected"] == 1 and health["rejected_reason"] == reason


def test_walk_ins_annulments_and_undos_are_checked(central_dir: Path) -> None:
    database, device = enrolled(central_dir)
    other_database, other = enrolled(central_dir, "other")
    theirs = scan_row(other, 1)
    apply(other_database, other, [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [theirs]}])
    rows = [
        walk_in_row(device, 1, kind="group", people=10**9),
        walk_in_row(device, 2, kind="adult", people=3),
    ]
    annul = {
        "table": "annulments",
        "columns": ANNULMENT_COLUMNS,
        "rows": [[str(uuid.uuid4()), device, 3, clock.iso(clock.now()), theirs[0], None]],
    }
    answer = apply(database, device, [{"table": "walk_ins", "columns": WALK_IN_COLUMNS, "rows": rows}, annul])
    assert [r["reason"] for r in answer["rejected"]] == [
        "bad_people",
        "bad_people",
        "annulment_of_unknown_scan",
    ]
    assert query(central_dir, "SELECT count(*) FROM annulments") == [(0,)]
    assert query(central_dir, "SELECT count(*) FROM walk_ins WHERE device_id = ?", (device,)) == [(0,)]


def test_stored_bad_rows_never_break_the_figures(central_dir: Path) -> None:
    """Rows written before central checked them (or by hand) are skipped, not a 500."""
    database, device = enrolled(central_dir)
    bad = [
        scan_row(device, 1, device_time="not-a-time", result="accepted", reason="ok", ticket_serial=7),
        scan_row(device, 2, result="accepted", reason="ok", ticket_serial=None, type_id=None),
    ]
    with dbmod.write(database) as conn:
        conn.executemany(insert_sql("scans", SCAN_COLUMNS), bad)
        conn.execute(
            insert_sql("walk_ins", WALK_IN_COLUMNS),
            walk_in_row(device, 3, kind="group", people="many"),
        )
    client = create_app(central_dir, {"TESTING": True}).test_client()
    login(client)
    for url in ("/dashboard/", "/dashboard/live", "/dashboard/export/attendance.csv", "/api/v1/attendance"):
        assert client.get(url).status_code == 200, url


def test_an_organizer_voids_a_devices_bad_events(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        assert scan(gate, day_tickets(central_dir, 1)[0]) == "ok"
        # A bug on the kiosk writes a walk-in of a billion people, then it keeps working.
        database = instance.open_db(gate)
        with dbmod.write(database) as conn:
            stamp = events.stamp(conn, clock.now())
            conn.execute(
                insert_sql("walk_ins", WALK_IN_COLUMNS),
                walk_in_row(str(stamp["device_id"]), int(stamp["device_seq"]), kind="group", people=10**9),
            )
        database.conn.close()
        tickets = day_tickets(central_dir, 4)[1:]
        assert [scan(gate, t) for t in tickets] == ["ok"] * 3
        client = Client(gate, attempts=1)
        with pytest.raises(Refused) as refused:
            client.round()
        assert refused.value.error == "events_rejected" and "bad_people" in refused.value.detail
        # The good events after the bad one reach central and count; the bad one waits.
        me = device_id(gate)
        assert query(central_dir, "SELECT count(*) FROM scans WHERE device_id = ?", (me,)) == [(4,)]
        assert query(gate, "SELECT pushed_seq FROM sync_state") == [(1,)]
        assert "bad_people" in query(gate, "SELECT last_error FROM sync_state")[0][0]
        organizer = create_app(central_dir, {"TESTING": True}).test_client()
        login(organizer)
        assert "bad_people" in organizer.get("/dashboard/live").get_data(as_text=True)
        answer = organizer.post("/dashboard/devices/entry-main/void", headers={"Origin": "http://localhost"})
        assert answer.status_code == 302
        client.round()
        client.close()
    assert query(gate, "SELECT device.seq - pushed_seq FROM device, sync_state") == [(0,)]
    assert query(central_dir, "SELECT count(*) FROM walk_ins WHERE device_id = ?", (me,)) == [(0,)]
    kept = query(
        central_dir, "SELECT reason, voided_at IS NOT NULL FROM sync_rejected WHERE device_id = ?", (me,)
    )
    assert kept == [("bad_people", 1)]


def raw_push(central: str, body: bytes, token: str, gzipped: bool = True) -> tuple[int, dict]:
    headers = {wire.PROTOCOL_HEADER: str(wire.PROTOCOL), "Authorization": f"Bearer {token}"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    request = urllib.request.Request(central + "/api/v1/sync/push", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(gzip.decompress(answer.read()))
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_hostile_bodies_and_values_get_a_4xx(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        gate = enroll(central, central_dir, tmp_path / "gate", "entry-main", "entry", "main")
        token, me = token_of(gate), device_id(gate)
        bomb = gzip.compress(b"[" * (64 * 1024 * 1024), compresslevel=9)
        # Checked for its token before anything is inflated.
        assert raw_push(central, bomb, "forged")[0] == 401
        status, answer = raw_push(central, bomb, token)
        assert status == 413, answer
        deep = gzip.compress(b"[" * 100_000 + b"]" * 100_000)
        assert raw_push(central, deep, token)[0] == 400
        nan = json.dumps({"events": [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [scan_row(me, 1)]}]})
        nan = nan.replace('"in"', "NaN")
        assert raw_push(central, gzip.compress(nan.encode()), token)[0] == 400
        huge = {"events": [{"table": "scans", "columns": SCAN_COLUMNS, "rows": [scan_row(me, 1 << 64)]}]}
        assert raw_push(central, gzip.compress(json.dumps(huge).encode()), token)[0] == 400
        for path in (
            "/api/v1/sync/changes?cursor=%C2%B2",
            "/api/v1/sync/snapshot?table=tickets&after=[18446744073709551616]",
        ):
            request = urllib.request.Request(
                central + path, headers={wire.PROTOCOL_HEADER: "1", "Authorization": f"Bearer {token}"}
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 400, path
