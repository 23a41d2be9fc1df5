"""Named badges: one exhibitor badge per exhibitor, staff badges, A6 pages or A4 sheets, each
a real ticket of the badge's type, Arabic in an embedded Naskh font with text shaping."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from kiosk import instance
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
    assert "Printed 320 named exhibitor badges" in result.stdout and "320 new tickets" in result.stdout
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
    staff = rows(central_dir, "SELECT count(*) FROM staff WHERE active = 1")[0][0]
    assert f"Printed {staff} named staff badges" in result.stdout
    pdf = out.read_bytes()
    assert page_count(pdf) == staff
    assert media_boxes(pdf)[1:] == [(297.64, 419.53)] * staff  # each page A6 (105 x 148 mm)


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
    names = [h.name_fr for h in badges.staff_holders(conn)]
    assert names == sorted(names) and {"Hanane", "Meryem", "Omar", "Rachid"} <= set(names)
    assert {h.kind for h in badges.staff_holders(conn)} == {"staff"} and tifawin.kind == "exhibitor"
    conn.close()
    assert badges.has_arabic("تعاونية") and not badges.has_arabic("Coopérative")


def test_printing_badges_again_prints_the_same_tickets(central_dir: Path, tmp_path: Path) -> None:
    """A badge's ticket is its holder's: a second printing issues nothing; a revoked badge
    (lost) gets its holder a new ticket at the next printing, the others stay."""
    database = instance.open_db(central_dir)
    holders = badges.staff_holders(database.conn)
    first = badges.issue_badges(database, central_dir, holders, "staff")
    assert all(badge.new for badge in first)
    linked = rows(central_dir, "SELECT holder_kind, holder_id, ticket_uuid FROM badges ORDER BY holder_id")
    assert [tuple(row) for row in linked] == sorted(("staff", b.holder.id, b.ticket["uuid"]) for b in first)
    tickets_before = rows(central_dir, "SELECT count(*) FROM tickets")[0][0]
    again = badges.issue_badges(database, central_dir, holders, "staff")
    assert [b.ticket["short_code"] for b in again] == [b.ticket["short_code"] for b in first]
    assert not any(b.new for b in again)
    assert rows(central_dir, "SELECT count(*) FROM tickets")[0][0] == tickets_before
    lost = first[1]
    revoked = CliRunner().invoke(
        main, ["tickets", "revoke", str(central_dir), str(lost.ticket["short_code"])]
    )
    assert revoked.exit_code == 0, revoked.output
    third = badges.issue_badges(database, central_dir, holders, "staff")
    database.conn.close()
    assert [b.new for b in third] == [index == 1 for index in range(len(holders))]
    assert third[1].holder == lost.holder and third[1].ticket["short_code"] != lost.ticket["short_code"]
    assert [b.ticket["short_code"] for i, b in enumerate(third) if i != 1] == [
        b.ticket["short_code"] for i, b in enumerate(first) if i != 1
    ]
    out = tmp_path / "again.pdf"
    result = CliRunner().invoke(main, ["tickets", "issue", str(central_dir), "--staff", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"0 new tickets, {len(holders)} printed again" in result.stdout
