"""The staff log-in page as Chromium shows it (issue 14 point 8): styled like the app,
with the language switch, which keeps where the log-in leads."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_log_in_page_switches_language_and_is_styled(page, live_kiosk: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_kiosk}/staff/login?next=/entry/recent&lang=fr")
    expect(page.locator("h1")).to_have_text("Connexion agent")
    page.click("nav.languages >> text=العربية")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert "next=%2Fentry%2Frecent" in page.url and "lang=ar" in page.url
    card = page.locator("form.login-card")
    assert card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    for field in ("name", "pin"):
        box = page.locator(f"input[name={field}]").bounding_box()
        assert box is not None and box["height"] >= 60  # a kiosk touch target
    assert page.locator("link[rel=icon]").count() == 1
    page.fill("input[name=name]", "omar")  # any case
    page.fill("input[name=pin]", "135791")
    page.click("button[type=submit]")
    page.wait_for_url("**/entry/recent")
