"""`kiosk serve --cert --key`: the kiosk over HTTPS, as browser cameras on the venue
network need it (a real process, a real TLS handshake)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import free_port, self_signed


def test_serve_https_with_cert_and_key(kiosk_dir: Path, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "serve",
            str(kiosk_dir),
            "--port",
            str(port),
            "--cert",
            str(cert),
            "--key",
            str(key),
        ],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    context = ssl.create_default_context(cafile=str(cert))  # trust exactly this certificate
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(
                    f"https://127.0.0.1:{port}/camera/browser", context=context, timeout=2
                ) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        assert "camera-video" in page
    finally:
        process.terminate()
        process.wait(10)
    assert f"https://127.0.0.1:{port}/" in process.stderr.read().decode()


def test_cert_without_key_is_refused(kiosk_dir: Path, tmp_path: Path) -> None:
    cert, _key = self_signed(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "serve", str(kiosk_dir), "--cert", str(cert)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode != 0 and "--cert and --key go together" in result.stderr
