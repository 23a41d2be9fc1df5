"""`kiosk serve --cert --key`: the kiosk over HTTPS, as browser cameras on the venue
network need it (a real process, a real TLS handshake)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

from conftest import self_signed
from tls_helpers import serving_https, trusting


def test_serve_https_with_cert_and_key(kiosk_dir: Path, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    context = trusting(cert)  # trust exactly this certificate
    with serving_https(kiosk_dir, cert, key, context) as (base, process):
        with urllib.request.urlopen(base + "/camera/browser", context=context, timeout=10) as response:
            page = response.read().decode()
        assert "camera-video" in page
    assert f"{base}/" in process.stderr.read().decode()


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
