"""Camera pages through the Flask test client: entry-screen panel and status fragment,
out-of-band camera verdict, hints in the visitor's language, browser-camera frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk import create_app
from kiosk.camera import service
from kiosk.camera.synthetic import (
    background,
    degrade,
    ticket_frame,
    ticket_payloads,
    ticket_video,
    torn_ticket_frame,
)
from tests.helpers import accepted_scans


@pytest.fixture
def payload(central_dir: Path) -> str:
    return ticket_payloads(central_dir, count=1)[0]


@pytest.fixture
def camera_app(kiosk_dir: Path):
    """The entry kiosk app with a camera loop that the test feeds frame by frame."""
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": "fed-by-test.avi"})
    app.extensions[service.EXTENSION] = service.build_loop(app)
    return app


def jpeg(frame: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def test_no_camera_configured(client) -> None:
    assert b"camera-panel" not in client.get("/entry/").data
    assert client.get("/camera/status").status_code == 404
    assert client.get("/camera/preview.mjpg").status_code == 404
    assert client.get("/api/v1/camera").get_json() == {"state": "off"}
    assert "Caméra éteinte" in client.get("/camera/").get_data(as_text=True)


def test_camera_verdict_reaches_the_entry_screen(camera_app, kiosk_dir: Path, payload: str) -> None:
    client = camera_app.test_client()
    page = client.get("/entry/").get_data(as_text=True)
    assert "camera-panel" in page and '"after": 0' in page and "/camera/preview.mjpg" in page
    quiet = client.get("/camera/status?after=0")
    assert "hx-swap-oob" not in quiet.get_data(as_text=True) and "HX-Trigger" not in quiet.headers

    loop = service.get_loop(camera_app)
    events = loop.process(ticket_frame(payload, np.random.default_rng(1)))
    assert [e.result.reason for e in events] == ["ok"]
    assert accepted_scans(kiosk_dir, payload) == 1

    answer = client.get("/camera/status?after=0")
    html = answer.get_data(as_text=True)
    assert answer.headers["HX-Trigger"] == "scanned"
    assert 'id="verdict" hx-swap-oob="innerHTML"' in html and 'data-level="green"' in html
    assert "Bienvenue !" in html
    assert '"after": 1' in html  # the next poll asks only for newer verdicts
    again = client.get("/camera/status?after=1").get_data(as_text=True)
    assert "hx-swap-oob" not in again
    assert '"after": 1' in client.get("/entry/").get_data(as_text=True)


def test_hint_in_the_visitors_language(camera_app) -> None:
    client = camera_app.test_client()
    loop = service.get_loop(camera_app)
    loop.process(torn_ticket_frame(box=2))
    assert "Approchez votre billet de la caméra" in client.get("/camera/status").get_data(as_text=True)
    arabic = client.get("/camera/status?lang=ar").get_data(as_text=True)
    assert "قرّب تذكرتك من الكاميرا" in arabic
    assert "Hold your ticket closer" in client.get("/camera/status?lang=en").get_data(as_text=True)
    loop.process(torn_ticket_frame(box=6))
    assert "Tenez votre billet immobile" in client.get("/camera/status?lang=fr").get_data(as_text=True)
    loop.process(np.full((720, 1280, 3), 128, np.uint8))
    assert "camera-hint" in client.get("/camera/status").get_data(as_text=True)  # lingers a moment


def test_status_json_page_and_snapshot(camera_app) -> None:
    client = camera_app.test_client()
    assert client.get("/camera/snapshot.jpg").status_code == 503  # no frame yet
    loop = service.get_loop(camera_app)
    rng = np.random.default_rng(3)
    loop.process(degrade(background(rng), rng))
    status = client.get("/api/v1/camera").get_json()
    assert status["state"] == "ok" and status["frames"] == 1
    assert status["decoders"] == ["zxingcpp", "pyzbar"] and status["source"] == "fed-by-test.avi"
    snapshot = client.get("/camera/snapshot.jpg")
    assert snapshot.mimetype == "image/jpeg" and snapshot.data[:2] == b"\xff\xd8"
    assert cv2.imdecode(np.frombuffer(snapshot.data, np.uint8), cv2.IMREAD_COLOR).shape == (360, 640, 3)
    page = client.get("/camera/?lang=en").get_data(as_text=True)
    assert "Camera on" in page and "zxingcpp, pyzbar" in page


def test_mjpeg_preview_streams_frames(kiosk_dir: Path, payload: str, tmp_path: Path) -> None:
    video = ticket_video(tmp_path / "v.avi", payload, size=(640, 480))
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": str(video)})
    loop = service.start_camera(app)
    try:
        response = app.test_client().get("/camera/preview.mjpg", buffered=False)
        assert response.mimetype == "multipart/x-mixed-replace"
        chunk = next(iter(response.response))
        assert chunk.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8")
        response.close()
    finally:
        loop.stop()


def test_browser_frame_decodes_and_answers_the_verdict(client, kiosk_dir: Path, payload: str) -> None:
    frame = jpeg(ticket_frame(payload, np.random.default_rng(6), size=(800, 450)))
    first = client.post("/camera/browser/frame", data=frame, content_type="image/jpeg")
    assert first.status_code == 200 and first.headers["X-Camera-Result"] == "verdict"
    assert 'data-level="green"' in first.get_data(as_text=True)
    assert accepted_scans(kiosk_dir, payload) == 1
    # Still in view on the next frame: one scan, nothing new to show.
    assert client.post("/camera/browser/frame", data=frame, content_type="image/jpeg").status_code == 204
    rng = np.random.default_rng(7)
    empty = jpeg(degrade(background(rng, (800, 450)), rng))
    assert client.post("/camera/browser/frame", data=empty, content_type="image/jpeg").status_code == 204
    far = jpeg(torn_ticket_frame(box=2, size=(800, 450)))
    hint = client.post("/camera/browser/frame?lang=ar", data=far, content_type="image/jpeg")
    assert hint.status_code == 200 and hint.headers["X-Camera-Result"] == "hint"
    assert "قرّب" in hint.get_data(as_text=True)
    assert client.post("/camera/browser/frame", data=b"junk", content_type="image/jpeg").status_code == 400


def test_browser_camera_needs_staff_from_another_host(client) -> None:
    remote = {"REMOTE_ADDR": "192.168.1.40"}
    assert client.get("/camera/browser", environ_base=remote).status_code == 302
    refused = client.post("/camera/browser/frame", data=b"x", environ_base=remote)
    assert refused.status_code == 302 and "/staff/login" in refused.headers["Location"]
    page = client.get("/camera/browser").get_data(as_text=True)
    assert "camera-video" in page and "/camera/browser/frame" in page


def test_openapi_describes_the_camera_status(client) -> None:
    document = client.get("/api/openapi.json").get_json()
    assert "/api/v1/camera" in document["paths"]
    described = set(document["components"]["schemas"]["CameraStatus"]["properties"])
    app = client.application
    app.extensions[service.EXTENSION] = service.build_loop(
        create_app(app.instance_path, {"TESTING": True, "CAMERA_SOURCE": "x.avi"})
    )
    assert set(client.get("/api/v1/camera").get_json()) == described


def test_missing_camera_is_said_on_screen_and_status_page(kiosk_dir: Path, tmp_path: Path) -> None:
    import time

    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": str(tmp_path / "unplugged.avi")})
    loop = service.start_camera(app)
    try:
        deadline = time.monotonic() + 10
        while loop.status()["state"] != "missing":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        client = app.test_client()
        line = client.get("/camera/status").get_data(as_text=True)
        assert 'data-state="missing"' in line and "Caméra introuvable" in line
        page = client.get("/camera/").get_data(as_text=True)
        assert "Caméra introuvable" in page and "cannot open camera" in page
    finally:
        loop.stop()


def test_pictures_and_camera_password_stay_private(kiosk_dir: Path) -> None:
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": "rtsp://admin:s3cret@10.0.0.9:554/live"})
    app.extensions[service.EXTENSION] = service.build_loop(app)
    client = app.test_client()
    remote = {"REMOTE_ADDR": "192.168.1.40"}
    for path in ("/camera/preview.mjpg", "/camera/snapshot.jpg", "/camera/"):
        assert client.get(path, environ_base=remote).status_code == 302
    status = client.get("/api/v1/camera", environ_base=remote).get_json()
    assert status["source"] == "rtsp://10.0.0.9:554/live"
    assert "s3cret" not in service.describe(app)
