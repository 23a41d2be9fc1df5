"""What a finder kiosk prepares before serving (issue 16 point 4): the first visitor's
search finds the vocabulary folded and the templates compiled; the plan is drawn once per
plan version, and what changes on the plan or in the directory shows on the next view."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import serving
from finder_helpers import exhibitor_named, make_finder_kiosk, stand_of
from flask import template_rendered

from kiosk import create_app, instance
from kiosk import db as dbmod
from kiosk.finder import search, views
from kiosk.serve import warm


@pytest.fixture
def finder_dir(central_dir: Path, tmp_path: Path) -> Path:
    return make_finder_kiosk(central_dir, tmp_path, {})


def test_serving_starts_with_the_search_ready(finder_dir: Path) -> None:
    app = create_app(finder_dir, {"TESTING": True})
    search._cache.clear()
    warm(app)
    assert search._cache  # the vocabulary, folded once
    compiled = {key[1] for key in app.jinja_env.cache or ()}
    assert {"finder/_results.html", "finder/exhibitor.html"} <= compiled
    assert app.test_client().get("/finder/results?q=miel", headers={"HX-Request": "true"}).status_code == 200


def test_every_exhibitor_page_is_drawn_before_serving_and_drawn_again_after_a_change(
    central_dir: Path, tmp_path: Path
) -> None:
    """The warm-up draws each exhibitor's plan, route, facts and QR code as this kiosk's screen
    first shows them: a first view only puts the page together. A change to the directory or
    the plan, written by another process, is drawn on the next view."""
    finder_dir = make_finder_kiosk(central_dir, tmp_path, {"PUBLIC_URL": "http://kiosk-3.salon.lan:8000"})
    app = create_app(finder_dir, {"TESTING": True})
    warm(app)
    database = instance.open_db(finder_dir)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    stand = stand_of(database.conn, exhibitor)
    count = database.conn.execute("SELECT count(*) FROM exhibitors").fetchone()[0]
    client = app.test_client()
    drawn: list[str] = []

    def view(path: str = f"/finder/exhibitors/{exhibitor}") -> str:
        drawn.clear()
        page = client.get(path).get_data(as_text=True)
        return page

    def record(_app: object, template: Any, context: object, **_extra: object) -> None:
        drawn.append(template.name)

    with template_rendered.connected_to(record, app):
        first = view()
        assert drawn == ["finder/exhibitor.html"]  # plan and facts drawn at warm-up
        assert count > 300 and len(views._qrs._kept) >= count
        qr = re.search(r'<div class="qr" id="qr">(<svg.*?</svg>\s*)</div>', first, re.S)
        assert qr is not None and qr.group(1) in {str(kept) for kept in views._qrs._kept.values()}
        with dbmod.write(database) as conn:  # the directory changes in another process
            conn.execute(
                "UPDATE exhibitors SET name_fr = 'Coopérative des essais' WHERE id = ?", (exhibitor,)
            )
        page = view()
        assert '<h1 class="exhibitor-name">Coopérative des essais</h1>' in page
        assert "finder/_exhibitor_facts.html" in drawn and "finder/_plan.svg" in drawn
        view()
        assert drawn == ["finder/exhibitor.html"]
        with dbmod.write(database) as conn:  # the plan changes
            conn.execute("UPDATE stands SET x = x + 0.5 WHERE number = ?", (stand,))
        assert chosen(view())[0][0] == stand and "finder/_plan.svg" in drawn
        view(f"/finder/exhibitors/{exhibitor}?from=5,5,0")  # another place: drawn then
        assert "finder/_plan.svg" in drawn and "finder/_exhibitor_facts.html" in drawn


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.read().decode()


def chosen(page: str) -> list[tuple[str, str]]:
    """(stand, its x) of each stand the page's plan highlights."""
    return re.findall(r'<rect class="stand chosen" data-stand="(\w+)" x="([\d.]+)"', page)


