"""``kiosk serve`` survives hostile clients on the venue network: hundreds of idle or
half-open connections do not lock the kiosk's own screen out, and a huge request body
is refused at once, before any of it is read or spooled to disk."""

from __future__ import annotations

import socket
from pathlib import Path

from conftest import post_scan, serving
from sync_helpers import day_tickets


def test_idle_and_half_open_connections_do_not_stop_scans(
    central_dir: Path, kiosk_dir: Path, fair_clock: str
) -> None:
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        port = int(base.rsplit(":", 1)[1])
        held = []
        try:
            for i in range(300):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                if i % 2:  # half a request, never finished (slowloris)
                    sock.sendall(b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                held.append(sock)
            assert [post_scan(base, code)["reason"] for code in day_tickets(central_dir, 3)] == ["ok"] * 3
        finally:
            for sock in held:
                sock.close()


def test_a_huge_body_is_refused_before_it_is_read(kiosk_dir: Path, fair_clock: str) -> None:
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000000000\r\n\r\n" + b"x" * 65536
            )
            answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert not [p for p in (kiosk_dir).rglob("*") if p.stat().st_size > 10_000_000]
