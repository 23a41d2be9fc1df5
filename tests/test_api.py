"""The JSON API through Flask's test client on a real kiosk database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import BadRequest

from kiosk import create_app, instance, openapi
from kiosk import staff as accounts
from tests.helpers import rows, ticket

REMOTE = {"REMOTE_ADDR": "192.0.2.10"}


def test_scan_ok_then_already_inside(client, kiosk_dir: Path, monkeypatch) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    answer = client.post("/api/v1/scans", json={"code": payload}).get_json()
    assert answer["ok"] is True and answer["reason"] == "ok" and answer["gate_id"] == "main"
    assert answer["message"] == "Votre billet est valide."
    monkeypatch.setenv("KIOSK_NOW", "2026-06-15T11:00:30+01:00")
    again = client.post("/api/v1/scans", json={"code": payload}).get_json()
    assert again["ok"] is False and again["reason"] == "already_inside"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ar", "هذه ليست تذكرة المعرض."),
        ("en", "This is not a ticket of the fair."),
        ("fr", "Ce n'est pas un billet du salon."),
    ],
)
def test_messages_are_localized(client, lang: str, text: str) -> None:
    answer = client.post(f"/api/v1/scans?lang={lang}", json={"code": "nonsense"}).get_json()
    assert answer["reason"] == "unknown_format" and answer["message"] == text


def test_accept_language_picks_the_message_language(client) -> None:
    answer = client.post("/api/v1/scans", json={"code": "x"}, headers={"Accept-Language": "ar"}).get_json()
    assert answer["message"] == "هذه ليست تذكرة المعرض."


def test_exit_and_other_gate(client, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    assert client.post("/api/v1/scans", json={"code": payload, "gate": "east"}).get_json()["ok"]
    out = client.post("/api/v1/scans", json={"code": payload, "gate": "east", "direction": "out"}).get_json()
    assert out["ok"] and out["direction"] == "out"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"not json", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b'["a", "list"]', "application/json"),
        (b'{"code": 12}', "application/json"),
        (b'{"code": null}', "application/json"),
        (b'{"code": "x", "direction": "up"}', "application/json"),
        (b'{"code": "x", "gate": "moon"}', "application/json"),
        (b'{"code": "x", "gate": ["main"]}', "application/json"),
        (b"code=x", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_requests_get_400_never_500(
    client, kiosk_dir: Path, body: bytes, content_type: str
) -> None:
    response = client.post("/api/v1/scans", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    assert rows(kiosk_dir, "SELECT count(*) FROM scans")[0][0] == 0


def test_one_megabyte_code_is_refused_cleanly(client, kiosk_dir: Path) -> None:
    response = client.post("/api/v1/scans", json={"code": "A" * 1_000_000})
    assert response.status_code == 200
    assert response.get_json()["reason"] == "unknown_format"


def test_body_over_the_limit_is_413_json(client) -> None:
    response = client.post(
        "/api/v1/scans", data=b"{" + b" " * 3_000_000 + b"}", content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"


def test_attendance(central_dir: Path) -> None:
    # Central's (the dashboard's figures): an entry kiosk keeps its gate's and zones' only.
    client = create_app(central_dir, {"TESTING": True}).test_client()
    client.post("/api/v1/scans", json={"code": ticket(central_dir, "day")["payload"]})
    client.post("/api/v1/walk-ins", json={"kind": "group", "people": 4})
    figures = client.get("/api/v1/attendance").get_json()
    assert figures["date"] == "2026-06-15"
    assert (figures["entries"], figures["exits"], figures["unique_visitors"]) == (5, 0, 5)
    assert figures["inside"]["sales"] == 5 and figures["walk_ins"]["group"] == 4
    assert client.get("/api/v1/attendance?date=2026-06-16").get_json()["entries"] == 0
    assert client.get("/api/v1/attendance?date=junk").status_code == 400
    assert client.get("/api/v1/attendance", environ_base=REMOTE).status_code == 200  # no log-in


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "alien"},
        {"kind": "group", "people": 0},
        {"kind": "group", "people": "5"},
        {"kind": "adult", "people": 3},
        {"kind": "group", "people": 10**9},
        {"kind": "adult", "gate": "moon"},
    ],
)
def test_bad_walk_ins(client, body: dict) -> None:
    assert client.post("/api/v1/walk-ins", json=body).status_code == 400


def test_annul_needs_staff_even_on_the_kiosk(client, kiosk_dir: Path) -> None:
    scan = client.post("/api/v1/scans", json={"code": ticket(kiosk_dir, "day")["payload"]}).get_json()
    assert client.post(f"/api/v1/scans/{scan['scan_uuid']}/annul").status_code == 401
    accounts.add_staff(instance.open_db(kiosk_dir).conn, "Karim", "gate", "135791")
    token = client.post("/api/v1/login", json={"name": "Karim", "pin": "135791"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/scans/{scan['scan_uuid']}/annul", headers=headers)
    assert response.status_code == 200 and response.get_json() == {"ok": True, "reason": "ok"}
    again = client.post(f"/api/v1/scans/{scan['scan_uuid']}/annul", headers=headers)
    assert again.status_code == 409 and again.get_json()["reason"] == "already_annulled"
    assert rows(kiosk_dir, "SELECT entries FROM gate_days")[0][0] == 0
    stored = rows(kiosk_dir, "SELECT staff_id FROM annulments")
    assert len(stored) == 1 and stored[0]["staff_id"] is not None


def test_other_hosts_need_staff_login_to_change_data(client, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    refused = client.post("/api/v1/scans", json={"code": payload}, environ_base=REMOTE)
    assert refused.status_code == 401 and refused.get_json()["error"] == "staff_login_required"
    assert client.post("/api/v1/walk-ins", json={"kind": "adult"}, environ_base=REMOTE).status_code == 401
    assert rows(kiosk_dir, "SELECT count(*) FROM scans")[0][0] == 0

    db = instance.open_db(kiosk_dir)
    accounts.add_staff(db.conn, "Samira", "gate", "432165")
    login = client.post("/api/v1/login", json={"name": "Samira", "pin": "432165"}, environ_base=REMOTE)
    token = login.get_json()["token"]
    allowed = client.post(
        "/api/v1/scans",
        json={"code": payload},
        environ_base=REMOTE,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert allowed.status_code == 200 and allowed.get_json()["ok"]
    forged = client.post(
        "/api/v1/scans",
        json={"code": payload},
        environ_base=REMOTE,
        headers={"Authorization": f"Bearer {token[:-2]}xx"},
    )
    assert forged.status_code == 401


def test_wrong_pins_lock_the_account(client, kiosk_dir: Path) -> None:
    db = instance.open_db(kiosk_dir)
    accounts.add_staff(db.conn, "Youssef", "gate", "246824")
    for _ in range(accounts.MAX_FAILURES - 1):
        assert client.post("/api/v1/login", json={"name": "Youssef", "pin": "0000"}).status_code == 401
    assert client.post("/api/v1/login", json={"name": "Youssef", "pin": "0000"}).status_code == 423
    assert client.post("/api/v1/login", json={"name": "Youssef", "pin": "246824"}).status_code == 423


def test_openapi_document_describes_the_api(client) -> None:
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/api/v1/scans", "/api/v1/walk-ins", "/api/v1/login"):
        assert path in document["paths"]
    assert "/api/v1/attendance" not in document["paths"]  # central's: only it keeps those figures


def test_entry_screen_scan_fragment(client, kiosk_dir: Path) -> None:
    page = client.get("/entry/")
    assert page.status_code == 200 and b'dir="ltr"' in page.data and b'lang="fr"' in page.data
    fragment = client.post(
        "/entry/scan", data={"code": ticket(kiosk_dir, "day")["payload"]}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and b'data-level="green"' in fragment.data
    assert "HX-Trigger" not in fragment.headers  # the figures come with it (out of band)
    assert "Bienvenue" in fragment.get_data(as_text=True)
    assert 'id="gate-entries">1<' in fragment.get_data(as_text=True)
    stats = client.get("/entry/stats").get_data(as_text=True)
    assert 'id="gate-entries">1<' in stats


def test_arabic_screen_is_right_to_left(client) -> None:
    page = client.get("/entry/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "المدخل الرئيسي" in page


def test_times_are_shown_on_the_fair_clock(app) -> None:
    when = app.jinja_env.filters["when"]
    with app.test_request_context("/"):
        assert when("2026-06-15T09:05:07.000+00:00") == "10:05:07"  # today, fair time (UTC+1)
        assert when("2026-06-14T21:30:00+01:00") == "14/06 21:30"
        assert when(None) == "—"


def test_dates_in_words_in_each_language(app) -> None:
    from datetime import date

    long_date = app.jinja_env.filters["long_date"]
    for lang, word in (("fr", "juin"), ("en", "June"), ("ar", "يونيو")):
        with app.test_request_context(f"/?lang={lang}"):
            assert word in long_date(date(2026, 6, 15))


def test_every_error_under_api_is_json(client) -> None:
    for method, path, status in [
        ("get", "/api/v1/nothing-here", 404),
        ("get", "/api/v1/scans", 405),
        ("post", "/api/v1/camera", 405),
        ("post", "/api/v1/sync/hello", 404),  # central's, not an entry kiosk's
    ]:
        answer = getattr(client, method)(path)
        assert answer.status_code == status and answer.is_json, path
        assert answer.get_json()["error"]
    assert not client.get("/nothing-here").is_json  # screens keep their HTML errors


def test_bodies_are_checked_against_the_published_schema(client) -> None:
    answer = client.post("/api/v1/walk-ins", json={"kind": "group", "people": 501})
    assert answer.status_code == 400 and answer.get_json()["detail"].startswith("people: ")
    answer = client.post("/api/v1/login", json={"name": "Omar"})
    assert answer.status_code == 400 and "'pin' is a required property" in answer.get_json()["detail"]


def test_a_body_schema_that_refers_to_others_is_checked_through_them(central_dir: Path) -> None:
    # The sync push body is a $ref to EventBatch: checked from the schema itself, its
    # references still lead into the published document.
    app = create_app(central_dir)
    with app.test_request_context("/api/v1/sync/push", method="POST"):
        from flask import request

        request.url_rule = app.url_map.bind("localhost").match("/api/v1/sync/push", "POST", return_rule=True)[
            0
        ]
        good = {"events": [{"table": "scans", "columns": ["uuid"], "rows": [["u"]]}]}
        assert openapi.checked(good) == good
        with pytest.raises(BadRequest, match="events/0/columns: 5 is not of type 'array'"):
            openapi.checked({"events": [{"table": "scans", "columns": 5, "rows": []}]})


def _instance(kind: str, central_dir: Path, kiosk_dir: Path, tmp_path: Path) -> Path:
    if kind == "central":
        return central_dir
    if kind == "entry":
        return kiosk_dir
    instance.create(tmp_path / kind, [kind], name=kind).conn.close()
    return tmp_path / kind


@pytest.mark.parametrize("role", ["entry", "central", "finder", "workshop", "kids"])
def test_the_document_lists_exactly_the_routes_served(
    role: str, central_dir: Path, kiosk_dir: Path, tmp_path: Path
) -> None:
    app = create_app(_instance(role, central_dir, kiosk_dir, tmp_path), {"TESTING": True})
    document = app.test_client().get("/api/openapi.json").get_json()
    published = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    served = {
        (re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert published == served
    assert (
        ("/api/v1/sync/push", "POST") in served
        if role == "central"
        else not any("sync" in p for p, _ in served)
    )
    schemes = document["components"]["securitySchemes"]
    for item in document["paths"].values():
        for operation in item.values():
            for requirement in operation["security"]:
                assert set(requirement) <= set(schemes)
            assert all(code.isdigit() for code in operation["responses"])


def test_staff_only_operations_say_so(client, central_dir: Path) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {} not in paths["/api/v1/scans/{scan_uuid}/annul"]["post"]["security"]
    assert {} in paths["/api/v1/scans"]["post"]["security"]  # the kiosk's own screen needs no log-in
    central = create_app(central_dir, {"TESTING": True}).test_client().get("/api/openapi.json")
    assert central.get_json()["paths"]["/api/v1/attendance"]["get"]["security"] == []
