"""The kids' space screens in Chromium on a tablet (1024x768), in French and in Arabic:
a drop-off of two children by one adult, then their pick-up with the receipt's code,
each child confirmed; a wrong code is refused on screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serving
from helpers import staff_log_in
from kids_helpers import KIDS_STAFF, make_kids_kiosk, rows

TABLET = {"width": 1024, "height": 768}
WORDS = {
    "fr": {
        "inside": "Présents : {n} sur 60",
        "tab": "Dépôt",
        "refusal": "Aucun enfant présent n'a ce code",
        "done": "Tous les enfants de ce reçu",
    },
    "ar": {
        "inside": "الموجودون: {n} من 60",
        "tab": "الإيداع",
        "refusal": "لا يوجد طفل داخل الفضاء بهذا الرمز",
        "done": "تم تسليم جميع أطفال",
    },
}


@pytest.fixture
def kids_base(central_dir: Path, tmp_path: Path, fair_clock: str) -> Iterator[tuple[str, Path]]:
    kiosk = make_kids_kiosk(central_dir, tmp_path / "kids")
    with serving(kiosk, {"KIOSK_NOW": fair_clock}) as (base, _process):
        yield base, kiosk


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_drop_off_then_pick_up_on_a_tablet(page, kids_base: tuple[str, Path], lang: str) -> None:
    base, kiosk = kids_base
    page.set_viewport_size(TABLET)
    staff_log_in(page, base, *KIDS_STAFF, then="/kids/")
    page.goto(f"{base}/kids/?lang={lang}")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert WORDS[lang]["tab"] in page.inner_text(".kids-tabs")

    page.fill("input[name=adult_first_name]", "Rkia")
    page.fill("input[name=adult_phone]", "0699 87 65 43")
    page.fill("#children .child:nth-of-type(1) input[name=child_first_name]", "Ouissal")
    page.fill("#children .child:nth-of-type(1) input[name=child_note]", "allergique aux arachides")
    page.click("#add-child")
    page.wait_for_selector("#children .child:nth-of-type(2)")
    page.fill("#children .child:nth-of-type(2) input[name=child_first_name]", "Bahaa")
    page.select_option("#children .child:nth-of-type(2) select[name=child_age_band]", "6-8")
    submit = page.locator("#drop-off-form button[type=submit]")
    assert submit.bounding_box()["height"] >= 48  # a finger, not a mouse
    submit.click()
    code = page.locator("#security-code").inner_text(timeout=10_000).strip()
    assert len(code) == 4
    assert page.inner_text(".kids-done .children-list").split() == ["Ouissal", "Bahaa"]
    assert page.inner_text("#occupancy").strip() == WORDS[lang]["inside"].format(n=2)  # header updated too
    assert page.locator("#labels-pdf").get_attribute("href").startswith(f"/kids/drop-offs/{code}/labels.pdf")
    assert no_sideways_scroll(page)
    assert rows(kiosk, "SELECT count(*) FROM kids_children WHERE picked_up_at IS NULL") == [(2,)]

    page.goto(f"{base}/kids/pick-up?lang={lang}")
    page.fill("#code", "ZZZZ" if code != "ZZZZ" else "YYYY")
    page.press("#code", "Enter")
    page.wait_for_selector(".kids-refused[data-reason=unknown_code]")
    assert WORDS[lang]["refusal"] in page.inner_text("#verdict")

    page.fill("#code", code.lower())  # typed as said aloud: case does not matter
    page.press("#code", "Enter")
    page.wait_for_selector(".child-card >> nth=1")
    assert "allergique aux arachides" in page.inner_text(".kids-matched")
    handed = page.locator(".child-card button[type=submit]").first
    assert handed.bounding_box()["height"] >= 48
    handed.click()
    page.wait_for_selector(".kids-handed")
    assert page.locator(".child-card").count() == 1
    page.locator(".child-card button[type=submit]").click()
    page.wait_for_selector(".all-handed")
    assert WORDS[lang]["done"] in page.inner_text("#verdict")
    assert page.inner_text("#occupancy").strip() == WORDS[lang]["inside"].format(n=0)
    assert no_sideways_scroll(page)
    assert rows(kiosk, "SELECT count(*) FROM kids_children WHERE picked_up_at IS NULL") == [(0,)]
