"""Named badges: one exhibitor badge per exhibitor, one staff badge per staff account.

A badge is a ticket of the badge's type (exhibitor, staff: their zones and early access
come from the fair file) printed with its holder's name in French and Arabic, the
organisation and the stand(s). The ticket is tied to its holder (table ``badges``):
printing the badges again prints the same tickets; a lost badge is revoked (``kiosk
tickets revoke``) and the next printing gives its holder a new ticket. A6 (one badge a
page, for badge printers) or an A4 sheet of four A6 badges to cut. Arabic is shaped and
laid out right to left by fpdf2's text shaping (HarfBuzz through uharfbuzz) in Noto
Naskh Arabic from Debian's fonts-noto-core (``scripts/system-deps.sh`` installs it), as
on every ticket PDF.
"""

from __future__ import annotations

import io
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.tickets.issuing import first_day, issue_tickets
from kiosk.tickets.printing import new_pdf, qr_image

if TYPE_CHECKING:
    from fpdf import FPDF

A6_W, A6_H = 105, 148
SHEETS = ("a6", "a4")


@dataclass(frozen=True)
class Holder:
    """Who a badge names: ``kind`` and ``id`` are the exhibitor's or staff account's."""

    kind: str
    id: str
    name_fr: str
    name_ar: str
    organisation: str
    stands: str
    role: str


def exhibitor_holders(conn: sqlite3.Connection) -> list[Holder]:
    """Every exhibitor, by first stand then name."""
    query = """
        SELECT e.id, e.name_fr, e.name_ar, coalesce(o.name, '') AS organisation,
          coalesce((SELECT group_concat(stand_number, ' · ') FROM
             (SELECT stand_number FROM exhibitor_stands WHERE exhibitor_id = e.id ORDER BY 1)), '') AS stands
        FROM exhibitors e LEFT JOIN organisations o ON o.id = e.organisation_id
        ORDER BY stands, e.name_fr
    """
    return [
        Holder("exhibitor", r["id"], r["name_fr"], r["name_ar"], r["organisation"], r["stands"], "")
        for r in conn.execute(query)
    ]


def staff_holders(conn: sqlite3.Connection) -> list[Holder]:
    """Every active staff account, by name."""
    rows = conn.execute("SELECT id, name, role FROM staff WHERE active = 1 ORDER BY name")
    return [Holder("staff", row["id"], row["name"], "", "", "", row["role"]) for row in rows]


@dataclass(frozen=True)
class Badge:
    holder: Holder
    ticket: dict[str, object]
    new: bool  # its ticket was issued now (else it is the one printed before)


def issue_badges(
    db: Database, instance_dir: Path, holders: Sequence[Holder], type_id: str, day: date | None = None
) -> list[Badge]:
    """Each holder's badge ticket of ``type_id`` valid from ``day`` (default: the first fair
    day): the one issued for them before unless it was revoked, else a new ticket tied to
    them. Raises IssueError like ``issue_tickets``."""
    valid_from = (day or first_day(db.conn)).isoformat()
    kept: dict[tuple[str, str], dict[str, object]] = {}
    for row in db.conn.execute(
        "SELECT b.holder_kind, b.holder_id, t.* FROM badges b JOIN tickets t ON t.uuid = b.ticket_uuid"
        " WHERE t.type_id = ? AND t.valid_from = ? AND t.serial NOT IN (SELECT serial FROM revocations)"
        " ORDER BY t.issued_at",
        (type_id, valid_from),
    ):
        kept[(row["holder_kind"], row["holder_id"])] = {k: row[k] for k in row.keys()[2:]}
    missing = [holder for holder in holders if (holder.kind, holder.id) not in kept]
    made = iter(issue_tickets(db, instance_dir, type_id, len(missing), day=day) if missing else [])
    badges = []
    with dbmod.write(db) as conn:
        for holder in holders:
            ticket = kept.get((holder.kind, holder.id))
            if ticket is None:
                ticket = next(made)
                conn.execute(
                    "INSERT INTO badges (ticket_uuid, holder_kind, holder_id) VALUES (?, ?, ?)",
                    (ticket["uuid"], holder.kind, holder.id),
                )
            badges.append(Badge(holder, ticket, new=(holder.kind, holder.id) not in kept))
    return badges


