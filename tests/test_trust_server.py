"""A kiosk server that survives hostile clients (issue 11): MJPEG previews cannot take
every worker thread (real ``kiosk serve`` on loopback with a camera playing a video);
anonymous finder GETs cannot write statistics without end."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import post_scan, serving
from finder_helpers import make_finder_kiosk
from helpers import rows

from kiosk import create_app
from kiosk.camera.synthetic import ticket_payloads, ticket_video
from kiosk.camera.views import MAX_PREVIEW_STREAMS
from kiosk.finder import stats

WORKER_THREADS = 8  # kiosk.serve's waitress threads


def open_preview(base: str) -> tuple[socket.socket, int]:
    """A preview request left open, as a forgotten browser tab keeps it: (socket, status)."""
    where = urlsplit(base)
    sock = socket.create_connection((where.hostname, where.port), timeout=30)
    sock.sendall(f"GET /camera/preview.mjpg HTTP/1.1\r\nHost: {where.netloc}\r\n\r\n".encode())
    status_line = b""
    while not status_line.endswith(b"\r\n"):
        status_line += sock.recv(1)
    return sock, int(status_line.split()[1])


def test_previews_leave_threads_for_scans(
    kiosk_dir: Path, central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    payloads = ticket_payloads(central_dir, count=2)
    video = ticket_video(tmp_path / "v.avi", payloads[0], size=(640, 480))
    env = {"KIOSK_NOW": fair_clock, "KIOSK_CAMERA_SOURCE": str(video)}
    with serving(kiosk_dir, env) as (base, _process):
        opened = [open_preview(base) for _ in range(WORKER_THREADS)]
        try:
            statuses = sorted(status for _sock, status in opened)
            assert statuses == [200] * MAX_PREVIEW_STREAMS + [503] * (WORKER_THREADS - MAX_PREVIEW_STREAMS)
            # Scans still find a thread while the previews stream.
            assert post_scan(base, payloads[1])["level"] in ("green", "amber", "red")
            # A preview that ends gives its place back.
            for sock, status in opened:
                if status == 200:
                    sock.close()
                    break
            # The server notices a viewer left at its next frame: try for up to 10 s.
            for _ in range(50):
                sock, status = open_preview(base)
                sock.close()
                if status == 200:
                    break
                time.sleep(0.2)
            assert status == 200
        finally:
            for sock, _status in opened:
                sock.close()


def test_anonymous_gets_cannot_write_statistics_without_end(
    central_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NOW_FROZEN", "1")  # one minute of the budget, however slow the machine
    folder = make_finder_kiosk(central_dir, tmp_path, {})
    client = create_app(folder, {"TESTING": True}).test_client()
    budget = stats.Budget()
    # One address hammering searches and category pages: counted up to its allowance.
    for n in range(3 * budget.per_client):
        assert (
            client.get(f"/finder/search?q=zzz{n}", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code
            == 200
        )
    assert rows(folder, "SELECT count(*) FROM finder_events WHERE kind = 'search'")[0][0] == budget.per_client
    # Many addresses: the kiosk's total a minute holds.
    for n in range(2 * budget.total):
        client.get(f"/finder/search?q=yyy{n}", environ_base={"REMOTE_ADDR": f"198.51.{n // 250}.{n % 250}"})
    assert rows(folder, "SELECT count(*) FROM finder_events")[0][0] <= budget.total
