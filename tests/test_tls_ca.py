"""The venue CA (kiosk.tls, ``kiosk ca``): central makes it, serves HTTPS with a
certificate it signs, hands it to enrolling kiosks in a signed answer, signs each
kiosk's own key for the names the organizer gave; kiosks pin it for sync and serve HTTPS
with their certificate; staff phones download it from /ca.crt."""

from __future__ import annotations

import http.server
import ssl
import stat
import subprocess
import threading
import urllib.error
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import self_signed
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sync_helpers import central_key
from tls_helpers import KIOSK, https_json, serving_https, trusting

from kiosk import tls


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def kiosk_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KIOSK, *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture
def venue_central(central_dir: Path) -> Path:
    """The demo central with a venue CA and its own certificate for 127.0.0.1."""
    done = kiosk_cli("ca", "init", central_dir, "--address", "127.0.0.1", "--address", "central.local")
    assert done.returncode == 0, done.stderr
    return central_dir


def test_ca_init_makes_a_name_constrained_ca_and_centrals_certificate(venue_central: Path) -> None:
    ca_cert, ca_key = tls.ca_files(venue_central)
    ca_file, cert_file, key_file = tls.served_files(venue_central)
    for private in (ca_key, key_file):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    assert ca_file.read_bytes() == ca_cert.read_bytes()
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    leaf, chained_ca = x509.load_pem_x509_certificates(cert_file.read_bytes())
    assert chained_ca == ca
    leaf.verify_directly_issued_by(ca)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(n) for n in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["central.local"]
    # Once made, the CA stays: every kiosk and phone trusts it.
    again = kiosk_cli("ca", "init", venue_central)
    assert again.returncode != 0 and "already holds a CA" in again.stderr
    # Public names and addresses are outside what it may certify.
    for outside in ("8.8.8.8", "bank.example.com"):
        refused = kiosk_cli("ca", "issue", venue_central, outside)
        assert refused.returncode != 0 and outside in refused.stderr, refused.stderr
    shown = kiosk_cli("ca", "show", venue_central)
    assert tls.fingerprint(ca) in shown.stdout


def test_the_ca_refuses_a_kiosk_folder(kiosk_dir: Path) -> None:
    done = kiosk_cli("ca", "init", kiosk_dir)
    assert done.returncode != 0 and "central" in done.stderr


