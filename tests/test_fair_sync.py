"""What an organizer changes in the fair file and the plan reaches an enrolled kiosk by the
ordinary sync pull: a new stand on the plan is routable on the kiosk, a gate's new limit holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serving
from sync_helpers import enroll, query

from kiosk import clock, demo, instance
from kiosk.cli import main
from kiosk.finder import layout
from sync.client import Client


def test_fair_and_plan_changes_reach_a_kiosk_by_sync(central_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    with serving(central_dir) as (central, _process):
        kiosk = enroll(central, central_dir, tmp_path / "k1", "finder-main", role="finder")
        assert query(kiosk, "SELECT count(*) FROM stands WHERE number = 'Z01'")[0][0] == 0
        exported = runner.invoke(main, ["fair", "export", str(central_dir), str(tmp_path / "fair.toml")])
        assert exported.exit_code == 0, exported.output
        text = (tmp_path / "fair.toml").read_text(encoding="utf-8").replace("limit = 60", "limit = 40")
        (tmp_path / "fair.toml").write_text(text, encoding="utf-8")
        plan = (demo.DEMO_FAIR / "plan.svg").read_text(encoding="utf-8")
        (tmp_path / "plan.svg").write_text(
            plan.replace(
                '<rect data-stand="M01"',
                '<rect data-stand="Z01" x="8" y="67" width="2.5" height="3"/>\n    <rect data-stand="M01"',
            ),
            encoding="utf-8",
        )
        applied = runner.invoke(main, ["fair", "apply", str(central_dir), str(tmp_path / "fair.toml")])
        assert applied.exit_code == 0 and "stand Z01: added" in applied.output, applied.output
        assert "gate kids: occupancy_limit 60 -> 40" in applied.output
        client = Client(kiosk)
        client.pull()
        client.close()
    assert query(kiosk, "SELECT occupancy_limit FROM gates WHERE id = 'kids'")[0][0] == 40
    assert query(kiosk, "SELECT digest FROM site_plan") == query(central_dir, "SELECT digest FROM site_plan")
    database = instance.open_db(kiosk)
    route = layout.route_between(layout.site(database.conn), "Z01", (40, 99))
    database.conn.close()
    assert route.points[-1] == (9.25, 67)  # Z01's door, on the aisle above it


@pytest.fixture
def zone_restored() -> Iterator[None]:
    """This process's clock goes back to the demo fair's zone after the test, pass or fail."""
    yield
    clock.use_zone(clock.DEFAULT_ZONE)


@pytest.mark.usefixtures("zone_restored")
def test_a_new_fair_time_zone_reaches_a_running_kiosk_by_sync(central_dir: Path, tmp_path: Path) -> None:
    """The fair moves zone: the kiosk's clock follows after its next pull, no restart."""
    runner = CliRunner()
    with serving(central_dir) as (central, _process):
        kiosk = enroll(central, central_dir, tmp_path / "k1", "entry-main", role="entry")
        exported = runner.invoke(main, ["fair", "export", str(central_dir), str(tmp_path / "fair.toml")])
        assert exported.exit_code == 0, exported.output
        text = (tmp_path / "fair.toml").read_text(encoding="utf-8")
        moved = text.replace('timezone = "Africa/Casablanca"', 'timezone = "Europe/Paris"')
        assert moved != text
        (tmp_path / "fair.toml").write_text(moved, encoding="utf-8")
        applied = runner.invoke(main, ["fair", "apply", str(central_dir), str(tmp_path / "fair.toml")])
        assert applied.exit_code == 0, applied.output
        # This process stands for the running kiosk: its clock still has the zone it opened with.
        clock.use_zone("Africa/Casablanca")
        client = Client(kiosk)
        try:
            client.pull()
        finally:
            client.close()
    assert str(clock.zone()) == "Europe/Paris"
    assert clock.now().utcoffset() == timedelta(hours=2)  # 15 June, Paris summer time
