"""The kids' space screens (tablet, staff only): drop-off, pick-up, inside now, emergency.

Every page and fragment needs a logged-in staff member of the kids' space (role kids or
kids_lead), on the kiosk's own screen too: they show children's names and adults' phones.
Releases without a receipt are for the space's supervisor (kids_lead) only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypedDict

from flask import Blueprint, Flask, Response, current_app, render_template, request
from flask_babel import get_locale
from werkzeug.exceptions import BadRequest

from kiosk import auth, clock, schedule
from kiosk.camera.service import CameraTarget, Opener
from kiosk.kids import labels, receipt, refusals, space
from kiosk.web import gate_id, get_db

bp = Blueprint("kids", __name__, url_prefix="/kids")

ROLES = ("kids", "kids_lead")  # organizers pass every role check (they log in on central only)
# Who hands a child over without the receipt: kids_lead accounts are held by kids' kiosks
# only, organizer accounts by no kiosk (kiosk.reference.STAFF_ROLE_KIOSKS).
RELEASE_ROLES = ("kids_lead",)


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


def drop_off_labels(code: str, day: date, children: Sequence[space.Child]) -> labels.DropOffLabels:
    """The labels of ``children`` left under ``code`` on ``day``, in the screen's language
    (staff switch it to the visitor's)."""
    payload = receipt.receipt_payload(code, day)
    return labels.DropOffLabels(
        tuple(labels.ChildLabel(c.first_name, c.note, c.dropped_at, code, payload) for c in children),
        labels.AdultReceipt(
            code,
            payload,
            tuple(c.first_name for c in children),
            space.closing(get_db().conn, day),
            current_app.config["KIDS_PHONE"] or "",
        ),
        str(get_locale()),
    )


class Printing(TypedDict):
    """How a drop-off's labels went: the labels fragment's context, the API's answer."""

    code: str
    printer: bool  # a label printer is configured (else: the PDF)
    print_failure: str | None  # why it failed, when it did
    paper: str | None  # a labels.Paper: what the printer's paper sensor said; None when not asked


def print_labels(drop: labels.DropOffLabels) -> Printing:
    """Print on the configured printer, if any."""
    printer = current_app.config["KIDS_PRINTER"] is not None
    failure = paper = None
    if printer:
        try:
            paper = labels.print_labels(current_app.config, drop)
        except labels.OutOfPaper as error:
            failure, paper = str(error), labels.Paper.OUT
        except labels.PrintFailed as error:
            failure = str(error)
    return {"code": drop.receipt.code, "printer": printer, "print_failure": failure, "paper": paper}


def _labels_of(code: str) -> labels.DropOffLabels | tuple[str, int]:
    """The labels of today's children under ``code`` still inside, or the refusal fragment."""
    conn = get_db().conn
    moment = clock.now()
    day = schedule.today(conn, moment)
    found = space.look_up(conn, code, day, moment, current_app.config["KIDS_LONG_STAY_MINUTES"])
    if not found.ok:
        reason = str(found.reason)
        return render_template("kids/_refused.html", reason=reason, message=refusals.message(reason)), 404
    return drop_off_labels(found.code, day, found.children)


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
        "may_release": staff is not None and staff["role"] in (*RELEASE_ROLES, "organizer"),
        "closes": space.closing(conn, day),
        **extra,
    }


def _occupancy_update() -> str:
    """The header's "inside" figure, swapped out of band after a drop-off or a pick-up."""
    conn = get_db().conn
    moment = clock.now()
    counts = space.counts(conn, schedule.today(conn, moment), moment)
    return render_template("kids/_occupancy.html", counts=counts, capacity=places(), oob=True)


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
    assert done.day is not None  # a recorded drop-off has its day
    payload = receipt.receipt_payload(done.code, done.day)
    # Printed after the drop-off is stored: a printer that fails loses nothing (reprint below).
    printed = print_labels(drop_off_labels(done.code, done.day, done.children))
    dropped = render_template("kids/_dropped.html", drop=done, payload=payload, **printed)
    return dropped + _occupancy_update(), 201


@bp.post("/drop-offs/<code>/print")
@auth.role_required(*ROLES)
def reprint(code: str) -> tuple[str, int]:
    """Print the labels of a code's children still inside again (jammed, printer was off)."""
    drop = _labels_of(code)
    if isinstance(drop, tuple):
        return drop
    return render_template("kids/_labels.html", **print_labels(drop)), 200


@bp.get("/drop-offs/<code>/labels.pdf")
@auth.role_required(*ROLES)
def labels_pdf(code: str) -> Response | tuple[str, int]:
    """The labels of a code's children still inside as a PDF of 62 mm labels."""
    drop = _labels_of(code)
    if isinstance(drop, tuple):
        return drop
    return Response(
        labels.labels_pdf(drop),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="kids-{drop.receipt.code}.pdf"'},
    )


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
    handed = render_template("kids/_handed.html", children=done.children)
    conn = get_db().conn
    moment = clock.now()
    rest = space.look_up(
        conn, code, schedule.today(conn, moment), moment, current_app.config["KIDS_LONG_STAY_MINUTES"]
    )
    handed += _occupancy_update()
    if not rest.ok:  # the code's last child: nothing left to confirm
        return handed + render_template("kids/_all_handed.html"), 200
    return handed + render_template("kids/_matched.html", found=rest), 200


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
@auth.role_required(*RELEASE_ROLES)
def release_form(child_id: str) -> str:
    conn = get_db().conn
    moment = clock.now()
    children = space.inside(
        conn, schedule.today(conn, moment), moment, current_app.config["KIDS_LONG_STAY_MINUTES"]
    )
    return render_template("kids/_release.html", child=next((c for c in children if c.id == child_id), None))


@bp.post("/release/<child_id>")
@auth.role_required(*RELEASE_ROLES)
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


def camera_look_up(app: Flask, database: Opener, **_options: str | None) -> Callable[[str], space.PickUp]:
    """A receipt held to a camera (the kiosk's own, or a tablet's in the browser) is looked
    up, as if typed; staff still confirm each child handed over."""
    long_stay = app.config["KIDS_LONG_STAY_MINUTES"]

    def target(text: str) -> space.PickUp:
        conn = database().conn
        moment = clock.now()
        return space.look_up(conn, text, schedule.today(conn, moment), moment, long_stay)

    return target


def camera_result(result: object) -> tuple[str, str] | None:
    """The children a camera's receipt names, for the pick-up screen's ``#verdict``: only
    to logged-in kids' staff (the camera line is polled by anyone)."""
    staff = auth.current_staff()
    if not isinstance(result, space.PickUp) or staff is None or staff["role"] not in (*ROLES, "organizer"):
        return None
    if result.ok:
        return render_template("kids/_matched.html", found=result), "kids-scanned"
    reason = str(result.reason)
    return render_template(
        "kids/_refused.html", reason=reason, message=refusals.message(reason)
    ), "kids-scanned"


CAMERA_TARGET = CameraTarget(make=camera_look_up, render=camera_result)