def test_enrollment_over_https_pins_the_venue_ca_and_certifies_the_kiosk(
    venue_central: Path, tmp_path: Path, fair_clock: str
) -> None:
    ca_file = tls.served_files(venue_central)[0]
    _ca, cert_file, key_file = tls.served_files(venue_central)
    venue = trusting(ca_file)
    with serving_https(venue_central, cert_file, key_file, venue) as (central_url, _process):
        added = kiosk_cli(
            "devices", "add", venue_central, "--name", "entry-main", "--role", "entry", "--gate", "main",
            "--address", "127.0.0.1",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        code = added.stdout.split("Enrollment code for entry-main: ")[1].split()[0]
        kiosk = tmp_path / "entry-main"
        init = kiosk_cli(
            "init", kiosk, "--role", "kiosk", "--central", central_url, "--code", code,
            "--central-key", central_key(venue_central),
        )  # fmt: skip
        # Before, the kiosk trusted only the system's authorities: this failed on TLS.
        assert init.returncode == 0, init.stderr
        kiosk_ca, kiosk_cert, kiosk_key = tls.served_files(kiosk)
        assert kiosk_ca.read_bytes() == ca_file.read_bytes()
        assert stat.S_IMODE(kiosk_key.stat().st_mode) == 0o600
        leaf, _chained = x509.load_pem_x509_certificates(kiosk_cert.read_bytes())
        ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
        leaf.verify_directly_issued_by(ca)
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert [str(n) for n in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        assert names.get_values_for_type(x509.DNSName) == ["entry-main.local"]
        # The kiosk's key never left it: central holds only what it signed.
        private = serialization.load_pem_private_key(kiosk_key.read_bytes(), password=None)
        assert private.public_key() == leaf.public_key()
        assert kiosk_key.read_bytes() not in b"".join(p.read_bytes() for p in venue_central.rglob("*.pem"))
        assert kiosk_cli("sync", kiosk).returncode == 0
        # `kiosk doctor` counts the days left on the certificate the kiosk was given.
        doctor = kiosk_cli("doctor", kiosk)
        assert f"ok    tls       {kiosk_cert}: " in doctor.stdout, doctor.stdout

        # The kiosk serves HTTPS with its own certificate, trusted through the venue CA.
        with serving_https(kiosk, kiosk_cert, kiosk_key, venue) as (kiosk_url, _kiosk_process):
            assert https_json(kiosk_url + "/healthz", venue)["ok"] is True

    # A central impostor at the kiosk's central address, with a certificate the venue CA
    # did not sign: the kiosk sends it nothing.
    fake_cert, fake_key = self_signed(tmp_path)
    impostor = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port_of(central_url)), http.server.BaseHTTPRequestHandler
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(fake_cert, fake_key)
    impostor.socket = context.wrap_socket(impostor.socket, server_side=True)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    try:
        refused = kiosk_cli("sync", kiosk)
    finally:
        impostor.shutdown()
        impostor.server_close()
    assert refused.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr, refused.stderr


def test_staff_phones_download_the_ca_and_see_its_fingerprint(venue_central: Path, kiosk_dir: Path) -> None:
    from kiosk import create_app

    app = create_app(venue_central)
    client = app.test_client()
    answer = client.get("/ca.crt")
    assert answer.status_code == 200
    assert answer.mimetype == "application/x-x509-ca-cert"
    ca = x509.load_pem_x509_certificate(tls.ca_files(venue_central)[0].read_bytes())
    assert x509.load_der_x509_certificate(answer.data) == ca
    page = client.get("/ca/?lang=fr").get_data(as_text=True)
    assert tls.fingerprint(ca) in page and "<svg" in page and "http://localhost/ca.crt" in page
    assert "Certificat du salon" in page
    # An instance without a venue CA has none to give.
    assert create_app(kiosk_dir).test_client().get("/ca.crt").status_code == 404


def test_central_signs_only_the_names_the_organizer_gave(venue_central: Path) -> None:
    assert tls.device_names("entry-main", ["10.0.0.5"]) == ["10.0.0.5", "entry-main.local"]
    assert tls.device_names("Borne Est", []) == []  # no host name in it: nothing to certify
    now = datetime.now(UTC)
    with pytest.raises(tls.TLSError):
        tls.issue(venue_central, tls.public_pem(tls.new_key()), [], now)
    with pytest.raises(tls.TLSError):
        tls.issue(venue_central, "not a key", ["10.0.0.5"], now)


def test_python_clients_verify_a_ca_issued_certificate(venue_central: Path, fair_clock: str) -> None:
    """The name constraints are accepted by OpenSSL (the kiosk's sync client)."""
    ca_file, cert_file, key_file = tls.served_files(venue_central)
    context = trusting(ca_file)
    with serving_https(venue_central, cert_file, key_file, context) as (base, _process):
        assert https_json(base + "/healthz", context)["ok"] is True
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            https_json(base + "/healthz", ssl.create_default_context())  # the system does not know it


def test_the_dashboard_takes_a_kiosks_lan_addresses(central_dir: Path) -> None:
    import sqlite3

    from kiosk import create_app

    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    form = {"name": "entry-3", "role": "entry", "gate": "main", "addresses": "192.168.1.33, entry-3.lan"}
    assert client.post("/dashboard/devices", data=form).status_code == 200
    with sqlite3.connect(central_dir / "kiosk.db") as conn:
        stored = conn.execute("SELECT addresses FROM sync_devices WHERE name = 'entry-3'").fetchone()
    assert stored == ("192.168.1.33 entry-3.lan",)
    refused = client.post("/dashboard/devices", data={**form, "name": "entry-4", "addresses": "under_score!"})
    assert refused.status_code == 400 and "not an IP address or a host name" in refused.get_data(as_text=True)


def test_the_devices_page_links_the_ca_page_only_when_there_is_a_ca(central_dir: Path) -> None:
    from kiosk import create_app

    def devices_page() -> str:
        client = create_app(central_dir, {"TESTING": True}).test_client()
        assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
        return client.get("/dashboard/devices").get_data(as_text=True)

    assert 'href="/ca/"' not in devices_page()
    assert create_app(central_dir).test_client().get("/ca/").status_code == 404
    done = kiosk_cli("ca", "init", central_dir, "--address", "127.0.0.1")
    assert done.returncode == 0, done.stderr
    assert 'href="/ca/"' in devices_page()
    assert create_app(central_dir).test_client().get("/ca/").status_code == 200
