"""The headline the visitor reads over a verdict, in the visitor's language (the reason's
message is in ``kiosk.reasons``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kiosk import reasons
from kiosk.entry.scanning import Verdict

HEADLINES = {
    ("green", "in"): _l("Welcome!"),
    ("green", "out"): _l("Goodbye, see you soon!"),
    ("amber", "in"): _l("Please see a staff member"),
    ("amber", "out"): _l("Please see a staff member"),
    ("red", "in"): _l("Ticket refused"),
    ("red", "out"): _l("Ticket refused"),
    ("repeat", "in"): _l("Already scanned just now"),
    ("repeat", "out"): _l("Already scanned just now"),
}
# A repeat (the same code again within the debounce window) says nothing new happened.
REPEAT_MESSAGE = _l("This ticket was read a moment ago: nothing more to do.")


def headline(level: str, direction: str) -> str:
    return str(HEADLINES[(level, direction)])


def verdict_texts(verdict: Verdict) -> dict[str, str]:
    """Headline and message of a gate verdict, a repeat saying it is one."""
    message = REPEAT_MESSAGE if verdict.repeat else reasons.message(verdict.reason, reasons.GATE)
    return {"headline": headline(verdict.level, verdict.direction), "message": str(message)}
