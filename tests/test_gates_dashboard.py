"""The dashboard's pass-back figures: already_inside refusals per gate per hour, and
tickets let in twice while gates were offline (short code, both gates, both times)."""

from __future__ import annotations

from pathlib import Path

from conftest import serving
from gates_helpers import scan, sync
from sync_helpers import day_tickets, enroll

from kiosk import create_app, instance
from kiosk.dashboard import passback
from kiosk.tickets import shortcode
from tests.conftest import FAIR_START
from tests.helpers import rows


def test_passback_attempts_on_the_dashboard(central_dir: Path, tmp_path: Path) -> None:
    with serving(central_dir) as (central, _process):
        main = enroll(central, central_dir, tmp_path / "main", "entry-main", "entry", "main")
        east = enroll(central, central_dir, tmp_path / "east", "entry-east", "entry", "east")
        shared, other = day_tickets(central_dir, 2)
        # Offline: both gates admit the same ticket; main refuses a second entry of another.
        assert scan(main, shared) == "ok" and scan(east, shared, "east") == "ok"
        assert scan(main, other) == "ok" and scan(main, other) == "already_inside"
        sync(main, east)
        # Online: east hears of main's admission and refuses it too.
        assert scan(east, other, "east") == "already_inside"
        sync(east)
    database = instance.open_db(central_dir)
    refusals = passback.refusals_per_gate_hour(database.conn, FAIR_START)
    doubles = passback.offline_double_entries(database.conn, FAIR_START)
    database.conn.close()
    assert refusals == [
        {"gate": "east", "hour": 11, "refusals": 1},
        {"gate": "main", "hour": 11, "refusals": 1},
    ]
    serial = rows(central_dir, "SELECT serial FROM tickets WHERE payload = ?", (shared,))[0][0]
    assert len(doubles) == 1 and doubles[0]["short_code"] == shortcode.encode(serial)
    assert [entry["gate"] for entry in doubles[0]["entries"]] == ["main", "east"]
    first, second = (entry["moment"] for entry in doubles[0]["entries"])
    assert (second - first).total_seconds() == 1 and first.utcoffset() is not None

    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    live = client.get("/dashboard/live?lang=en").get_data(as_text=True)
    assert "Pass-back attempts" in live
    assert (
        shortcode.encode(serial) in live
        and str(serial) not in live.split("Pass-back attempts")[1].split("</section>")[0]
    )
    # Gates by name, times and counts isolated for right-to-left pages.
    assert f"Main entrance <bdi>{first:%H:%M:%S}</bdi>; East entrance <bdi>{second:%H:%M:%S}</bdi>" in live
    assert "<td>East entrance</td><td><bdi>11:00</bdi></td><td><bdi>1</bdi></td>" in live
    # the conflicts list too
    assert f'ticket <bdi dir="ltr" data-ticket>{shortcode.encode(serial)}</bdi>' in live
