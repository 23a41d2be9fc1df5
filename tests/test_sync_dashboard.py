"""Central's dashboard: organizers only, live figures from merged events, SVG chart,
device enrollment with a QR, CSV exports, French and Arabic."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sync_helpers import day_tickets, scan

from kiosk import clock, create_app, instance
from kiosk import db as dbmod
from kiosk.dashboard.chart import quarter_chart
from sync import protocol
from sync.client import pending_events


@pytest.fixture
def central(central_dir: Path):
    return create_app(central_dir, {"TESTING": True}).test_client()


def login(client, name: str = "Hanane", pin: str = "24681357") -> None:
    answer = client.post("/staff/login", data={"name": name, "pin": pin})
    assert answer.status_code == 302


def merge_kiosk(central_dir: Path, kiosk_dir: Path) -> None:
    """Apply the kiosk's events on central as a push would (exactly-once path)."""
    conn = instance.open_db(kiosk_dir).conn
    parts, _last = pending_events(conn, 0, 1000)
    device = conn.execute("SELECT id FROM device").fetchone()[0]
    database = instance.open_db(central_dir)
    with dbmod.write(database) as write:
        batch = json.loads(json.dumps({"events": parts}))
        protocol.apply_batch(write, device, batch, clock.now(), "kiosk-main", roles="entry")


def test_only_organizers(central, central_dir: Path) -> None:
    assert central.get("/dashboard/").status_code == 302  # to the login page
    login(central, "Omar", "135791")  # a gate staff member
    assert central.get("/dashboard/").status_code == 403


def test_dashboard_shows_merged_figures_and_chart(central, central_dir: Path, kiosk_dir: Path) -> None:
    for code in day_tickets(central_dir, 3):
        assert scan(kiosk_dir, code) == "ok"
    merge_kiosk(central_dir, kiosk_dir)
    login(central)
    page = central.get("/dashboard/").get_data(as_text=True)
    assert 'hx-get="/dashboard/live"' in page and 'hx-trigger="every 5s"' in page
    live = central.get("/dashboard/live").get_data(as_text=True)
    assert '<bdi class="value" id="entries">3</bdi>' in live
    assert '<bdi class="value" id="unique-visitors">3</bdi>' in live
    assert "<svg" in live and "Entrée principale 11:00: 3" in live
    assert "kiosk-main" in live  # the imported device shows in device health
    arabic = central.get("/dashboard/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in arabic and "لوحة متابعة المعرض" in arabic
    assert "Tableau de bord du salon" in central.get("/dashboard/?lang=fr").get_data(as_text=True)


def test_add_device_shows_code_and_qr_once(central, central_dir: Path) -> None:
    login(central)
    page = central.post("/dashboard/devices", data={"name": "entry-3", "role": "entry", "gate": "main"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text
    code = text.split('<p class="code">')[1].split("<")[0]
    database = instance.open_db(central_dir)
    with dbmod.write(database) as conn:
        enrolled = protocol.enroll(conn, code, "0f1e2d3c-aaaa-bbbb-cccc-000000000001", clock.now())
        assert enrolled["name"] == "entry-3" and enrolled["gate"] == "main"
        with pytest.raises(protocol.Refusal):
            protocol.enroll(conn, code, "0f1e2d3c-aaaa-bbbb-cccc-000000000002", clock.now())
        # The same device asking again (answer lost) gets a new token; the old one dies.
        again = protocol.enroll(conn, code, "0f1e2d3c-aaaa-bbbb-cccc-000000000001", clock.now())
        with pytest.raises(protocol.Refusal):
            protocol.authenticate(conn, enrolled["token"])
        assert protocol.authenticate(conn, again["token"])["name"] == "entry-3"
    stored = database.conn.execute("SELECT token_hash FROM sync_devices").fetchone()
    assert stored[0] == protocol.digest(again["token"])
    assert code not in central.get("/dashboard/devices").get_data(as_text=True)


def test_csv_exports(central, central_dir: Path, kiosk_dir: Path) -> None:
    codes = day_tickets(central_dir, 2)
    for code in codes:
        scan(kiosk_dir, code)
    # Into the heritage zone inside the fair: a zone entry, not a second fair entry.
    scan(kiosk_dir, codes[0], gate="heritage")
    merge_kiosk(central_dir, kiosk_dir)
    login(central)
    exported = central.get("/dashboard/export/attendance.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows == [
        ["date", "hour", "gate", "zone", "fair_entrance", "entries"],
        ["2026-06-15", "11", "heritage", "heritage", "0", "1"],
        ["2026-06-15", "11", "main", "sales", "1", "2"],
    ]
    figures = central.get("/api/v1/attendance").get_json()
    assert (figures["entries"], figures["unique_visitors"]) == (2, 2)
    assert (figures["zone_entries"]["sales"], figures["zone_entries"]["heritage"]) == (2, 1)
    live = central.get("/dashboard/live").get_data(as_text=True)
    assert '<bdi class="value" id="entries">2</bdi>' in live
    devices = central.get("/dashboard/export/devices.csv").get_data(as_text=True)
    assert "kiosk-main" in devices
    assert central.get("/dashboard/export/conflicts.csv").status_code == 200
    assert central.get("/dashboard/export/nothing.csv").status_code == 404


def test_no_dashboard_or_sync_on_a_kiosk(client) -> None:
    assert client.get("/dashboard/").status_code == 404
    assert client.post("/api/v1/sync/hello", headers={"X-Sync-Protocol": "1"}).status_code == 404


def test_chart_stacks_gates_per_quarter_hour() -> None:
    chart = quarter_chart({"main": {600: 4, 615: 1}, "east": {600: 2}}, {"main": "Main"}, span=(10, 11))
    assert [tick["label"] for tick in chart["ticks"]] == ["10h", "11h"]  # 10:00..11:45, 8 quarters
    assert chart["peak"] == 6 and [quarter.start for quarter in chart["quarters"]] == ["10:00", "10:15"]
    stacked = chart["quarters"][0].stacks
    assert [(s.gate, s.name, s.base, s.entries) for s in stacked] == [
        ("east", "east", 0, 2),
        ("main", "Main", 2, 4),
    ]
    # the peak quarter fills the plot's height
    assert (stacked[-1].base + stacked[-1].entries) * chart["scale"] == pytest.approx(chart["plot_height"])
    assert chart["quarters"][1].x - chart["quarters"][0].x == pytest.approx(chart["plot_width"] / 8, abs=0.1)
    assert [item["name"] for item in chart["legend"]] == ["east", "Main"]


def test_chart_axis_spans_the_opening_hours() -> None:
    chart = quarter_chart({"main": {600: 4}}, {}, span=(8, 22))
    assert chart["ticks"][0]["label"] == "08h" and chart["ticks"][-1]["label"] == "22h"
    late = quarter_chart({"main": {23 * 60: 1}}, {}, span=(8, 21))
    assert late["ticks"][-1]["label"] == "23h", "an entry outside the span still shows"


def test_central_opens_on_the_dashboard(central) -> None:
    assert central.get("/").headers["Location"].endswith("/dashboard/")
