"""A scan the screen showed as accepted survives kill -9 of the kiosk process."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from tests.conftest import post_scan, serving
from tests.helpers import rows


def test_acknowledged_scans_survive_kill_9(kiosk_dir: Path, fair_clock: str) -> None:
    payloads = [
        r["payload"]
        for r in rows(
            kiosk_dir.parent / "central", "SELECT payload FROM tickets WHERE valid_from = '2026-06-15'"
        )
    ]
    assert len(payloads) > 800
    acknowledged: list[dict] = []
    lock = threading.Lock()
    enough = threading.Event()

    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, process):

        def burst(chunk: list[str]) -> None:
            for code in chunk:
                try:
                    answer = post_scan(base, code)
                except OSError:
                    return  # the kiosk died under us: what it answered before is what counts
                with lock:
                    acknowledged.append(answer)
                    if len(acknowledged) >= 150:
                        enough.set()

        threads = [threading.Thread(target=burst, args=(payloads[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        assert enough.wait(60), "the kiosk did not answer 150 scans"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for thread in threads:
            thread.join(30)

    accepted = {a["scan_uuid"] for a in acknowledged if a["ok"]}
    assert len(accepted) >= 150
    assert len(accepted) < len(payloads), "the kill came during the burst, not after it"
    stored = {r["uuid"] for r in rows(kiosk_dir, "SELECT uuid FROM scans WHERE result = 'accepted'")}
    assert accepted <= stored
    assert rows(kiosk_dir, "PRAGMA integrity_check")[0][0] == "ok"
    seqs = [r[0] for r in rows(kiosk_dir, "SELECT device_seq FROM scans ORDER BY device_seq")]
    assert seqs == list(range(1, len(seqs) + 1)), "sequence numbers have no gap after the crash"

    # The kiosk starts again on the same file and goes on where it stopped.
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        answer = post_scan(base, payloads[-1])
    assert answer["reason"] in {"ok", "already_inside"}
    assert rows(kiosk_dir, "SELECT max(device_seq) FROM scans")[0][0] == len(seqs) + 1
