"""Hypothesis over random interleavings of scans at several gates and sync rounds: once
every kiosk has synced, every kiosk of the zone and central agree on the passages, on
people inside now and on unique visitors (a real central process; kiosks sync
in-process with ``Client.round``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serving
from gates_helpers import figures, scan, sync
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_helpers import day_tickets, enroll, query

# (kiosk key, gate, directions a scan there may ask for)
GATES = [("main", "main", ("in", "out")), ("east", "east", ("in", "out")), ("exit", "south-exit", ("out",))]
TICKETS = 6

scan_step = st.tuples(
    st.just("scan"),
    st.integers(0, len(GATES) - 1),
    st.integers(0, TICKETS - 1),
    st.sampled_from(["in", "out"]),
)
sync_step = st.tuples(st.just("sync"), st.integers(0, len(GATES) - 1), st.just(0), st.just(""))


@pytest.fixture
def venue(central_dir: Path, tmp_path: Path) -> Iterator[dict[str, object]]:
    with serving(central_dir) as (central, _process):
        folders = {
            key: enroll(central, central_dir, tmp_path / key, f"gate-{key}", "entry", gate)
            for key, gate, _ in GATES
        }
        yield {"folders": folders, "tickets": day_tickets(central_dir, TICKETS), "central_dir": central_dir}


def passages(folder: Path) -> list[tuple]:
    return query(folder, "SELECT uuid FROM scans WHERE result = 'accepted' ORDER BY uuid")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.one_of(scan_step, sync_step), min_size=1, max_size=25))
def test_kiosks_and_central_agree_once_synced(venue: dict[str, object], steps: list[tuple]) -> None:
    folders: dict[str, Path] = venue["folders"]  # type: ignore[assignment]
    tickets: list[str] = venue["tickets"]  # type: ignore[assignment]
    for kind, gate_index, ticket_index, direction in steps:
        key, gate, allowed = GATES[gate_index]
        if kind == "sync":
            sync(folders[key])
        else:
            scan(folders[key], tickets[ticket_index], gate, direction if direction in allowed else allowed[0])
    # Everyone pushes, then everyone pulls what the others pushed.
    sync(*folders.values())
    sync(*folders.values())
    central = figures(venue["central_dir"])  # type: ignore[arg-type]
    held = passages(venue["central_dir"])  # type: ignore[arg-type]
    for key, folder in folders.items():
        mine = figures(folder)
        assert passages(folder) == held, f"{key} holds the same passages as central"
        assert mine["inside"]["sales"] == central["inside"]["sales"], key
        assert mine["unique_visitors"] == central["unique_visitors"], key
        assert mine["entries"] == central["entries"] and mine["exits"] == central["exits"], key
