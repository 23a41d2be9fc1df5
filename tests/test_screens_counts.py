"""Counters in plural forms and typed short codes (issue 14 point 6): the real templates
and catalogues, the real gate and door through Flask's test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template
from flask_babel import force_locale
from helpers import ticket
from sessions_helpers import add_session, open_db

from kiosk import create_app, crockford
from kiosk.tickets import shortcode


def stats(app, language: str, count: int) -> str:
    with app.test_request_context("/"), force_locale(language):
        html = render_template(
            "entry/_stats.html",
            gate_entries=count,
            inside_zone=count,
            peak_zone=count,
            occupancy_limit=50,
            places_left=count,
            near_limit=False,
        )
    return " ".join(html.split())


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 0, ["entrée à cette porte", "personne à l'intérieur", "place libre sur 50"]),
        ("fr", 1, ["entrée à cette porte", "personne à l'intérieur", "place libre sur 50"]),
        ("fr", 2, ["entrées à cette porte", "personnes à l'intérieur", "places libres sur 50"]),
        ("en", 1, ["entry at this gate", "person inside now", "place left of 50"]),
        ("en", 3, ["entries at this gate", "people inside now", "places left of 50"]),
        ("ar", 2, ["عمليتا دخول", "شخصان في الداخل", "مكانان متبقيان"]),
        ("ar", 8, ["عمليات دخول", "أشخاص في الداخل", "أماكن متبقية"]),
        ("ar", 11, ["عملية دخول", "شخصا في الداخل", "مكانا متبقيا"]),
        ("ar", 100, ["عملية دخول", "شخص في الداخل", "مكان متبق"]),
    ],
)
def test_gate_counters_agree_with_their_number(app, language: str, count: int, expected: list[str]) -> None:
    html = stats(app, language, count)
    for text in expected:
        assert text in html, (language, count, text)
    if language == "fr" and count < 2:
        assert "entrées" not in html and "personnes" not in html


def test_programme_seats_agree_with_their_number(central_dir: Path) -> None:
    add_session(open_db(central_dir), capacity=1, required=False, title="Atelier solo")
    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert "Entrée libre, 1 place<" in re.sub(r"\s+<", "<", client.get("/programme/?lang=fr").text)
    assert "دخول حر، مقعد واحد" in client.get("/programme/?lang=ar").text


def test_lookalikes_of_check_symbols_read_as_the_symbol() -> None:
    for typed, symbol in crockford.CHECK_LOOKALIKES.items():
        serial = next(n for n in range(1, 10_000) if crockford.check_symbol(n) == symbol)
        code = shortcode.encode(serial)
        assert code.endswith(symbol)
        assert shortcode.decode(code[:-1] + typed) == serial
        assert shortcode.decode(code[:-1] + typed.lower()) == serial
        assert not shortcode.mistyped(code[:-1] + typed)
    # A check symbol that is neither the right one nor its look-alike is a typing mistake.
    serial = next(n for n in range(1, 10_000) if crockford.check_symbol(n) == "$")
    wrong = shortcode.encode(serial)[:-1] + "7"
    assert shortcode.decode(wrong) is None and shortcode.mistyped(wrong)
    assert not shortcode.mistyped("ABC-DEF-GH!") and not shortcode.mistyped("hello")


def _swap_check(code: str) -> str:
    """The same code with another check symbol, as a slip of the finger makes it."""
    wrong = next(c for c in "0123456789" if c != code[-1] and crockford.CHECK_LOOKALIKES.get(c) != code[-1])
    return code[:-1] + wrong


def test_gate_says_type_again_in_amber_for_a_wrong_check_symbol(client, kiosk_dir: Path) -> None:
    code = ticket(kiosk_dir, "day")["short_code"]
    answer = client.post("/entry/scan?lang=fr", data={"code": _swap_check(code)}).text
    assert 'data-reason="mistyped_code"' in answer and "amber" in answer and "red" not in answer
    assert "Vérifiez le code et saisissez-le à nouveau" in answer


def test_gate_admits_a_check_symbol_typed_as_its_lookalike(client, kiosk_dir: Path) -> None:
    from helpers import rows

    held = rows(
        kiosk_dir,
        "SELECT short_code FROM tickets t JOIN ticket_types y ON y.id = t.type_id"
        " WHERE y.id = 'day' AND valid_from = '2026-06-15'",
    )
    lookalike = {symbol: typed for typed, symbol in crockford.CHECK_LOOKALIKES.items()}
    code = next(r["short_code"] for r in held if r["short_code"][-1] in lookalike)
    typed = code[:-1] + lookalike[code[-1]]
    answer = client.post("/entry/scan", data={"code": typed}).text
    assert 'data-reason="ok"' in answer, typed


def test_door_says_type_again_for_a_wrong_check_symbol(central_dir: Path) -> None:
    session_id = add_session(open_db(central_dir), required=False)
    client = create_app(central_dir, {"TESTING": True}).test_client()
    assert client.post("/staff/login", data={"name": "Rachid", "pin": "246824"}).status_code == 302
    code = _swap_check(ticket(central_dir, "day")["short_code"])
    answer = client.post(f"/sessions/{session_id}/check-in?lang=fr", data={"code": code}).text
    assert 'data-reason="mistyped_code"' in answer and 'data-level="amber"' in answer
