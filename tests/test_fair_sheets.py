"""The organizer's own spreadsheets: exhibitors and programme as .xlsx (first sheet, header
row), the same FILE:LINE: reason report with the sheet's row, and the organizer's own
categories and provinces made on the fly (``--strict`` refuses them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from kiosk import clock, instance
from kiosk.cli import main
from kiosk.fair import store
from kiosk.finder import directory, queries
from kiosk.sessions import programme
from tests.fair_helpers import organizer_client, write_fair
from tests.helpers import rows


@pytest.fixture(autouse=True)
def restore_zone() -> Iterator[None]:
    yield
    clock.use_zone(clock.DEFAULT_ZONE)


@pytest.fixture
def second_central(tmp_path: Path) -> Path:
    """A central holding the second fair (no exhibitors, no programme yet)."""
    folder = tmp_path / "central"
    database = instance.create(folder, ["central"])
    store.apply_fair(database, store.load(write_fair(tmp_path / "files")))
    database.conn.close()
    return folder


def workbook(path: Path, header: list[str], lines: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Exposants"
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    book.create_sheet("Notes").append(["ignored: only the first sheet is read"])
    book.save(path)
    return path


EXHIBITORS = [
    # sheet row 2: a known and a new category, a known province
    ["H01", "Coopérative Nour", "تعاونية نور", "cooperative", "Nour", "Diaspora", "Céramique;Bijoux"],
    # row 3: a category and a province nobody declared (the category named in Arabic only)
    ["C01", "Atelier Tazart", "", "artisan", "", "Souss", "عطور"],
    # row 4: a stand the plan does not have
    ["Z9", "Stand perdu", "", "artisan", "", "tadla", "spices"],
    # row 5: blank, skipped; row 6: a phone typed as a number
    [],
    ["F01", "Épices Tadla", "", "other", "", "tadla", "Épices", "", "", "", "", "", 522001122],
]


def exhibitors_xlsx(path: Path) -> Path:
    return workbook(path, directory.COLUMNS, EXHIBITORS)


def test_an_exhibitors_workbook_with_new_categories_loads(second_central: Path, tmp_path: Path) -> None:
    file = exhibitors_xlsx(tmp_path / "exposants.xlsx")
    database = instance.open_db(second_central)
    report = directory.import_csv(database, file)
    assert report.loaded == 3
    assert report.errors == [(4, "unknown stand 'Z9'")]
    # Each new name says the one language it is known in and the names still to give.
    assert (
        "category 'Bijoux' (bijoux): named in French only, give its Arabic and English names"
        in report.created
    )
    assert (
        "province 'Souss' (souss): named in French only, give its Arabic and English names" in report.created
    )
    arabic = [made for made in report.created if "'عطور'" in made]
    assert len(arabic) == 1 and len(report.created) == 3
    assert arabic[0].endswith("named in Arabic only, give its French and English names")
    assert sorted(report.new_rows) == sorted(
        [
            ("categories", "bijoux"),
            ("provinces", "souss"),
            ("categories", arabic[0].split("(")[1].split(")")[0]),
        ]
    )
    categories = {row[0]: row[1] for row in rows(second_central, "SELECT id, name_fr FROM categories")}
    assert categories["bijoux"] == "Bijoux" and "ceramics" in categories and len(categories) == 4
    found = queries.find(database.conn, "bijoux", limit=5)
    assert [row["name_fr"] for row in found] == ["Coopérative Nour"]
    assert {c["id"] for c in found[0]["categories"]} == {"ceramics", "bijoux"}
    assert (
        rows(second_central, "SELECT phone FROM exhibitors WHERE name_fr = 'Épices Tadla'")[0][0]
        == "522001122"
    )
    database.conn.close()


def test_the_cli_reports_sheet_rows_and_strict_refuses_new_names(
    second_central: Path, tmp_path: Path
) -> None:
    file = exhibitors_xlsx(tmp_path / "exposants.xlsx")
    runner = CliRunner()
    strict = runner.invoke(main, ["exhibitors", "import", str(second_central), str(file), "--strict"])
    assert strict.exit_code == 1
    assert f"{file}:2: unknown category 'Bijoux'" in strict.stderr
    assert f"{file}:3: unknown province 'Souss'" in strict.stderr
    assert f"{file}:4: unknown stand 'Z9'" in strict.stderr
    assert "Loaded 1 exhibitors" in strict.stdout
    assert rows(second_central, "SELECT count(*) FROM categories")[0][0] == 2
    lenient = runner.invoke(main, ["exhibitors", "import", str(second_central), str(file)])
    assert "Created category 'Bijoux' (bijoux)" in lenient.stdout
    assert f"{file}:4: unknown stand 'Z9'" in lenient.stderr


def test_bad_spreadsheets_are_refused_and_change_nothing(second_central: Path, tmp_path: Path) -> None:
    database = instance.open_db(second_central)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("stand,name_fr\nH01,Nour\n", encoding="utf-8")
    with pytest.raises(directory.DirectoryError, match="not an Excel workbook"):
        directory.import_csv(database, fake)
    headless = workbook(tmp_path / "headless.xlsx", ["stand", "nom"], [["H01", "Nour"]])
    with pytest.raises(directory.DirectoryError, match="header lacks column"):
        directory.import_csv(database, headless)
    with pytest.raises(programme.SessionError, match="missing columns"):
        programme.import_csv(database, headless)
    assert rows(second_central, "SELECT count(*) FROM exhibitors")[0][0] == 0
    assert rows(second_central, "SELECT count(*) FROM sessions")[0][0] == 0
    database.conn.close()


def test_a_programme_workbook_with_real_dates_loads_on_the_fair_clock(
    second_central: Path, tmp_path: Path
) -> None:
    header = list(programme.CSV_COLUMNS)
    file = workbook(
        tmp_path / "programme.xlsx",
        header,
        [
            ["", "Forum des coopératives", "", "", "A. Speaker", "forum", datetime(2027, 3, 8, 10),
             datetime(2027, 3, 8, 11, 30), 80, "conference", "non"],
            ["", "Atelier sans salle", "", "", "", "attic", datetime(2027, 3, 8, 14),
             datetime(2027, 3, 8, 15), 20, "workshop", "oui"],
        ],
    )  # fmt: skip
    database = instance.open_db(second_central)
    report = programme.import_csv(database, file)
    assert report.loaded == 1
    assert report.refused == [(3, "unknown zone 'attic' (zones: crafts, food, forum, hall, terrace)")]
    starts = rows(second_central, "SELECT starts_at FROM sessions")[0][0]
    assert starts == "2027-03-08T10:00:00.000+03:00"  # Istanbul, the fair's zone
    database.conn.close()


def test_the_setup_screen_asks_for_the_new_names_and_takes_them(second_central: Path, tmp_path: Path) -> None:
    """After an upload that made categories, the setup screen shows their forms to name
    them in Arabic and English; a saved name is the category's from then on."""
    client = organizer_client(second_central)
    file = exhibitors_xlsx(tmp_path / "exposants.xlsx")
    with file.open("rb") as stream:
        answer = client.post("/setup/sheet/exhibitors", data={"file": (stream, "exposants.xlsx")})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'class="to-name"' in page
    assert 'id="categories-bijoux"' in page and 'id="provinces-souss"' in page
    assert 'id="categories-ceramics"' not in page  # a known category is not asked again
    saved = client.post(
        "/setup/categories/bijoux",
        data={"name_fr": "Bijoux", "name_ar": "حلي", "name_en": "Jewellery", "synonyms": ""},
    )
    assert saved.status_code == 200 and "errors" not in saved.get_data(as_text=True)
    names = rows(second_central, "SELECT name_fr, name_ar, name_en FROM categories WHERE id = 'bijoux'")
    assert [tuple(row) for row in names] == [("Bijoux", "حلي", "Jewellery")]
