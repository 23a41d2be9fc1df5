"""The kids' space screens (tablet, staff only): drop-off, pick-up, inside now, emergency.

Every page and fragment needs a logged-in staff member of the kids or organizer role,
on the kiosk's own screen too: they show children's names and adults' phones. Releases
without a receipt are for organizers only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import BadRequest

from kiosk import auth, clock, schedule
from kiosk.kids import receipt, refusals, space
from kiosk.web import gate_id, get_db

bp = Blueprint("kids", __name__, url_prefix="/kids")

ROLES = ("kids",)  # organizers pass every role check


def before_kids_request() -> None:
    """Names past their time are gone before any screen or answer shows them (the
    serve loop wipes too, every minute, while nobody asks)."""
    space.wipe_due(get_db(), clock.now(), current_app.config["KIDS_KEEP_HOURS"])


bp.before_request(before_kids_request)


def staff_id() -> str | None:
    staff = auth.current_staff()
    return staff["id"] if staff else None


def places() -> int | None:
    """The space's capacity: the limit at the kiosk's gate."""
    return space.capacity(get_db().conn, gate_id())


def drop_off_labels(drop: space.DropOff) -> Any:
    """The labels of a drop-off for kiosk.kids.labels (kids-labels lands it); None
    until then: the screen then shows the code to write down."""
    return None


def _context(**extra: object) -> dict[str, object]:
    conn = get_db().conn
    moment = clock.now()
    day = schedule.today(conn, moment)
    children = space.inside(conn, day, moment, current_app.config["KIDS_LONG_STAY_MINUTES"])
    staff = auth.current_staff()
    return {
        "day": day,
        "children": children,
        "capacity": places(),
        "counts": space.counts(conn, day, moment),
        "age_bands": space.AGE_BANDS,
        "staff": staff,
        "organizer": staff is not None and staff["role"] == "organizer",
        "closes": space.closing(conn, day),
        **extra,
    }


@bp.get("/")
@auth.role_required(*ROLES)
def drop_off_page() -> str:
    return render_template("kids/drop_off.html", tab="drop_off", **_context())


@bp.get("/child-row")
@auth.role_required(*ROLES)
def child_row() -> str:
    """One more child's fields in the drop-off form."""
    number = request.args.get("n", 1, type=int)
    return render_template(
        "kids/_child_row.html", n=max(1, min(number, space.MAX_CHILDREN)), age_bands=space.AGE_BANDS
    )


@bp.post("/drop-off")
@auth.role_required(*ROLES)
def drop_off() -> tuple[str, int]:
    form = request.form
    names = form.getlist("child_first_name")
    bands = form.getlist("child_age_band")
    notes = form.getlist("child_note")
    children = [
        space.NewChild(name, band, note)
        for name, band, note in zip(names, bands, notes, strict=False)
        if name.strip()
    ]
    db = get_db()
    try:
        ticket = form.get("ticket", "").strip()
        serial = space.adult_ticket(db.conn, ticket) if ticket else None
        done = space.drop_off(
            db,
            space.Adult(form.get("adult_first_name", ""), form.get("adult_phone", "")),
            children,
            clock.now(),
            places(),
            staff_id=staff_id(),
            ticket_serial=serial,
        )
    except ValueError as error:
        return render_template("kids/_problem.html", problem=str(error)), 422
    if not done.ok:
        return render_template(
            "kids/_refused.html", reason=done.reason, message=refusals.message(str(done.reason))
        ), 409
    payload = receipt.receipt_payload(done.code, done.day) if done.day else ""
    return render_template(
        "kids/_dropped.html", drop=done, payload=payload, labels=drop_off_labels(done)
    ), 201


@bp.get("/pick-up")
@auth.role_required(*ROLES)
def pick_up_page() -> str:
    return render_template("kids/pick_up.html", tab="pick_up", **_context())


def _look_up(text: str) -> tuple[str, int]:
    conn = get_db().conn
    moment = clock.now()
    found = space.look_up(
        conn, text, schedule.today(conn, moment), moment, current_app.config["KIDS_LONG_STAY_MINUTES"]
    )
    if not found.ok:
        reason = str(found.reason)
        return render_template("kids/_refused.html", reason=reason, message=refusals.message(reason)), 200
    return render_template("kids/_matched.html", found=found), 200


@bp.post("/pick-up/look")
@auth.role_required(*ROLES)
def look_up() -> tuple[str, int]:
    return _look_up(request.form.get("code", "")[:200])


@bp.post("/pick-up/confirm")
@auth.role_required(*ROLES)
def confirm() -> tuple[str, int]:
    """Staff confirm one child handed over; the fragment shows the code's other children."""
    code, child = request.form.get("code", "")[:200], request.form.get("child_id", "")
    if not child:
        raise BadRequest("which child?")
    done = space.pick_up(get_db(), code, clock.now(), staff_id=staff_id(), child_ids=[child])
    if not done.ok:
        reason = str(done.reason)
        return render_template("kids/_refused.html", reason=reason, message=refusals.message(reason)), 200
    answer, status = _look_up(code)
    return render_template("kids/_handed.html", children=done.children) + answer, status


@bp.get("/inside")
@auth.role_required(*ROLES)
def inside_page() -> str:
    return render_template("kids/inside.html", tab="inside", **_inside_context())


def _inside_context() -> dict[str, object]:
    conn = get_db().conn
    moment = clock.now()
    day = schedule.today(conn, moment)
    return _context(
        to_call=space.adults_to_call(conn, day, moment, current_app.config["KIDS_CALL_MINUTES"]),
        overrides=space.overrides(conn, day),
        long_stay=current_app.config["KIDS_LONG_STAY_MINUTES"],
    )


@bp.get("/inside/list")
@auth.role_required(*ROLES)
def inside_list() -> str:
    return render_template("kids/_inside.html", **_inside_context())


@bp.get("/release/<child_id>")
@auth.role_required()  # organizers only
def release_form(child_id: str) -> str:
    conn = get_db().conn
    moment = clock.now()
    children = space.inside(
        conn, schedule.today(conn, moment), moment, current_app.config["KIDS_LONG_STAY_MINUTES"]
    )
    return render_template("kids/_release.html", child=next((c for c in children if c.id == child_id), None))


@bp.post("/release/<child_id>")
@auth.role_required()  # organizers only
def release(child_id: str) -> tuple[str, int]:
    staff = auth.current_staff()
    assert staff is not None  # role_required
    problem = space.release(
        get_db(), child_id, request.form.get("phone", "")[:40], clock.now(), staff["id"], staff["name"]
    )
    if problem:
        return render_template("kids/_refused.html", reason=problem, message=refusals.message(problem)), 200
    return render_template("kids/_released.html"), 200


@bp.get("/emergency")
@auth.role_required(*ROLES)
def emergency() -> str:
    return render_template("kids/emergency.html", tab="emergency", now=clock.iso(clock.now()), **_context())
