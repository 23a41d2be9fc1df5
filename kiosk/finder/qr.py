"""QR codes of the finder's phone links, drawn by zxing-cpp (the camera's decoder) and kept
in the database (migration 0105) for the next start."""

from __future__ import annotations

import re
from collections.abc import Iterable

import zxingcpp

from kiosk import db as dbmod

_SVG_SIZE = re.compile(r'<svg width="(\d+)" height="(\d+)"')


def svg(url: str) -> str:
    """Inline SVG of a QR code for ``url``, sized by CSS. zxing-cpp draws it in C++: a third
    of the time pure-Python encoders took. Its SVG is a file of fixed size: the prolog goes,
    and the size in modules becomes the viewBox."""
    text = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_svg()
    return _SVG_SIZE.sub(r'<svg viewBox="0 0 \1 \2"', text[text.index("<svg") :], count=1)


def for_links(db: dbmod.Database, urls: Iterable[str]) -> dict[str, str]:
    """The QR code of each link: read from the database when drawn before, else drawn; the
    database then keeps exactly these (one write, only when they differ from what it held)."""
    stored: dict[str, str] = dict(db.conn.execute("SELECT url, svg FROM finder_qr_codes").fetchall())
    codes = {url: stored.get(url) or svg(url) for url in urls}
    if codes.keys() != stored.keys():
        with dbmod.write(db, durable=False) as conn:  # drawn again if lost: no fsync
            conn.execute("DELETE FROM finder_qr_codes")
            conn.executemany("INSERT INTO finder_qr_codes (url, svg) VALUES (?, ?)", codes.items())
    return codes
