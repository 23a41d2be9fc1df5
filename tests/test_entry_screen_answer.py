"""The entry screen's answer to a scan, from a real ``kiosk serve``: the verdict and the
gate's figures in one response (swapped out of band into ``#stats``), so a scan costs the
kiosk one request, not a second ``GET /entry/stats`` on a "scanned" event."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import serving
from helpers import ticket


def test_a_scan_answers_with_the_gates_figures(kiosk_dir: Path, fair_clock: str) -> None:
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        request = urllib.request.Request(
            base + "/entry/scan",
            data=urllib.parse.urlencode({"code": ticket(kiosk_dir, "day")["payload"]}).encode(),
            headers={"HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
            assert answer.headers["HX-Trigger"] is None  # nothing asks for the figures again
            html = answer.read().decode()
    assert 'data-level="green"' in html
    figures = re.search(r'<div id="stats" hx-swap-oob="innerHTML">(.*)</div>', html, re.S)
    assert figures is not None
    assert re.search(r'id="gate-entries">1<', figures.group(1))  # this scan counted
