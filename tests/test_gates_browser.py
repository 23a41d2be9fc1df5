"""Gate screens in real Chromium: repeats, the call-staff state, directions set by the gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import serving

from kiosk import db as dbmod
from kiosk import instance
from kiosk import staff as accounts
from tests.helpers import rows, staff_log_in, ticket

pytestmark = pytest.mark.browser


def wedge_scan(page, text: str) -> None:
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def test_a_repeat_shows_the_repeat_verdict(page, live_kiosk: str, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    page.goto(live_kiosk + "/entry/?lang=en")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
    wedge_scan(page, payload)
    page.locator(".verdict.green").wait_for(timeout=5000)
    wedge_scan(page, payload)
    repeat = page.locator(".verdict.repeat")
    repeat.wait_for(timeout=5000)
    assert "Already scanned just now" in repeat.inner_text()
    assert page.locator(".verdict.green").count() == 0
    page.wait_for_function("document.getElementById('gate-entries').textContent.trim() === '1'")


def test_a_scan_the_server_cannot_decide_turns_the_screen_red(page, kiosk_dir: Path, fair_clock: str) -> None:
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock, "KIOSK_GATE": "nowhere"}) as (base, _process):
        page.goto(base + "/entry/")
        page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
        wedge_scan(page, ticket(kiosk_dir, "day")["payload"])
        alert = page.locator(".verdict.red.call-staff")
        alert.wait_for(timeout=5000)
        assert "Appelez un agent" in alert.inner_text()
        assert page.locator(".verdict.ready").count() == 0


def test_two_way_gate_has_no_direction_control_staff_records_an_exit(
    page, live_kiosk: str, kiosk_dir: Path
) -> None:
    database = instance.open_db(kiosk_dir)
    with dbmod.write(database) as conn:
        accounts.add_staff(conn, "Nadia", "gate", "975312")
    database.conn.close()
    row = ticket(kiosk_dir, "day")
    page.goto(live_kiosk + "/entry/?lang=en")
    assert page.locator("input[name=direction][type=radio]").count() == 0
    assert page.get_by_text("Exit", exact=False).count() == 0
    page.wait_for_function("document.activeElement && document.activeElement.id === 'code'")
    wedge_scan(page, row["payload"])
    page.locator(".verdict.green").wait_for(timeout=5000)
    staff_log_in(page, live_kiosk, "Nadia", "975312", "/entry/?lang=en")
    page.check("input[name=direction][value=out]")
    page.fill("#code", row["short_code"])
    page.click("button[type=submit]")
    goodbye = page.locator(".verdict.green")
    goodbye.wait_for(timeout=5000)
    assert "Goodbye" in goodbye.inner_text()
    page.wait_for_function("document.getElementById('inside-zone').textContent.trim() === '0'")
    # The control went back to entries for the next visitor.
    assert page.locator("input[name=direction][value=in]").is_checked()
    assert (
        rows(kiosk_dir, "SELECT count(*) FROM scans WHERE direction = 'out' AND result = 'accepted'")[0][0]
        == 1
    )
