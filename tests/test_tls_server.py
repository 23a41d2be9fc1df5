"""``kiosk serve --cert --key`` is a production HTTPS server (hypercorn on asyncio, see
kiosk.tls_server.serve_tls): connections that never start TLS, half handshakes and remote
floods stop neither HTTPS scans nor the kiosk's own screen, and a huge body is refused
before it is read. Werkzeug's development server, used before, froze on the first idle
connection."""

from __future__ import annotations

import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, self_signed
from sync_helpers import day_tickets
from tls_helpers import client_hello, closed_by_peer, https_json, serving_https, trusting

from kiosk.serve import CONNECTION_LIMIT
from kiosk.tls_server import HANDSHAKE_TIMEOUT


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def venue_address() -> str:
    """This machine's own non-loopback address (a client from there is remote)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            pytest.skip("no network interface besides loopback")
        return probe.getsockname()[0]


def answers_soon(url: str, context: ssl.SSLContext, within: float = 15) -> bool:
    """True once URL answers (a closed client is noticed by the server's loop a moment later)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            return https_json(url, context, timeout=5)["ok"] is True
        except OSError:
            time.sleep(0.2)
    return False


def test_idle_connections_and_half_handshakes_do_not_stop_https_scans(
    central_dir: Path, kiosk_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    cert, key = self_signed(tmp_path)
    context = trusting(cert)
    with serving_https(kiosk_dir, cert, key, context) as (base, _process):
        port = port_of(base)
        hello = client_hello()
        idle, half = [], []
        try:
            for i in range(400):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                if i % 4 == 0:  # a TLS client that stops half-way through its ClientHello
                    sock.sendall(hello[: len(hello) // 2])
                    half.append(sock)
                else:  # a TCP connection that never starts TLS
                    idle.append(sock)
            verdicts = [
                https_json(base + "/api/v1/scans", context, {"code": code})["reason"]
                for code in day_tickets(central_dir, 3)
            ]
            assert verdicts == ["ok"] * 3
            assert https_json(base + "/healthz", context)["ok"] is True  # the kiosk's own screen
            # Stalled handshakes are dropped by the server, not held for ever.
            assert closed_by_peer(half[0], within=HANDSHAKE_TIMEOUT + 15)
        finally:
            for sock in idle + half:
                sock.close()


def test_remote_connections_beyond_the_limit_leave_room_for_the_screen(
    kiosk_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    address = venue_address()
    cert, key = self_signed(tmp_path)
    context = trusting(cert, check_hostname=False)  # the certificate names 127.0.0.1 only
    with serving_https(kiosk_dir, cert, key, context, host="0.0.0.0") as (base, _process):
        port = port_of(base)
        held: list[socket.socket] = []
        try:
            for _ in range(CONNECTION_LIMIT):
                held.append(socket.create_connection((address, port), timeout=5))
            # One more remote client is turned away at once...
            extra = socket.create_connection((address, port), timeout=5)
            assert closed_by_peer(extra, within=5)
            extra.close()
            # ...while the kiosk's own screen (loopback) is always let in.
            assert https_json(base + "/healthz", context)["ok"] is True
            # A place freed is a place for the next remote client.
            for sock in held[:10]:
                sock.close()
            del held[:10]
            remote = f"https://{address}:{port}"
            assert answers_soon(remote + "/healthz", context)  # once the server has seen them go
        finally:
            for sock in held:
                sock.close()


def test_a_huge_body_is_refused_over_tls_before_it_is_read(
    kiosk_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    cert, key = self_signed(tmp_path)
    context = trusting(cert)
    with serving_https(kiosk_dir, cert, key, context) as (base, _process):
        port = port_of(base)
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
        ):
            sock.sendall(
                b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000000000\r\n\r\n" + b"x" * 65536
            )
            answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        # A chunked body (no length declared) is cut at MAX_CONTENT_LENGTH, never buffered whole.
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
        ):
            sock.sendall(b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
            try:
                for _ in range(3 * 1024 * 1024 // 65536):
                    sock.sendall(chunk)
            except (ssl.SSLError, OSError):
                pass  # the server may close before the client is done sending
            answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 4"), answer
        assert https_json(base + "/healthz", context)["ok"] is True
        assert not [p for p in kiosk_dir.rglob("*") if p.stat().st_size > 10_000_000]


def test_https_on_the_lan_and_plain_http_for_the_screen_on_loopback_only(
    kiosk_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    """What `kiosk host install --https-port` runs: the screen's Chromium talks plain HTTP
    to 127.0.0.1, everyone else HTTPS; a remote client never looks local."""
    address = venue_address()
    cert, key = self_signed(tmp_path)
    context = trusting(cert, check_hostname=False)
    local = free_port()
    with serving_https(kiosk_dir, cert, key, context, host="0.0.0.0", extra=("--local-port", str(local))) as (
        base,
        _process,
    ):
        remote = f"https://{address}:{port_of(base)}"
        assert https_json(remote + "/healthz", context)["ok"] is True  # verified against the certificate
        plain = f"http://127.0.0.1:{local}"
        with urllib.request.urlopen(plain + "/healthz", timeout=5) as answer:
            assert json.load(answer)["ok"] is True
        with pytest.raises(urllib.error.URLError):  # the plain listener is not on the LAN
            urllib.request.urlopen(f"http://{address}:{local}/healthz", timeout=5)
        # Loopback trust: the screen needs no log-in, a LAN client over HTTPS does.
        opener = urllib.request.build_opener(NoRedirect)
        with opener.open(plain + "/camera/browser", timeout=5) as answer:
            assert answer.status == 200
        remote_opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as refused:
            remote_opener.open(remote + "/camera/browser", timeout=5)
        assert refused.value.code in (302, 401)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
