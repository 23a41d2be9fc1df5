"""KIOSK_NOW sets the start of a clock that runs (one clock for every process given the
same KIOSK_NOW_AT); KIOSK_NOW_FROZEN=1 stops it."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from kiosk import clock

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
