"""What staff and visitors read about sessions, in their language (a check-in's reason
message is in ``kiosk.reasons``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kiosk.i18n import local_format
from kiosk.sessions.rules import SessionFacts

STATUSES = {
    "checked_in": _l("checked in"),
    "confirmed": _l("seat confirmed"),
    "waitlist": _l("on the waitlist"),
    "no_show": _l("no-show"),
    "walk_in": _l("walk-in"),
    "cancelled": _l("cancelled"),
    "": "",
}

KINDS = {
    "conference": _l("Conference"),
    "workshop": _l("Training workshop"),
    "kids": _l("Kids' activity"),
    "show": _l("Evening show"),
}

UNDO = {
    "ok": _l("Check-in undone: it no longer counts."),
    "not_found": _l("No such check-in on this kiosk."),
    "already_undone": _l("This check-in was already undone."),
    "too_late": _l("Too late to undo this check-in: undo works for %(minutes)s minutes after it."),
}


def status_label(status: str | None) -> str:
    return str(STATUSES.get(status or "", status or ""))


def undo_message(outcome: str, window_minutes: float) -> str:
    """What staff read after pressing undo (``too_late`` says how long undo works)."""
    text = str(UNDO[outcome])
    return text % {"minutes": f"{window_minutes:g}"} if outcome == "too_late" else text


def verdict_detail(reason: str, session: SessionFacts, moment: datetime) -> str | None:
    """What staff and visitor need beside a refusal's message: when the doors open, or
    until when the seats left are held for registered people."""
    if reason == "session_closed" and moment < session.opens_at:
        return _("Doors open at %(time)s.", time=local_format(session.opens_at, "HH:mm"))
    if reason == "session_full" and not session.released(moment):
        return _(
            "The remaining seats are held for registered people until %(time)s.",
            time=local_format(session.release_at, "HH:mm"),
        )
    return None
