"""The organizer's control room on central (issue 14 point 9): the day so far against the same
time on earlier fair days, zones as gauges against their limits, entries per quarter hour per
gate with a legend in words, workshop fill, a day picker; laid out for a laptop and a wall
screen in French and Arabic. (Live refresh without reload: test_sync_dashboard_browser.py.)"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import serving
from helpers import staff_log_in
from sync_helpers import day_tickets, scan
from test_sync_dashboard import login, merge_kiosk

from kiosk import create_app, instance
from kiosk import db as dbmod
from kiosk.dashboard import control

DAY_ONE, DAY_TWO = date(2026, 6, 15), date(2026, 6, 16)


@pytest.fixture
def central(central_dir: Path):
    client = create_app(central_dir, {"TESTING": True}).test_client()
    login(client)
    return client


@pytest.fixture
def three_in(central_dir: Path, kiosk_dir: Path) -> None:
    """Three visitors in at the main gate on day one, about 11:00, merged on central."""
    for code in day_tickets(central_dir, 3):
        assert scan(kiosk_dir, code) == "ok"
    merge_kiosk(central_dir, kiosk_dir)


def test_day_two_compares_with_day_one_at_the_same_time(central_dir: Path, three_in: None) -> None:
    conn = instance.open_db(central_dir).conn
    at = lambda hhmm: datetime.fromisoformat(f"2026-06-16T{hhmm}:00+01:00")  # noqa: E731
    before, after = (
        control.days_so_far(conn, DAY_TWO, at("10:30")),
        control.days_so_far(conn, DAY_TWO, at("11:30")),
    )
    assert [(d["day"], d["entries"], d["today"]) for d in before] == [(DAY_ONE, 0, False), (DAY_TWO, 0, True)]
    assert [d["entries"] for d in after] == [3, 0]


def test_gauges_turn_amber_near_the_limit_and_red_at_it(central_dir: Path) -> None:
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        conn.execute("UPDATE gates SET occupancy_limit = 20 WHERE id = 'main'")
    levels = {
        inside: control.gauges(database.conn, {"sales": inside, "stage": 4})[0]["level"]
        for inside in (5, 18, 20)
    }
    assert levels == {5: "ok", 18: "near", 20: "full"}
    heritage = control.gauges(database.conn, {"heritage": 15})[0]
    assert heritage["limit"] == 150 and heritage["share"] == pytest.approx(0.1)
    assert control.gauges(database.conn, {"stage": 4})[0]["limit"] is None  # no gate declares one


def test_control_room_draws_what_an_organizer_reads(central, three_in: None) -> None:
    live = central.get("/dashboard/live?lang=fr").text
    gauge = re.search(r'<li class="gauge ok" data-zone="sales">(.*?)</li>', live, re.S)
    assert gauge is not None and "<bdi>3</bdi>" in gauge.group(1)
    assert re.search(r'data-zone="heritage">.*?<bdi>0</bdi> / <bdi>150</bdi>', live, re.S)
    # the chart's legend names the gate in words, bars carry the quarter hour
    legend = re.search(r'<ul class="chart-legend" id="chart-legend" dir="ltr">(.*?)</ul>', live, re.S)
    assert legend is not None and "Entrée principale" in legend.group(1) and "main" not in legend.group(1)
    assert "Entrée principale 11:00: 3" in live
    assert re.search(r'<li class="today">.*?<bdi class="day-value">3</bdi>', live, re.S)
    assert 'id="session-fill"' in live and "/ <bdi>" in live  # today's sessions against their seats
    page = central.get("/dashboard/?lang=fr").text
    assert page.count('href="/dashboard/?date=2026-06-') == 8  # the fair's eight days
    assert 'aria-current="date"' in page and 'hx-get="/dashboard/live"' in page
    # a past day: its figures, and the live part keeps asking for that day
    past = central.get("/dashboard/?date=2026-06-15&lang=ar").text
    assert 'hx-get="/dashboard/live?date=2026-06-15"' in past and 'dir="rtl"' in past


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_control_room_fits_a_laptop_and_a_wall_screen(
    browser, central_dir: Path, three_in: None, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    with serving(central_dir) as (base, _process):
        staff_log_in(page, base, "Hanane", "24681357", "/dashboard/")
        for lang in ("fr", "ar"):
            page.goto(f"{base}/dashboard/?lang={lang}")
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), lang
            # the headline figures and the gauges are on the first screen
            assert page.locator("#entries").bounding_box()["y"] < height
            assert page.locator("#gauges").bounding_box()["y"] < height * 1.2
            assert page.locator("#chart-legend li").count() >= 1
            sizes = page.evaluate(
                "[...document.querySelectorAll('.control-room *')].filter(e => e.childNodes.length"
                " && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))"
                ".map(e => parseFloat(getComputedStyle(e).fontSize))"
            )
            assert min(sizes) >= 14, lang
    context.close()
