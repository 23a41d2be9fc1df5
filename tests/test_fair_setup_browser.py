"""The organizer's setup screens in Chromium, on a real central: edit a gate's limit (and be
told why a wrong one is refused), upload a plan and see the stand no exhibitor holds stand
out, upload an exhibitors spreadsheet and read its line report."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kiosk import demo
from kiosk.finder import directory
from tests.conftest import serving
from tests.helpers import rows, staff_log_in

pytestmark = pytest.mark.browser


def test_edit_a_gate_limit_upload_a_plan_and_see_the_preview(page, central_dir: Path, tmp_path: Path) -> None:
    plan = (demo.DEMO_FAIR / "plan.svg").read_text(encoding="utf-8")
    # one more stand in the sales area, just below row M: nobody holds it yet
    bigger = plan.replace(
        '<rect data-stand="M01"',
        '<rect data-stand="Z01" x="8" y="67" width="2.5" height="3"/>\n    <rect data-stand="M01"',
    )
    (tmp_path / "plan.svg").write_text(bigger, encoding="utf-8")
    (tmp_path / "broken.svg").write_text(
        plan.replace('data-stand="M02"', 'data-stand="M01"'), encoding="utf-8"
    )
    book = openpyxl.Workbook()
    book.active.append(directory.COLUMNS)
    book.active.append(["Z01", "Atelier Bijoux Tiznit", "", "artisan", "", "azilal", "Bijoux"])
    book.active.append(["Q99", "Stand perdu", "", "artisan", "", "azilal", "honey"])
    book.save(tmp_path / "exposants.xlsx")
    with serving(central_dir) as (base, _process):
        staff_log_in(page, base, "Hanane", "24681357", "/setup/")
        gate = page.locator("#gates-kids")
        assert gate.locator("input[name=occupancy_limit]").input_value() == "60"
        # a wrong limit: the fair file check's reason, nothing changed
        gate.locator("input[name=occupancy_limit]").fill("-5")
        gate.locator("button[type=submit]").click()
        page.locator("#gates-kids .errors").wait_for()
        assert "limit must be a whole number" in page.locator("#gates-kids .errors").inner_text()
        assert rows(central_dir, "SELECT occupancy_limit FROM gates WHERE id = 'kids'")[0][0] == 60
        page.locator("#gates-kids input[name=occupancy_limit]").fill("45")
        page.locator("#gates-kids button[type=submit]").click()
        page.locator("#gates-kids .changes").wait_for()
        assert "occupancy_limit 60 -> 45" in page.locator("#gates-kids .changes").inner_text()
        assert rows(central_dir, "SELECT occupancy_limit FROM gates WHERE id = 'kids'")[0][0] == 45
        # the plan: a broken one is refused with its line, the good one shows a vacant stand
        preview = page.locator("#plan-preview")
        assert preview.locator("rect.stand.vacant").count() == 0  # the demo's 304 stands are all taken
        page.set_input_files("#section-plan input[type=file]", str(tmp_path / "broken.svg"))
        page.locator("#section-plan button[type=submit]").click()
        page.locator("#plan-problems").wait_for()
        assert "broken.svg:" in page.locator("#plan-problems").inner_text()
        assert "duplicate stand number M01" in page.locator("#plan-problems").inner_text()
        page.set_input_files("#section-plan input[type=file]", str(tmp_path / "plan.svg"))
        page.locator("#section-plan button[type=submit]").click()
        page.locator('#plan-preview rect.vacant[data-stand="Z01"]').wait_for()
        assert page.locator("#plan-preview rect.vacant").count() == 1
        assert "1" in page.locator("#vacant-count").inner_text()
        fill = page.locator('#plan-preview rect[data-stand="Z01"]').evaluate("e => getComputedStyle(e).fill")
        other = page.locator('#plan-preview rect[data-stand="A01"]').evaluate("e => getComputedStyle(e).fill")
        assert fill != other  # the vacant stand stands out
        # the exhibitors spreadsheet: its line report, a new category made
        page.set_input_files(
            "#section-sheets form:first-of-type input[type=file]", str(tmp_path / "exposants.xlsx")
        )
        page.locator("#section-sheets form:first-of-type button[type=submit]").click()
        page.locator("#report-exhibitors .loaded").wait_for()
        report = page.locator("#report-exhibitors").inner_text()
        assert "exposants.xlsx:3: unknown stand 'Q99'" in report
        assert "category 'Bijoux' (bijoux)" in report
    assert rows(central_dir, "SELECT count(*) FROM stands WHERE number = 'Z01'")[0][0] == 1
    assert rows(central_dir, "SELECT name_fr FROM categories WHERE id = 'bijoux'")[0][0] == "Bijoux"
