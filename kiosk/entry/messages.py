"""The headline the visitor reads over a verdict, in the visitor's language (the reason's
message is in ``kiosk.reasons``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

HEADLINES = {
    ("green", "in"): _l("Welcome!"),
    ("green", "out"): _l("Goodbye, see you soon!"),
    ("amber", "in"): _l("Please see a staff member"),
    ("amber", "out"): _l("Please see a staff member"),
    ("red", "in"): _l("Ticket refused"),
    ("red", "out"): _l("Ticket refused"),
}


def headline(level: str, direction: str) -> str:
    return str(HEADLINES[(level, direction)])
