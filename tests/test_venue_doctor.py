"""`kiosk doctor DIR`: one line per check, non-zero exit when one fails. Real central,
real token, a real video of a ticket as the camera, real certificates."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.camera.synthetic import ticket_payloads, ticket_video
from tests.conftest import serving
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


def certificate(folder: Path, days: int) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "central.local")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days, hours=1))
        .sign(key, hashes.SHA256())
    )
    path = folder / f"cert-{days}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


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

        long_lived, expiring = certificate(tmp_path, 300), certificate(tmp_path, 3)
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
