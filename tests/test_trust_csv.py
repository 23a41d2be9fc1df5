"""Every CSV the project writes neutralises spreadsheet formulas (issue 11), and an
exported file imported again gives back the same text. Exhibitors and programme here;
the dashboard's attendance/devices and the roster are in test_trust_web.py and
test_sessions_api.py."""

from __future__ import annotations

import csv
from pathlib import Path

from helpers import rows

from kiosk import db as dbmod
from kiosk import instance
from kiosk.finder import directory
from kiosk.sessions import programme
from kiosk.spreadsheet import FORMULA_STARTS

HOSTILE = '=HYPERLINK("http://evil.example","stand")'


def cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [cell for row in csv.reader(stream) for cell in row]


def test_exhibitor_export_neutralises_formulas_and_imports_back(central_dir: Path, tmp_path: Path) -> None:
    database = instance.open_db(central_dir)
    exhibitor = rows(central_dir, "SELECT id FROM exhibitors ORDER BY id LIMIT 1")[0]["id"]
    with dbmod.write(database) as conn:
        conn.execute(
            "UPDATE exhibitors SET name_fr = ?, products_fr = ?, phone = ? WHERE id = ?",
            (HOSTILE, "@SUM(A1)", "+212 522 000 000", exhibitor),
        )
    exported = tmp_path / "exhibitors.csv"
    directory.export_csv(database, exported)
    assert not [cell for cell in cells(exported) if cell.startswith(FORMULA_STARTS)]
    assert "'" + HOSTILE in cells(exported) and "'+212 522 000 000" in cells(exported)
    report = directory.import_csv(database, exported, replace=True)
    assert not report.errors, report.errors
    back = rows(
        central_dir, "SELECT name_fr, products_fr, phone FROM exhibitors WHERE name_fr = ?", (HOSTILE,)
    )
    assert [tuple(r) for r in back] == [(HOSTILE, "@SUM(A1)", "+212 522 000 000")]


def test_programme_export_neutralises_formulas_and_imports_back(central_dir: Path, tmp_path: Path) -> None:
    database = instance.open_db(central_dir)
    session = rows(central_dir, "SELECT id FROM sessions ORDER BY id LIMIT 1")[0]["id"]
    with dbmod.write(database) as conn:
        conn.execute("UPDATE sessions SET title_fr = ?, speaker = ? WHERE id = ?", (HOSTILE, "-2+3", session))
    exported = tmp_path / "programme.csv"
    programme.export_csv(database, exported)
    assert not [cell for cell in cells(exported) if cell.startswith(FORMULA_STARTS)]
    report = programme.import_csv(database, exported)
    assert not report.refused, report.refused
    back = rows(central_dir, "SELECT title_fr, speaker FROM sessions WHERE id = ?", (session,))
    assert tuple(back[0]) == (HOSTILE, "-2+3")
