"""Ticket payloads: size, signature, short codes, issuing and printing."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode
import qrcode.constants
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from kiosk import crockford, instance
from kiosk.tickets import codec, issuing, printing, reading, shortcode
from tests.helpers import rows, ticket


def test_payload_fits_qr_version_6_at_level_m(central_dir: Path) -> None:
    payload = ticket(central_dir, "pass")["payload"]
    assert len(payload) == 117
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    assert code.version <= 6


def test_every_payload_is_alphanumeric_qr_text(central_dir: Path) -> None:
    alphabet = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    for row in rows(central_dir, "SELECT payload FROM tickets LIMIT 500"):
        assert set(row["payload"]) <= alphabet


def test_parse_round_trip() -> None:
    signer = Ed25519PrivateKey.generate()
    payload = issuing.sign_payload(signer, 7, 3, date(2026, 6, 16), 2, 0xABCDEF0123)
    claims = codec.parse(payload)
    assert isinstance(claims, codec.Claims)
    assert (claims.kid, claims.type_code, claims.valid_from, claims.valid_days, claims.serial) == (
        7,
        3,
        date(2026, 6, 16),
        2,
        0xABCDEF0123,
    )
    assert claims.valid_on(date(2026, 6, 17)) and not claims.valid_on(date(2026, 6, 18))
    assert isinstance(codec.parse(payload.lower()), codec.Claims), "caps-lock scanners"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "SK1:",
        "SK1:A",
        "hello",
        "SK2:" + "0" * 113,
        "https://example.org/ticket/1",
        "SK1:" + "Z" * 113,
        "SK1:" + "0" * 300,
        b"\xff\xfe\x00",
        "SK1:\x00\x00",
        "x" * 1_000_000,
        b"SK1:" + b"\x80" * 113,
    ],
)
def test_unreadable_codes(code: str | bytes) -> None:
    assert isinstance(codec.parse(code), codec.Unreadable)


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_parse_never_raises(code: str | bytes) -> None:
    codec.parse(code)


@given(st.integers(min_value=0, max_value=2**40 - 1))
def test_short_code_round_trip(serial: int) -> None:
    code = shortcode.encode(serial)
    assert len(code) == 11 and code[3] == code[7] == "-"
    assert shortcode.decode(code) == serial
    assert shortcode.decode(code.lower().replace("-", " ")) == serial


def test_short_code_reads_confusable_letters() -> None:
    serial = 0
    code = shortcode.encode(serial)  # 000-000-000 with a check symbol
    assert shortcode.decode(code.replace("0", "O")) == serial


def test_short_code_check_symbol_catches_one_wrong_symbol() -> None:
    rng = random.Random(4)
    caught = 0
    for _ in range(300):
        code = shortcode.encode(rng.getrandbits(40)).replace("-", "")
        position = rng.randrange(8)
        replacement = rng.choice([c for c in crockford.ALPHABET if c != code[position]])
        altered = code[:position] + replacement + code[position + 1 :]
        caught += shortcode.decode(altered) is None
    assert caught == 300


def test_short_code_rejects_junk() -> None:
    for text in ["", "ABC", "ABC-DEF-GH!", "x" * 1000, "ABCD-EFGH-JKMN"]:
        assert shortcode.decode(text) is None


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_a_code_names_its_ticket_one_way_everywhere(kiosk_dir: Path) -> None:
    """The QR payload and the typed short code reach the same verified claims; what is
    not a ticket held here gets its reason code."""
    row = ticket(kiosk_dir, "day")
    conn = instance.open_db(kiosk_dir).conn
    scanned = reading.ticket_claims(conn, row["payload"])
    typed = reading.ticket_claims(conn, row["short_code"].lower())
    assert isinstance(scanned, codec.Claims) and isinstance(typed, codec.Claims)
    # A kiosk holds no payloads: a typed code's claims come from the ticket row it holds.
    fields = ("kid", "type_code", "valid_from", "valid_days", "serial")
    assert [getattr(scanned, f) for f in fields] == [getattr(typed, f) for f in fields]
    assert scanned.serial == row["serial"]
    assert reading.serial_of(row["short_code"]) == reading.serial_of(row["payload"]) == row["serial"]
    assert reading.known_serial(conn, row["short_code"]) == row["serial"]
    held = {r["serial"] for r in rows(kiosk_dir, "SELECT serial FROM tickets")}
    stranger = next(s for s in range(1, 1000) if s not in held)
    assert reading.ticket_claims(conn, shortcode.encode(stranger)) == "unknown_ticket"
    assert reading.known_serial(conn, shortcode.encode(stranger)) is None
    assert reading.ticket_claims(conn, "hello") == "unknown_format"
    forged = issuing.sign_payload(Ed25519PrivateKey.generate(), 1, 1, date(2026, 6, 15), 1, stranger)
    assert reading.ticket_claims(conn, forged) == "invalid_signature"


def test_issue_txt_one_payload_a_line(central_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.txt"
    result = _run(
        "tickets",
        "issue",
        str(central_dir),
        "--type",
        "day",
        "--day",
        "2026-06-16",
        "--count",
        "25",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 25 and len(set(lines)) == 25
    claims = [codec.parse(line) for line in lines]
    assert all(isinstance(c, codec.Claims) and c.valid_from == date(2026, 6, 16) for c in claims)


def test_issue_png_decodes_with_a_real_decoder(central_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "png"
    result = _run(
        "tickets",
        "issue",
        str(central_dir),
        "--type",
        "child",
        "--count",
        "3",
        "--out",
        str(out),
        "--format",
        "png",
    )
    assert result.returncode == 0, result.stderr
    images = sorted(out.glob("*.png"))
    assert len(images) == 3
    stored = {r["payload"] for r in rows(central_dir, "SELECT payload FROM tickets")}
    for image in images:
        found = zxingcpp.read_barcodes(cv2.imread(str(image)))
        assert next(f.text for f in found) in stored


def test_issue_pdf_sheet(central_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    result = _run(
        "tickets",
        "issue",
        str(central_dir),
        "--type",
        "pass",
        "--count",
        "7",
        "--out",
        str(out),
        "--format",
        "pdf",
    )
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 2


def test_pdf_qr_is_big_enough_and_decodes(central_dir: Path, tmp_path: Path) -> None:
    from kiosk import instance

    db = instance.open_db(central_dir)
    tickets = [dict(r) for r in db.conn.execute("SELECT * FROM tickets LIMIT 1")]
    assert printing.QR_MM >= 40, "a 30 cm scan needs modules of about 1 mm"
    image = printing.qr_image(tickets[0]["payload"], box_size=4)
    found = zxingcpp.read_barcodes(np.array(image.convert("L")))
    assert found and found[0].text == tickets[0]["payload"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "nosuch", "--count", "1"], "unknown ticket type"),
        (["--type", "day", "--day", "2030-01-01", "--count", "1"], "not a day of the fair"),
        (["--type", "day", "--day", "tomorrow", "--count", "1"], "not a date"),
    ],
)
def test_issue_errors_are_one_clear_line(
    central_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = _run("tickets", "issue", str(central_dir), *args, "--out", str(tmp_path / "x.txt"))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_kiosk_cannot_issue_tickets(kiosk_dir: Path, tmp_path: Path) -> None:
    result = _run(
        "tickets", "issue", str(kiosk_dir), "--type", "day", "--count", "1", "--out", str(tmp_path / "x.txt")
    )
    assert result.returncode != 0
    assert "only the central instance can issue tickets" in result.stderr
