"""What the visitor reads for each verdict, in the visitor's language."""

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

REASONS = {
    "ok": _l("Your ticket is valid."),
    "unknown_format": _l("This is not a ticket of the fair."),
    "unknown_ticket": _l("No ticket has this code. Check the code and try again."),
    "unknown_key": _l("This ticket was not issued for this fair."),
    "invalid_signature": _l("This ticket is damaged or has been altered."),
    "revoked": _l("This ticket has been cancelled."),
    "not_valid_today": _l("This ticket is not valid today."),
    "outside_hours": _l("The fair is closed at this hour."),
    "wrong_zone": _l("This ticket does not give access to this area."),
    "already_inside": _l("This ticket has already been used to enter."),
    "zone_full": _l("This area is full. Please wait a moment."),
}


def headline(level: str, direction: str) -> str:
    return str(HEADLINES[(level, direction)])


def reason_message(reason: str) -> str:
    return str(REASONS[reason])
