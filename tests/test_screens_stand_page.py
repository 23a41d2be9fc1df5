"""The exhibitor page (issue 14 points 3 and 11): the plan fills a portrait totem, the QR stays
in view in landscape, zone names stay inside their zone, "you are here" stays clear of the
route, the plan zooms on a phone, and an exhibitor's own words are marked with their language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serving
from finder_helpers import exhibitor_named, make_finder_kiosk

from kiosk import create_app, instance
from kiosk.finder import plan


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path)


@pytest.fixture
def tifawin_url(finder_dir: Path) -> str:
    return (
        "/finder/exhibitors/"
        + exhibitor_named(instance.open_db(finder_dir).conn, "Coopérative Tifawin")["id"]
    )


@pytest.fixture
def live(finder_dir: Path, fair_clock: str) -> Iterator[str]:
    with serving(finder_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        yield base


def test_a_long_zone_name_is_written_smaller_or_on_two_lines() -> None:
    assert plan.label_lines("Salle", 20) == (["Salle"], 2.2)
    lines, size = plan.label_lines("Zone du patrimoine immatériel", 10)
    assert lines == ["Zone du patrimoine", "immatériel"] and size * plan.GLYPH_WIDTH * 18 <= 10.01


def test_english_page_marks_the_french_products(client_for, tifawin_url: str) -> None:
    page = client_for.get(tifawin_url + "?lang=en").get_data(as_text=True)
    products = re.search(r'<dd class="products" id="products">(.*?)</dd>', page, re.S)
    assert products is not None
    assert '<span lang="fr" dir="ltr">Miel de montagne' in products.group(1)
    assert "(in French)" in products.group(1)
    # in French the same words need no note; in Arabic the Arabic products are shown
    french = client_for.get(tifawin_url + "?lang=fr").get_data(as_text=True)
    assert "(en français)" not in french and '<span lang="fr" dir="ltr">Miel de montagne' in french
    arabic = client_for.get(tifawin_url + "?lang=ar").get_data(as_text=True)
    assert re.search(r'id="products"><span lang="ar" dir="rtl">[^<]*عسل', arabic)


@pytest.fixture
def client_for(finder_dir: Path):
    return create_app(finder_dir, {"TESTING": True}).test_client()


ROUTE_CLEAR_OF_LABELS = """() => {
  const svg = document.getElementById('plan');
  const label = document.querySelector('.here-label').getBBox();
  const pts = document.getElementById('route').getAttribute('points').trim().split(/\\s+/)
    .map(p => p.split(',').map(Number));
  // sample the route every 0.2 m and look for a point inside the label's box
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1], [x1, y1] = pts[i];
    const n = Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 0.2);
    for (let k = 0; k <= n; k++) {
      const x = x0 + (x1 - x0) * k / n, y = y0 + (y1 - y0) * k / n;
      if (x > label.x && x < label.x + label.width && y > label.y && y < label.y + label.height) return false;
    }
  }
  return true;
}"""

ZONE_LABELS_INSIDE = """() => [...document.querySelectorAll('.zone')].filter(zone => {
  const area = zone.querySelector('polygon').getBBox(), text = zone.querySelector('.zone-label').getBBox();
  return text.x < area.x || text.x + text.width > area.x + area.width
      || text.y < area.y || text.y + text.height > area.y + area.height;
}).map(zone => zone.dataset.zone)"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_portrait_plan_fills_the_width_with_labels_inside_and_clear(
    browser, live: str, tifawin_url: str, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    page = context.new_page()
    page.goto(f"{live}{tifawin_url}?lang={lang}")
    width = page.locator("#plan").bounding_box()["width"]
    assert width >= 0.9 * 1080
    assert page.evaluate(ZONE_LABELS_INSIDE) == []
    assert page.evaluate(ROUTE_CLEAR_OF_LABELS)
    # the QR and the stand number are on the first screen
    assert page.locator("#qr svg").bounding_box()["y"] + 160 <= 1920
    assert page.locator(".stand-badge.current .stand-number").bounding_box()["height"] >= 40
    context.close()


@pytest.mark.browser
def test_landscape_keeps_the_qr_in_view(browser, live: str, tifawin_url: str) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    for lang in ("fr", "ar"):
        page.goto(f"{live}{tifawin_url}?lang={lang}")
        qr = page.locator("#qr svg").bounding_box()
        assert qr["y"] + qr["height"] <= 1080, lang
        assert page.locator("#plan").bounding_box()["width"] >= 900
    context.close()


@pytest.mark.browser
def test_a_phone_zooms_into_the_plan(browser, live: str, tifawin_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live}{tifawin_url}?phone=1&lang=ar")
    page.locator("#plan-zoom").wait_for()  # the zoom script has run
    before = page.locator("#plan").bounding_box()["width"]
    page.locator("#plan-zoom [data-zoom=in]").tap()
    page.wait_for_function(f"document.getElementById('plan').getBoundingClientRect().width > {before * 1.6}")
    page.locator("#plan-zoom [data-zoom=reset]").tap()
    page.wait_for_function(f"document.getElementById('plan').getBoundingClientRect().width < {before * 1.05}")
    # the page itself does not scroll sideways while the plan is zoomed inside its box
    page.locator("#plan-zoom [data-zoom=in]").tap()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    context.close()
