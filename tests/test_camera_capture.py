"""The capture loop end to end: a video file of a ticket held up to the camera becomes
one recorded scan in the kiosk's SQLite log; reconnection, frozen camera, debounce."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FAIR_START
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import create_app
from kiosk.camera import service
from kiosk.camera.capture import CaptureLoop, Debouncer
from kiosk.camera.decoding import Chain, Reading, build_chain
from kiosk.camera.synthetic import (
    background,
    degrade,
    place,
    qr_image,
    ticket_frame,
    ticket_payloads,
    ticket_video,
    torn_ticket_frame,
    write_video,
)
from kiosk.tickets import issuing


def scans_of(kiosk_dir: Path, payload: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(kiosk_dir / "kiosk.db")
    conn.row_factory = sqlite3.Row
    digest = hashlib.sha256(payload.encode()).hexdigest()
    rows = conn.execute("SELECT * FROM scans WHERE code_digest = ?", (digest,)).fetchall()
    conn.close()
    return rows


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_video_file_through_loop_to_recorded_scan(kiosk_dir: Path, central_dir: Path, tmp_path: Path) -> None:
    payload = ticket_payloads(central_dir, count=1)[0]
    video = ticket_video(tmp_path / "gate.avi", payload)
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": str(video), "CAMERA_PACE": False})
    loop = service.build_loop(app)
    assert loop.pace is False and loop.chain.names == ["zxingcpp", "pyzbar"]
    loop.start()
    try:
        event = loop.wait_for_event(0, timeout=30)
    finally:
        loop.stop()
    assert event is not None and event.text == payload
    verdict = event.result
    assert verdict.ok and verdict.reason == "ok" and verdict.gate_id == "main" and not verdict.repeat
    rows = scans_of(kiosk_dir, payload)
    assert [(r["result"], r["reason"], r["gate_id"], r["direction"]) for r in rows] == [
        ("accepted", "ok", "main", "in")
    ]
    assert rows[0]["uuid"] == verdict.scan_uuid
    assert loop.status()["state"] == "stopped" and not loop.running


def test_code_held_in_view_is_one_scan_and_counts_again_after_leaving(central_dir: Path) -> None:
    payload = ticket_payloads(central_dir, count=1)[0]
    rng = np.random.default_rng(11)
    seen: list[str] = []
    loop = CaptureLoop("unused.avi", build_chain(), target=seen.append, debounce_seconds=0.3)
    showing = [ticket_frame(payload, rng) for _ in range(6)]
    empty = degrade(background(rng), rng)
    for frame in showing:
        loop.process(frame)
    assert seen == [payload]
    loop.process(empty)
    time.sleep(0.4)
    loop.process(showing[0])
    assert seen == [payload, payload]
    assert loop.status()["last_event"] == 2


def test_debouncer_window_runs_from_last_sighting() -> None:
    debounce = Debouncer(2.0)
    assert debounce.fresh("a", 0.0)
    assert not debounce.fresh("a", 1.5)
    assert not debounce.fresh("a", 3.0)  # still in view: 1.5 s since the last sighting
    assert debounce.fresh("a", 5.5)
    assert debounce.fresh("b", 5.6)


def test_failing_target_and_non_utf8_code_do_not_stop_the_loop(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    frame = degrade(place(background(rng), qr_image(b"\xff\xfe\x80 raw"), rng, side=300), rng)

    def broken(text: str) -> None:
        raise RuntimeError("target down")

    loop = CaptureLoop("unused.avi", build_chain(), target=broken)
    events = loop.process(frame)
    assert len(events) == 1 and events[0].result is None and isinstance(events[0].text, str)


def test_non_utf8_code_through_the_verdict_path(kiosk_dir: Path) -> None:
    rng = np.random.default_rng(4)
    frame = degrade(place(background(rng), qr_image(b"\xff\xfe\x80 raw"), rng, side=300), rng)
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": "unused.avi"})
    events = service.build_loop(app).process(frame)
    assert [e.result.reason for e in events] == ["unknown_format"]


def test_missing_camera_reconnects_when_it_comes_back(
    kiosk_dir: Path, central_dir: Path, tmp_path: Path
) -> None:
    payload = ticket_payloads(central_dir, count=1)[0]
    video = tmp_path / "later.avi"
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": str(video), "CAMERA_PACE": False})
    loop = service.build_loop(app)
    loop.reconnect_seconds = 0.2
    loop.start()
    try:
        wait_until(lambda: loop.status()["state"] == "missing")
        assert "cannot open camera" in loop.status()["error"]
        ticket_video(tmp_path / "tmp.avi", payload).rename(video)  # the camera is plugged back in
        event = loop.wait_for_event(0, timeout=30)
        assert event is not None and event.result.ok
    finally:
        loop.stop()


def test_frozen_picture_is_reported(tmp_path: Path) -> None:
    still = background(np.random.default_rng(9))
    video = write_video(tmp_path / "still.avi", [still] * 50)
    loop = CaptureLoop(str(video), build_chain(), pace=True, frozen_seconds=0.4)
    loop.start()
    try:
        wait_until(lambda: loop.status()["frames"] > 0)
        wait_until(lambda: loop.status()["state"] == "frozen", timeout=10)
        assert loop.status()["hint"] is None
    finally:
        loop.stop()


def test_paced_file_plays_at_its_frame_rate_and_loops(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    video = write_video(tmp_path / "short.avi", [degrade(background(rng), rng) for _ in range(5)], fps=25)
    loop = CaptureLoop(str(video), build_chain(), pace=True)
    loop.start()
    try:
        wait_until(lambda: loop.status()["frames"] > 12, timeout=10)  # more than one pass
        status = loop.status()
        # Paced: never faster than the file's 25 fps (a busy machine can only make it slower).
        assert status["state"] == "ok" and 0 < status["fps"] <= 40
        assert loop.preview_jpeg()[:2] == b"\xff\xd8"
    finally:
        loop.stop()


@pytest.mark.parametrize(
    "source, expected",
    [("0", 0), (" 2 ", 2), ("/dev/video1", "/dev/video1"), ("rtsp://cam/stream", "rtsp://cam/stream")],
)
def test_source_parsing(source: str, expected: object) -> None:
    from kiosk.camera.capture import is_file_source, parse_source

    assert parse_source(source) == expected
    assert not is_file_source(parse_source(source))


def test_unpaced_file_loops_at_once_not_after_the_reconnect_wait(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    video = write_video(tmp_path / "short.avi", [degrade(background(rng, (320, 240)), rng) for _ in range(5)])
    loop = CaptureLoop(str(video), build_chain(), pace=False, reconnect_seconds=60)
    loop.start()
    try:
        wait_until(lambda: loop.status()["frames"] > 12, timeout=10)
        assert loop.status()["state"] == "ok"
    finally:
        loop.stop()


def test_demo_clip_shows_each_ticket_once(central_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "demo.avi"
    command = [sys.executable, "-m", "kiosk.camera.synthetic", str(central_dir), str(out), "--count", "2"]
    subprocess.run(command, check=True, capture_output=True)
    seen: list[str] = []
    loop = CaptureLoop(str(out), build_chain(), target=seen.append, pace=False, debounce_seconds=1.0)
    capture = __import__("cv2").VideoCapture(str(out))
    while True:  # one pass over the file, frame by frame, as the loop's thread would
        ok, frame = capture.read()
        if not ok:
            break
        loop.process(frame)
    capture.release()
    assert seen == ticket_payloads(central_dir, count=2)


def test_synthetic_noise_reaches_every_channel() -> None:
    rng = np.random.default_rng(1)
    scene = background(rng)
    grain = degrade(scene, rng, blur=0, light=1, noise=8).astype(int) - scene.astype(int)
    assert [round(float(grain[..., channel].std())) for channel in range(3)] == [8, 8, 8]


def test_loop_restarts_after_a_decoder_failure(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    video = write_video(tmp_path / "clip.avi", [degrade(background(rng, (320, 240)), rng) for _ in range(5)])

    class Flaky:
        name = "flaky"
        calls = 0

        def read(self, grey: np.ndarray) -> Reading:
            Flaky.calls += 1
            if Flaky.calls == 3:
                raise RuntimeError("decoder fell over")
            return Reading()

    loop = CaptureLoop(str(video), Chain([Flaky()]), pace=False, reconnect_seconds=0.1)
    loop.start()
    try:
        wait_until(lambda: loop.status()["frames"] > 10)
        assert loop.status()["state"] == "ok" and loop.running
    finally:
        loop.stop()


def test_live_loop_admits_a_light_on_dark_ticket_and_refuses_forged_and_torn_codes(
    kiosk_dir: Path, central_dir: Path
) -> None:
    """The loop reads light-on-dark codes on every frame; the ticket check, not the
    decoder, decides: a forged ticket is refused, a torn one is never read."""
    app = create_app(kiosk_dir, {"TESTING": True, "CAMERA_SOURCE": "unused.avi"})
    loop = service.build_loop(app)
    rng = np.random.default_rng(17)
    genuine = ticket_payloads(central_dir, count=1)[0]
    forged = issuing.sign_payload(Ed25519PrivateKey.generate(), 1, 1, FAIR_START, 1, 12345)
    light_on_dark = 255 - ticket_frame(genuine, rng)
    assert [(e.text, e.result.reason) for e in loop.process(light_on_dark)] == [(genuine, "ok")]
    assert [(e.text, e.result.ok, e.result.reason) for e in loop.process(ticket_frame(forged, rng))] == [
        (forged, False, "invalid_signature")
    ]
    torn = torn_ticket_frame(box=6, payload=genuine)
    for _ in range(loop.chain.fallback_every):  # every decoder gets its turn
        assert loop.process(torn) == []
    assert loop.status()["hint"] == "unreadable"
    assert [(r["result"], r["reason"]) for r in scans_of(kiosk_dir, genuine)] == [("accepted", "ok")]
