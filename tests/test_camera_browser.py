"""Camera scanning in real Chromium against a real `kiosk serve` process.

* The entry screen of a kiosk whose camera is a video file of a ticket shows the
  camera's verdict (polled htmx fragment, out-of-band swap) and the live preview.
* The browser-camera page in a Chromium whose fake camera shows a ticket (a Y4M file
  made here) sends frames to the kiosk and shows the verdict it answers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, serving

from kiosk.camera.synthetic import (
    background,
    degrade,
    place,
    qr_image,
    ticket_payloads,
    ticket_video,
    write_y4m,
)
from tests.helpers import accepted_scans

pytestmark = pytest.mark.browser


def test_entry_screen_shows_camera_verdict(
    page, kiosk_dir: Path, central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    payload = ticket_payloads(central_dir, count=1)[0]
    video = ticket_video(tmp_path / "gate.avi", payload, before=50, showing=20, after=50)  # 4.8 s, looped
    env = {"KIOSK_NOW": fair_clock, "KIOSK_CAMERA_SOURCE": str(video), "KIOSK_CAMERA_DEBOUNCE_SECONDS": "0.5"}
    with serving(kiosk_dir, env) as (base, process):
        page.goto(base + "/entry/")
        page.wait_for_selector("#camera-status.ok", timeout=15000)
        verdict = page.wait_for_selector("#verdict .verdict.green", timeout=20000)
        assert "Bienvenue" in verdict.inner_text()
        assert page.evaluate("document.querySelector('.camera-preview').naturalWidth") == 640
        # The screen goes back to "ready" by itself, and the next sighting of the looped clip
        # gets a verdict again: a repeat, or "already inside", never a second welcome.
        page.wait_for_selector("#verdict .verdict.ready", timeout=15000)
        again = page.wait_for_selector("#verdict .verdict:not(.ready)", timeout=20000)
        assert again.get_attribute("data-level") != "green" and "Bienvenue" not in again.inner_text()
    assert accepted_scans(kiosk_dir, payload) == 1  # later sightings are repeats or refusals
    assert process.returncode == 0  # SIGTERM: the loop stopped and the camera was released
    assert b"QR decoders: zxingcpp, pyzbar; camera " in process.stderr.read()


def test_browser_camera_page_scans_a_ticket(
    browser, kiosk_dir: Path, central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    payload = ticket_payloads(central_dir, count=1)[0]
    rng = np.random.default_rng(12)
    scene = background(rng, (640, 480))
    code = qr_image(payload)
    frames = [
        degrade(place(scene, code, rng, side=300, tilt=0.06, centre=(320 + i, 240)), rng, blur=0.8)
        for i in range(20)
    ]
    fake_camera = write_y4m(tmp_path / "ticket.y4m", frames)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera}",
    ]
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        # A Chromium of its own (the session one has no fake camera), same Playwright.
        chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        try:
            page = chromium.new_page()
            page.goto(base + "/camera/browser")
            verdict = page.wait_for_selector("#verdict .verdict.green", timeout=20000)
            assert "Bienvenue" in verdict.inner_text()
            assert page.evaluate("document.getElementById('camera-video').videoWidth") == 640
            assert page.locator("#camera-error").is_hidden()
        finally:
            chromium.close()
    assert accepted_scans(kiosk_dir, payload) == 1
