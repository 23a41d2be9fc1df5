"""Web hardening of issue 11: no open redirect after log-in, organizers only for the
conflicts list, spreadsheet formulas neutralised in CSV exports, a huge camera frame
refused before it is decoded."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from pathlib import Path

from helpers import api_bearer
from test_sync_dashboard import login

from kiosk import clock, create_app, instance
from kiosk import db as dbmod
from sync import protocol

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}


def test_next_after_log_in_stays_on_this_site(central_dir: Path) -> None:
    client = create_app(central_dir, {"TESTING": True}).test_client()
    for target in ("/%09/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"):
        answer = client.post(f"/staff/login?next={target}", data={"name": "Hanane", "pin": "24681357"})
        assert answer.status_code == 302
        location = answer.headers["Location"]
        assert "evil" not in location, (target, location)
    answer = client.post(
        "/staff/login?next=/dashboard/%0d%0aSet-Cookie:x=1", data={"name": "Hanane", "pin": "24681357"}
    )
    assert answer.status_code == 302 and "Set-Cookie" not in answer.headers["Location"]


def test_only_organizers_read_the_conflicts(central_dir: Path) -> None:
    client = create_app(central_dir, {"TESTING": True}).test_client()
    headers = api_bearer(client, "Omar", "135791", REMOTE)
    assert client.get("/api/v1/conflicts", headers=headers, environ_base=REMOTE).status_code == 403


def test_csv_exports_neutralise_formulas(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        protocol.add_device(conn, '=HYPERLINK("http://evil.example")', "entry", "main", clock.now())
        protocol.add_device(conn, "\tTAB", "entry", "main", clock.now())
    client = create_app(central_dir, {"TESTING": True}).test_client()
    login(client)
    text = client.get("/dashboard/export/devices.csv").get_data(as_text=True)
    names = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert '\'=HYPERLINK("http://evil.example")' in names and "'\tTAB" in names
    assert not [n for n in names if n[:1] in ("=", "+", "-", "@", "\t", "\r")]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height grey pixels (all zeros, deflated)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    deflate = zlib.compressobj(9)
    row = bytes(width + 1)
    body = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_a_huge_frame_is_refused_before_decoding(kiosk_dir: Path) -> None:
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()
    frame = png_header_only(16000, 16000)
    assert len(frame) < 2 * 1024 * 1024
    answer = client.post("/camera/browser/frame", data=frame, content_type="image/png")
    assert answer.status_code == 413


def test_camera_status_shows_no_verdict_to_anonymous_clients(kiosk_dir: Path, central_dir: Path) -> None:
    import numpy as np

    from kiosk.camera import service
    from kiosk.camera.synthetic import ticket_frame, ticket_payloads

    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": "fed-by-test.avi"})
    app.extensions[service.EXTENSION] = service.build_loop(app)
    payload = ticket_payloads(central_dir, count=1)[0]
    assert [
        e.result.reason
        for e in service.get_loop(app).process(ticket_frame(payload, np.random.default_rng(1)))
    ] == ["ok"]
    client = app.test_client()
    short = query_short_code(central_dir, payload)
    remote = client.get("/camera/status?after=0", environ_base=REMOTE)
    assert remote.status_code == 200 and "hx-swap-oob" not in remote.get_data(as_text=True)
    assert short not in remote.get_data(as_text=True)
    # The kiosk's own screen (loopback) still gets the verdict.
    assert "hx-swap-oob" in client.get("/camera/status?after=0").get_data(as_text=True)


def query_short_code(central_dir: Path, payload: str) -> str:
    conn = instance.open_db(central_dir).conn
    return conn.execute("SELECT short_code FROM tickets WHERE payload = ?", (payload,)).fetchone()[0]
