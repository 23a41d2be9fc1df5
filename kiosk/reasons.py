"""Every reason code a verdict can carry, once: its screen level and what the visitor reads.

A verdict is answered at a *gate* (entry and heritage kiosks, ``kiosk.entry.admission``)
or at a session's *door* (workshop kiosks, ``kiosk.sessions.rules``). Each code says at
which of the two it can be answered by the messages it has there; the screens, the JSON
API and the OpenAPI enums (generated when the document is assembled) all read this
catalogue. Adding a code is one line in ``CATALOGUE``; the test suite then asks for its
translation in every language of the app and finds it in the published enums.

Levels: green, admitted; amber, a genuine ticket or person that may not pass now (staff
can help); red, not a valid code; repeat, the same code again moments later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Level(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    # No reason has it: a verdict repeating one given a moment ago (same code, same
    # kiosk, within the debounce window) is shown neutral, neither good nor bad news.
    REPEAT = "repeat"


class Place(StrEnum):
    GATE = "gate"
    DOOR = "door"


GREEN, AMBER, RED = Level.GREEN, Level.AMBER, Level.RED
GATE, DOOR = Place.GATE, Place.DOOR


@dataclass(frozen=True, eq=False)
class Reason:
    code: str
    level: Level
    messages: Mapping[Place, LazyString]  # what the visitor reads, where the code is answered


def everywhere(text: LazyString) -> dict[Place, LazyString]:
    """The same message at a gate and at a door."""
    return dict.fromkeys(Place, text)


# Gate codes in the order ``admission.decide`` checks them, then the door's own codes.
CATALOGUE: tuple[Reason, ...] = (
    Reason("ok", GREEN, {GATE: _l("Your ticket is valid."), DOOR: _l("Checked in.")}),
    Reason(
        "unknown_format",
        RED,
        {
            GATE: _l("This is not a ticket of the fair."),
            DOOR: _l("This is not a ticket or registration code of the fair."),
        },
    ),
    # A short code with a wrong check symbol: a typing slip, not a fake ticket.
    Reason(
        "mistyped_code",
        AMBER,
        everywhere(_l("This code has a typing mistake. Check the code and type it again.")),
    ),
    Reason("unknown_ticket", RED, everywhere(_l("No ticket has this code. Check the code and try again."))),
    Reason("unknown_key", RED, everywhere(_l("This ticket was not issued for this fair."))),
    Reason("invalid_signature", RED, everywhere(_l("This ticket is damaged or has been altered."))),
    Reason("not_inside", AMBER, {GATE: _l("This ticket has not come in: it cannot go out here.")}),
    Reason("revoked", RED, everywhere(_l("This ticket has been cancelled."))),
    Reason("not_valid_today", AMBER, {GATE: _l("This ticket is not valid today.")}),
    Reason("outside_hours", AMBER, {GATE: _l("The fair is closed at this hour.")}),
    Reason("wrong_zone", AMBER, {GATE: _l("This ticket does not give access to this area.")}),
    Reason("already_inside", AMBER, {GATE: _l("This ticket has already been used to enter.")}),
    Reason("no_reentry", AMBER, {GATE: _l("This ticket does not allow coming back in after leaving.")}),
    Reason("zone_full", AMBER, {GATE: _l("This area is full. Please wait a moment.")}),
    Reason("session_closed", AMBER, {DOOR: _l("The doors of this session are not open.")}),
    Reason("already_checked_in", AMBER, {DOOR: _l("Already checked in.")}),
    Reason("not_registered", AMBER, {DOOR: _l("No registration for this session.")}),
    Reason("session_full", AMBER, {DOOR: _l("The session is full.")}),
)

BY_CODE: dict[str, Reason] = {reason.code: reason for reason in CATALOGUE}


def codes(place: Place) -> tuple[str, ...]:
    """The codes a verdict at ``place`` can carry, in catalogue order."""
    return tuple(reason.code for reason in CATALOGUE if place in reason.messages)


def level(code: str) -> Level:
    """Screen colour of a verdict."""
    return BY_CODE[code].level


def message(code: str, place: Place) -> str:
    """What the visitor reads for a verdict at ``place``, in the current language."""
    return str(BY_CODE[code].messages[place])
