"""Every public screen of a stand-finder kiosk, the programme included, has a way home and
the idle reset, with a countdown a touch cancels (issue 14 point 4). Real Chromium on a real
``kiosk serve``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import serving
from finder_helpers import make_finder_kiosk

from kiosk import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path)


def test_programme_counts_down_then_returns_home_in_french(page, finder_dir: Path, fair_clock: str) -> None:
    with serving(finder_dir, {"KIOSK_NOW": fair_clock, "KIOSK_FINDER_IDLE_SECONDS": "6"}) as (base, _p):
        page.goto(base + "/finder/search?lang=ar")
        page.locator("#programme-link").click()
        page.wait_for_url(base + "/programme/")
        assert page.locator("html").get_attribute("lang") == "ar"
        countdown = page.locator("#idle-countdown")
        assert countdown.is_hidden()
        # the countdown shows the last seconds (6 s idle: the last 3), in the page's language
        countdown.wait_for(state="visible", timeout=6000)
        assert "العودة إلى البداية" in countdown.inner_text()
        assert int(page.locator(".idle-seconds").inner_text()) in (1, 2, 3)
        # a touch keeps the visitor on the page
        page.mouse.click(5, 400)
        assert countdown.is_hidden()
        assert page.url == base + "/programme/"
        countdown.wait_for(state="visible", timeout=6000)
        page.wait_for_url(base + "/finder/", timeout=6000)
        assert page.locator("html").get_attribute("lang") == "fr"
        # and the programme has a home button
        page.goto(base + "/programme/")
        page.locator("#home-button").click()
        page.wait_for_url(base + "/finder/")


def test_the_programme_resets_only_on_a_finder_kiosk(finder_dir: Path, central_dir: Path) -> None:
    kiosk_page = (
        create_app(finder_dir, {"TESTING": True}).test_client().get("/programme/").get_data(as_text=True)
    )
    assert 'data-idle-seconds="60"' in kiosk_page and 'id="home-button"' in kiosk_page
    # at central the programme is read at a desk: no reset, no finder to go home to
    central_page = create_app(central_dir, {"TESTING": True}).test_client().get("/programme/")
    assert central_page.status_code == 200
    assert "data-idle-seconds" not in central_page.get_data(as_text=True)