def test_an_exhibitor_page_follows_the_plan_and_the_directory(finder_dir: Path) -> None:
    """The plan is drawn once per plan version and language, then served again as drawn (the
    exhibitor pages of a kiosk share it), and the directory's parts of a page likewise: any
    change to the stands, zones, gates, site plan, the exhibitor's stands, name or province
    shows on the next view, written by another process (sync, import)."""
    database = instance.open_db(finder_dir)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    stand = stand_of(database.conn, exhibitor)
    zone, x = database.conn.execute("SELECT zone_id, x FROM stands WHERE number = ?", (stand,)).fetchone()
    with serving(finder_dir) as (base, _process):
        url = f"{base}/finder/exhibitors/{exhibitor}"
        first = get(url)
        assert chosen(first) == [(stand, str(x))]
        assert get(url) == first
        with dbmod.write(database) as conn:
            conn.execute("UPDATE zones SET name_fr = 'Pavillon des essais' WHERE id = ?", (zone,))
        assert ">Pavillon des essais</tspan>" in get(url)
        assert ">Pavillon des essais</tspan>" in get(f"{base}/finder/plan")
        with dbmod.write(database) as conn:  # a stand redrawn, the plan's document the same
            conn.execute("UPDATE stands SET x = x + 0.5 WHERE number = ?", (stand,))
        assert chosen(get(url)) == [(stand, str(x + 0.5))]
        with dbmod.write(database) as conn:  # a facility moved: a new plan version
            conn.execute(
                "UPDATE site_plan SET document = json_set(document, '$.facilities[0].x', 0.25),"
                " digest = digest || '-moved'"
            )
        assert 'transform="translate(0.25 ' in get(url)
        other = database.conn.execute(
            "SELECT number FROM stands WHERE number != ? ORDER BY number LIMIT 1", (stand,)
        ).fetchone()[0]
        with dbmod.write(database) as conn:  # the exhibitor moves to another stand
            conn.execute(
                "UPDATE exhibitor_stands SET stand_number = ? WHERE exhibitor_id = ? AND stand_number = ?",
                (other, exhibitor, stand),
            )
        assert [number for number, _x in chosen(get(url))] == [other]
        with dbmod.write(database) as conn:  # the directory: a name, a province
            conn.execute(
                "UPDATE exhibitors SET name_fr = 'Coopérative des essais' WHERE id = ?", (exhibitor,)
            )
            conn.execute(
                "UPDATE provinces SET name_fr = 'Province des essais'"
                " WHERE id = (SELECT province_id FROM exhibitors WHERE id = ?)",
                (exhibitor,),
            )
        page = get(url)
        assert "<title>Coopérative des essais</title>" in page
        assert '<h1 class="exhibitor-name">Coopérative des essais</h1>' in page
        assert "<dd>Province des essais</dd>" in page


def names(fragment: str) -> list[str]:
    return re.findall(r'class="result-name">([^<]+)<', fragment)


def test_a_search_fragment_follows_the_directory_and_the_language(finder_dir: Path) -> None:
    """Fragments typed before are served as made, per language, until the directory changes
    in another process (sync, import); each search is still counted when typing pauses."""
    database = instance.open_db(finder_dir)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    hx = {"HX-Request": "true"}
    with serving(finder_dir) as (base, _process):

        def fragment(query: str) -> str:
            request = urllib.request.Request(f"{base}/finder/results?{query}", headers=hx)
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.read().decode()

        first = fragment("q=tifawin")
        assert names(first)[0] == "Coopérative Tifawin"
        assert fragment("q=tifawin") == first
        assert names(fragment("q=tifawin&lang=ar"))[0] == "تعاونية تيفاوين"
        assert names(fragment("q=tifawin&lang=fr"))[0] == "Coopérative Tifawin"
        with dbmod.write(database) as conn:
            conn.execute(
                "UPDATE exhibitors SET name_fr = 'Coopérative Tifawin des essais' WHERE id = ?", (exhibitor,)
            )
        renamed = names(fragment("q=tifawin"))
        assert "Coopérative Tifawin des essais" in renamed and "Coopérative Tifawin" not in renamed
    client = create_app(finder_dir, {"TESTING": True}).test_client()
    for _ in range(2):
        client.get("/finder/results?q=tifawin", headers=hx)
        assert client.post("/finder/count", data={"q": "tifawin"}).status_code == 204
    counted = database.conn.execute("SELECT count(*) FROM finder_events WHERE kind = 'search'").fetchone()[0]
    assert counted == 2


def test_a_restart_reads_the_qr_codes_drawn_before_and_keeps_only_those_asked_for(
    central_dir: Path, tmp_path: Path
) -> None:
    """The warm-up keeps the QR codes it drew in the database: the next start serves them as
    kept (here a stored code marked by hand shows on the page) and draws only links it has
    not drawn before; links no longer asked for (another PUBLIC_URL) are dropped."""
    finder_dir = make_finder_kiosk(central_dir, tmp_path, {"PUBLIC_URL": "http://kiosk-3.salon.lan:8000"})
    warm(create_app(finder_dir, {"TESTING": True}))
    database = instance.open_db(finder_dir)
    count = database.conn.execute("SELECT count(*) FROM exhibitors").fetchone()[0]
    urls = [row[0] for row in database.conn.execute("SELECT url FROM finder_qr_codes")]
    assert len(urls) == count and all(url.startswith("http://kiosk-3.salon.lan:8000/finder/") for url in urls)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    with dbmod.write(database) as conn:
        conn.execute(
            'UPDATE finder_qr_codes SET svg = \'<svg viewBox="0 0 1 1" id="kept-code"></svg>\''
            " WHERE url LIKE ?",
            (f"%/finder/exhibitors/{exhibitor}?%",),
        )
    with serving(finder_dir) as (base, _process):
        assert 'id="kept-code"' in get(f"{base}/finder/exhibitors/{exhibitor}")
    with serving(finder_dir, {"KIOSK_PUBLIC_URL": "http://kiosk-4.salon.lan"}) as (base, _process):
        page = get(f"{base}/finder/exhibitors/{exhibitor}")
        assert 'id="kept-code"' not in page and '<div class="qr" id="qr"><svg viewBox="0 0 ' in page
    urls = [row[0] for row in database.conn.execute("SELECT url FROM finder_qr_codes")]
    assert len(urls) == count and all(url.startswith("http://kiosk-4.salon.lan/finder/") for url in urls)
