"""`kiosk doctor DIR`: one line per check, non-zero exit when one fails. Real central,
real token, a real video of a ticket as the camera, real certificates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.camera.synthetic import ticket_payloads, ticket_video
from tests.conftest import self_signed, serving
from tests.sync_helpers import enroll


def doctor(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "doctor", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def statuses(output: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[0] for line in output.splitlines()}


def test_doctor_on_an_enrolled_kiosk_with_a_camera(central_dir: Path, tmp_path: Path) -> None:
    video = ticket_video(tmp_path / "gate.avi", ticket_payloads(central_dir, count=1)[0])
    with serving(central_dir) as (central_url, _process):
        kiosk = enroll(central_url, central_dir, tmp_path / "kiosk", "entry-main")
        done = doctor(kiosk, env={"KIOSK_CAMERA_SOURCE": str(video)})
        assert done.returncode == 0, done.stdout + done.stderr
        found = statuses(done.stdout)
        assert found == {
            "database": "ok",
            "disk": "ok",
            "central": "ok",
            "clock": "ok",
            "camera": "ok",
            "backups": "ok",
            "tls": "skip",
        }
        assert "decoded 'SK1:" in done.stdout

        (long_lived, _key), (expiring, _key) = self_signed(tmp_path, 300), self_signed(tmp_path, 3)
        assert statuses(doctor(kiosk, "--cert", str(long_lived)).stdout)["tls"] == "ok"
        done = doctor(kiosk, "--cert", str(expiring))
        assert done.returncode == 1 and statuses(done.stdout)["tls"] == "FAIL"
        assert "3 days left" in done.stdout

    # Central gone: the kiosk cannot vouch for its token nor its clock.
    done = doctor(kiosk)
    assert done.returncode == 1
    found = statuses(done.stdout)
    assert found["central"] == "FAIL" and found["clock"] == "FAIL" and found["database"] == "ok"
    assert done.stderr.strip() == "2 check(s) failed: central, clock"


def test_doctor_fails_a_damaged_database_and_a_missing_camera(kiosk_dir: Path) -> None:
    done = doctor(kiosk_dir, env={"KIOSK_CAMERA_SOURCE": "/dev/video-nowhere"})
    found = statuses(done.stdout)
    assert found["camera"] == "FAIL" and found["central"] == "skip"
    with (kiosk_dir / "kiosk.db").open("r+b") as raw:
        raw.seek(4096 * 3)
        raw.write(bytes(4096 * 4))
    done = doctor(kiosk_dir)
    assert done.returncode == 1 and statuses(done.stdout)["database"] == "FAIL"
