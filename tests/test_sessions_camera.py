"""The camera at a workshop door, on real SQLite files: the capture loop and the browser
camera check codes into the session picked at the door (``check_in_code``), the door
screen shows the camera's verdict (name for door staff only), and the undo window."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import rows, ticket
from sessions_helpers import at, open_db, workshop_kiosk

from kiosk import create_app
from kiosk import db as dbmod
from kiosk.camera import service
from kiosk.camera.synthetic import ticket_frame, ticket_video
from kiosk.sessions import checkin, door_camera, registrations
from kiosk.sessions.checkin import DoorSettings, check_in_code


def staff_id(folder: Path, name: str = "Rachid") -> str:
    return rows(folder, "SELECT id FROM staff WHERE name = ?", (name,))[0]["id"]


def logged_in(app, name: str = "Rachid", pin: str = "246824"):
    client = app.test_client()
    assert client.post("/staff/login", data={"name": name, "pin": pin}).status_code == 302
    return client


def select(folder: Path, session_id: str) -> None:
    db = open_db(folder)
    door_camera.select(db, session_id, staff_id(folder))
    db.conn.close()


def checkins(folder: Path) -> list[tuple]:
    return [
        tuple(r)
        for r in rows(
            folder,
            "SELECT uuid, session_id, person_id, result, reason, staff_id"
            " FROM session_checkins ORDER BY device_seq",
        )
    ]


@pytest.mark.parametrize("held_up", ["registration", "ticket"])
def test_camera_video_through_the_loop_checks_into_the_door_session(
    central_dir: Path, tmp_path: Path, held_up: str
) -> None:
    folder = tmp_path / "workshop"
    day = ticket(central_dir, "day")
    session_id, made = workshop_kiosk(
        central_dir, folder, names=["Amine Alaoui", "Bilal Naji"], serials=[None, day["serial"]]
    )
    select(folder, session_id)
    person = made[0] if held_up == "registration" else made[1]
    code = registrations.qr_text(str(made[0]["token"])) if held_up == "registration" else day["payload"]
    video = ticket_video(tmp_path / "door.avi", code)
    app = create_app(folder, {"TESTING": True, "CAMERA_SOURCE": str(video), "CAMERA_PACE": False})
    loop = service.build_loop(app)
    loop.start()
    try:
        event = loop.wait_for_event(0, timeout=30)
    finally:
        loop.stop()
    assert event is not None and event.text == code
    verdict = event.result
    assert isinstance(verdict, checkin.SessionVerdict)
    assert (verdict.reason, verdict.name, verdict.status, verdict.session_id) == (
        "ok",
        person["name"],
        "confirmed",
        session_id,
    )
    # Recorded durably in the kiosk's file, under the staff member who picked the session.
    assert checkins(folder) == [
        (verdict.checkin_uuid, session_id, person["id"], "accepted", "ok", staff_id(folder))
    ]


def test_no_session_picked_the_code_is_ignored_and_the_door_screen_says_so(
    central_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder)
    app = create_app(folder, {"TESTING": True, "CAMERA_SOURCE": "fed-by-test.avi"})
    loop = app.extensions[service.EXTENSION] = service.build_loop(app)
    rng = np.random.default_rng(5)
    code = registrations.qr_text(str(made[0]["token"]))
    [event] = loop.process(ticket_frame(code, rng))
    assert event.result == door_camera.NoSessionSelected(code)
    assert checkins(folder) == []
    staff = logged_in(app)
    line = staff.get("/camera/status?after=0")
    html = line.get_data(as_text=True)
    assert 'id="verdict" hx-swap-oob="innerHTML"' in html and 'data-reason="no_session"' in html
    assert "Aucune séance n'est choisie à cette porte" in html
    assert line.headers["HX-Trigger"] == "checked"

    # Staff pick the session on the list: the door screen opens, with the camera panel.
    picked = staff.post(f"/sessions/{session_id}/select")
    assert picked.status_code == 302 and picked.headers["Location"].endswith(f"/sessions/{session_id}/")
    door = staff.get(f"/sessions/{session_id}/").get_data(as_text=True)
    assert "data-camera-here" in door and 'class="camera-panel"' in door and "verdict-sound.js" in door
    [event] = loop.process(ticket_frame(registrations.qr_text(str(made[1]["token"])), rng))
    assert (event.result.reason, event.result.name) == ("ok", "Bilal Naji")
    shown = staff.get("/camera/status?after=1").get_data(as_text=True)
    assert "Bilal Naji" in shown and "place confirmée" in shown and "undo-button" in shown
    # The camera line is public (the entry screen polls it): no name, no undo for others.
    anonymous = app.test_client().get("/camera/status?after=1").get_data(as_text=True)
    assert 'data-reason="ok"' in anonymous and "Bilal" not in anonymous and "undo-button" not in anonymous
    # Nothing new since: no verdict carried.
    assert "hx-swap-oob" not in staff.get("/camera/status?after=2").get_data(as_text=True)


def test_the_door_choice_survives_a_restart(central_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder)
    first = create_app(folder, {"TESTING": True})
    staff = logged_in(first)
    assert staff.post("/sessions/nope/select").status_code == 404
    staff.post(f"/sessions/{session_id}/select")
    assert f'class="session-card camera-session" data-session="{session_id}"' in staff.get(
        "/sessions/"
    ).get_data(as_text=True)
    other = next(
        r["id"] for r in rows(folder, "SELECT id FROM sessions WHERE id != ? LIMIT 1", (session_id,))
    )
    assert "data-camera-select" in staff.get(f"/sessions/{other}/").get_data(as_text=True)

    again = create_app(folder, {"TESTING": True, "CAMERA_SOURCE": "fed-by-test.avi"})  # kiosk restarted
    loop = service.build_loop(again)
    code = registrations.qr_text(str(made[0]["token"]))
    [event] = loop.process(ticket_frame(code, np.random.default_rng(3)))
    assert (event.result.reason, event.result.session_id, event.result.name) == (
        "ok",
        session_id,
        "Amine Alaoui",
    )


def test_a_door_session_gone_from_the_programme_ignores_codes(central_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder)
    select(folder, session_id)
    db = open_db(folder)
    with dbmod.write(db) as conn:  # what a sync from central does when organizers delete it
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    db.conn.close()
    app = create_app(folder, {"TESTING": True, "CAMERA_SOURCE": "fed-by-test.avi"})
    code = registrations.qr_text(str(made[0]["token"]))
    [event] = service.build_loop(app).process(ticket_frame(code, np.random.default_rng(4)))
    assert event.result == door_camera.NoSessionSelected(code) and checkins(folder) == []


def jpeg(frame: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def test_browser_camera_checks_into_the_door_session_or_the_one_chosen_on_the_page(
    central_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder)
    app = create_app(folder, {"TESTING": True})
    staff = logged_in(app, "Meryem", "864286")
    rng = np.random.default_rng(8)
    frame = jpeg(ticket_frame(registrations.qr_text(str(made[0]["token"])), rng, size=(800, 450)))
    # No session at the door, none chosen on the page: ignored, and the page says why.
    page = staff.get("/camera/browser").get_data(as_text=True)
    assert 'name="session"' in page and 'name="direction"' not in page and "selected" not in page
    assert "— choisissez une séance —" in page
    ignored = staff.post("/camera/browser/frame?session=", data=frame, content_type="image/jpeg")
    assert ignored.headers["X-Camera-Result"] == "verdict"
    assert 'data-reason="no_session"' in ignored.get_data(as_text=True) and checkins(folder) == []

    staff.post(f"/sessions/{session_id}/select")
    page = staff.get("/camera/browser").get_data(as_text=True)
    assert f'<option value="{session_id}" selected>' in page and "La séance choisie à la porte" in page
    answer = staff.post(f"/camera/browser/frame?session={session_id}", data=frame, content_type="image/jpeg")
    html = answer.get_data(as_text=True)
    assert answer.headers["HX-Trigger"] == "checked"
    assert 'data-reason="ok"' in html and "Amine Alaoui" in html and "place confirmée" in html
    [stored] = checkins(folder)
    assert stored[1:] == (session_id, made[0]["id"], "accepted", "ok", staff_id(folder, "Meryem"))
    # Held in view: one check-in.
    assert (
        staff.post(
            f"/camera/browser/frame?session={session_id}", data=frame, content_type="image/jpeg"
        ).status_code
        == 204
    )

    # On the kiosk itself without a staff log-in: the verdict, but no name and no undo.
    other_frame = jpeg(ticket_frame(registrations.qr_text(str(made[1]["token"])), rng, size=(800, 450)))
    anonymous = app.test_client().post("/camera/browser/frame", data=other_frame, content_type="image/jpeg")
    html = anonymous.get_data(as_text=True)
    assert 'data-reason="ok"' in html and "Bilal" not in html and "undo-button" not in html
    # No session on the page: the door's, under the staff member who picked it there.
    assert checkins(folder)[-1][1:6] == (
        session_id,
        made[1]["id"],
        "accepted",
        "ok",
        staff_id(folder, "Meryem"),
    )

    # The page may choose another session than the door's: that one is used.
    other = next(
        r["id"] for r in rows(folder, "SELECT id FROM sessions WHERE id != ? LIMIT 1", (session_id,))
    )
    elsewhere = staff.post(f"/camera/browser/frame?session={other}", data=frame, content_type="image/jpeg")
    assert 'data-reason="not_registered"' in elsewhere.get_data(as_text=True)
    assert checkins(folder)[-1][1:5] == (other, None, "refused", "not_registered")


def test_undo_works_only_within_the_annulment_window(central_dir: Path) -> None:
    db = open_db(central_dir)
    from sessions_helpers import add_session, register

    session_id = add_session(db, capacity=3)
    made = register(db, session_id, ["Rim", "Sami"])
    fast = DoorSettings(debounce_seconds=0)
    first = check_in_code(db, session_id, str(made[0]["short_code"]), at(0), settings=fast)
    assert checkin.undo(db, str(first.checkin_uuid), at(5.01)) == "too_late"  # default 5 minutes
    assert checkin.undo(db, str(first.checkin_uuid), at(5.01), window_minutes=10) == "ok"
    second = check_in_code(db, session_id, str(made[1]["short_code"]), at(1), settings=fast)
    assert checkin.undo(db, str(second.checkin_uuid), at(6)) == "ok"  # exactly 5 minutes: still in time
    assert checkin.occupancy(db.conn, session_id, at(7), fast)[0].checked_in == 0
    assert len(rows(central_dir, "SELECT * FROM session_checkin_undos")) == 2


def test_undo_window_comes_from_annul_minutes_on_the_door_screen_and_the_api(
    central_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "workshop"
    session_id, made = workshop_kiosk(central_dir, folder, capacity=3)
    db = open_db(folder)
    # Checked in three minutes before now (the test clock is the session's start).
    early = [check_in_code(db, session_id, str(m["short_code"]), at(-3)) for m in made]
    db.conn.close()
    app = create_app(folder, {"TESTING": True, "ANNUL_MINUTES": 2})
    staff = logged_in(app)
    refused = staff.post(f"/sessions/{session_id}/undo/{early[0].checkin_uuid}").get_data(as_text=True)
    assert 'data-outcome="too_late"' in refused
    assert "Trop tard pour annuler cet enregistrement" in refused and "2 minutes" in refused
    token = staff.post("/api/v1/login", json={"name": "Rachid", "pin": "246824"}).get_json()["token"]
    api = staff.post(
        f"/api/v1/sessions/check-ins/{early[1].checkin_uuid}/undo?lang=en",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 409
    assert api.get_json() == {
        "ok": False,
        "reason": "too_late",
        "message": "Too late to undo this check-in: undo works for 2 minutes after it.",
    }
    assert rows(folder, "SELECT * FROM session_checkin_undos") == []
    longer = create_app(folder, {"TESTING": True, "ANNUL_MINUTES": 5})
    done = logged_in(longer).post(f"/sessions/{session_id}/undo/{early[0].checkin_uuid}")
    assert 'data-outcome="ok"' in done.get_data(as_text=True)
