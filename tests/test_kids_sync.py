"""Central checks the kids' counts a kids' kiosk pushes (kids_counts) as strictly as any
event, and takes them only from a device registered with the kids role."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sync_helpers import query
from test_sync_validation import apply, enrolled

from kiosk import clock
from sync.protocol import Refusal

COLUMNS = ["uuid", "device_id", "device_seq", "device_time", "fair_date", "drop_offs", "pick_ups", "inside"]
COLUMNS += ["longest_stay_minutes"]


def counts_row(device: str, seq: int, **values: object) -> list[object]:
    row = {
        "uuid": str(uuid.uuid4()),
        "device_id": device,
        "device_seq": seq,
        "device_time": clock.iso(clock.now()),
        "fair_date": "2026-06-15",
        "drop_offs": 3,
        "pick_ups": 1,
        "inside": 2,
        "longest_stay_minutes": 45,
        **values,
    }
    return [row[c] for c in COLUMNS]


def test_bad_counts_are_kept_aside_with_their_reason(central_dir: Path) -> None:
    database, device = enrolled(central_dir, "kids", "kids")
    rows = [
        counts_row(device, 1),
        counts_row(device, 2, pick_ups=9),
        counts_row(device, 3, inside=-1),
        counts_row(device, 4, fair_date="2031-01-01"),
        counts_row(device, 5, longest_stay_minutes="long"),
    ]
    answer = apply(database, device, [{"table": "kids_counts", "columns": COLUMNS, "rows": rows}])
    assert answer["applied"] == 1 and answer["high_seq"] == 1
    assert [r["reason"] for r in answer["rejected"]] == [
        "bad_value",
        "bad_value",
        "not_a_fair_day",
        "bad_value",
    ]
    assert query(central_dir, "SELECT drop_offs, pick_ups, inside FROM kids_counts") == [(3, 1, 2)]


def test_only_a_kids_kiosk_sends_kids_counts(central_dir: Path) -> None:
    database, device = enrolled(central_dir, "gate", "entry")
    with pytest.raises(Refusal) as refused:
        apply(
            database, device, [{"table": "kids_counts", "columns": COLUMNS, "rows": [counts_row(device, 1)]}]
        )
    assert refused.value.status == 403 and refused.value.error == "table_not_for_role"
