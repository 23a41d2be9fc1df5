"""Tamazight (``zgh``) on real screens in Chromium: the stand finder and the entry screen draw
their Tifinagh with Noto Sans Tifinagh (issue 14 point 12), not as empty boxes, and the
language switch names every language in its own script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serving
from finder_helpers import TIFAWIN, make_finder_kiosk, with_tamazight_name

from kiosk import i18n
from tests.helpers import ticket

pytestmark = pytest.mark.browser

TIFINAGH = re.compile("[\u2d30-\u2d7f]")

# Draws each Tifinagh letter of an element's text in the element's own font stack, and a
# character no font has (U+0378, unassigned): a letter drawn like that is missing ("tofu").
DRAWN_LIKE_MISSING = """element => {
    const font = getComputedStyle(element).font;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const context = canvas.getContext("2d", {willReadFrequently: true});
    const draw = text => {
        context.clearRect(0, 0, 64, 64);
        context.font = font.replace(/\\d+(\\.\\d+)?px/, "40px");
        context.fillText(text, 4, 48);
        return Array.from(context.getImageData(0, 0, 64, 64).data).join();
    };
    const missing = draw("\\u0378");
    const letters = [...new Set(element.textContent.match(/[\\u2D30-\\u2D7F]/g))];
    return {letters: letters.length, tofu: letters.filter(letter => draw(letter) === missing)};
}"""


@pytest.fixture
def live_finder(central_dir: Path, tmp_path: Path, fair_clock: str) -> Iterator[str]:
    with serving(make_finder_kiosk(central_dir, tmp_path), {"KIOSK_NOW": fair_clock}) as (base, _process):
        yield base


def platform_fonts(page, selector: str) -> dict[str, int]:
    """Font family -> glyphs Chromium actually drew with it for the element's own text."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def assert_tifinagh_drawn(page, selector: str) -> None:
    element = page.locator(selector).first
    text = element.inner_text()
    assert TIFINAGH.search(text), f"{selector} shows no Tifinagh: {text!r}"
    fonts = platform_fonts(page, selector)
    assert fonts.get("Noto Sans Tifinagh", 0) > 0, fonts
    drawn = element.evaluate(DRAWN_LIKE_MISSING)
    assert drawn["letters"] > 0 and not drawn["tofu"], drawn


def assert_language_switch_in_own_scripts(page) -> None:
    names = {
        link.get_attribute("lang"): link.inner_text().strip() for link in page.locator(".languages a").all()
    }
    assert names == i18n.LANGUAGE_NAMES
    assert names["zgh"] == "ⵜⴰⵎⴰⵣⵉⵖⵜ"
    assert page.locator('.languages a[lang="zgh"]').get_attribute("aria-current") == "true"


def test_the_stand_finder_in_tamazight_draws_tifinagh(page, live_finder: str) -> None:
    page.goto(live_finder + "/finder/search?lang=zgh")
    html = page.locator("html")
    assert html.get_attribute("lang") == "zgh" and html.get_attribute("dir") == "ltr"
    page.locator("#q").wait_for()
    assert page.locator("#q").get_attribute("placeholder") == "ⵉⵙⵎ, ⴰⴼⴰⵔⵉⵙ, ⴰⵙⵜⴰⵏⴷ…"
    assert_tifinagh_drawn(page, ".languages a[lang=zgh]")
    assert_tifinagh_drawn(page, ".browse summary")
    assert_tifinagh_drawn(page, ".search-form button")
    assert_language_switch_in_own_scripts(page)


def test_the_entry_screen_in_tamazight_draws_tifinagh(page, live_kiosk: str, kiosk_dir: Path) -> None:
    page.goto(live_kiosk + "/entry/?lang=zgh")
    assert page.locator("html").get_attribute("lang") == "zgh"
    assert_tifinagh_drawn(page, ".code-label")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
    page.keyboard.type(ticket(kiosk_dir, "day")["payload"], delay=2)
    page.keyboard.press("Enter")
    verdict = page.locator(".verdict.green")
    verdict.wait_for(timeout=5000)
    assert "ⴰⵏⵙⵓⴼ ⵢⵉⵙⵡⵏ" in verdict.inner_text()
    assert_tifinagh_drawn(page, ".verdict.green .verdict-headline")
    assert_language_switch_in_own_scripts(page)


def test_the_tifinagh_keyboard_finds_an_exhibitor_by_its_tamazight_name(
    page, central_dir: Path, tmp_path: Path, fair_clock: str
) -> None:
    with_tamazight_name(central_dir)
    with serving(make_finder_kiosk(central_dir, tmp_path), {"KIOSK_NOW": fair_clock}) as (base, _process):
        page.goto(base + "/finder/search?lang=zgh")
        keyboard = page.locator("#keyboard")
        assert keyboard.get_attribute("data-layout") == "zgh"
        for letter in "ⵜⵉⴼⴰⵡ":
            page.locator(f'#keyboard button[data-key="{letter}"]').click()
        assert page.locator("#q").input_value() == "ⵜⵉⴼⴰⵡ"
        first = page.locator("#result-list .result-name").first
        first.wait_for(timeout=5000)
        assert first.inner_text() == TIFAWIN
        assert_tifinagh_drawn(page, '#keyboard button[data-key="ⵜ"]')
        # The layout key goes to AZERTY and back.
        page.locator("#keyboard [data-action=layout]").click()
        assert keyboard.get_attribute("data-layout") == "fr"
        page.locator("#keyboard [data-action=layout]").click()
        assert keyboard.get_attribute("data-layout") == "zgh"
