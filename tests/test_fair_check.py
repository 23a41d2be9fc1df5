"""Bad fair files and bad plans get FILE:LINE: reason, and change nothing; apply refuses to
drop or renumber what tickets and scans use; the demo fair folder checks clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import clock, demo, instance
from kiosk.fair import spec, store, svgplan
from kiosk.fair.spec import FairFileError
from tests.fair_helpers import FAIR_TOML, PLAN_SVG, kiosk, write_fair
from tests.helpers import rows


@pytest.fixture(autouse=True)
def restore_zone() -> Iterator[None]:
    yield
    clock.use_zone(clock.DEFAULT_ZONE)


def problems_of(tmp_path: Path, fair: str = FAIR_TOML, plan: str = PLAN_SVG) -> list[tuple[str, int, str]]:
    with pytest.raises(FairFileError) as caught:
        store.load(write_fair(tmp_path, fair, plan))
    return [(Path(p.file).name, p.line, p.reason) for p in caught.value.problems]


def line_of(text: str, fragment: str, after: str = "") -> int:
    """The 1-based line of the first ``fragment`` after the first ``after``."""
    start = text.index(after) if after else 0
    return text[: text.index(fragment, start)].count("\n") + 1


def test_the_demo_fair_folder_and_the_second_fair_check_clean(tmp_path: Path) -> None:
    result = kiosk("fair", "check", str(demo.DEMO_FAIR / "fair.toml"))
    assert result.returncode == 0, result.stderr
    assert "6 zones, 5 gates, 7 ticket types, 13 categories, 5 provinces" in result.stdout
    assert "304 stands" in result.stdout
    loaded = store.load(write_fair(tmp_path))
    assert len(loaded.fair.tables["zones"]) == 5 and len(loaded.plan.stands) == 6


@pytest.mark.parametrize(
    ("old", "new", "line_fragment", "after", "reason"),
    [
        ('zone = "hall"', 'zone = "hal"', 'zone = "hal"', "", "gate 'north': unknown zone 'hal'"),
        ("code = 11", "code = 10", "code = 10", 'id = "market"', "duplicate code 10"),
        ("end = 2027-03-10", "end = 2027-03-01", "end = 2027-03-01", "", "end is before start"),
        ('closes = "18:00"', 'closes = "09:00"', 'closes = "09:00"', "", "closes equals opens"),
        ('opens = "09:00"', 'opens = "9h"', 'opens = "9h"', "", 'opens must be a time like "10:00"'),
        ('timezone = "Europe/Istanbul"', 'timezone = "Mars/Olympus"', "timezone", "", "unknown time zone"),
        ('zones = ["hall", "crafts"]', 'zones = ["hall", "attic"]', '"attic"', "", "unknown zone 'attic'"),
        ('id = "crafts"', 'id = "hall"', 'id = "hall"', "Grand hall", "duplicate id 'hall'"),
        ('name = { fr = "Forum" }', 'name = { ar = "منتدى" }', "منتدى", "", "name needs French"),
        ('directions = ["in"]', 'directions = ["up"]', '["up"]', "", "directions must be"),
        ("limit = 2", "limit = -2", "limit = -2", "", "limit must be a whole number"),
        ("date = 2027-03-10", "date = 2027-04-01", "date = 2027-04-01", "", "not a day of the fair"),
        ('file = "site.svg"', 'file = "nowhere.svg"', "nowhere.svg", "", "no plan file 'nowhere.svg'"),
        (
            "early_access = true",
            "early_access = 1",
            "early_access = 1",
            "",
            "early_access must be true or false",
        ),
        ('venue = "Istanbul"', 'venue = "Istanbul"\ncolour = "red"', "colour", "", "unknown key 'colour'"),
        ('[[zone]]\nid = "food"', '[[zone]\nid = "food"', '[[zone]\nid = "food"', "", "not TOML"),
    ],
)
def test_a_bad_fair_file_names_the_line(
    tmp_path: Path, old: str, new: str, line_fragment: str, after: str, reason: str
) -> None:
    assert old in FAIR_TOML
    text = FAIR_TOML.replace(old, new, 1)
    found = problems_of(tmp_path, text)
    expected_line = line_of(text, line_fragment, after)
    assert any(
        file == "fair.toml" and line == expected_line and reason in why for file, line, why in found
    ), (
        found,
        expected_line,
    )


@pytest.mark.parametrize(
    ("old", "new", "line_fragment", "reason"),
    [
        (
            '<rect data-stand="C01"',
            '<rect data-stand="H01"',
            'data-stand="H01" x="124"',
            "duplicate stand number H01",
        ),
        ('data-stand="P01" x="70"', 'data-stand="P01" x="230"', 'data-stand="P01"', "outside every zone"),
        (
            'data-stand="T01" x="144" y="106"',
            'data-stand="T01" x="10" y="110"',
            'data-stand="T01"',
            "no walkway",
        ),
        (
            'data-gate="south" cx="60" cy="10"',
            'data-gate="south" cx="100" cy="10"',
            'data-gate="south"',
            "not on a walkway",
        ),
        ('data-facility="toilets"', 'data-facility="bar"', 'data-facility="bar"', "data-facility 'bar'"),
        ('data-zone="forum"', 'data-zone="garden"', 'data-zone="garden"', "not a zone of the fair"),
        ("</svg>", "</svg", "</svg", "not XML"),
        ('data-metres-per-unit="0.5"', 'data-metres-per-unit="half"', "<svg", "is not a positive number"),
    ],
)
def test_a_bad_plan_names_its_line(
    tmp_path: Path, old: str, new: str, line_fragment: str, reason: str
) -> None:
    assert old in PLAN_SVG
    plan = PLAN_SVG.replace(old, new, 1)
    found = problems_of(tmp_path, plan=plan)
    expected_line = line_of(plan, line_fragment)
    assert any(file == "site.svg" and line == expected_line and reason in why for file, line, why in found), (
        found,
        expected_line,
    )


def test_a_stand_cut_off_from_every_gate_is_reported(tmp_path: Path) -> None:
    # the terrace walkway no longer meets the steps: T01 is on an island
    plan = PLAN_SVG.replace('d="M 160 40 V 100"', 'd="M 160 40 V 90"')
    found = problems_of(tmp_path, plan=plan)
    assert (
        "site.svg",
        line_of(plan, 'data-stand="T01"'),
        "no walkway from a gate reaches stand T01",
    ) in found


def test_entities_and_doctypes_are_refused(tmp_path: Path) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    with pytest.raises(svgplan.PlanError, match="refused"):
        svgplan.parse_svg(bomb.encode(), "bomb.svg")


def test_the_cli_prints_file_line_reason_and_exits_1(tmp_path: Path) -> None:
    text = FAIR_TOML.replace('zone = "hall"', 'zone = "hal"', 1)
    path = write_fair(tmp_path, text)
    result = kiosk("fair", "check", str(path))
    assert result.returncode == 1
    line = line_of(text, 'zone = "hal"')
    assert f"{path}:{line}: gate 'north': unknown zone 'hal'" in result.stderr


def test_bad_files_change_nothing_and_apply_refuses_what_tickets_use(
    central_dir: Path, tmp_path: Path
) -> None:
    def snapshot() -> dict[str, list[tuple]]:
        tables = (*spec.TABLES, "stands", "site_plan")
        return {t: [tuple(r) for r in rows(central_dir, f"SELECT * FROM {t} ORDER BY 1")] for t in tables}

    before = snapshot()
    exported = kiosk("fair", "export", str(central_dir), str(tmp_path / "fair.toml"))
    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "fair.toml").read_text(encoding="utf-8")
    # a broken file: nothing changes
    (tmp_path / "bad.toml").write_text(text.replace('zone = "kids"', 'zone = "attic"'), encoding="utf-8")
    (tmp_path / "bad-plan.svg").write_text(PLAN_SVG, encoding="utf-8")
    assert kiosk("fair", "apply", str(central_dir), str(tmp_path / "bad.toml")).returncode == 1
    imported = kiosk("plan", "import", str(central_dir), str(tmp_path / "bad-plan.svg"))
    assert imported.returncode == 1 and "not a zone of the fair" in imported.stderr
    # renumbering a type whose tickets exist, or dropping a zone that sessions use: refused
    renumbered = text.replace("code = 1\n", "code = 99\n", 1)
    without_conference = renumbered.replace('"conference"', '"congress"').replace("plan.svg", "changed.svg")
    (tmp_path / "changed.toml").write_text(without_conference, encoding="utf-8")
    plan = (tmp_path / "plan.svg").read_text(encoding="utf-8")
    (tmp_path / "changed.svg").write_text(plan.replace('"conference"', '"congress"'), encoding="utf-8")
    database = instance.open_db(central_dir)
    with pytest.raises(store.ApplyError) as refused:
        store.apply_fair(database, store.load(tmp_path / "changed.toml"))
    reasons = "\n".join(refused.value.reasons)
    assert "ticket type day: code 1 cannot become 99" in reasons
    assert "zone conference cannot be removed" in reasons and "sessions" in reasons
    assert snapshot() == before
    # a change nothing refers to goes through and is listed
    (tmp_path / "limit.toml").write_text(text.replace("limit = 60", "limit = 45"), encoding="utf-8")
    assert store.apply_fair(database, store.load(tmp_path / "limit.toml")) == [
        "gate kids: occupancy_limit 60 -> 45"
    ]
    database.conn.close()
    assert rows(central_dir, "SELECT occupancy_limit FROM gates WHERE id = 'kids'")[0][0] == 45
