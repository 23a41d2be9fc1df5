"""A second fair built entirely from files runs a real kiosk: admission follows its hours,
time zone and zones; the finder routes on its plan and says when only steps lead there."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import clock
from kiosk.fair import spec
from tests.conftest import serving
from tests.fair_helpers import kiosk, write_fair
from tests.helpers import rows


@pytest.fixture(autouse=True)
def restore_zone() -> Iterator[None]:
    """Opening the second fair in this process moves the clock to its zone: put it back."""
    yield
    clock.use_zone(clock.DEFAULT_ZONE)


@pytest.fixture(scope="module")
def second_fair(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Central made with `kiosk init --fair`, tickets issued, and an entry+finder kiosk at the
    forum gate provisioned from its bundle. Returns the folder holding both."""
    root = tmp_path_factory.mktemp("second")
    fair_file = write_fair(root / "files")
    env = {**os.environ, "KIOSK_NOW": "2027-03-01T12:00+03:00"}
    made = kiosk("init", str(root / "central"), "--role", "central", "--fair", str(fair_file), env=env)
    assert made.returncode == 0, made.stderr
    assert "5 zones, 3 gates, 3 ticket types" in made.stdout
    for type_id in ("visitor", "market", "exhibitor"):
        out = root / f"{type_id}.txt"
        issued = kiosk(
            "tickets",
            "issue",
            str(root / "central"),
            "--type",
            type_id,
            "--count",
            "4",
            "--out",
            str(out),
            env=env,
        )
        assert issued.returncode == 0, issued.stderr
    bundled = kiosk("bundle", str(root / "central"), "--out", str(root / "fair.bundle"), env=env)
    assert bundled.returncode == 0, bundled.stderr
    provisioned = kiosk(
        "init", str(root / "kiosk"), "--role", "entry,finder", "--bundle", str(root / "fair.bundle"),
        "--gate", "forum", env=env,
    )  # fmt: skip
    assert provisioned.returncode == 0, provisioned.stderr
    return root


def payload(root: Path, type_id: str, index: int = 0) -> str:
    return rows(
        root / "central", "SELECT payload FROM tickets WHERE type_id = ? ORDER BY serial", (type_id,)
    )[index][0]


