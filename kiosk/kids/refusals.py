"""Why the kids' space refuses a drop-off, a pick-up or a release, once: the code the API
answers and what the staff read (screens, API ``message``). The OpenAPI fragment
``0800_kids.json`` lists the same codes (a test compares them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

CATALOGUE: dict[str, LazyString] = {
    "unknown_code": _l("No child inside has this code. Check the receipt or the code."),
    "already_picked_up": _l("The children of this code have already been picked up."),
    "not_today": _l("This receipt is from another day."),
    "zone_full": _l("The kids' space is full."),
    "wrong_phone": _l("This phone number is not the one given at drop-off."),
    "not_inside": _l("This child is not inside."),
}
PICK_UP = ("unknown_code", "already_picked_up", "not_today")
DROP_OFF = ("zone_full",)
RELEASE = ("wrong_phone", "not_inside")


def message(code: str) -> str:
    """What staff read for a refusal, in the current language."""
    return str(CATALOGUE[code])
