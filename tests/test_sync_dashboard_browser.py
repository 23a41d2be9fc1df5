"""The dashboard in real Chromium: the live part refreshes itself (htmx) as events arrive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import serving
from helpers import staff_log_in
from sync_helpers import day_tickets, scan

from kiosk import clock, instance
from kiosk import db as dbmod
from sync import protocol
from sync.client import pending_events


@pytest.mark.browser
def test_live_figures_refresh_without_reload(page, central_dir: Path, kiosk_dir: Path) -> None:
    with serving(central_dir) as (central, _process):
        staff_log_in(page, central, "Hanane", "24681357", "/dashboard/")
        assert page.text_content("#entries") == "0"
        page.evaluate("window.unloadMarker = 'same page'")  # gone if the page reloaded
        for code in day_tickets(central_dir, 2):
            assert scan(kiosk_dir, code) == "ok"
        conn = instance.open_db(kiosk_dir).conn
        parts, _last = pending_events(conn, 0, 100)
        device = conn.execute("SELECT id FROM device").fetchone()[0]
        with dbmod.write(instance.open_db(central_dir)) as write:
            protocol.apply_batch(
                write, device, json.loads(json.dumps({"events": parts})), clock.now(), "k", roles="entry"
            )
        page.wait_for_function("document.querySelector('#entries').textContent === '2'", timeout=12000)
        assert page.evaluate("window.unloadMarker") == "same page"
        assert page.locator("svg.chart rect").count() >= 1
