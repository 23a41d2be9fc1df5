"""Shared fixtures: real instance folders with real SQLite files, real servers on
loopback, and Debian's Chromium driven by Playwright.

The demo central instance is built once per session (``demo_template``) and copied
for each test that wants one (``central_dir``), so tests may change it freely.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk import bundle, create_app, demo, instance

FAIR_START = date(2026, 6, 15)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Real photographed QR codes (zxing-cpp test images, Apache-2.0: licence beside them).
QR_SAMPLES = Path(__file__).resolve().parent / "data" / "qr-samples"


@pytest.fixture(autouse=True)
def fair_clock(monkeypatch: pytest.MonkeyPatch) -> str:
    """Tests run on the first fair day from 11:00 unless they set KIOSK_NOW themselves: a
    running clock started with the test, shared with the servers it starts (KIOSK_NOW_AT)."""
    value = f"{FAIR_START.isoformat()}T11:00:00+01:00"
    monkeypatch.setenv("KIOSK_NOW", value)
    monkeypatch.setenv("KIOSK_NOW_AT", datetime.now(UTC).isoformat())
    return value


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template") / "central"
    database = instance.create(folder, ["central"], name="central", gate="main")
    demo.build(database, folder, FAIR_START)
    database.conn.close()
    return folder


@pytest.fixture
def central_dir(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo central instance."""
    target = tmp_path / "central"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def kiosk_dir(central_dir: Path, tmp_path: Path) -> Path:
    """An entry kiosk at the main gate, provisioned from a bundle of the demo fair."""
    bundle_file = tmp_path / "fair.bundle"
    bundle.write_bundle(instance.open_db(central_dir), bundle_file, roles="entry")
    folder = tmp_path / "kiosk-main"
    database = instance.create(folder, ["entry"], name="kiosk-main", gate="main")
    bundle.load_tables(database, bundle.read_bundle(bundle_file))
    database.conn.close()
    return folder


@pytest.fixture
def app(kiosk_dir: Path):
    return create_app(kiosk_dir, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def paged_finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    """A finder kiosk showing 12 results a page, for the paging tests."""
    from finder_helpers import make_finder_kiosk

    return make_finder_kiosk(central_dir, tmp_path, {"FINDER_RESULTS": 12})


@pytest.fixture
def paged_client(paged_finder_dir: Path):
    return create_app(paged_finder_dir, {"TESTING": True}).test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 15.0, context: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1, context=context):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def post_json(url: str, document: dict[str, object], timeout: float = 30) -> dict[str, Any]:
    """POST a JSON document to a real server; its JSON answer."""
    request = urllib.request.Request(
        url, data=json.dumps(document).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def post_scan(base: str, code: str) -> dict[str, Any]:
    """Scan a code through a served instance's ``/api/v1/scans``; the verdict."""
    return post_json(base + "/api/v1/scans", {"code": code})


def self_signed(folder: Path, days: int = 1, name: str = "kiosk-main.local") -> tuple[Path, Path]:
    """A self-signed certificate for NAME and 127.0.0.1 valid DAYS (and an hour) from
    yesterday, and its key: (cert-DAYS.pem, key-DAYS.pem) in FOLDER."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days, hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"cert-{days}.pem", folder / f"key-{days}.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@contextmanager
def serving(
    folder: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    args: tuple[str, ...] = (),
    context: ssl.SSLContext | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real ``kiosk serve`` process on loopback (a free port unless given), with ARGS
    added to its command line; yields (base URL, process). With CONTEXT (trusting the
    ``--cert`` of ARGS) it is reached over HTTPS."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "serve", str(folder), "--port", str(port), *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"{'https' if context else 'http'}://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", timeout=20, context=context)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def live_kiosk(kiosk_dir: Path, fair_clock: str) -> Iterator[str]:
    """The entry kiosk served by a real process; yields its base URL."""
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        yield base


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()
