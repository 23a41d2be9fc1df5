"""An organizer marks a stand's door on the plan SVG (``data-door="C01"`` on a small mark on
the stand's outline): the marked door wins over the middle of the side nearest a walkway,
routes end there, and ``check`` says in plain words what is wrong with a door mark (issue
"stand doors are still placed at the middle of the side nearest a walkway")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fair_helpers import PLAN_SVG

from kiosk import instance
from kiosk.cli import main
from kiosk.fair import svgplan
from kiosk.finder import layout

ZONES = {"hall", "crafts", "food", "forum", "terrace"}
C01_DOOR = '  <circle data-door="C01" cx="136" cy="29" r="1"/>\n'


def checked(tmp_path: Path, plan: str) -> svgplan.Derived:
    """The plan written as an SVG file and read back as ``kiosk plan check`` reads it."""
    file = tmp_path / "site.svg"
    file.write_text(plan, encoding="utf-8")
    return svgplan.check(file.read_bytes(), str(file), ZONES)


def stand_row(derived: svgplan.Derived, number: str) -> dict[str, object]:
    return next(row for row in derived.stands if row["number"] == number)


def test_the_marked_door_wins_over_the_side_nearest_a_walkway(tmp_path: Path) -> None:
    assert C01_DOOR in PLAN_SVG
    derived = checked(tmp_path, PLAN_SVG)
    assert not derived.problems, derived.problems
    c01 = stand_row(derived, "C01")
    # the east side (x = 68 m), though the south side (y = 17 m) is nearer the corridor
    assert (c01["door_x"], c01["door_y"]) == (68, 14.5)
    assert derived.document["doors"] == {"C01": [68, 14.5]}
    assert derived.document["nodes"]["stand:C01"] == [68, 20]  # joins the corridor below the door
    h01 = stand_row(derived, "H01")  # no door mark: the fallback
    assert (h01["door_x"], h01["door_y"]) == (13, 17)
    unmarked = checked(tmp_path, PLAN_SVG.replace(C01_DOOR, ""))
    assert not unmarked.problems and unmarked.document["doors"] == {}
    assert (stand_row(unmarked, "C01")["door_x"], stand_row(unmarked, "C01")["door_y"]) == (65, 17)


def test_a_door_mark_near_the_outline_is_put_on_it(tmp_path: Path) -> None:
    # drawn half a metre outside the east side (one unit is half a metre)
    derived = checked(tmp_path, PLAN_SVG.replace(C01_DOOR, C01_DOOR.replace('cx="136"', 'cx="137"')))
    assert not derived.problems, derived.problems
    assert (stand_row(derived, "C01")["door_x"], stand_row(derived, "C01")["door_y"]) == (68, 14.5)


@pytest.mark.parametrize(
    ("door", "reason"),
    [
        (
            '<circle data-door="Z09" cx="136" cy="29" r="1"/>',
            "door mark data-door='Z09' belongs to no stand (no stand Z09 in the plan)",
        ),
        (
            '<circle data-door="" cx="136" cy="29" r="1"/>',
            'door mark without a stand number: write it as data-door="A01"',
        ),
        ('<rect data-door="c01" x="123" y="28" width="2" height="2"/>', "stand C01 has two doors (the other"),
        (
            '<circle data-door="C01" cx="150" cy="29" r="1"/>',
            "the door of stand C01 is 7.0 m from the stand's outline: draw it on the outline (within 1 m)",
        ),
        (
            '<circle data-door="C01" cx="130" cy="24" r="1"/>',
            "no walkway reaches the door of stand C01 (none within 6 m)",
        ),
    ],
)
def test_check_reports_a_bad_door_mark_on_its_line(tmp_path: Path, door: str, reason: str) -> None:
    # a mark for C01 replaces its door; any other is added after it
    plan = (
        PLAN_SVG.replace(C01_DOOR, f"  {door}\n")
        if 'data-door="C01"' in door
        else PLAN_SVG.replace(C01_DOOR, C01_DOOR + f"  {door}\n")
    )
    file = tmp_path / "site.svg"
    file.write_text(plan, encoding="utf-8")
    line = plan[: plan.index(door)].count("\n") + 1
    result = CliRunner().invoke(main, ["plan", "check", str(file)])
    assert result.exit_code == 1, result.output
    assert f"site.svg:{line}: {reason}" in result.output, result.output


def test_an_exported_plan_keeps_its_marked_doors(tmp_path: Path) -> None:
    derived = checked(tmp_path, PLAN_SVG)
    exported = svgplan.export_svg(derived.document, derived.stands)
    assert '<circle data-door="C01" cx="68" cy="14.5" r="0.4"/>' in exported
    again = svgplan.check(exported.encode(), "exported.svg", ZONES)
    assert not again.problems and again.document["doors"] == {"C01": [68, 14.5]}
    doors = [[(row["number"], row["door_x"], row["door_y"]) for row in d.stands] for d in (derived, again)]
    assert doors[0] == doors[1]


def test_the_demo_plans_marked_doors_end_the_routes(demo_template: Path) -> None:
    database = instance.open_db(demo_template)
    try:
        site = layout.site(database.conn)
    finally:
        database.conn.close()
    assert site.document["doors"] == {"H12": [38, 44.5], "H13": [42, 44.5]}
    start = layout.position_from_config(None, "main", site)
    for number, door in (("H12", (38, 44.5)), ("H13", (42, 44.5))):
        stand = next(s for s in site.stands if s.number == number)
        route = layout.route_to_stand(site.graph, start, stand)
        # off the cross walkway (x = 40 m) straight to the side door, not round to the south side
        assert route.points[-2:] == [(40, 44.5), door], route.points
