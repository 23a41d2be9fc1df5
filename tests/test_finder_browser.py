"""The stand finder in real Chromium on a real ``kiosk serve``: on-screen keyboard, results,
the chosen stand and its route, Arabic layout, idle reset, and the QR hand-off to a phone
that runs no JavaScript."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serving
from finder_helpers import exhibitor_named, make_finder_kiosk, stand_of
from helpers import rows
from PIL import Image

from kiosk import instance

pytestmark = pytest.mark.browser


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path)


@pytest.fixture
def live_finder(finder_dir: Path, fair_clock: str) -> Iterator[str]:
    with serving(finder_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        yield base


def tap_keys(page, text: str) -> None:
    for char in text:
        page.locator(f'#keyboard button[data-key="{char}"]').click()


def tifawin_stand(finder_dir: Path) -> str:
    conn = instance.open_db(finder_dir).conn
    return stand_of(conn, exhibitor_named(conn, "Coopérative Tifawin")["id"])


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_type_on_the_keyboard_tap_a_result_see_stand_and_route(
    page, live_finder: str, finder_dir: Path
) -> None:
    page.goto(live_finder + "/")
    assert page.url.endswith("/finder/")
    page.locator("#start-search").click()
    page.wait_for_url(re.compile(r"/finder/search$"))
    tap_keys(page, "tifawn")  # a letter missing
    assert page.locator("#q").input_value() == "tifawn"
    first = page.locator("#result-list .result-name").first
    first.wait_for(timeout=5000)
    assert first.inner_text() == "Coopérative Tifawin"
    # touch targets: keys, results and browse chips are at least 60 px high and wide
    for selector in (
        "#keyboard button.char",
        "#keyboard [data-action=space]",
        "#result-list .result",
        ".chip",
        ".lang-button",
        ".home-button",
    ):
        size = box(page, selector)
        assert size["height"] >= 60 and size["width"] >= 60, (selector, size)
    page.locator("#result-list .result").first.click()
    page.wait_for_url(re.compile(r"/finder/exhibitors/"))
    stand = tifawin_stand(finder_dir)
    chosen = page.locator("rect.stand.chosen")
    assert chosen.count() == 1 and chosen.get_attribute("data-stand") == stand
    colours = page.evaluate("""() => [
        getComputedStyle(document.querySelector('rect.stand.chosen')).fill,
        getComputedStyle(document.querySelector('rect.stand.dim')).fill]""")
    assert colours[0] != colours[1]
    route = page.locator("#route")
    assert route.is_visible()
    assert len(route.get_attribute("points").split()) >= 3
    assert re.fullmatch(r"\d+ m", page.locator("#route-distance").inner_text())
    assert re.search(r"\d+ minutes? à pied", page.locator("#route-time").inner_text())
    assert page.locator("#you-are-here").is_visible()
    # step-free option
    page.locator("#step-free").click()
    page.wait_for_url(re.compile(r"step_free=1"))
    assert page.locator("#step-free").get_attribute("aria-pressed") == "true"
    assert page.locator("#route").is_visible()


def test_arabic_layout_right_to_left_with_an_unmirrored_plan(
    page, live_finder: str, finder_dir: Path
) -> None:
    page.goto(live_finder + "/finder/search?lang=ar")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert page.locator("#keyboard").get_attribute("data-layout") == "ar"
    tap_keys(page, "عسل")
    page.locator("#result-list .result").first.wait_for(timeout=5000)
    assert re.search(r"\d+ عارض", page.locator(".result-count").inner_text())
    # once typing pauses, the search is counted for the organizers (once, without its text)
    with page.expect_response(re.compile(r"/finder/count$"), timeout=5000) as counted:
        pass
    assert counted.value.status == 204
    searches = rows(finder_dir, "SELECT query, results FROM finder_events WHERE kind = 'search'")
    assert [tuple(r) for r in searches] == [
        (None, int(page.locator("#results-body").get_attribute("data-count")))
    ]
    # the result list reads right to left: the stand number sits at the right of the name
    assert box(page, "#result-list .result-stand")["x"] > box(page, "#result-list .result-name")["x"]
    page.locator("#result-list .result").first.click()
    page.wait_for_url(re.compile(r"/finder/exhibitors/"))
    assert page.locator("rect.stand.chosen").count() == 1
    assert page.locator("#route").is_visible()
    assert "م" in page.locator("#route-distance").inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('.plan-box')).direction") == "ltr"
    # not mirrored (the zoom script leaves an identity transform before any pinch)
    assert page.evaluate("getComputedStyle(document.querySelector('#plan')).transform") in (
        "none",
        "matrix(1, 0, 0, 1, 0, 0)",
    )
    # west stays west: A01 is drawn left of A24, the sales area left of the stage
    assert box(page, 'rect[data-stand="A01"]')["x"] < box(page, 'rect[data-stand="A24"]')["x"]
    assert box(page, ".zone-sales polygon")["x"] < box(page, ".zone-stage polygon")["x"]
    # the keyboard switches between Arabic and AZERTY
    page.goto(live_finder + "/finder/search")
    page.locator("#keyboard [data-action=layout]").click()
    assert page.locator("#keyboard").get_attribute("data-layout") == "fr"
    assert page.locator('#keyboard button[data-key="a"]').count() == 1


def test_idle_returns_to_attract_and_forgets_search_and_language(
    page, finder_dir: Path, fair_clock: str
) -> None:
    with serving(finder_dir, {"KIOSK_NOW": fair_clock, "KIOSK_FINDER_IDLE_SECONDS": "2"}) as (base, _p):
        page.goto(base + "/finder/search?lang=ar")
        tap_keys(page, "عسل")
        page.locator("#result-list .result").first.wait_for(timeout=5000)
        page.wait_for_url(base + "/finder/", timeout=10000)
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("#start-search").is_visible()
        page.locator("#start-search").click()
        page.wait_for_url(re.compile(r"/finder/search$"))
        assert page.locator("#q").input_value() == ""
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.locator("#results .hint").is_visible()


def test_qr_code_opens_stand_and_route_on_a_phone_without_javascript(
    browser, page, live_finder: str, finder_dir: Path
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    page.goto(live_finder + "/finder/search")
    tap_keys(page, "tifawin")
    page.locator("#result-list .result").first.click()
    page.wait_for_url(re.compile(r"/finder/exhibitors/"))
    page.locator("#qr svg").evaluate("svg => { svg.style.width = '420px'; svg.style.height = '420px'; }")
    png = page.locator("#qr svg").screenshot()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded, "the QR code did not decode"
    url = decoded[0].text
    assert url.startswith(live_finder + "/finder/exhibitors/") and "phone=1" in url
    phone = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        mobile = phone.new_page()
        mobile.goto(url)
        chosen = mobile.locator("rect.stand.chosen")
        assert chosen.get_attribute("data-stand") == tifawin_stand(finder_dir)
        assert mobile.locator("#route").count() == 1
        assert mobile.locator("#keyboard").count() == 0
        assert re.fullmatch(r"\d+ m", mobile.locator("#route-distance").inner_text())
    finally:
        phone.close()