def call(base: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_fair_is_stored_with_its_zone_and_dates(second_fair: Path) -> None:
    event = rows(second_fair / "kiosk", "SELECT * FROM event")[0]
    assert (event["id"], event["timezone"], event["start_date"], event["end_date"]) == (
        "ess-diaspora-2027",
        "Europe/Istanbul",
        "2027-03-08",
        "2027-03-10",
    )
    assert event["name_en"] == "Salon de la diaspora solidaire"  # English falls back to French
    days = rows(
        second_fair / "kiosk", "SELECT date, opens, closes, early_opens FROM event_days ORDER BY date"
    )
    assert [tuple(day) for day in days] == [
        ("2027-03-08", "09:00", "18:00", "07:00"),
        ("2027-03-09", "09:00", "18:00", "07:00"),
        ("2027-03-10", "09:00", "23:30", "07:00"),
    ]
    market = rows(second_fair / "kiosk", "SELECT * FROM ticket_types WHERE id = 'market'")[0]
    assert (market["code"], market["zones"], market["default_days"], market["reentry"]) == (
        11,
        "hall,crafts",
        3,
        1,
    )
    assert rows(second_fair / "kiosk", "SELECT reentry FROM ticket_types WHERE id = 'exhibitor'")[0][0] == 0
    assert rows(second_fair / "central", "SELECT count(*) FROM signing_keys")[0][0] == 1


def test_admission_follows_the_fair_hours_zone_and_limits(second_fair: Path) -> None:
    # 06:30 UTC is 09:30 in Istanbul: open (in Casablanca it would be before opening).
    with serving(second_fair / "kiosk", {"KIOSK_NOW": "2027-03-08T06:30:00+00:00"}) as (base, _process):
        status, answer = call(base, "/api/v1/scans", {"code": payload(second_fair, "visitor")})
        assert status == 200 and answer["ok"] and answer["gate_id"] == "forum", answer
        # the market pass holds hall and crafts only: refused at the forum, welcome in the hall
        _status, answer = call(base, "/api/v1/scans", {"code": payload(second_fair, "market")})
        assert answer["reason"] == "wrong_zone"
        _status, answer = call(
            base, "/api/v1/scans", {"code": payload(second_fair, "market"), "gate": "north"}
        )
        assert answer["ok"], answer
        # the forum holds two people at most
        _status, answer = call(base, "/api/v1/scans", {"code": payload(second_fair, "visitor", 1)})
        assert answer["ok"], answer
        _status, answer = call(base, "/api/v1/scans", {"code": payload(second_fair, "visitor", 2)})
        assert answer["reason"] == "zone_full"
    # 07:30 in Istanbul: exhibitors (early access) only
    with serving(second_fair / "kiosk", {"KIOSK_NOW": "2027-03-09T07:30:00+03:00"}) as (base, _process):
        _status, answer = call(
            base, "/api/v1/scans", {"code": payload(second_fair, "market", 2), "gate": "north"}
        )
        assert answer["reason"] == "outside_hours"
        _status, answer = call(
            base, "/api/v1/scans", {"code": payload(second_fair, "exhibitor"), "gate": "north"}
        )
        assert answer["ok"], answer
    # the last day closes at 23:30
    with serving(second_fair / "kiosk", {"KIOSK_NOW": "2027-03-10T23:00:00+03:00"}) as (base, _process):
        _status, answer = call(
            base, "/api/v1/scans", {"code": payload(second_fair, "market", 1), "gate": "north"}
        )
        assert answer["ok"], answer
    scans = rows(second_fair / "kiosk", "SELECT device_time FROM scans ORDER BY device_seq")
    assert all(row[0].endswith("+03:00") for row in scans)  # stored on the fair's clock


def test_the_finder_routes_on_the_fair_plan(second_fair: Path) -> None:
    with serving(second_fair / "kiosk", {"KIOSK_NOW": "2027-03-08T10:00:00+03:00"}) as (base, _process):
        # from the kiosk's own gate (forum, at 45,50 m) to the forum stand
        status, route = call(base, "/api/v1/route?to=P01")
        assert status == 200
        assert route == {
            "metres": 9.5,
            "minutes": 1,
            "steps": False,
            "path": [[45, 50], [37.5, 50], [37.5, 52]],
        }
        # from the south gate down the cross alley, through the crossing, along the corridor,
        # up to the door the plan marks on C01's east side (not the south side's middle)
        status, route = call(base, "/api/v1/route?to=C01&from=south")
        assert status == 200 and route["metres"] == 58.5 and [30, 20] in route["path"]
        assert route["path"][0] == [30, 5] and route["path"][-2:] == [[68, 20], [68, 14.5]]
        # the terrace stand: only by steps
        status, route = call(base, "/api/v1/route?to=T01&from=north")
        assert status == 200 and route["steps"] is True and [80, 50] in route["path"]
        status, answer = call(base, "/api/v1/route?to=T01&from=north&step_free=1")
        assert status == 422 and answer["error"] == "no_step_free_route"
        assert "only by steps" in answer["detail"]
        status, answer = call(base, "/api/v1/route?to=Z99")
        assert status == 404 and answer["error"] == "unknown_stand"
        status, answer = call(base, "/api/v1/route?to=P01&from=500,500")
        assert status == 400 and answer["error"] == "bad_from"
        status, answer = call(base, "/api/v1/route?to=H01&from=12.5,20")
        assert status == 200 and answer["path"][0] == [12.5, 20]
        # the screen draws this plan, not the demo's
        with urllib.request.urlopen(base + "/finder/plan?lang=fr", timeout=10) as response:
            page = response.read().decode()
        assert 'data-zone="terrace"' in page and "Terrasse" in page


def test_the_exported_fair_applies_back_unchanged(second_fair: Path, tmp_path: Path) -> None:
    central = second_fair / "central"
    exported = kiosk("fair", "export", str(central), str(tmp_path / "fair.toml"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "plan.svg").exists()
    before = fair_tables(central)
    again = kiosk("fair", "apply", str(central), str(tmp_path / "fair.toml"))
    assert again.returncode == 0, again.stderr
    assert "No change" in again.stdout
    assert fair_tables(central) == before
    assert len(before["stands"]) == 6


def fair_tables(folder: Path) -> dict[str, list[tuple]]:
    """Everything a fair file and its plan make, as stored."""
    tables = (*spec.TABLES, "stands", "site_plan")
    return {
        table: [tuple(row) for row in rows(folder, f"SELECT * FROM {table} ORDER BY 1")] for table in tables
    }