def has_arabic(text: str) -> bool:
    return any(unicodedata.name(char, "").startswith("ARABIC") for char in text)


def line(pdf: FPDF, x: float, y: float, width: float, text: str, size: float, bold: bool = False) -> None:
    """One line of text: Arabic in Naskh, right-aligned; anything else in DejaVu, centred."""
    arabic = has_arabic(text)
    pdf.set_font("Naskh" if arabic else "DejaVu", "B" if bold else "", size)
    pdf.set_xy(x, y)
    pdf.cell(width, size * 0.5, text, align="R" if arabic else "C")


def _badge(
    pdf: FPDF,
    x: float,
    y: float,
    event: sqlite3.Row | None,
    kind: sqlite3.Row,
    holder: Holder,
    ticket: dict[str, object],
) -> None:
    inner = A6_W - 12
    pdf.set_fill_color(47, 111, 79)
    pdf.rect(x, y, A6_W, 24, style="F")
    pdf.set_text_color(255, 255, 255)
    if event is not None:
        line(pdf, x + 6, y + 3, inner, event["name_fr"], 8.5, bold=True)
        line(pdf, x + 6, y + 9, inner, event["name_ar"], 9, bold=True)
    line(pdf, x + 6, y + 17, inner, f"{kind['name_fr']}  ·  {kind['name_ar']}", 9)
    pdf.set_text_color(0, 0, 0)
    line(pdf, x + 6, y + 30, inner, holder.name_fr, 14, bold=True)
    if holder.name_ar:
        line(pdf, x + 6, y + 40, inner, holder.name_ar, 16, bold=True)
    if holder.organisation and holder.organisation != holder.name_fr:
        line(pdf, x + 6, y + 51, inner, holder.organisation, 9)
    if holder.stands:
        line(pdf, x + 6, y + 57, inner, f"Stand {holder.stands}", 12, bold=True)
    if holder.role:
        line(pdf, x + 6, y + 57, inner, holder.role.capitalize(), 12, bold=True)
    buffer = io.BytesIO()
    qr_image(str(ticket["payload"]), box_size=8).save(buffer, format="PNG")
    pdf.image(buffer, x=x + (A6_W - 48) / 2, y=y + 67, w=48, h=48)
    line(pdf, x + 6, y + 119, inner, str(ticket["short_code"]), 13, bold=True)


def write_badges_pdf(conn: sqlite3.Connection, badges: Sequence[Badge], out: Path, sheet: str = "a6") -> None:
    """Badges as A6 pages, or four A6 badges to an A4 sheet (``sheet`` = a6 | a4)."""
    if sheet not in SHEETS:
        raise ValueError(f"sheet must be one of {', '.join(SHEETS)}")
    event = conn.execute("SELECT name_fr, name_ar FROM event").fetchone()
    types = {row["id"]: row for row in conn.execute("SELECT * FROM ticket_types")}
    pdf = new_pdf()
    for index, badge in enumerate(badges):
        if sheet == "a6":
            pdf.add_page(format=(A6_W, A6_H))
            x = y = 0.0
        else:
            if index % 4 == 0:
                pdf.add_page(format="A4")
                pdf.set_draw_color(180, 180, 180)
                pdf.set_dash_pattern(dash=2, gap=2)  # cutting lines
                pdf.line(A6_W, 0, A6_W, 297)
                pdf.line(0, A6_H, 210, A6_H)
                pdf.set_dash_pattern()
            x, y = (index % 2) * A6_W, ((index % 4) // 2) * A6_H
        _badge(pdf, x, y, event, types[badge.ticket["type_id"]], badge.holder, badge.ticket)
    pdf.output(str(out))
