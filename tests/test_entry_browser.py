"""The entry screen in real Chromium: a keyboard-wedge scanner types a ticket and Enter."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import instance
from kiosk import staff as accounts
from tests.helpers import rows, staff_log_in, ticket

pytestmark = pytest.mark.browser


def wedge_scan(page, text: str) -> None:
    """What a handheld scanner does: type the characters fast, then Enter, wherever focus is."""
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def test_scanner_input_gives_a_green_verdict_in_french(page, live_kiosk: str, kiosk_dir: Path) -> None:
    page.goto(live_kiosk + "/entry/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
    wedge_scan(page, ticket(kiosk_dir, "day")["payload"])
    verdict = page.locator(".verdict.green")
    verdict.wait_for(timeout=5000)
    assert "Bienvenue" in verdict.inner_text()
    assert page.locator("#code").input_value() == "", "the field is cleared for the next visitor"
    page.wait_for_function("document.getElementById('gate-entries').textContent.trim() === '1'")
    # Back to ready on its own.
    page.locator(".verdict.ready").wait_for(timeout=8000)


def test_refusal_in_arabic_right_to_left(page, live_kiosk: str, kiosk_dir: Path) -> None:
    page.goto(live_kiosk + "/entry/?lang=ar")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    wedge_scan(page, ticket(kiosk_dir, "day")["payload"][:-6] + "ABCDEF")
    verdict = page.locator(".verdict.red")
    verdict.wait_for(timeout=5000)
    assert "التذكرة مرفوضة" in verdict.inner_text()
    # Right to left: the language switch sits at the left end of the header.
    header = page.locator(".kiosk-header").bounding_box()
    languages = page.locator(".languages").bounding_box()
    assert languages["x"] < header["x"] + header["width"] / 2


def test_visitors_see_no_undo_button(page, live_kiosk: str, kiosk_dir: Path) -> None:
    page.goto(live_kiosk + "/entry/")
    wedge_scan(page, ticket(kiosk_dir, "day")["payload"])
    page.locator(".verdict.green").wait_for(timeout=5000)
    assert page.locator(".undo-button").count() == 0


def test_staff_types_a_short_code_and_undoes_it(page, live_kiosk: str, kiosk_dir: Path) -> None:
    accounts.add_staff(instance.open_db(kiosk_dir).conn, "Nadia", "gate", "975319")
    staff_log_in(page, live_kiosk, "Nadia", "975319", "/entry/?lang=en")
    row = ticket(kiosk_dir, "pass")
    page.fill("#code", row["short_code"].lower())
    page.click("button[type=submit]")
    page.locator(".verdict.green").wait_for(timeout=5000)
    page.click(".undo-button")
    page.get_by_text("Scan cancelled: it no longer counts.").wait_for(timeout=5000)
    page.wait_for_function("document.getElementById('gate-entries').textContent.trim() === '0'")


def test_language_switch_on_screen(page, live_kiosk: str) -> None:
    page.goto(live_kiosk + "/entry/")
    page.click("a[lang=ar]")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    assert "جاهز" in page.locator("#verdict").inner_text()
    page.click("a[lang=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Ready" in page.locator("#verdict").inner_text()


def test_language_returns_to_french_when_idle(page, kiosk_dir: Path, fair_clock: str) -> None:
    from tests.conftest import serving

    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock, "KIOSK_ENTRY_IDLE_SECONDS": "2"}) as (base, _p):
        page.goto(base + "/entry/?lang=ar")
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.wait_for_function("document.documentElement.lang === 'fr'", timeout=10000)
        assert page.locator("html").get_attribute("dir") == "ltr"


def test_another_site_cannot_annul_with_the_staff_session(page, live_kiosk: str, kiosk_dir: Path) -> None:
    accounts.add_staff(instance.open_db(kiosk_dir).conn, "Ilham", "gate", "864286")
    staff_log_in(page, live_kiosk, "Ilham", "864286", "/entry/")
    wedge_scan(page, ticket(kiosk_dir, "day")["payload"])
    undo = page.locator(".undo-button")
    undo.wait_for(timeout=5000)
    target = live_kiosk + undo.get_attribute("hx-post")
    # A page of another site posts a form to the kiosk, riding on the staff session.
    page.goto(
        "data:text/html,<form method=post action='" + target + "'></form>"
        "<script>document.forms[0].submit()</script>"
    )
    # Refused before any view runs: the browser says the request comes from another site.
    page.wait_for_url(target)
    assert page.locator("main.refused").count() == 1  # the refusal page, in the browser's language
    assert rows(kiosk_dir, "SELECT count(*) FROM annulments")[0][0] == 0
