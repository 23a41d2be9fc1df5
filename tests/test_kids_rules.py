"""The kids' space rules on a real database, without a server: the security code, the
receipt's QR text, who is inside, whom to call before closing, and the refusal catalogue
the API publishes."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest
from conftest import FAIR_START
from kids_helpers import make_kids_kiosk

from kiosk import clock, crockford, instance
from kiosk.kids import receipt, refusals, space
from kiosk.openapi import openapi_document

FAMILY = space.Adult("Rkia", "0699 87 65 43")
CHILDREN = [space.NewChild("Ouissal", "3-5", "allergic to peanuts"), space.NewChild("Bahaa", "6-8")]


@pytest.fixture
def kids_db(central_dir: Path, tmp_path: Path):
    database = instance.open_db(make_kids_kiosk(central_dir, tmp_path / "kids"))
    yield database
    database.conn.close()


def at(hours: int, minutes: int = 0):
    return clock.at(FAIR_START, time(hours, minutes))


def test_codes_are_random_readable_and_unique_that_day() -> None:
    codes = {receipt.new_code(set()) for _ in range(200)}
    assert all(len(c) == 4 and set(c) <= set(crockford.ALPHABET) for c in codes)
    assert len(codes) > 190  # random, not derived from anything
    assert receipt.new_code(codes) not in codes
    with pytest.raises(RuntimeError):
        receipt.new_code({crockford.encode(v, 4) for v in range(32**4)})


def test_a_receipt_reads_back_and_a_typed_code_is_forgiven() -> None:
    payload = receipt.receipt_payload("AB3K", FAIR_START)
    assert receipt.read(payload) == receipt.Read("AB3K", FAIR_START)
    assert receipt.read(" ab-3k ") == receipt.Read("AB3K", None)
    assert receipt.read("0O1I") == receipt.Read("0011", None)
    for text in ("", "ABC", "ABCDE", "KIDS:2026-13-40:AB3K", "SK1:whatever"):
        assert receipt.read(text) is None


def test_drop_off_pick_up_and_the_same_codes_refusals(kids_db) -> None:
    done = space.drop_off(kids_db, FAMILY, CHILDREN, at(11), places=60)
    assert (
        done.ok and done.day == FAIR_START and [c.first_name for c in done.children] == ["Ouissal", "Bahaa"]
    )
    inside = space.inside(kids_db.conn, FAIR_START, at(13, 30), long_stay_minutes=120)
    assert [(c.first_name, c.minutes, c.long_stay) for c in inside] == [
        ("Ouissal", 150, True),
        ("Bahaa", 150, True),
    ]
    first = space.pick_up(kids_db, done.code, at(14), child_ids=[done.children[0].id])
    assert [c.first_name for c in first.children] == ["Ouissal"]
    assert [
        c.first_name for c in space.look_up(kids_db.conn, done.code, FAIR_START, at(14), 120).children
    ] == ["Bahaa"]
    space.pick_up(kids_db, done.code, at(14, 5))
    assert space.pick_up(kids_db, done.code, at(14, 6)).reason == "already_picked_up"
    assert space.counts(kids_db.conn, FAIR_START, at(15)) == {
        "drop_offs": 2,
        "pick_ups": 2,
        "inside": 0,
        "longest_stay_minutes": 185,
    }
    tomorrow = receipt.receipt_payload(done.code, FAIR_START + timedelta(days=1))
    assert space.pick_up(kids_db, tomorrow, at(15)).reason == "not_today"


def test_bad_drop_offs_are_refused_with_the_reason(kids_db) -> None:
    for adult, children in (
        (space.Adult("", "0699876543"), CHILDREN),
        (space.Adult("Rkia", "not a phone"), CHILDREN),
        (FAMILY, []),
        (FAMILY, [space.NewChild("Ouissal", "13-17")]),
        (FAMILY, [space.NewChild("  ", "3-5")]),
    ):
        with pytest.raises(ValueError):
            space.drop_off(kids_db, adult, children, at(11), places=60)
    assert space.drop_off(kids_db, FAMILY, CHILDREN, at(11), places=1).reason == "zone_full"


def test_adults_to_call_from_half_an_hour_before_closing(kids_db) -> None:
    space.drop_off(kids_db, FAMILY, CHILDREN, at(11), places=None)
    assert space.closing(kids_db.conn, FAIR_START) == at(22)
    assert space.adults_to_call(kids_db.conn, FAIR_START, at(21, 29), 30) == []
    [adult] = space.adults_to_call(kids_db.conn, FAIR_START, at(21, 30), 30)
    assert adult["first_name"] == "Rkia" and adult["phone"] == "0699 87 65 43"
    assert adult["children"] == ["Ouissal", "Bahaa"]


def test_a_later_keep_setting_delays_the_wipe(kids_db) -> None:
    space.drop_off(kids_db, FAMILY, CHILDREN, at(11), places=None)
    assert space.wipe_due(kids_db, at(21, 59), keep_hours=0) == []
    assert space.wipe_due(kids_db, at(22, 30), keep_hours=1) == []
    assert space.wipe_due(kids_db, at(23), keep_hours=1) == [FAIR_START]
    assert kids_db.conn.execute("SELECT count(*) FROM kids_drop_offs").fetchone()[0] == 0
    assert space.counts(kids_db.conn, FAIR_START, at(23))["drop_offs"] == 0
    assert kids_db.conn.execute("SELECT max(drop_offs) FROM kids_counts").fetchone()[0] == 2


def test_phone_numbers_compare_by_their_digits() -> None:
    assert space.phone_digits("+212 699-87.65.43") == space.phone_digits("0699876543")
    assert space.phone_digits("00212699876543") == "0699876543"


def test_the_api_publishes_the_catalogues_refusals() -> None:
    paths = openapi_document()["paths"]
    enum = paths["/api/v1/kids/pick-ups"]["post"]["responses"]["409"]["content"]["application/json"]
    assert enum["schema"]["properties"]["reason"]["enum"] == list(refusals.PICK_UP)
    dropped = paths["/api/v1/kids/drop-offs"]["post"]
    assert dropped["responses"]["409"]["content"]["application/json"]["schema"]["properties"]["reason"][
        "enum"
    ] == list(refusals.DROP_OFF)
    bands = dropped["requestBody"]["content"]["application/json"]["schema"]["properties"]["children"]
    assert bands["items"]["properties"]["age_band"]["enum"] == list(space.AGE_BANDS)
    assert set(refusals.PICK_UP + refusals.DROP_OFF + refusals.RELEASE) == set(refusals.CATALOGUE)


def test_a_day_outside_the_fair_closes_at_midnight(kids_db) -> None:
    outside = date(2026, 7, 1)
    assert space.closing(kids_db.conn, outside) == clock.at(outside + timedelta(days=1), at(0).time())
