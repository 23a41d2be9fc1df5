"""The backlog after central comes back (issue 16 point 6): while events wait, central is
probed at the normal interval, so the queue leaves within an interval of its return."""

from __future__ import annotations

from pathlib import Path

from conftest import free_port, post_scan, serving
from sync_helpers import day_tickets, enroll, query, serve_at, wait_until

from sync.client import retry_delay


def test_events_waiting_keep_the_probe_at_the_interval() -> None:
    for failures in range(1, 30):
        assert all(1.5 <= retry_delay(3.0, 60.0, failures, queued=True) <= 3.0 for _ in range(50))
    # Nothing to send: the probe backs off (up to SYNC_MAX_BACKOFF).
    idle = [retry_delay(3.0, 60.0, 6, queued=False) for _ in range(200)]
    assert max(idle) > 6.0 and all(1.5 <= delay <= 60.0 for delay in idle)
    assert all(retry_delay(3.0, 1.0, 6, queued=False) == 1.5 for _ in range(10))  # never below half


def unsent(folder: Path) -> int:
    return query(folder, "SELECT device.seq - pushed_seq FROM device, sync_state")[0][0]


def test_a_backlog_leaves_soon_after_central_returns_from_a_long_outage(
    central_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    with serve_at(central_dir, port):
        kiosk = enroll(f"http://127.0.0.1:{port}", central_dir, tmp_path / "k1", "entry-main")
    tickets = day_tickets(central_dir, 6)
    # A long backoff allowed: with events waiting the loop must not use it.
    loop = {"KIOSK_SYNC_INTERVAL": "0.5", "KIOSK_SYNC_MAX_BACKOFF": "120"}
    with serving(kiosk, loop) as (base, _process):
        assert [post_scan(base, t)["reason"] for t in tickets] == ["ok"] * 6
        log = kiosk / "kiosk.log"
        # Six failed rounds: a backoff would now be up to 0.5 * 2**6 = 32 s.
        wait_until(
            lambda: log.read_text(encoding="utf-8").count("sync failed") >= 6, what="six failed rounds"
        )
        assert unsent(kiosk) == 6
        with serve_at(central_dir, port):
            wait_until(lambda: unsent(kiosk) == 0, timeout=8, what="the backlog on central")
