"""KIOSK_NOW sets the start of a clock that runs (one clock for every process given the
same KIOSK_NOW_AT); KIOSK_NOW_FROZEN=1 stops it. Clock safety: scans are judged on
central's clock when the offset is known; a kiosk 2 minutes off shows staff a warning."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import clock, instance
from kiosk.entry.scanning import Scanner
from tests.helpers import rows, ticket

START = "2026-06-15T11:00:00+01:00"


def test_the_clock_runs_from_kiosk_now(monkeypatch: pytest.MonkeyPatch) -> None:
    ninety_seconds_ago = datetime.now(UTC) - timedelta(seconds=90)
    monkeypatch.setenv("KIOSK_NOW", START)
    monkeypatch.setenv("KIOSK_NOW_AT", ninety_seconds_ago.isoformat())
    elapsed = clock.now() - clock.parse_time(START)
    assert timedelta(seconds=90) <= elapsed < timedelta(minutes=10)


def test_without_an_anchor_the_clock_starts_when_the_value_is_first_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KIOSK_NOW_AT")
    monkeypatch.setenv("KIOSK_NOW", "2026-06-16T09:59:59+01:00")
    first = clock.now()
    assert (
        clock.parse_time("2026-06-16T09:59:59+01:00") <= first < clock.parse_time("2026-06-16T10:09:59+01:00")
    )
    time.sleep(0.01)
    assert clock.now() > first  # it runs


def test_processes_given_the_same_anchor_share_one_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_NOW", START)
    monkeypatch.setenv("KIOSK_NOW_AT", (datetime.now(UTC) - timedelta(hours=2)).isoformat())
    before = clock.now()
    child = subprocess.run(
        [sys.executable, "-c", "from kiosk import clock; print(clock.iso(clock.now()))"],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = clock.parse_time(child.stdout.strip())
    assert before <= theirs <= clock.now()
    assert theirs >= clock.parse_time("2026-06-15T13:00:00+01:00")


def test_kiosk_now_frozen_stops_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_NOW", START)
    monkeypatch.setenv("KIOSK_NOW_FROZEN", "1")
    monkeypatch.setenv("KIOSK_NOW_AT", (datetime.now(UTC) - timedelta(hours=2)).isoformat())
    assert clock.now() == clock.parse_time(START)


def set_offset(folder: Path, seconds: float | None) -> None:
    conn = sqlite3.connect(folder / "kiosk.db")
    with conn:
        conn.execute("UPDATE sync_state SET clock_offset = ?", (seconds,))
    conn.close()


def test_the_fair_day_of_a_scan_is_central_s_when_the_offset_is_known(
    kiosk_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_NOW", "2026-06-16T11:00:00+01:00")  # this kiosk is a day ahead
    monkeypatch.setenv("KIOSK_NOW_FROZEN", "1")
    first_day = [ticket(kiosk_dir, "day", offset)["payload"] for offset in range(2)]
    scanner = Scanner(debounce_seconds=0)
    database = instance.open_db(kiosk_dir)
    assert scanner.scan(database, first_day[0], "main").reason == "not_valid_today"
    set_offset(kiosk_dir, 86400.0)  # central said so at the last sync
    verdict = scanner.scan(database, first_day[1], "main")
    assert verdict.reason == "ok"
    stored = rows(kiosk_dir, "SELECT fair_date, device_time FROM scans WHERE uuid = ?", (verdict.scan_uuid,))[
        0
    ]
    assert stored["fair_date"] == "2026-06-15"
    assert stored["device_time"].startswith("2026-06-16T11:00")  # its own time, which central corrects


def test_a_kiosk_more_than_two_minutes_off_shows_staff_a_warning(client, kiosk_dir: Path) -> None:
    set_offset(kiosk_dir, 90.0)
    assert "clock-warning" not in client.get("/entry/").get_data(as_text=True)
    set_offset(kiosk_dir, -300.0)
    page = client.get("/entry/").get_data(as_text=True)
    assert "clock-warning" in page
    assert "l'horloge de ce kiosque a 5 min d'écart avec le central" in page.replace("&#39;", "'")
