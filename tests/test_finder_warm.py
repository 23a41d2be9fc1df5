"""What a finder kiosk prepares before serving (issue 16 point 4): the first visitor's
search finds the vocabulary folded and the templates compiled; an exhibitor page seen
before is served from what the kiosk drew, and a new plan version draws it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from finder_helpers import exhibitor_named, make_finder_kiosk

from kiosk import create_app, instance
from kiosk import db as dbmod
from kiosk.finder import search
from kiosk.finder import views as finder_views
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


def test_an_exhibitor_page_is_drawn_once_per_plan_version(finder_dir: Path) -> None:
    app = create_app(finder_dir, {"TESTING": True})
    client = app.test_client()
    database = instance.open_db(finder_dir)
    exhibitor = exhibitor_named(database.conn, "Coopérative Tifawin")["id"]
    finder_views._plans.clear()
    first = client.get(f"/finder/exhibitors/{exhibitor}").get_data(as_text=True)
    assert len(finder_views._plans) == 1
    assert client.get(f"/finder/exhibitors/{exhibitor}").get_data(as_text=True) == first
    assert len(finder_views._plans) == 1
    drawn_from = next(iter(finder_views._plans.values()))[0]
    with dbmod.write(database) as conn:  # a new plan version (sync or `kiosk plan import`)
        conn.execute("UPDATE site_plan SET digest = digest || 'x'")
    assert client.get(f"/finder/exhibitors/{exhibitor}").get_data(as_text=True) == first  # same drawing
    assert next(iter(finder_views._plans.values()))[0] is not drawn_from  # made from the new version
