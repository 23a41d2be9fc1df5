"""Device health alerts on central's dashboard: offline for more than 2 minutes, clock
more than 2 minutes off, disk under 10 % free, camera frozen or missing."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk import clock, create_app, instance
from kiosk import db as dbmod
from sync import protocol
from tests.sync_helpers import add_device

NOW = clock.parse_time("2026-06-15T11:00:00+01:00")


def device(**changes: object) -> dict[str, object]:
    healthy = {
        "state": "enrolled",
        "last_seen_at": "2026-06-15T10:59:30.000+01:00",
        "clock_offset": 1.5,
        "disk_free_ratio": 0.4,
        "camera": "ok",
    }
    return {**healthy, **changes}


def test_alerts_name_what_needs_staff() -> None:
    assert protocol.health_alerts(device(), NOW) == []
    assert protocol.health_alerts(device(last_seen_at="2026-06-15T10:57:59.000+01:00"), NOW) == ["offline"]
    assert protocol.health_alerts(device(last_seen_at=None), NOW) == ["offline"]
    assert protocol.health_alerts(device(clock_offset=-121.0), NOW) == ["clock"]
    assert protocol.health_alerts(device(disk_free_ratio=0.08), NOW) == ["disk"]
    assert protocol.health_alerts(device(camera="frozen"), NOW) == ["camera"]
    assert protocol.health_alerts(device(camera="none"), NOW) == []
    assert protocol.health_alerts(device(state="revoked", camera="frozen"), NOW) == []


def test_the_dashboard_shows_a_frozen_camera_and_a_silent_kiosk(central_dir: Path) -> None:
    add_device(central_dir, "entry-east", gate="east")
    database = instance.open_db(central_dir)
    status = json.dumps({"camera": "frozen", "disk_free_ratio": 0.05})
    with dbmod.write(database) as conn:
        conn.execute(
            "UPDATE sync_devices SET enrolled_at = ?, last_seen_at = ?, status = ? WHERE name = 'entry-east'",
            ("2026-06-15T09:00:00.000+01:00", "2026-06-15T10:50:00.000+01:00", status),
        )
    database.conn.close()
    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Hanane", "pin": "24681357"}).status_code == 302
    page = client.get("/dashboard/live").get_data(as_text=True)
    for text in (
        "aucun contact depuis plus de 2 minutes",
        "disque libre sous 10 %",
        "caméra figée ou absente",
    ):
        assert text in page
