"""Start-up refusals: a bad config.toml or database stops `kiosk serve` in one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_settings import add_line, assert_one_line_refusal, serve

from kiosk import instance
from kiosk.cli import main


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "k"
    instance.create(path, ["entry"], name="k1", gate="main").conn.close()
    return path


def test_a_toml_syntax_error_stops_serve_and_other_commands(folder: Path) -> None:
    add_line(folder, "ANNUL_MINUTES = = 2")
    assert_one_line_refusal(serve(folder), str(folder / "config.toml"), "not valid TOML", "line")
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(folder / "b")])
    assert result.exit_code != 0 and "not valid TOML" in result.output
    assert "Traceback" not in result.output


def test_a_missing_database_is_not_made_anew(folder: Path) -> None:
    (folder / "kiosk.db").unlink()
    assert_one_line_refusal(serve(folder), str(folder / "kiosk.db"), "is missing")
    assert not (folder / "kiosk.db").exists(), "an empty kiosk with no identity must not start"


def test_a_file_that_is_not_a_database_is_refused(folder: Path) -> None:
    (folder / "kiosk.db").write_bytes(b"this was overwritten by a bad copy" * 200)
    assert_one_line_refusal(serve(folder), str(folder / "kiosk.db"), "cannot be opened", "backup")


def test_a_damaged_page_is_found_by_quick_check(folder: Path) -> None:
    database = folder / "kiosk.db"
    page_size = sqlite3.connect(database).execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(database.read_bytes())
    assert len(data) > 6 * page_size
    data[4 * page_size : 5 * page_size] = bytes(range(256)) * (page_size // 256)  # one table page of junk
    database.write_bytes(bytes(data))
    result = serve(folder)
    assert_one_line_refusal(result, str(database), "backup")
    assert "damaged" in result.stderr or "malformed" in result.stderr


def test_a_database_without_identity_is_refused(folder: Path) -> None:
    conn = sqlite3.connect(folder / "kiosk.db")
    conn.execute("DELETE FROM device")
    conn.commit()
    conn.close()
    assert_one_line_refusal(serve(folder), "has no device identity")
