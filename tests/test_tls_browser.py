"""Chromium opens the browser camera page of a real ``kiosk serve`` over HTTPS with a
certificate signed by the venue CA, the CA trusted (as a staff phone that installed it
from /ca.crt): the page is a secure context and gets the camera. Without the CA, the same
page is refused."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from test_tls_ca import kiosk_cli
from tls_helpers import serving_https, trusting

from kiosk import tls

pytestmark = pytest.mark.browser


def spki_pin(certificate: x509.Certificate) -> str:
    """Chromium's form of a public key pin: base64 of the SHA-256 of its SPKI."""
    der = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def test_camera_page_over_https_with_the_venue_ca_trusted(
    browser, central_dir: Path, kiosk_dir: Path, fair_clock: str
) -> None:
    assert kiosk_cli("ca", "init", central_dir).returncode == 0
    # The kiosk's certificate, as enrollment gives it: its own key, signed by the venue CA.
    key = tls.new_key()
    names = tls.device_names("entry-main", ["127.0.0.1"])
    chain = tls.issue(central_dir, tls.public_pem(key), names, datetime.now(UTC))
    tls.install(kiosk_dir, tls.ca_files(central_dir)[0].read_bytes(), chain, tls.key_pem(key))
    ca_file, cert_file, key_file = tls.served_files(kiosk_dir)
    ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        # Trust the venue CA (by its key, as an installed CA would be), nothing else.
        f"--ignore-certificate-errors-spki-list={spki_pin(ca)}",
        # A LAN name, not localhost: only HTTPS makes it a secure context.
        "--host-resolver-rules=MAP entry-main.local 127.0.0.1",
    ]
    with serving_https(kiosk_dir, cert_file, key_file, trusting(ca_file), env={"KIOSK_NOW": fair_clock}) as (
        base,
        _process,
    ):
        port = base.rsplit(":", 1)[1]
        chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        try:
            context = chromium.new_context(ignore_https_errors=False)
            page = context.new_page()
            answer = page.goto(f"https://entry-main.local:{port}/camera/browser")
            assert answer is not None and answer.ok
            assert page.evaluate("window.isSecureContext") is True
            assert page.evaluate("typeof navigator.mediaDevices?.getUserMedia") == "function"
            page.wait_for_function("document.getElementById('camera-video').videoWidth > 0", timeout=15000)
            assert page.locator("#camera-error").is_hidden()
        finally:
            chromium.close()
        # A browser that does not trust the venue CA is stopped at the certificate.
        plain = browser.new_context(ignore_https_errors=False)
        try:
            with pytest.raises(Exception, match="ERR_CERT_AUTHORITY_INVALID"):
                plain.new_page().goto(base + "/camera/browser")
        finally:
            plain.close()
