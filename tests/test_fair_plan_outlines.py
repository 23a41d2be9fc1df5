"""A stand drawn as a polygon on the organizer's SVG keeps its shape: imported, exported
back, drawn by the finder's map and the setup preview as that polygon, not its bounding box
(issue 10: "polygon stands are drawn as their bounding box")."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from fair_helpers import PLAN_SVG, organizer_client, write_fair
from finder_helpers import make_finder_kiosk

from kiosk import create_app
from kiosk.cli import main
from kiosk.fair import svgplan

ZONES = {"hall", "crafts", "food", "forum", "terrace"}
# F01 becomes an L (half-metre units): 12 x 10 with a 6 x 5 corner cut away.
L_SHAPED = PLAN_SVG.replace(
    'points="124,46 136,46 136,56 124,56"', 'points="124,46 136,46 136,51 130,51 130,56 124,56"'
)
L_METRES = [[62, 23], [68, 23], [68, 25.5], [65, 25.5], [65, 28], [62, 28]]


def test_a_polygon_stand_keeps_its_outline_through_import_and_export() -> None:
    assert L_SHAPED != PLAN_SVG
    derived = svgplan.check(L_SHAPED.encode(), "site.svg", ZONES)
    assert not derived.problems, derived.problems
    assert derived.document["outlines"] == {"F01": L_METRES}  # rectangles keep x, y, width, height only
    f01 = next(row for row in derived.stands if row["number"] == "F01")
    assert (f01["x"], f01["y"], f01["width"], f01["height"]) == (62, 23, 6, 5)
    exported = svgplan.export_svg(derived.document, derived.stands)
    assert re.search(
        r'<polygon data-stand="F01" points="62,23 68,23 68,25.5 65,25.5 65,28 62,28"/>', exported
    )
    again = svgplan.check(exported.encode(), "exported.svg", ZONES)
    assert again.document["outlines"] == derived.document["outlines"]
    assert [row["number"] for row in again.stands] == [row["number"] for row in derived.stands]


def test_the_finder_map_and_the_setup_preview_draw_the_polygon(tmp_path: Path) -> None:
    fair = write_fair(tmp_path / "files", plan=L_SHAPED)
    central_dir = tmp_path / "central"
    made = CliRunner().invoke(main, ["init", str(central_dir), "--role", "central", "--fair", str(fair)])
    assert made.exit_code == 0, made.output
    finder = create_app(make_finder_kiosk(central_dir, tmp_path, gate="north"), {"TESTING": True})
    drawn = finder.test_client().get("/finder/plan").get_data(as_text=True)
    assert re.search(r'<polygon class="stand\s*" data-stand="F01" points="62,23 68,23 68,25.5 65,25.5', drawn)
    assert re.search(r'<rect class="stand\s*" data-stand="H01"', drawn)  # a rectangle stays a rect
    client = organizer_client(central_dir)
    setup_page = client.get("/setup/").get_data(as_text=True)
    assert re.search(r'<polygon class="stand vacant" data-stand="F01" points="62,23 68,23', setup_page)
