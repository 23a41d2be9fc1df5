"""Who may enter a session, and who holds a seat: pure functions, explicit reason codes.

Like ``kiosk.entry.admission.decide``, nothing here reads a database, a request or the
clock; ``kiosk.sessions.checkin`` gathers the values and records the outcome.

Reason codes of a check-in, in the order they are checked (the ticket-level refusals
``unknown_format``, ``mistyped_code``, ``unknown_ticket``, ``unknown_key``, ``invalid_signature`` and
``revoked`` come earlier, from the ticket code path):

====================== ==========================================================
``session_closed``     the doors are not open: too early, or the session is over
``already_checked_in`` this person is already in (and was not undone)
``not_registered``     registration is required and this person holds none
``session_full``       no seat left for this person (seats held for registered
                       people count until the no-show release)
``ok``                 checked in (``late`` when after the start)
====================== ==========================================================

Each code's level and message are in ``kiosk.reasons``.

Seats. Registrations are ranked by when they were made. Before the release time
(start + ``no_show_minutes``), the first ``capacity`` live registrations hold a seat
(``confirmed``), the others wait (``waitlist``): a cancellation moves the waitlist up
because the ranking is recomputed, nothing is stored. After the release time, seats
of registered people who did not come are no longer held: anyone registered (the
waitlist first on screen) or walking in takes a free seat at the door.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Status of a person of a session: what the staff screen and the roster show.
STATUSES = ("checked_in", "confirmed", "waitlist", "no_show", "walk_in", "cancelled")
KINDS = ("conference", "workshop", "kids", "show")


@dataclass(frozen=True)
class SessionFacts:
    """The session's times and seats, and the door's settings."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    registration_required: bool
    doors_open_minutes: float = 30
    no_show_minutes: float = 10

    @property
    def opens_at(self) -> datetime:
        return self.starts_at - timedelta(minutes=self.doors_open_minutes)

    @property
    def release_at(self) -> datetime:
        """From then on, seats of registered people who have not come are free."""
        return self.starts_at + timedelta(minutes=self.no_show_minutes)

    def released(self, moment: datetime) -> bool:
        return moment >= self.release_at


@dataclass(frozen=True)
class Person:
    """One registration or walk-in as the seat allocation sees it."""

    id: str
    rank: tuple[str, int]  # (created_at, row number): earlier asks first, ties in insertion order
    cancelled: bool = False
    checked_in: bool = False
    walk_in: bool = False


def allocate(people: Sequence[Person], capacity: int, released: bool, others_in: int = 0) -> dict[str, str]:
    """The status of every person: checked_in, confirmed, waitlist, no_show, walk_in or
    cancelled. ``others_in``: people let in with a ticket and no registration."""
    status: dict[str, str] = {}
    ranked = sorted((p for p in people if not p.cancelled and not p.walk_in), key=lambda p: p.rank)
    # Who got a seat by registration order (for no-show labels after the release).
    by_order = {p.id for p in ranked[:capacity]}
    for person in people:
        if person.checked_in:  # in the room takes a seat, cancelled or not
            status[person.id] = "checked_in"
        elif person.cancelled:
            status[person.id] = "cancelled"
        elif person.walk_in:
            status[person.id] = "walk_in"
    inside = others_in + sum(1 for p in people if p.checked_in)
    free = max(0, capacity - inside)
    waiting = [p for p in ranked if not p.checked_in]
    if released:
        # The waitlist goes ahead of people who let their seat go.
        waiting.sort(key=lambda p: p.id in by_order)
    for index, person in enumerate(waiting):
        if index < free:
            status[person.id] = "confirmed"
        elif released and person.id in by_order:
            status[person.id] = "no_show"
        else:
            status[person.id] = "waitlist"
    return status


def held_seats(statuses: dict[str, str], released: bool) -> int:
    """Seats kept for registered people not yet in (none after the release)."""
    if released:
        return 0
    return sum(1 for value in statuses.values() if value == "confirmed")


@dataclass(frozen=True)
class Door:
    """What the kiosk knows at the door when a person shows up."""

    moment: datetime
    checked_in: int  # people in the session now
    held: int  # seats kept for registered people not yet in (``held_seats``)


def decide(session: SessionFacts, status: str | None, door: Door) -> str:
    """The reason code for a genuine person at the session's door.

    ``status`` is the person's status from ``allocate`` (None: no registration; a
    ``walk_in`` registers at the door and so counts as registered)."""
    if not session.opens_at <= door.moment < session.ends_at:
        return "session_closed"
    if status == "checked_in":
        return "already_checked_in"
    if status in (None, "cancelled") and session.registration_required:
        return "not_registered"
    if status == "confirmed" and not session.released(door.moment):
        return "ok"
    if door.checked_in + door.held >= session.capacity:
        return "session_full"
    return "ok"


def is_late(session: SessionFacts, moment: datetime) -> bool:
    """Arrived after the start: marked on the roster."""
    return moment > session.starts_at


def no_show_rate(people: Sequence[Person], capacity: int) -> float | None:
    """Share of the seats given by registration order whose holder never checked in."""
    ranked = sorted((p for p in people if not p.cancelled and not p.walk_in), key=lambda p: p.rank)
    seated = ranked[:capacity]
    if not seated:
        return None
    return sum(1 for p in seated if not p.checked_in) / len(seated)
