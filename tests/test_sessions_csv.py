"""Programme CSV import and export through the real CLI."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from helpers import rows

from kiosk.cli import main
from kiosk.sessions import programme

HEADER = "id,title_fr,title_ar,title_en,speaker,zone,starts_at,ends_at,capacity,kind,registration_required\n"
GOOD = (
    "{id},Atelier {n},ورشة {n},Workshop {n},Formateur,workshop,2026-06-16T11:00,2026-06-16T13:00,"
    "20,workshop,oui\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "programme.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_are_reported_by_line_and_good_ones_loaded(central_dir: Path, tmp_path: Path) -> None:
    before = len(rows(central_dir, "SELECT id FROM sessions"))
    text = (
        "\ufeff"
        + HEADER
        + GOOD.format(id="", n=1)
        + ",,x,y,z,workshop,2026-06-16T11:00,2026-06-16T13:00,20,workshop,yes\n"  # line 3: no title
        + ",T,,,,garden,2026-06-16T11:00,2026-06-16T13:00,20,workshop,yes\n"  # line 4: zone
        + ",T,,,,workshop,16/06/2026 11h,2026-06-16T13:00,20,workshop,yes\n"  # line 5: time
        + ",T,,,,workshop,2026-06-16T13:00,2026-06-16T11:00,20,workshop,yes\n"  # line 6: order
        + ",T,,,,workshop,2026-06-16T11:00,2026-06-16T13:00,vingt,workshop,yes\n"  # line 7: capacity
        + ",T,,,,workshop,2026-06-16T11:00,2026-06-16T13:00,20,party,yes\n"  # line 8: kind
        + ",T,,,,workshop,2026-06-16T11:00,2026-06-16T13:00,20,workshop,maybe\n"  # line 9
        + "not-a-uuid,T,,,,workshop,2026-06-16T11:00,2026-06-16T13:00,20,workshop,no\n"  # line 10
        + ",T,,,,workshop,2026-06-16T11:00,2026-06-16T13:00,20,workshop,no,extra\n"  # line 11
        + ',"Conférence, débat",,,,conference,2026-06-16T15:00+01:00,2026-06-16T16:30+01:00,'
        + "150,conference,\n"
    )
    result = CliRunner().invoke(main, ["sessions", "import", str(central_dir), str(write(tmp_path, text))])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "programme.csv:" in line]
    assert [line.split(":")[1] for line in lines] == [str(n) for n in range(3, 12)]
    for line, word in zip(
        lines,
        [
            "title_fr",
            "zone",
            "starts_at",
            "not after",
            "capacity",
            "kind",
            "registration_required",
            "UUID",
            "more fields",
        ],
        strict=True,
    ):
        assert word in line
    assert "9 rows refused" in result.stderr
    assert "Loaded 2 sessions" in result.stdout
    loaded = rows(
        central_dir,
        "SELECT * FROM sessions WHERE title_fr IN ('Atelier 1', 'Conférence, débat') ORDER BY starts_at",
    )
    assert len(loaded) == 2 and len(rows(central_dir, "SELECT id FROM sessions")) == before + 2
    workshop, conference = loaded
    assert workshop["starts_at"] == "2026-06-16T11:00:00.000+01:00" and workshop["registration_required"] == 1
    assert conference["title_en"] == "Conférence, débat"  # empty titles fall back to French
    assert conference["registration_required"] == 0


def test_export_then_import_round_trips_and_updates_by_id(central_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "export.csv"
    result = runner.invoke(main, ["sessions", "export", str(central_dir), str(out)])
    assert result.exit_code == 0 and "Wrote 48 sessions" in result.stdout
    with out.open(encoding="utf-8") as stream:
        exported = list(csv.DictReader(stream))
    assert len(exported) == 48 and exported[0]["zone"] == "conference"
    exported[0]["capacity"] = "7"
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=programme.CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(exported)
    result = runner.invoke(main, ["sessions", "import", str(central_dir), str(out)])
    assert result.exit_code == 0, result.output
    assert len(rows(central_dir, "SELECT id FROM sessions")) == 48
    assert rows(central_dir, "SELECT capacity FROM sessions WHERE id = ?", (exported[0]["id"],))[0][0] == 7


def test_duplicate_ids_and_missing_columns(central_dir: Path, tmp_path: Path) -> None:
    same = "0b7a3e00-0000-4000-8000-000000000001"
    text = HEADER + GOOD.format(id=same, n=1) + GOOD.format(id=same, n=2)
    result = CliRunner().invoke(main, ["sessions", "import", str(central_dir), str(write(tmp_path, text))])
    assert result.exit_code == 1 and ":3: id" in result.stderr and "twice" in result.stderr
    result = CliRunner().invoke(
        main, ["sessions", "import", str(central_dir), str(write(tmp_path, "title_fr,zone\nA,workshop\n"))]
    )
    assert result.exit_code == 1 and "missing columns" in result.stderr


def test_kiosks_take_the_programme_from_central(kiosk_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    imported = runner.invoke(
        main, ["sessions", "import", str(kiosk_dir), str(write(tmp_path, HEADER + GOOD.format(id="", n=1)))]
    )
    assert imported.exit_code == 1 and "central" in imported.stderr
