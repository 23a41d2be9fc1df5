"""Printable tickets: one QR payload a line (txt), a PNG per ticket, or an A4 PDF sheet.

The QR uses error correction M; on the PDF it is 50 mm wide (about 1 mm a module
for version 6), which a kiosk camera reads from 30 cm and more. Arabic on a PDF is
shaped and set right to left by fpdf2's text shaping (HarfBuzz, through uharfbuzz) in
Noto Naskh Arabic (Debian's fonts-noto-core); Latin text is DejaVu Sans.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
import qrcode.constants
from PIL.Image import Image

from kiosk.db import Database

if TYPE_CHECKING:
    from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
NOTO = Path("/usr/share/fonts/truetype/noto")
QR_MM = 50
CARD_W, CARD_H = 105, 99  # 2 x 3 cards on A4 portrait


def qr_image(payload: str, box_size: int = 10) -> Image:
    """The ticket's QR code as a black-on-white image with the standard quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image()


def _valid_days_text(ticket: dict[str, object]) -> str:
    first = date.fromisoformat(str(ticket["valid_from"]))
    days = int(str(ticket["valid_days"]))
    if days == 1:
        return first.strftime("%d/%m/%Y")
    last = first + timedelta(days=days - 1)
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"


def write_txt(tickets: Sequence[dict[str, object]], out: Path) -> None:
    out.write_text("".join(f"{t['payload']}\n" for t in tickets), encoding="ascii")


def write_png(tickets: Sequence[dict[str, object]], out: Path) -> None:
    """One PNG per ticket, named by its short code, in the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for ticket in tickets:
        qr_image(str(ticket["payload"])).save(out / f"{ticket['short_code']}.png")


def new_pdf() -> FPDF:
    """An A4 document with the Latin (DejaVu) and Arabic (Naskh) fonts and text shaping on."""
    from fpdf import FPDF  # ~0.4 s to import (fontTools): only commands that print pay it

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(DEJAVU / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
    pdf.add_font("Naskh", "", str(NOTO / "NotoNaskhArabic-Regular.ttf"))
    pdf.add_font("Naskh", "B", str(NOTO / "NotoNaskhArabic-Bold.ttf"))
    pdf.set_text_shaping(True)  # HarfBuzz: joined Arabic letters, right to left
    # A line mixing scripts takes each letter from the font that has it.
    pdf.set_fallback_fonts(["Naskh", "DejaVu"], exact_match=False)
    return pdf


def write_pdf(conn: sqlite3.Connection, tickets: Sequence[dict[str, object]], out: Path) -> None:
    """An A4 sheet of ticket cards: fair name, type (French, English, Arabic), valid days,
    short code and QR."""
    event = conn.execute("SELECT name_fr, venue FROM event").fetchone()
    types = {row["id"]: row for row in conn.execute("SELECT * FROM ticket_types")}
    pdf = new_pdf()
    per_page = 6
    for index, ticket in enumerate(tickets):
        if index % per_page == 0:
            pdf.add_page()
        col, row = index % 2, (index % per_page) // 2
        x, y = col * CARD_W, row * CARD_H
        pdf.set_draw_color(180, 180, 180)
        pdf.set_line_width(0.2)
        pdf.set_dash_pattern(dash=2, gap=2)  # cutting lines
        pdf.line(x, y + CARD_H, x + CARD_W, y + CARD_H)
        pdf.line(x + CARD_W, y, x + CARD_W, y + CARD_H)
        pdf.set_dash_pattern()
        pdf.set_xy(x + 6, y + 6)
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(CARD_W - 12, 4.2, f"{event['name_fr']} — {event['venue']}" if event else "", align="L")
        kind = types.get(ticket["type_id"])
        pdf.set_font("DejaVu", "B", 13)
        pdf.set_xy(x + 6, y + 17)
        pdf.cell(CARD_W - 12, 6, f"{kind['name_fr']} / {kind['name_en']}" if kind else str(ticket["type_id"]))
        pdf.set_font("DejaVu", "", 9)
        pdf.set_xy(x + 6, y + 24)
        pdf.cell(CARD_W - 12, 5, f"Valable / Valid: {_valid_days_text(ticket)}")
        if kind:
            pdf.set_font("Naskh", "B", 11)
            pdf.set_xy(x + 6, y + 23.5)
            pdf.cell(CARD_W - 12, 6, kind["name_ar"], align="R")
        buffer = io.BytesIO()
        qr_image(str(ticket["payload"]), box_size=8).save(buffer, format="PNG")
        pdf.image(buffer, x=x + (CARD_W - QR_MM) / 2, y=y + 31, w=QR_MM, h=QR_MM)
        pdf.set_font("DejaVu", "B", 14)
        pdf.set_xy(x + 6, y + 84)
        pdf.cell(CARD_W - 12, 7, str(ticket["short_code"]), align="C")
    pdf.output(str(out))


def write(db: Database, tickets: Sequence[dict[str, object]], out: Path, fmt: str) -> None:
    """Write tickets in ``fmt`` (txt, png or pdf) to ``out``."""
    if fmt == "txt":
        write_txt(tickets, out)
    elif fmt == "png":
        write_png(tickets, out)
    elif fmt == "pdf":
        write_pdf(db.conn, tickets, out)
    else:
        raise ValueError(f"unknown format {fmt!r}")
