"""The sessions JSON API and the session web screens through Flask's test client."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from helpers import rows, ticket
from sessions_helpers import add_session, open_db, register, workshop_kiosk

from kiosk import create_app
from kiosk import db as dbmod
from kiosk import staff as accounts
from kiosk.openapi import openapi_document
from kiosk.sessions import registrations

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}  # not loopback: staff authentication is needed


@pytest.fixture
def central_app(central_dir: Path):
    return create_app(central_dir, {"TESTING": True})


@pytest.fixture
def api(central_app):
    return central_app.test_client()


def token(api, name: str = "Rachid", pin: str = "246824") -> dict[str, str]:
    answer = api.post("/api/v1/login", json={"name": name, "pin": pin}, environ_base=REMOTE)
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": "Bearer " + answer.get_json()["token"]}


def test_every_route_needs_staff(api) -> None:
    for method, path in [
        ("get", "/api/v1/sessions"),
        ("post", "/api/v1/sessions/x/check-ins"),
        ("post", "/api/v1/sessions/check-ins/x/undo"),
        ("get", "/api/v1/sessions/x/roster"),
    ]:
        answer = getattr(api, method)(path, json={}, environ_base=REMOTE)
        assert answer.status_code == 401 and answer.get_json()["error"] == "staff_login_required"
        # Loopback is no exception: names are personal data.
        assert getattr(api, method)(path, json={}).status_code == 401
    forged = {"Authorization": "Bearer forged.token.value"}
    assert api.get("/api/v1/sessions", headers=forged, environ_base=REMOTE).status_code == 401


def test_gate_staff_may_not_use_session_doors(api, central_dir: Path) -> None:
    answer = api.get("/api/v1/sessions", headers=token(api, "Omar", "135791"), environ_base=REMOTE)
    assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden_role"


def test_list_check_in_undo_roster(api, central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=1)
    made = register(db, session_id, ["Asmae Rifi", "Bilal Naji"])
    headers = token(api)
    listed = api.get("/api/v1/sessions", headers=headers, environ_base=REMOTE).get_json()
    assert listed["date"] == "2026-06-15"
    mine = next(s for s in listed["sessions"] if s["id"] == session_id)
    assert (mine["capacity"], mine["checked_in"], mine["held"], mine["waitlist"]) == (1, 0, 1, 1)
    assert len(listed["sessions"]) == 7  # the demo's six of the first day and ours
    other_day = api.get("/api/v1/sessions?date=2026-06-22", headers=headers, environ_base=REMOTE).get_json()
    assert len(other_day["sessions"]) == 6
    assert api.get("/api/v1/sessions?date=junk", headers=headers, environ_base=REMOTE).status_code == 400

    url = f"/api/v1/sessions/{session_id}/check-ins"
    first = api.post(
        url + "?lang=en", json={"code": made[0]["short_code"]}, headers=headers, environ_base=REMOTE
    ).get_json()
    assert (first["ok"], first["reason"], first["name"], first["message"]) == (
        True,
        "ok",
        "Asmae Rifi",
        "Checked in.",
    )
    full = api.post(
        url + "?lang=fr",
        json={"code": registrations.qr_text(str(made[1]["token"]))},
        headers=headers,
        environ_base=REMOTE,
    ).get_json()
    assert (full["ok"], full["reason"], full["level"], full["status"]) == (
        False,
        "session_full",
        "amber",
        "waitlist",
    )
    assert full["message"] == "La séance est complète."
    staff_id = rows(central_dir, "SELECT id FROM staff WHERE name = 'Rachid'")[0]["id"]
    assert (
        rows(central_dir, "SELECT staff_id FROM session_checkins WHERE uuid = ?", (first["checkin_uuid"],))[
            0
        ]["staff_id"]
        == staff_id
    )

    undo = f"/api/v1/sessions/check-ins/{first['checkin_uuid']}/undo"
    undone = api.post(undo + "?lang=en", headers=headers, environ_base=REMOTE).get_json()
    assert undone == {"ok": True, "reason": "ok", "message": "Check-in undone: it no longer counts."}
    again = api.post(undo, headers=headers, environ_base=REMOTE)
    assert again.status_code == 409 and again.get_json()["reason"] == "already_undone"
    # Undone, Asmae holds her seat again: Bilal still waits.
    second = api.post(url, json={"code": made[1]["short_code"]}, headers=headers, environ_base=REMOTE)
    assert second.get_json()["reason"] == "session_full"
    assert (
        api.post(url, json={"code": made[0]["short_code"]}, headers=headers, environ_base=REMOTE).get_json()[
            "reason"
        ]
        == "ok"
    )

    roster = api.get(f"/api/v1/sessions/{session_id}/roster", headers=headers, environ_base=REMOTE).get_json()
    assert [(p["name"], p["status"]) for p in roster["people"]] == [
        ("Asmae Rifi", "checked_in"),
        ("Bilal Naji", "waitlist"),
    ]
    as_csv = api.get(f"/api/v1/sessions/{session_id}/roster?format=csv", headers=headers, environ_base=REMOTE)
    assert as_csv.mimetype == "text/csv" and "Bilal Naji" in as_csv.text


def test_bad_requests_and_unknown_sessions(api) -> None:
    headers = token(api)
    assert (
        api.post(
            "/api/v1/sessions/nope/check-ins", json={"code": "x"}, headers=headers, environ_base=REMOTE
        ).status_code
        == 404
    )
    assert (
        api.post(
            "/api/v1/sessions/nope/check-ins", json={"code": 3}, headers=headers, environ_base=REMOTE
        ).status_code
        == 400
    )
    assert (
        api.post(
            "/api/v1/sessions/nope/check-ins", data="x", headers=headers, environ_base=REMOTE
        ).status_code
        == 400
    )
    assert api.get("/api/v1/sessions/nope/roster", headers=headers, environ_base=REMOTE).status_code == 404


def test_openapi_document_has_the_session_paths() -> None:
    document = openapi_document()
    assert {
        "/api/v1/sessions",
        "/api/v1/sessions/{session_id}/check-ins",
        "/api/v1/sessions/check-ins/{checkin_uuid}/undo",
        "/api/v1/sessions/{session_id}/roster",
        "/api/v1/login",
    } <= set(document["paths"])
    assert {"SessionVerdict", "SessionFigures", "Roster", "Error"} <= set(document["components"]["schemas"])


def login(client, name: str = "Rachid", pin: str = "246824"):
    return client.post("/staff/login", data={"name": name, "pin": pin})


def test_door_screen_needs_a_logged_in_workshop_staff(api, central_dir: Path) -> None:
    answer = api.get("/sessions/")
    assert answer.status_code == 302 and "/staff/login" in answer.headers["Location"]
    htmx = api.get("/sessions/x/count", headers={"HX-Request": "true"})
    assert "/staff/login" in htmx.headers["HX-Redirect"]
    login(api, "Omar", "135791")
    assert api.get("/sessions/").status_code == 403


def test_staff_are_logged_out_when_idle(api, monkeypatch: pytest.MonkeyPatch) -> None:
    assert login(api).status_code == 302
    assert api.get("/sessions/").status_code == 200
    # Polling in the background does not keep the screen logged in.
    monkeypatch.setenv("KIOSK_NOW", "2026-06-15T11:09:00+01:00")
    assert api.get("/sessions/", headers={"X-Kiosk-Background": "1"}).status_code == 200
    monkeypatch.setenv("KIOSK_NOW", "2026-06-15T11:10:30+01:00")
    assert api.get("/sessions/").status_code == 302


def test_activity_keeps_staff_logged_in(api, monkeypatch: pytest.MonkeyPatch) -> None:
    login(api)
    for minute in (8, 16, 24):
        monkeypatch.setenv("KIOSK_NOW", f"2026-06-15T11:{minute:02d}:00+01:00")
        assert api.get("/sessions/").status_code == 200


def test_door_screens_show_names_and_the_public_programme_does_not(api, central_dir: Path) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=2, title="Atelier public")
    made = register(db, session_id, ["Camelia Berrada"])
    programme = api.get("/programme/?lang=fr")
    assert programme.status_code == 200 and "Atelier public" in programme.text
    speakers = [r["speaker"] for r in rows(central_dir, "SELECT speaker FROM sessions")]
    assert not any(name in programme.text for name in [*speakers, "Camelia", "Hanane", "Rachid"])
    assert "ورشة" in api.get("/programme/?lang=ar").text
    login(api)
    door = api.get(f"/sessions/{session_id}/")
    assert door.status_code == 200 and "Rachid" in door.text and "Formatrice Test" not in door.text
    verdict = api.post(f"/sessions/{session_id}/check-in", data={"code": made[0]["short_code"]})
    assert 'data-reason="ok"' in verdict.text and "Camelia Berrada" in verdict.text
    found = api.get(f"/sessions/{session_id}/search?q=camelia")
    assert "Camelia Berrada" in found.text and "checked_in" in found.text
    walk = api.post(f"/sessions/{session_id}/walk-in", data={"name": "=HYPERLINK(1)", "phone": ""})
    assert 'data-reason="ok"' in walk.text
    count = api.get(f"/sessions/{session_id}/count")
    assert 'data-checked-in="2"' in count.text
    roster = api.get(f"/sessions/{session_id}/roster.csv")
    table = list(csv.reader(io.StringIO(roster.text)))
    assert ["Camelia Berrada", "", str(made[0]["short_code"]), "registration", "checked_in"] == table[2][:5]
    assert table[3][0] == "'=HYPERLINK(1)"  # no formula in a spreadsheet
    assert table[-1] == ["no_show_rate", ""]  # before the release time nobody is a no-show


def test_organizer_edits_the_programme_and_registrations(api, central_dir: Path) -> None:
    login(api, "Hanane", "24681357")
    assert api.get("/sessions/admin/").status_code == 200
    form = {
        "title_fr": "Nouvel atelier",
        "zone": "workshop",
        "starts_at": "2026-06-16T15:00",
        "ends_at": "2026-06-16T14:00",
        "capacity": "12",
        "kind": "workshop",
    }
    bad = api.post("/sessions/admin/new", data=form)
    assert bad.status_code == 400 and "ends_at" in bad.text
    good = api.post(
        "/sessions/admin/new", data={**form, "ends_at": "2026-06-16T17:00", "registration_required": "yes"}
    )
    assert good.status_code == 302
    created = rows(central_dir, "SELECT * FROM sessions WHERE title_fr = 'Nouvel atelier'")[0]
    assert (created["capacity"], created["registration_required"], created["starts_at"]) == (
        12,
        1,
        "2026-06-16T15:00:00.000+01:00",
    )
    edit = f"/sessions/admin/{created['id']}/edit"
    assert 'value="2026-06-16T15:00"' in api.get(edit).text
    api.post(
        edit, data={**form, "title_fr": "Atelier renommé", "ends_at": "2026-06-16T17:00", "capacity": "1"}
    )
    renamed = rows(central_dir, "SELECT title_fr, capacity FROM sessions WHERE id = ?", (created["id"],))
    assert tuple(renamed[0]) == ("Atelier renommé", 1)
    page = f"/sessions/admin/{created['id']}/registrations"
    day = ticket(central_dir, "day")
    api.post(page, data={"name": "Dalia", "phone": "0612345678", "ticket": day["short_code"]})
    api.post(page, data={"name": "Elyas", "phone": ""})
    assert api.post(page, data={"name": "Fouad", "ticket": "AAA-AAA-AAA"}).status_code == 400
    listing = api.get(page).text
    assert re.search(r"Dalia.*seat confirmed|Dalia.*place confirmée", listing, re.S)
    people = rows(
        central_dir,
        "SELECT id, name, ticket_serial FROM session_registrations WHERE session_id = ? ORDER BY rowid",
        (created["id"],),
    )
    assert [(p["name"], p["ticket_serial"]) for p in people] == [("Dalia", day["serial"]), ("Elyas", None)]
    assert api.get(f"/sessions/admin/registrations/{people[0]['id']}/qr.svg").mimetype == "image/svg+xml"
    api.post(f"/sessions/admin/registrations/{people[0]['id']}/cancel")
    with dbmod.write(open_db(central_dir)) as conn:
        assert (
            conn.execute(
                "SELECT cancelled_at FROM session_registrations WHERE id = ?", (people[0]["id"],)
            ).fetchone()[0]
            is not None
        )


def test_organizers_see_how_full_each_session_was_and_its_no_show_rate(
    api, central_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_db(central_dir)
    session_id = add_session(db, capacity=4, title="Atelier bilan")
    made = register(db, session_id, ["Ghizlane", "Hakim", "Ismail", "Jihane"])
    login(api)
    for person in made[:3]:
        api.post(f"/sessions/{session_id}/check-in", data={"code": person["short_code"]})
    login(api, "Hanane", "24681357")
    during = api.get("/sessions/admin/").text
    row = re.search(rf'data-session="{session_id}".*?</tr>', during, re.S).group(0)
    assert "<td data-checked-in>3</td>" in row and "<td data-no-show-rate></td>" in row
    monkeypatch.setenv("KIOSK_NOW", "2026-06-15T13:30:00+01:00")
    login(api, "Hanane", "24681357")
    after = api.get("/sessions/admin/").text
    row = re.search(rf'data-session="{session_id}".*?</tr>', after, re.S).group(0)
    assert "<td data-no-show-rate>25 %</td>" in row


def test_programme_edits_only_on_central(central_dir: Path, kiosk_dir: Path, tmp_path: Path) -> None:
    workshop_kiosk(central_dir, tmp_path / "door")
    client = create_app(tmp_path / "door", {"TESTING": True}).test_client()
    # Organizer accounts live on central only: a kiosk does not know them.
    assert login(client, "Hanane", "24681357").status_code == 401
    assert client.get("/sessions/admin/new", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code in (
        302,
        403,
    )
    # An entry kiosk has no session screens at all.
    assert create_app(kiosk_dir, {"TESTING": True}).test_client().get("/sessions/admin/").status_code == 404


def test_a_workshop_kiosk_opens_on_the_session_list(central_dir: Path, tmp_path: Path) -> None:
    from kiosk import bundle, instance

    bundle_file = tmp_path / "fair.bundle"
    bundle.write_bundle(open_db(central_dir), bundle_file, "workshop")
    folder = tmp_path / "workshop"
    database = instance.create(folder, ["workshop"], name="workshop")
    bundle.load_tables(database, bundle.read_bundle(bundle_file))
    client = create_app(folder, {"TESTING": True}).test_client()
    assert client.get("/").headers["Location"].endswith("/sessions/")
    login(client)
    assert "Étiquetage des produits" in client.get("/sessions/").text
    assert accounts.ROLES == ("gate", "workshop", "kids", "kids_lead", "organizer")
