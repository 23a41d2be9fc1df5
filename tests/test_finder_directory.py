"""The exhibitor directory: CSV import with bad rows, export round trip, CLI, bundles."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from finder_helpers import make_finder_kiosk
from helpers import rows

from kiosk import instance
from kiosk.cli import main
from kiosk.finder import directory, queries
from kiosk.reference import REFERENCE_TABLES

HEADER = ",".join(directory.COLUMNS)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = [
    "A01,Coopérative Amlou Tadla,تعاونية أملو تادلة,cooperative,Coopérative Amlou Tadla,Béni Mellal,"
    '"argan;Fruits secs",Amlou,أملو,Amlou et amandes,أملو ولوز,Amlou and almonds,05 23 00 11 22',
    "A02;P03,Atelier Bois Tazarine,ورشة خشب تازارين,artisan,,khenifra,wood-basketry,Cèdre,أرز,,,,",
]
BAD = [
    ("Z99,Stand inconnu,,cooperative,Org,azilal,honey,,,,,,", "unknown stand 'Z99'"),
    (",Sans stand,,cooperative,Org,azilal,honey,,,,,,", "stand is empty"),
    ("A03,,,cooperative,Org,azilal,honey,,,,,,", "name_fr is empty"),
    ("A04,Mauvais type,,company,Org,azilal,honey,,,,,,", "kind 'company' is not one of"),
    ("A05,Province inconnue,,association,Org,Marrakech,honey,,,,,,", "unknown province 'Marrakech'"),
    ("A06,Catégorie inconnue,,association,Org,azilal,honey;bijoux,,,,,,", "unknown category 'bijoux'"),
    ("A07,Mauvais téléphone,,association,Org,azilal,honey,,,,,,call me", "phone 'call me'"),
    ("A08,Trop de champs,,association,Org,azilal,honey,,,,,,,extra", "more than 13 fields"),
    ("A09,Pas assez,,association", "fewer than 13 fields"),
    (
        "A10,Coopérative Amlou Tadla,,cooperative,Coopérative Amlou Tadla,Béni Mellal,argan,,,,,,",
        "same organisation and name_fr as line 2",
    ),
]


def test_import_reports_every_bad_row_and_loads_the_good_ones(central_dir: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "dir.csv", [HEADER, *GOOD, *(line for line, _r in BAD)])
    database = instance.open_db(central_dir)
    report = directory.import_csv(database, file, strict=True)  # no new province or category
    assert report.loaded == 2
    assert [line for line, _r in report.errors] == list(range(4, 4 + len(BAD)))
    for (line, reason), (_text, expected) in zip(report.errors, BAD, strict=True):
        assert expected in reason, (line, reason)
    amlou = queries.find(database.conn, "amlou tadla", limit=1)[0]
    assert amlou["name_ar"] == "تعاونية أملو تادلة"
    assert amlou["province_id"] == "beni-mellal"
    assert [c["id"] for c in amlou["categories"]] == ["argan", "dried-fruit"]
    bois = queries.find(database.conn, "Bois Tazarine", limit=1)[0]
    assert [s["number"] for s in bois["stands"]] == ["A02", "P03"]
    assert bois["organisation"] is None
    # 320 demo exhibitors are kept (no --replace), the two new ones added
    assert database.conn.execute("SELECT count(*) FROM exhibitors").fetchone()[0] == 322


def test_import_twice_updates_instead_of_duplicating(central_dir: Path, tmp_path: Path) -> None:
    database = instance.open_db(central_dir)
    file = write(tmp_path / "dir.csv", [HEADER, *GOOD])
    directory.import_csv(database, file)
    write(file, [HEADER, GOOD[0].replace("Amlou et amandes", "Amlou du Tadla")])
    assert directory.import_csv(database, file).loaded == 1
    found = database.conn.execute(
        "SELECT description_fr FROM exhibitors WHERE name_fr = 'Coopérative Amlou Tadla'"
    ).fetchall()
    assert [row[0] for row in found] == ["Amlou du Tadla"]


def test_replace_keeps_only_the_file(central_dir: Path, tmp_path: Path) -> None:
    database = instance.open_db(central_dir)
    report = directory.import_csv(database, write(tmp_path / "d.csv", [HEADER, *GOOD]), replace=True)
    assert report.loaded == 2
    assert database.conn.execute("SELECT count(*) FROM exhibitors").fetchone()[0] == 2
    assert database.conn.execute("SELECT count(*) FROM organisations").fetchone()[0] == 1
    assert queries.find(database.conn, "Tifawin") == []


def test_replace_with_no_good_row_leaves_the_directory(central_dir: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "bad.csv", [HEADER, BAD[0][0]])
    result = CliRunner().invoke(main, ["exhibitors", "import", str(central_dir), str(file), "--replace"])
    assert result.exit_code != 0
    assert "no good row" in result.output
    assert rows(central_dir, "SELECT count(*) FROM exhibitors")[0][0] == 320


def test_header_must_hold_every_column(central_dir: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "h.csv", ["stand,name_fr", "A01,X"])
    with pytest.raises(directory.DirectoryError, match="header lacks column"):
        directory.import_csv(instance.open_db(central_dir), file)
    result = CliRunner().invoke(main, ["exhibitors", "import", str(central_dir), str(file)])
    assert result.exit_code != 0 and "header lacks column" in result.output


def test_not_utf8_is_refused(central_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "latin1.csv"
    file.write_bytes((HEADER + "\nA01,Coopérative,,cooperative,,azilal,,,,,,,\n").encode("latin-1"))
    with pytest.raises(directory.DirectoryError, match="not UTF-8"):
        directory.import_csv(instance.open_db(central_dir), file)


def test_export_then_import_round_trips(central_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(main, ["exhibitors", "export", str(central_dir), str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 320 exhibitors" in result.output
    with out.open(encoding="utf-8", newline="") as stream:
        exported = list(csv.DictReader(stream))
    assert list(exported[0]) == directory.COLUMNS + directory.OPTIONAL_COLUMNS
    assert len(exported) == 320
    assert any(";" in row["stand"] or ";" in row["categories"] for row in exported)
    before = directory.export_rows(instance.open_db(central_dir).conn)
    result = CliRunner().invoke(main, ["exhibitors", "import", str(central_dir), str(out), "--replace"])
    assert result.exit_code == 0, result.output
    assert "Loaded 320 exhibitors" in result.output
    assert directory.export_rows(instance.open_db(central_dir).conn) == before


def test_cli_import_reports_lines_and_fails(central_dir: Path, tmp_path: Path) -> None:
    file = write(tmp_path / "dir.csv", [HEADER, *GOOD, BAD[0][0]])
    result = CliRunner().invoke(main, ["exhibitors", "import", str(central_dir), str(file)])
    assert result.exit_code == 1
    assert f"{file}:4: unknown stand 'Z99'" in result.output
    assert "Loaded 2 exhibitors" in result.output


def test_directory_travels_in_the_bundle(central_dir: Path, tmp_path: Path) -> None:
    for table in (
        "provinces",
        "categories",
        "organisations",
        "stands",
        "exhibitors",
        "exhibitor_categories",
        "exhibitor_stands",
    ):
        assert table in REFERENCE_TABLES
    kiosk = make_finder_kiosk(central_dir, tmp_path)
    for table in ("exhibitors", "stands", "exhibitor_stands", "exhibitor_categories", "organisations"):
        assert (
            rows(kiosk, f"SELECT count(*) FROM {table}")[0][0]
            == rows(central_dir, f"SELECT count(*) FROM {table}")[0][0]
        ), table
    database = instance.open_db(kiosk)
    assert queries.find(database.conn, "Coopérative Tifawin")[0]["name_fr"] == "Coopérative Tifawin"


def test_demo_directory_shape(central_dir: Path) -> None:
    assert rows(central_dir, "SELECT count(*) FROM exhibitors")[0][0] == 320
    assert rows(central_dir, "SELECT count(*) FROM organisations")[0][0] == 170
    assert {r[0] for r in rows(central_dir, "SELECT DISTINCT province_id FROM exhibitors")} == {
        "beni-mellal",
        "azilal",
        "fquih-ben-salah",
        "khenifra",
        "khouribga",
    }
    shared = rows(central_dir, "SELECT stand_number FROM exhibitor_stands GROUP BY 1 HAVING count(*) > 1")
    several = rows(central_dir, "SELECT organisation_id FROM exhibitors GROUP BY 1 HAVING count(*) > 1")
    assert shared and several
    tifawin = rows(
        central_dir,
        "SELECT e.province_id FROM exhibitors e JOIN exhibitor_categories c"
        " ON c.exhibitor_id = e.id WHERE e.name_fr = 'Coopérative Tifawin'"
        " AND c.category_id = 'honey'",
    )
    assert [r[0] for r in tifawin] == ["azilal"]


def test_kiosks_do_not_import_the_directory(central_dir: Path, tmp_path: Path) -> None:
    kiosk = make_finder_kiosk(central_dir, tmp_path)
    file = write(tmp_path / "dir.csv", [HEADER, *GOOD])
    result = CliRunner().invoke(main, ["exhibitors", "import", str(kiosk), str(file)])
    assert result.exit_code != 0 and "edited on central" in result.output
    assert rows(kiosk, "SELECT count(*) FROM exhibitors")[0][0] == 320
