"""The camera at a workshop door in real Chromium against a real `kiosk serve` process:

* the kiosk's own camera (a video file of a registration QR): the door screen says the
  code was ignored while no session is picked, then shows the check-in with the name;
* the browser-camera page in a Chromium whose fake camera shows a registration QR
  checks into the session picked at the door: green verdict, name, status, sound.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, serving
from helpers import rows
from sessions_helpers import workshop_kiosk

from kiosk.camera.synthetic import background, degrade, place, qr_image, ticket_video, write_y4m
from kiosk.sessions import registrations

pytestmark = pytest.mark.browser

# Counts the tones verdict-sound.js starts: the page really asked Web Audio for a sound.
COUNT_TONES = """
window.__tones = 0;
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__tones += 1;
  return createOscillator.call(this);
};
"""


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Other test runs share the two cores: wait longer than Playwright's 5 s before failing."""
    from playwright.sync_api import expect

    expect.set_options(timeout=25_000)
    yield
    expect.set_options(timeout=5_000)


def log_in(page, base: str, name: str = "Rachid", pin: str = "246824") -> None:
    page.goto(base + "/staff/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=pin]", pin)
    page.click("button[type=submit]")


def accepted(folder: Path, session_id: str) -> list[str]:
    return [
        r["person_id"]
        for r in rows(
            folder,
            "SELECT person_id FROM session_checkins WHERE session_id = ? AND result = 'accepted'",
            (session_id,),
        )
    ]


def test_door_screen_shows_the_kiosk_cameras_check_ins(
    browser, central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder)
    code = registrations.qr_text(str(made[0]["token"]))
    video = ticket_video(tmp_path / "door.avi", code, size=(640, 480), before=40, showing=15, after=40)
    env = {"KIOSK_NOW": fair_clock, "KIOSK_CAMERA_SOURCE": str(video), "KIOSK_CAMERA_DEBOUNCE_SECONDS": "0.5"}
    with serving(folder, env) as (base, _process):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(COUNT_TONES)
        page = context.new_page()
        try:
            log_in(page, base)
            # Straight to the door screen, no session picked yet: the code is ignored, and said so.
            page.goto(f"{base}/sessions/{session_id}/")
            verdict = page.locator("#verdict .verdict")
            expect(verdict).to_have_attribute("data-reason", "no_session")
            expect(verdict).to_contain_text("Aucune séance n'est choisie à cette porte")
            assert accepted(folder, session_id) == []

            page.click("[data-camera-select]")
            expect(page.locator("[data-camera-here]")).to_be_visible()
            expect(verdict).to_have_attribute("data-reason", "ok")
            expect(page.locator("#verdict .verdict-name")).to_have_text("Amine Alaoui")
            expect(page.locator(".count-value")).to_have_text("1 / 2")
            page.wait_for_function("window.__tones > 0")
        finally:
            context.close()
    # The clip loops, the clock stands still: later sightings are the same check-in.
    assert accepted(folder, session_id) == [made[0]["id"]]


def test_browser_camera_checks_into_the_door_session(
    browser, central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder)
    rng = np.random.default_rng(21)
    scene = background(rng, (640, 480))
    code = qr_image(registrations.qr_text(str(made[1]["token"])))
    frames = [
        degrade(place(scene, code, rng, side=280, tilt=0.05, centre=(320 + i, 240)), rng, blur=0.8)
        for i in range(20)
    ]
    fake_camera = write_y4m(tmp_path / "registration.y4m", frames)
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_camera}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with serving(folder, {"KIOSK_NOW": fair_clock}) as (base, _process):
        # A Chromium of its own (the session one has no fake camera), same Playwright.
        chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        try:
            context = chromium.new_context()
            context.add_init_script(COUNT_TONES)
            page = context.new_page()
            log_in(page, base)
            page.click(f'[data-session="{session_id}"]')  # picks the door's session
            expect(page.locator("[data-camera-here]")).to_be_visible()
            page.click("text=Scanner avec la caméra de cet appareil")
            expect(page.locator("#camera-session")).to_have_value(session_id)
            verdict = page.locator("#verdict .verdict")
            expect(verdict).to_have_attribute("data-level", "green")
            expect(page.locator("#verdict .verdict-name")).to_have_text("Bilal Naji")
            expect(verdict).to_contain_text("place confirmée")
            page.wait_for_function("window.__tones > 0")
        finally:
            chromium.close()
    assert accepted(folder, session_id) == [made[1]["id"]]
