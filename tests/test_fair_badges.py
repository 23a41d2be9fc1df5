"""Named badges: one exhibitor badge per exhibitor, staff badges, A6 pages or A4 sheets, each
a real ticket of the badge's type, Arabic in an embedded Naskh font with text shaping."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from kiosk.cli import main
from kiosk.tickets import badges
from tests.helpers import rows


def page_count(pdf: bytes) -> int:
    return int(re.search(rb"/Count (\d+)", pdf)[1])


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every MediaBox: the document's default first, then the
    pages that have their own size."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def test_exhibitor_badges_on_a4_sheets_are_tickets(central_dir: Path, tmp_path: Path) -> None:
    before = rows(central_dir, "SELECT count(*) FROM tickets WHERE type_id = 'exhibitor'")[0][0]
    out = tmp_path / "badges.pdf"
    result = CliRunner().invoke(
        main, ["tickets", "issue", str(central_dir), "--exhibitors", "--sheet", "a4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Issued 320 named exhibitor badges" in result.stdout
    after = rows(central_dir, "SELECT count(*) FROM tickets WHERE type_id = 'exhibitor'")[0][0]
    assert after == before + 320
    pdf = out.read_bytes()
    assert page_count(pdf) == 80  # four badges a sheet
    assert media_boxes(pdf) == [(595.28, 841.89)]  # every page A4
    assert b"NotoNaskhArabic" in pdf and b"DejaVuSans" in pdf


def test_staff_badges_are_a6_pages(central_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "staff.pdf"
    result = CliRunner().invoke(main, ["tickets", "issue", str(central_dir), "--staff", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Issued 4 named staff badges" in result.stdout
    pdf = out.read_bytes()
    assert page_count(pdf) == 4
    assert media_boxes(pdf)[1:] == [(297.64, 419.53)] * 4  # each page A6 (105 x 148 mm)


def test_badges_need_exactly_one_kind_and_no_count(central_dir: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "x.pdf")
    both = CliRunner().invoke(
        main, ["tickets", "issue", str(central_dir), "--staff", "--exhibitors", "--out", out]
    )
    assert both.exit_code == 1 and "either --exhibitors or --staff" in both.stderr
    counted = CliRunner().invoke(
        main, ["tickets", "issue", str(central_dir), "--staff", "--count", "3", "--out", out]
    )
    assert counted.exit_code == 1


def test_holders_come_from_the_directory_and_staff(central_dir: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(central_dir / "kiosk.db")
    conn.row_factory = sqlite3.Row
    exhibitors = badges.exhibitor_holders(conn)
    tifawin = next(h for h in exhibitors if h.name_fr == "Coopérative Tifawin")
    assert tifawin.name_ar == "تعاونية تيفاوين" and tifawin.stands
    assert [h.name_fr for h in badges.staff_holders(conn)] == ["Hanane", "Meryem", "Omar", "Rachid"]
    conn.close()
    assert badges.has_arabic("تعاونية") and not badges.has_arabic("Coopérative")
