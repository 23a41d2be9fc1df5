"""A repeat looks like a repeat, and a scan the kiosk cannot decide calls staff.

Real ``kiosk serve`` processes on loopback; the clock stands still (KIOSK_NOW), so the
same code sent twice is always inside the debounce window.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

from conftest import serving

from kiosk import create_app, instance
from kiosk import db as dbmod
from tests.helpers import accepted_scans, rows, ticket


def post_json(url: str, document: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(document).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_two_simultaneous_scans_of_one_ticket_give_one_admission_and_one_repeat(
    kiosk_dir: Path, fair_clock: str
) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    answers: list[dict[str, object]] = []
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock}) as (base, _process):
        for _round in range(3):  # three tickets, three races
            start = threading.Barrier(2)

            def send(code: str = payload, barrier: threading.Barrier = start) -> None:
                barrier.wait()
                status, answer = post_json(base + "/api/v1/scans", {"code": code})
                assert status == 200
                answers.append(answer)

            threads = [threading.Thread(target=send) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            payload = ticket(kiosk_dir, "day", offset=len(answers) // 2)["payload"]
    for first, second in zip(answers[::2], answers[1::2], strict=True):
        pair = sorted([first, second], key=lambda a: bool(a["repeat"]))
        assert pair[0]["repeat"] is False and pair[0]["reason"] == "ok" and pair[0]["level"] == "green"
        assert pair[1]["repeat"] is True and pair[1]["level"] == "repeat"
        assert pair[1]["scan_uuid"] == pair[0]["scan_uuid"]
        assert pair[1]["headline"] == "Déjà scanné à l'instant"
    for offset in range(3):
        assert accepted_scans(kiosk_dir, ticket(kiosk_dir, "day", offset)["payload"]) == 1
    assert rows(kiosk_dir, "SELECT count(*) FROM scans")[0][0] == 3


def test_repeat_on_the_screen_is_neutral_and_counted_once(client, kiosk_dir: Path) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    first = client.post("/entry/scan", data={"code": payload})
    again = client.post("/entry/scan", data={"code": payload})
    assert 'data-level="green"' in first.text
    assert 'data-level="repeat"' in again.text and "Déjà scanné à l&#39;instant" in again.text
    assert "Bienvenue" not in again.text
    assert accepted_scans(kiosk_dir, payload) == 1


def test_unknown_gate_turns_the_screen_red_and_is_logged(kiosk_dir: Path, fair_clock: str) -> None:
    payload = ticket(kiosk_dir, "day")["payload"]
    with serving(kiosk_dir, {"KIOSK_NOW": fair_clock, "KIOSK_GATE": "nowhere"}) as (base, process):
        request = urllib.request.Request(base + "/entry/scan", data=f"code={payload}".encode())
        try:
            urllib.request.urlopen(request, timeout=15)
            raise AssertionError("an undecidable scan must not answer 200")
        except urllib.error.HTTPError as error:
            assert error.code == 409
            body = error.read().decode()
        process.terminate()
        log = process.stderr.read().decode()
    assert 'data-level="call-staff"' in body and "Appelez un agent" in body
    assert "nowhere" in log
    assert accepted_scans(kiosk_dir, payload) == 0


def test_database_failure_turns_the_screen_red(kiosk_dir: Path, caplog) -> None:
    database = instance.open_db(kiosk_dir)
    with dbmod.write(database) as conn:
        # What a full or read-only disk does to the scan's insert, made reproducible.
        conn.execute(
            "CREATE TRIGGER broken BEFORE INSERT ON scans BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    database.conn.close()
    client = create_app(kiosk_dir, {"TESTING": True}).test_client()
    answer = client.post("/entry/scan", data={"code": ticket(kiosk_dir, "day")["payload"]})
    assert answer.status_code == 503 and 'data-level="call-staff"' in answer.text
    assert any("failed in the database" in record.getMessage() for record in caplog.records)
