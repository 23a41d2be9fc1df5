"""Finder screens and API through the Flask test client on a finder kiosk made from a bundle."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from finder_helpers import exhibitor_named, make_finder_kiosk, stand_of
from helpers import rows

from kiosk import create_app, events, instance
from kiosk.openapi import openapi_document


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path, {"PUBLIC_URL": "http://kiosk-3.salon.lan:8000"})


@pytest.fixture
def finder_app(finder_dir: Path):
    return create_app(finder_dir, {"TESTING": True})


@pytest.fixture
def client(finder_app):
    return finder_app.test_client()


HX = {"HX-Request": "true"}


def tifawin(finder_dir: Path) -> tuple[str, str]:
    conn = instance.open_db(finder_dir).conn
    row = exhibitor_named(conn, "Coopérative Tifawin")
    return row["id"], stand_of(conn, row["id"])


def test_finder_role_opens_on_the_attract_screen(client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/finder/")
    page = client.get("/finder/").get_data(as_text=True)
    assert "Trouver un stand" in page and 'href="/finder/search"' in page


def test_search_fragment_as_you_type(client) -> None:
    fragment = client.get("/finder/results?q=cooperativ+tifawn", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment
    names = re.findall(r'class="result-name">([^<]+)<', fragment)
    assert names[0] == "Coopérative Tifawin"
    # without htmx (no JavaScript) the same URL answers the whole search page
    page = client.get("/finder/results?q=tifawin").get_data(as_text=True)
    assert "<html" in page and "Coopérative Tifawin" in page


def test_search_page_in_arabic_is_right_to_left(client) -> None:
    page = client.get("/finder/search?q=عسل&lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "تصفح حسب الصنف" in page
    assert re.search(r"\d+ عارض", page)


def test_browse_by_category_and_province_without_typing(client) -> None:
    search = client.get("/finder/search").get_data(as_text=True)
    assert 'href="/finder/category/honey"' in search and 'href="/finder/province/azilal"' in search
    honey = client.get("/finder/category/honey").get_data(as_text=True)
    assert "Coopérative Tifawin" in honey
    assert client.get("/finder/province/azilal").status_code == 200
    assert client.get("/finder/category/nope").status_code == 404


def test_exhibitor_page_highlights_the_stand_and_draws_the_route(client, finder_dir: Path) -> None:
    exhibitor_id, stand = tifawin(finder_dir)
    page = client.get(f"/finder/exhibitors/{exhibitor_id}").get_data(as_text=True)
    chosen = re.findall(r'class="stand chosen" data-stand="([A-Z0-9]+)"', page)
    assert chosen == [stand]
    assert len(re.findall(r'class="stand dim"', page)) == 303
    assert re.search(r'<polyline class="route" id="route" points="40,99 ', page)
    assert re.search(r'id="route-distance">\d+ m<', page)
    assert re.search(r"environ \d+ minutes? à pied", page)
    assert 'id="you-are-here"' in page
    assert "Autres stands de l'organisation" in page  # Tifawin has a second stand
    assert re.search(r'<div class="qr" id="qr"><svg viewBox="0 0 (\d+) \1"', page)  # CSS sizes it
    assert 'src="/static/js/idle-reset.js"' in page


def test_step_free_route_from_a_phone_link_works_without_script(client, finder_dir: Path) -> None:
    exhibitor_id, stand = tifawin(finder_dir)
    page = client.get(f"/finder/exhibitors/{exhibitor_id}?from=6.5,94,0&phone=1&step_free=1").get_data(
        as_text=True
    )
    assert re.search(r'points="6.5,94 ', page)
    assert 'aria-pressed="true"' in page
    # no kiosk script on the phone (the route works without script; only the plan's zoom is added)
    assert "idle-reset.js" not in page and "finder-keyboard.js" not in page
    assert 'id="keyboard"' not in page and 'id="qr"' not in page
    assert f'class="stand chosen" data-stand="{stand}"' in page


def test_qr_code_link_uses_public_url(finder_app, finder_dir: Path) -> None:
    from kiosk.finder import plan, views

    exhibitor_id, _stand = tifawin(finder_dir)
    with finder_app.test_request_context("/?lang=ar"):
        finder_app.preprocess_request()
        url = views.phone_url(exhibitor_id, plan.Position(40, 99, 0), True)
    assert url == (
        f"http://kiosk-3.salon.lan:8000/finder/exhibitors/{exhibitor_id}"
        "?from=40%2C99%2C0&phone=1&lang=ar&step_free=1"
    )


def test_api_exhibitors_best_first(client) -> None:
    body = client.get("/api/v1/exhibitors?q=coopérative+tifawn&limit=2").get_json()
    results = body["results"]
    assert len(results) == 2
    first = results[0]
    assert first["name_fr"] == "Coopérative Tifawin" and first["name_ar"] == "تعاونية تيفاوين"
    assert first["province"] == "azilal" and "honey" in first["categories"]
    assert re.fullmatch(r"[A-Z]\d\d", first["stand"])
    assert {"id", "name_fr", "name_ar", "stand", "province", "categories"} <= set(first)
    assert client.get("/api/v1/exhibitors?q=miel&limit=abc").status_code == 400
    assert len(client.get("/api/v1/exhibitors?q=miel&limit=500").get_json()["results"]) <= 50
    assert client.get("/api/v1/exhibitors?q=").get_json() == {"results": []}


def test_api_stands(client) -> None:
    stands = client.get("/api/v1/stands").get_json()["stands"]
    assert len(stands) == 304
    assert {s["zone"] for s in stands} == {"sales", "heritage"}
    assert stands[0]["number"] == "A01" and stands[0]["exhibitors"]


def test_openapi_describes_the_finder() -> None:
    document = openapi_document()
    assert "/api/v1/exhibitors" in document["paths"] and "/api/v1/stands" in document["paths"]
    assert "Exhibitor" in document["components"]["schemas"]


def test_counts_for_organizers_are_anonymous_events(client, finder_dir: Path) -> None:
    exhibitor_id, stand = tifawin(finder_dir)
    # as-you-type fragments are read only: the screen posts the search once typing pauses
    client.get("/finder/results?q=cham", headers=HX)
    assert rows(finder_dir, "SELECT count(*) FROM finder_events")[0][0] == 0
    assert client.post("/finder/count", data={"q": "chameau volant"}).status_code == 204
    client.post("/finder/count", data={"q": "Chameau  volant"})
    client.post("/finder/count", data={"q": "mi"})  # too short to count
    client.get("/finder/search?q=miel")  # the form sent without JavaScript counts too
    client.post("/finder/count", data={"q": "0661234567"})  # a number typed by mistake
    client.get("/finder/category/honey")
    client.get("/finder/province/azilal")
    client.get(f"/finder/exhibitors/{exhibitor_id}")
    counts = client.get("/api/v1/finder/stats").get_json()
    assert counts["searches"] == 4 and counts["searches_without_results"] == 3
    assert counts["not_found"] == [{"query": "chameau volant", "count": 2}, {"query": "#", "count": 1}]
    assert {"category_id": "honey", "name_fr": "Miel", "name_ar": "عسل", "count": 2} in counts["categories"]
    assert counts["provinces"] == [{"province_id": "azilal", "count": 1}]
    assert counts["routes"] == [{"stand_number": stand, "count": 1}]
    # append-only events with identity, synced like every other event table
    assert "finder_events" in events.EVENT_TABLES
    stored = rows(finder_dir, "SELECT * FROM finder_events ORDER BY device_seq")
    # 4 searches, "miel" matched a category, 1 category and 1 province browsed, 1 route shown
    assert len(stored) == 8
    seqs = [row["device_seq"] for row in stored]
    assert seqs == list(range(seqs[0], seqs[0] + 8))
    assert {row["device_id"] for row in stored} == {rows(finder_dir, "SELECT id FROM device")[0][0]}
    # only counts: no session, address or agent columns, no query text once something was found
    assert set(stored[0].keys()) == {
        "uuid",
        "device_id",
        "device_seq",
        "device_time",
        "kind",
        "query",
        "results",
        "category_id",
        "province_id",
        "stand_number",
    }
    assert [row["query"] for row in stored if row["kind"] == "search" and row["results"]] == [None]
    page = client.get("/finder/organizer").get_data(as_text=True)
    assert "chameau volant" in page


def test_organizer_counts_need_staff_from_another_host(client, finder_dir: Path) -> None:
    away = {"REMOTE_ADDR": "192.168.1.20"}
    assert client.get("/api/v1/finder/stats", environ_base=away).status_code == 401
    refused = client.post("/finder/count", data={"q": "miel"}, environ_base=away)
    assert refused.status_code == 302 and "/staff/login" in refused.headers["Location"]
    assert rows(finder_dir, "SELECT count(*) FROM finder_events")[0][0] == 0


def test_programme_link_only_when_the_programme_exists(finder_app, client) -> None:
    has_programme = any(rule.rule == "/programme/" for rule in finder_app.url_map.iter_rules())
    page = client.get("/finder/").get_data(as_text=True)
    assert ('id="programme-link" href="/programme/"' in page) == has_programme


def test_idle_reset_forgets_the_language(client) -> None:
    assert 'lang="ar"' in client.get("/finder/search?lang=ar").get_data(as_text=True)
    assert 'lang="ar"' in client.get("/finder/search").get_data(as_text=True)
    response = client.get("/finder/?reset=1")
    assert response.status_code == 302
    assert 'lang="fr"' in client.get("/finder/search").get_data(as_text=True)


def test_idle_seconds_come_from_config(finder_dir: Path) -> None:
    app = create_app(finder_dir, {"TESTING": True, "FINDER_IDLE_SECONDS": 7})
    page = app.test_client().get("/finder/search").get_data(as_text=True)
    assert 'data-idle-seconds="7"' in page
    default = create_app(finder_dir, {"TESTING": True}).test_client().get("/finder/search")
    assert 'data-idle-seconds="60"' in default.get_data(as_text=True)


def test_bad_kiosk_position_falls_back_to_the_gate(finder_dir: Path) -> None:
    app = create_app(finder_dir, {"TESTING": True, "FINDER_POSITION": "near the stage"})
    page = app.test_client().get("/finder/plan").get_data(as_text=True)
    assert re.search(r'<circle cx="40(\.0)?" cy="99(\.0)?" r="1.6"/>', page)


def test_kiosk_position_and_heading_from_config(finder_dir: Path) -> None:
    app = create_app(finder_dir, {"TESTING": True, "FINDER_POSITION": "77.5,51", "FINDER_HEADING": 90})
    page = app.test_client().get("/finder/plan").get_data(as_text=True)
    assert re.search(
        r'id="you-are-here" data-heading="90.0">\s*'
        r'<line x1="77.5" y1="51.0" x2="81.5" y2="51.0"',
        page,
    )
