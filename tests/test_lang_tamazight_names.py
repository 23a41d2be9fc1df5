"""An exhibitor's name in Tamazight (optional directory column ``name_zgh``, in Tifinagh):
loaded, exported back, found by a search typed in Tifinagh, and shown on Tamazight screens
(issue 14 point 12)."""

from __future__ import annotations

import csv
from pathlib import Path

from finder_helpers import TIFAWIN, make_finder_kiosk, with_tamazight_name

from kiosk import create_app, instance
from kiosk.finder import directory, queries


def test_a_tifinagh_name_is_loaded_exported_and_searched(central_dir: Path, tmp_path: Path) -> None:
    exhibitor_id = with_tamazight_name(central_dir)
    database = instance.open_db(central_dir)
    found = queries.find(database.conn, "ⵜⵉⴼⴰⵡⵉⵏ", limit=5)
    assert found and found[0]["id"] == exhibitor_id and found[0]["name_zgh"] == TIFAWIN
    assert queries.find(database.conn, "ⵜⵉⴼⴰⵡ", limit=5)[0]["id"] == exhibitor_id  # as typed so far
    exported = tmp_path / "directory.csv"
    directory.export_csv(database, exported)
    with exported.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["name_zgh"] for r in rows if r["stand"] == "D16"] == [TIFAWIN]
    assert directory.import_csv(database, exported).errors == []  # the export loads back
    database.conn.close()


def test_tamazight_screens_show_the_tifinagh_name(central_dir: Path, tmp_path: Path) -> None:
    exhibitor_id = with_tamazight_name(central_dir)
    client = create_app(make_finder_kiosk(central_dir, tmp_path), {"TESTING": True}).test_client()
    page = client.get(f"/finder/exhibitors/{exhibitor_id}?lang=zgh").get_data(as_text=True)
    assert f'<h1 class="exhibitor-name">{TIFAWIN}</h1>' in page
    french = client.get(f"/finder/exhibitors/{exhibitor_id}?lang=fr").get_data(as_text=True)
    assert '<h1 class="exhibitor-name">Coopérative Tifawin</h1>' in french
    results = client.get("/finder/results?q=ⵜⵉⴼⴰⵡⵉⵏ&lang=zgh").get_data(as_text=True)
    assert TIFAWIN in results
