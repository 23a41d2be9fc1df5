"""Who may pass a gate: one pure function, explicit reason codes.

``decide`` takes everything it needs as plain values (no database, no request, no
clock), so every rule and edge is unit-tested. The scan service gathers the values
and records the outcome (``kiosk.entry.scanning``). Each code's level and message are
in ``kiosk.reasons``.

Reason codes, in the order they are checked:

=================== ===========================================================
``unknown_format``  not a ticket payload (garbage, damaged, foreign QR code)
``mistyped_code``   a typed short code whose check symbol does not match (amber: type again)
``unknown_ticket``  a typed short code that names no ticket this kiosk knows
``unknown_key``     signed with a key this kiosk does not hold
``invalid_signature`` forged or altered payload
``not_inside``      an exit by a ticket that is not inside the zone (pass-back, or an
                    entry this kiosk has not heard of yet): staff look
``ok``              an exit of a ticket inside: allowed even for a revoked one
``revoked``         on the revocation list
``not_valid_today`` the ticket's days do not include this fair day
``outside_hours``   before opening (early access for exhibitors, staff) or after closing
``wrong_zone``      this ticket type may not enter the gate's zone
``already_inside``  an entry after an entry into this zone with no exit between
``no_reentry``      an entry after an exit, for a ticket type without re-entry
``zone_full``       the gate's occupancy limit is reached
``ok``              admitted
=================== ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk import schedule


@dataclass(frozen=True)
class TicketFacts:
    """A verified ticket and the rules of its type."""

    serial: int
    type_id: str
    valid_from: date
    valid_days: int
    zones: frozenset[str] | None  # None: every zone
    early_access: bool
    reentry: bool = True  # may enter again after going out (per ticket type)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day < self.valid_from + timedelta(days=self.valid_days)


@dataclass(frozen=True)
class Situation:
    """Where and when the ticket is shown, and what the kiosk knows of it."""

    moment: datetime
    day: date
    hours: schedule.OpeningHours | None  # None: not a fair day
    direction: str  # 'in' or 'out'
    zone_id: str
    occupancy_limit: int | None
    inside_zone: int
    ticket_inside: bool  # inside this zone today (``attendance.presence``)
    revoked: bool
    ticket_left: bool = False  # went out of this zone today at least once


def decide(ticket: TicketFacts, situation: Situation) -> str:
    """The reason code for a genuine (signature-checked) ticket at a gate."""
    if situation.direction == "out":
        return "ok" if situation.ticket_inside else "not_inside"
    if situation.revoked:
        return "revoked"
    if situation.hours is None or not ticket.valid_on(situation.day):
        return "not_valid_today"
    start, end = situation.hours.window(early=ticket.early_access)
    if not start <= situation.moment < end:
        return "outside_hours"
    if ticket.zones is not None and situation.zone_id not in ticket.zones:
        return "wrong_zone"
    if situation.ticket_inside:
        return "already_inside"
    if situation.ticket_left and not ticket.reentry:
        return "no_reentry"
    if situation.occupancy_limit is not None and situation.inside_zone >= situation.occupancy_limit:
        return "zone_full"
    return "ok"
