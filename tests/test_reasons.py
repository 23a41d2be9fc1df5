"""The reason-code catalogue: one entry per code, translated everywhere, published as is."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import time, timedelta

import pytest
from flask import Flask
from flask_babel import force_locale

from kiosk import clock, i18n, reasons
from kiosk.entry import admission
from kiosk.openapi import openapi_document
from tests.gates_helpers import DAY1, situation

# Message ids are English (docs/HELPERS.md): every other language needs its own text.
MESSAGE_ID_LANGUAGE = "en"


@pytest.fixture(scope="module")
def babel_app() -> Flask:
    app = Flask(__name__)
    i18n.init_app(app)
    return app


def test_codes_are_unique_and_answered_somewhere() -> None:
    assert len(reasons.BY_CODE) == len(reasons.CATALOGUE)
    for reason in reasons.CATALOGUE:
        assert reason.messages, f"{reason.code} is answered nowhere"
        assert set(reason.messages) <= set(reasons.Place)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_code_has_a_message_in_every_language(babel_app: Flask, language: str) -> None:
    untranslated = []
    with babel_app.test_request_context("/"):
        for reason in reasons.CATALOGUE:
            for place in reason.messages:
                with force_locale(MESSAGE_ID_LANGUAGE):
                    message_id = reasons.message(reason.code, place)
                with force_locale(language):
                    text = reasons.message(reason.code, place)
                assert text.strip()
                if language != MESSAGE_ID_LANGUAGE and text == message_id:
                    untranslated.append(f"{reason.code} at {place}: {message_id!r}")
    assert not untranslated, f"no {language} translation for " + "; ".join(untranslated)


def test_openapi_enums_are_generated_from_the_catalogue() -> None:
    schemas = openapi_document()["components"]["schemas"]
    gate = schemas["Verdict"]["properties"]
    door = schemas["SessionVerdict"]["properties"]
    assert gate["reason"]["enum"] == list(reasons.codes(reasons.GATE))
    assert door["reason"]["enum"] == list(reasons.codes(reasons.DOOR))
    assert set(gate["reason"]["enum"]) | set(door["reason"]["enum"]) == set(reasons.BY_CODE)
    assert gate["level"]["enum"] == door["level"]["enum"] == ["green", "amber", "red", "repeat"]


def test_every_gate_decision_is_a_gate_code() -> None:
    day = DAY1
    ticket = admission.TicketFacts(1, "child", day, 1, frozenset({"kids"}), early_access=False, reentry=False)
    variants = {
        "direction": ("in", "out"),
        "revoked": (False, True),
        "day": (day, day + timedelta(days=1)),
        "moment": (clock.at(day, time(11)), clock.at(day, time(7))),
        "zone_id": ("kids", "sales"),
        "ticket_inside": (False, True),
        "ticket_left": (False, True),
        "occupancy_limit": (None, 0),
    }
    base = situation(zone_id="kids")
    seen = {
        admission.decide(ticket, replace(base, **dict(zip(variants, values, strict=True))))
        for values in itertools.product(*variants.values())
    }
    assert seen == set(reasons.codes(reasons.GATE)) - {
        "unknown_format",
        "mistyped_code",
        "unknown_ticket",
        "unknown_key",
        "invalid_signature",
    }
