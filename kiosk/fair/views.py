"""The organizer's setup screens on central: the fair, its days, zones, gates, ticket types,
categories and provinces as htmx forms; the plan upload with a preview; the exhibitor and
programme spreadsheets with their line report.

Thin: every change goes through ``kiosk.fair.setup`` (the fair file's check and apply),
``kiosk.fair.store`` (the plan), ``kiosk.finder.directory`` and ``kiosk.sessions.programme``
(the spreadsheets), the very functions the CLI calls. Kiosks get the result by sync.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from kiosk.dashboard import organizer_required
from kiosk.fair import setup, spec, store, svgplan
from kiosk.finder import directory, layout
from kiosk.i18n import localized
from kiosk.sessions import programme
from kiosk.web import get_db

bp = Blueprint("setup", __name__, url_prefix="/setup")
MAX_UPLOAD = 20_000_000
SECTIONS = ["event", "event_days", "zones", "gates", "ticket_types", "categories", "provinces"]
# What an organizer reads beside each field of setup.FIELDS (and a new row's key).
FIELD_LABELS = {
    "id": _l("Identifier (letters, digits, dashes)"),
    "date": _l("Day"),
    "name_fr": _l("Name in French"),
    "name_ar": _l("Name in Arabic"),
    "name_en": _l("Name in English"),
    "venue": _l("Venue"),
    "timezone": _l("Time zone"),
    "start_date": _l("First day"),
    "end_date": _l("Last day"),
    "opens": _l("Opens"),
    "closes": _l("Closes"),
    "early_opens": _l("Opens for early access"),
    "kind": _l("Kind"),
    "zone_id": _l("Zone"),
    "directions": _l("Directions"),
    "occupancy_limit": _l("Most people inside"),
    "code": _l("Code in the QR (1-255)"),
    "zones": _l("Zones it opens (ids, or *)"),
    "default_days": _l("Days"),
    "early_access": _l("Early access"),
    "is_visitor": _l("Counts as a visitor"),
    "reentry": _l("May come back in"),
    "synonyms": _l("Other search words"),
}


# What the organizer reads for the values of the choice fields.
ZONE_KIND_LABELS = {
    "grounds": _l("Fair grounds (its gates count the visitors)"),
    "area": _l("Area"),
    "room": _l("Room"),
}
DIRECTION_LABELS = {"in,out": _l("In and out"), "in": _l("In only"), "out": _l("Out only")}


def _choices(conn: Any) -> dict[str, list[tuple[str, str]]]:
    """Choice field -> (value, what the organizer reads) pairs."""
    return {
        "kinds": [(kind, str(ZONE_KIND_LABELS[kind])) for kind in spec.ZONE_KINDS],
        "directions": [(value, str(label)) for value, label in DIRECTION_LABELS.items()],
        "zones": [
            (row["id"], f"{localized(row, 'name')} ({row['id']})")
            for row in conn.execute("SELECT * FROM zones ORDER BY rowid")
        ],
    }


def _row_context(table: str, row: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    key, fields = setup.FIELDS[table]
    return {
        "table": table,
        "key_column": key,
        "fields": fields,
        "row": row or {},
        "choices": _choices(get_db().conn),
        "growing": table in setup.GROWING,
        "labels": FIELD_LABELS,
        **extra,
    }


def _preview(conn: Any) -> dict[str, Any]:
    """The imported plan with the stands no exhibitor holds marked."""
    plan_site = layout.site(conn)
    held = {row[0] for row in conn.execute("SELECT DISTINCT stand_number FROM exhibitor_stands")}
    outlines = plan_site.document.get("outlines", {})
    stands = [
        {
            "number": s.number,
            "x": s.x,
            "y": s.y,
            "w": s.width,
            "h": s.height,
            "outline": " ".join(f"{x:g},{y:g}" for x, y in outlines.get(s.number, ())),
            "vacant": s.number not in held,
        }
        for s in plan_site.stands
    ]
    width, height = plan_site.size
    return {
        "width": width,
        "height": height,
        "zones": [
            {"zone": z["zone"], "points": " ".join(f"{x:g},{y:g}" for x, y in z["points"])}
            for z in plan_site.document["zones"]
        ],
        "walkways": [
            {"points": " ".join(f"{x:g},{y:g}" for x, y in w["points"]), "steps": w["steps"]}
            for w in plan_site.document["walkways"]
        ],
        "gates": [{"id": gate, "x": x, "y": y} for gate, (x, y) in plan_site.document["gates"].items()],
        "stands": stands,
        "vacant": sum(1 for s in stands if s["vacant"]),
    }


@bp.get("/")
@organizer_required
def index() -> str:
    conn = get_db().conn
    tables = store.fair_tables(conn)
    return render_template(
        "fair/setup.html",
        sections=[(table, store.LABEL[table], tables[table]) for table in SECTIONS],
        row_context=_row_context,
        preview=_preview(conn),
    )


@bp.post("/<table>/new")
@bp.post("/<table>/<key>")
@organizer_required
def save(table: str, key: str | None = None) -> str:
    if table not in setup.FIELDS:
        abort(404)
    form = {name: request.form.get(name, "") for name in request.form}
    try:
        outcome = setup.save_row(get_db(), table, key, form)
    except setup.SetupError as error:
        return render_template(
            "fair/_row.html",
            **_row_context(
                table,
                {**form, setup.FIELDS[table][0]: key or form.get(setup.FIELDS[table][0], "")},
                errors=error.reasons,
                new=key is None,
            ),
        )
    saved = next(
        (
            row
            for row in store.fair_tables(get_db().conn)[table]
            if str(row[setup.FIELDS[table][0]]) == (key or form.get(setup.FIELDS[table][0], "").strip())
        ),
        None,
    )
    return render_template(
        "fair/_row.html", **_row_context(table, saved, changes=outcome.changes or ["no change"])
    )


@bp.post("/<table>/<key>/delete")
@organizer_required
def delete(table: str, key: str) -> str:
    row = next(
        (r for r in store.fair_tables(get_db().conn).get(table, []) if str(r[setup.FIELDS[table][0]]) == key),
        None,
    )
    try:
        outcome = setup.delete_row(get_db(), table, key)
    except setup.SetupError as error:
        return render_template("fair/_row.html", **_row_context(table, row, errors=error.reasons))
    return render_template("fair/_removed.html", changes=outcome.changes)


def _upload() -> FileStorage:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400)
    return upload


@bp.post("/plan")
@organizer_required
def plan_upload() -> str:
    upload = _upload()
    data = upload.stream.read(MAX_UPLOAD + 1)
    name = Path(upload.filename or "plan.svg").name
    problems: list[str] = []
    changes: list[str] = []
    try:
        derived = svgplan.check(data, name, store.zone_ids(get_db().conn))
        problems = [str(problem) for problem in derived.problems]
        if not problems:
            changes = store.apply_plan(get_db(), derived)
    except svgplan.PlanError as error:
        problems = [str(problem) for problem in error.problems]
    except store.ApplyError as error:
        problems = error.reasons
    return render_template(
        "fair/_plan.html", preview=_preview(get_db().conn), problems=problems, changes=changes
    )


@bp.post("/sheet/<what>")
@organizer_required
def sheet_upload(what: str) -> str:
    if what not in ("exhibitors", "programme"):
        abort(404)
    upload = _upload()
    name = Path(upload.filename or "upload.csv").name
    suffix = Path(name).suffix.lower() if Path(name).suffix.lower() in (".csv", ".xlsx") else ".csv"
    with tempfile.TemporaryDirectory(prefix="kiosk-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        try:
            if what == "exhibitors":
                report = directory.import_csv(get_db(), path, strict=request.form.get("strict") == "1")
                refused, loaded, created = report.errors, report.loaded, report.created
                tables = store.fair_tables(get_db().conn)
                # The new categories and provinces, to be named in the other languages here.
                to_name = [
                    _row_context(table, row)
                    for table, made_id in report.new_rows
                    for row in tables[table]
                    if row["id"] == made_id
                ]
            else:
                session_report = programme.import_csv(get_db(), path)
                refused, loaded, created, to_name = session_report.refused, session_report.loaded, [], []
        except (directory.DirectoryError, programme.SessionError) as error:
            message = str(error).replace(str(path), name)
            return render_template(
                "fair/_report.html", name=name, failure=message, refused=[], loaded=0, created=[]
            )
    return render_template(
        "fair/_report.html",
        name=name,
        failure=None,
        refused=refused,
        loaded=loaded,
        created=created,
        to_name=to_name,
        what=what,
    )
