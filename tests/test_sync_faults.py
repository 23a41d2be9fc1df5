"""Fault tests with real processes on loopback: central down, lost answers, replayed and
reordered batches, kill -9 of a kiosk during push and pull, double entries, a clock
one hour off, a token revoked in the middle of a sync."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import FAIR_START, free_port, post_scan, serving
from sync_helpers import (
    Proxy,
    day_tickets,
    device_id,
    enroll,
    events_of,
    fake_scans,
    fake_tickets,
    integrity,
    point_at,
    query,
    reference_of,
    scan,
    serve_at,
    transport,
    wait_until,
)

from kiosk import clock, instance
from kiosk import db as dbmod
from sync import protocol
from sync.client import Client, Refused, Transient, pending_events

FAST_LOOP = {"KIOSK_SYNC_INTERVAL": "0.2", "KIOSK_SYNC_MAX_BACKOFF": "0.5"}


def central_high(central_dir: Path, folder: Path) -> int:
    rows = query(central_dir, "SELECT high_seq FROM sync_devices WHERE device_id = ?", (device_id(folder),))
    return rows[0][0] if rows else 0


def unsent(folder: Path) -> int:
    return query(folder, "SELECT device.seq - pushed_seq FROM device, sync_state")[0][0]


def test_central_down_then_back_queues_drain(central_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    central = f"http://127.0.0.1:{port}"
    with serve_at(central_dir, port):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
    tickets = day_tickets(central_dir, 8)
    with serving(k1, FAST_LOOP) as (kiosk, _process):
        # Central is down: the kiosk keeps admitting, the loop keeps failing quietly.
        assert [post_scan(kiosk, t)["reason"] for t in tickets[:5]] == ["ok"] * 5
        assert unsent(k1) == 5
        with serve_at(central_dir, port):
            wait_until(lambda: unsent(k1) == 0, what="queue drained")
            assert [post_scan(kiosk, t)["reason"] for t in tickets[5:]] == ["ok"] * 3
            wait_until(lambda: unsent(k1) == 0, what="queue drained again")
    me = device_id(k1)
    assert events_of(central_dir, me) == events_of(k1, me)
    assert len(events_of(central_dir, me)["scans"]) == 8
    # The background loop reported the kiosk's health, camera state included.
    reported = query(central_dir, "SELECT status FROM sync_devices WHERE device_id = ?", (me,))
    status = json.loads(reported[0][0])
    assert status["camera"] == "none" and status["app_version"]


def test_lost_answer_retry_applies_nothing_twice(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        fake_scans(k1, 1200)
        proxy = Proxy(central)
        try:
            point_at(k1, proxy.url)
            proxy.drop_answers = 2  # the first two pushes: central commits, the answer is lost
            client = Client(k1, batch=500)
            result = client.round()
            client.close()
        finally:
            proxy.close()
    assert result.waiting == 0
    health = {d["name"]: d for d in protocol.devices(instance.open_db(central_dir).conn)}["entry-main"]
    assert health["events_waiting"] == 0 and health["high_seq"] == 1200
    first, retried = proxy.answers[0], proxy.answers[1]
    assert first["applied"] == 500 and first["duplicates"] == 0
    assert retried["applied"] == 0 and retried["duplicates"] == 500  # the retry of the lost batch
    assert sum(a["applied"] for a in proxy.answers) == 1200
    me = device_id(k1)
    assert events_of(central_dir, me) == events_of(k1, me)
    assert central_high(central_dir, k1) == 1200


def test_replayed_duplicated_reordered_batches(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        tickets = day_tickets(central_dir, 30)
        for t in tickets:
            scan(k1, t)
        fake_scans(k1, 270)
        conn = instance.open_db(k1).conn
        batches, after = [], 0
        while True:
            parts, last = pending_events(conn, after, 37)
            if not parts:
                break
            batches.append({"events": parts})
            after = last
        sender = transport(central, k1)
        delivery = batches + batches[::2] + batches[3:5]
        random.Random(6).shuffle(delivery)
        highs = [
            sender.request("POST", "/api/v1/sync/push", json.loads(json.dumps(b)))["high_seq"]
            for b in delivery
        ]
        sender.close()
    assert highs[-1] == 300 and max(highs) == 300
    me = device_id(k1)
    assert events_of(central_dir, me) == events_of(k1, me)
    assert query(central_dir, "SELECT count(*) FROM scans WHERE device_id = ?", (me,)) == [(300,)]
    assert query(central_dir, "SELECT count(*) FROM sync_conflicts") == [(0,)]


def _kill9(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_kill9_during_push(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        fake_scans(k1, 30000)
        for _attempt in range(2):
            with serving(k1, FAST_LOOP) as (_kiosk, process):
                held = central_high(central_dir, k1)
                wait_until(lambda h=held: central_high(central_dir, k1) > h + 1000, what="push under way")
                _kill9(process)
            assert integrity(k1) == "ok"
            assert unsent(k1) > 0 and central_high(central_dir, k1) < 30000
        with serving(k1, FAST_LOOP):
            wait_until(lambda: unsent(k1) == 0, timeout=120, what="push finished")
    me = device_id(k1)
    assert events_of(central_dir, me) == events_of(k1, me)
    assert integrity(central_dir) == "ok"


def test_kill9_during_pull_cursor_never_goes_back(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        fake_tickets(central_dir, 40000)
        final = query(central_dir, "SELECT max(seq) FROM sync_changes")[0][0]
        seen: list[int] = []
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                seen.append(query(k1, "SELECT cursor FROM sync_state")[0][0])
                stop.wait(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            start = seen[0] if seen else query(k1, "SELECT cursor FROM sync_state")[0][0]
            with serving(k1, FAST_LOOP) as (_kiosk, process):
                wait_until(
                    lambda: start < query(k1, "SELECT cursor FROM sync_state")[0][0] < final - 4000,
                    what="pull under way",
                )
                _kill9(process)
            killed_at = query(k1, "SELECT cursor FROM sync_state")[0][0]
            assert integrity(k1) == "ok"
            assert killed_at < final
            with serving(k1, FAST_LOOP):
                wait_until(
                    lambda: query(k1, "SELECT cursor FROM sync_state")[0][0] == final,
                    timeout=120,
                    what="pull finished",
                )
        finally:
            stop.set()
            watcher.join()
    assert seen == sorted(seen), "the cursor went back"
    assert reference_of(k1) == reference_of(central_dir, "entry")


def organizer_get(central: str, path: str) -> dict:
    """GET an organizer-only API of a served central (the demo organizer's token)."""
    login = urllib.request.Request(
        central + "/api/v1/login",
        data=json.dumps({"name": "Hanane", "pin": "24681357"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(login) as answer:
        token = json.load(answer)["token"]
    asked = urllib.request.Request(central + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(asked) as answer:
        return json.load(answer)


def test_two_offline_gates_admit_the_same_ticket(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        k2 = enroll(central, central_dir, tmp_path / "k2", "entry-east", gate="east")
        ticket, other = day_tickets(central_dir, 2)
        assert scan(k1, ticket) == "ok" and scan(k2, ticket, "east") == "ok"
        assert scan(k1, other) == "ok" and scan(k1, other, direction="out") == "ok"
        assert scan(k2, other, "east") == "ok"  # left by main, came back by east: fine
        for folder in (k1, k2):
            Client(folder).round()
        conflicts = organizer_get(central, "/api/v1/conflicts")["conflicts"]
        with urllib.request.urlopen(central + "/api/v1/attendance") as answer:
            figures = json.load(answer)
    doubles = [c for c in conflicts if c["kind"] == "double_entry"]
    assert len(doubles) == 1
    detail = doubles[0]["detail"]
    assert detail["entries"] == 2 and detail["exits"] == 0
    assert {s["device_id"] for s in detail["scans"]} == {device_id(k1), device_id(k2)}
    assert query(central_dir, "SELECT count(*) FROM scans WHERE result = 'accepted'") == [(5,)]
    assert figures["entries"] == 4 and figures["ticket_visitors"] == 2


def test_kiosk_clock_one_hour_off(central_dir: Path, tmp_path: Path, fair_clock: str) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        ahead = clock.iso(clock.parse_time(fair_clock).replace(hour=12))
        tickets = day_tickets(central_dir, 4)
        os.environ["KIOSK_NOW"] = ahead
        try:
            assert [scan(k1, t) for t in tickets] == ["ok"] * 4
        finally:
            os.environ["KIOSK_NOW"] = fair_clock
        done = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "sync", str(k1)],
            capture_output=True,
            text=True,
            env={**os.environ, "KIOSK_NOW": ahead},
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        conflicts = organizer_get(central, "/api/v1/conflicts?kind=clock_offset")["conflicts"]
        with urllib.request.urlopen(central + f"/api/v1/attendance?date={FAIR_START}") as answer:
            figures = json.load(answer)
    assert len(conflicts) == 1 and abs(conflicts[0]["detail"]["offset_seconds"] - 3600) < 5
    assert abs(query(central_dir, "SELECT clock_offset FROM sync_devices")[0][0] - 3600) < 5
    assert abs(query(k1, "SELECT clock_offset FROM sync_state")[0][0] - 3600) < 5
    me = device_id(k1)
    assert events_of(central_dir, me) == events_of(k1, me)
    assert figures["entries"] == 4 and figures["ticket_visitors"] == 4
    # Not late: corrected by the measured offset, the scans are only just made.
    assert query(central_dir, "SELECT count(*) FROM sync_conflicts WHERE kind = 'late_upload'") == [(0,)]


def test_late_upload_is_marked(central_dir: Path, tmp_path: Path, fair_clock: str) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        assert scan(k1, day_tickets(central_dir, 1)[0]) == "ok"
    later = clock.iso(clock.parse_time(fair_clock).replace(hour=14))
    with serving(central_dir, {"KIOSK_NOW": later}) as (central, _process):
        fake_scans(k1, 1200)  # three batches, all made three hours before they arrive
        point_at(k1, central)
        os.environ["KIOSK_NOW"] = later  # the kiosk comes back online three hours later
        try:
            Client(k1).round()
        finally:
            os.environ["KIOSK_NOW"] = fair_clock
    late = query(central_dir, "SELECT detail FROM sync_conflicts WHERE kind = 'late_upload'")
    assert len(late) == 1  # one entry for the device's late upload, not one per batch
    detail = json.loads(late[0][0])
    assert abs(detail["delay_seconds"] - 3 * 3600) < 120  # the clocks run while the test does
    assert (detail["first_seq"], detail["last_seq"], detail["events"]) == (1, 1201, 1201)


def test_token_revoked_during_a_sync(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        fake_scans(k1, 2500)
        proxy = Proxy(central)

        def revoke_before_third(count: int) -> None:
            if count == 3:
                database = instance.open_db(central_dir)
                with dbmod.write(database) as conn:
                    protocol.revoke_device(conn, "entry-main", clock.now())
                database.conn.close()

        proxy.before_push = revoke_before_third
        try:
            point_at(k1, proxy.url)
            client = Client(k1, batch=500)
            with pytest.raises(Refused) as refusal:
                client.round()
            client.close()
        finally:
            proxy.close()
    assert refusal.value.error == "device_revoked"
    me = device_id(k1)
    # Two whole batches made it before the revocation, nothing after, nothing half.
    assert query(central_dir, "SELECT count(*) FROM scans WHERE device_id = ?", (me,)) == [(1000,)]
    assert central_high(central_dir, k1) == 1000
    assert query(k1, "SELECT pushed_seq, revoked FROM sync_state") == [(1000, 1)]
    assert query(k1, "SELECT count(*) FROM staff") == [(0,)]
    assert unsent(k1) == 1500
    with pytest.raises(Refused):
        Client(k1).round()  # a revoked kiosk no longer syncs
    assert integrity(k1) == "ok"


def test_a_hung_central_times_out_and_events_stay_queued(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
    scan(k1, day_tickets(central_dir, 1)[0])
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        point_at(k1, f"http://127.0.0.1:{silent.getsockname()[1]}")
        client = Client(k1, timeout=0.5, attempts=2, max_wait=0.1)
        started = time.monotonic()
        with pytest.raises(Transient):
            client.round()
        client.close()
        assert time.monotonic() - started < 5
    assert unsent(k1) == 1


def test_kill9_during_snapshot(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        k1 = enroll(central, central_dir, tmp_path / "k1", "entry-main")
        fake_tickets(central_dir, 40000)
        # Tombstones purged past the kiosk's cursor: its next pull must be a fresh snapshot.
        database = instance.open_db(central_dir)
        with dbmod.write(database) as conn:
            conn.execute("DELETE FROM tickets WHERE serial = (SELECT min(serial) FROM tickets)")
            protocol.purge_tombstones(conn, protocol.current_cursor(conn))
        database.conn.close()

        def progress() -> dict | None:
            raw = query(k1, "SELECT snapshot FROM sync_state")[0][0]
            return json.loads(raw) if raw else None

        with serving(k1, FAST_LOOP) as (_kiosk, process):
            wait_until(
                lambda: (
                    (p := progress()) is not None and p["tables"][0] == "tickets" and p["after"] is not None
                ),
                what="snapshot of tickets under way",
            )
            _kill9(process)
        stopped = progress()
        assert stopped is not None and stopped["after"] is not None
        assert integrity(k1) == "ok"
        with serving(k1, FAST_LOOP):
            wait_until(
                lambda: (
                    progress() is None
                    and query(k1, "SELECT cursor FROM sync_state")[0][0] >= stopped["cursor"]
                ),
                timeout=120,
                what="snapshot finished",
            )
    assert reference_of(k1) == reference_of(central_dir, "entry")
