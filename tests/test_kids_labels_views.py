"""The kids' space screens print a drop-off's labels (issue 15 point 1): on the configured
printer after the drop-off is stored, a failed printer loses nothing and the labels
print again once it is back, and the PDF of a code's labels reads back to its receipt."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from kids_helpers import KIDS_STAFF, make_kids_kiosk, rows

from kiosk import create_app
from kiosk.camera.decoding import decode
from kiosk.kids import labels
from kiosk.kids.receipt import receipt_payload
from tests.conftest import FAIR_START, free_port
from tests.kids_labels_helpers import (
    NEAR_END,
    OUT,
    PLENTY,
    QR_PRINT,
    asking_printer,
    network_printer,
    pdf_text,
    rasterise,
)

PHONE = "+212 522 00 11 22"
FAMILY = {
    "adult_first_name": "Rkia",
    "adult_phone": "0699 87 65 43",
    "child_first_name": ["Ouissal", "بهاء"],
    "child_age_band": ["3-5", "6-8"],
    "child_note": ["allergique aux arachides", ""],
}


def kids_app(central_dir: Path, tmp_path: Path, printer: str | None) -> Flask:
    folder = make_kids_kiosk(central_dir, tmp_path / "kids")
    config: dict[str, object] = {"TESTING": True, "KIDS_PHONE": PHONE}
    if printer:
        config["KIDS_PRINTER"] = printer
    return create_app(folder, config)


def staff(client: FlaskClient) -> dict[str, str]:
    answer = client.post("/api/v1/login", json={"name": KIDS_STAFF[0], "pin": KIDS_STAFF[1]})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def drop_off(client: FlaskClient, headers: dict[str, str], lang: str = "fr") -> tuple[str, str]:
    """Two children dropped off on the screen: (security code, the answer's HTML)."""
    answer = client.post(f"/kids/drop-off?lang={lang}", data=FAMILY, headers=headers)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 201, page
    code = re.search(r'data-code="(\w{4})"', page)
    assert code
    return code[1], page


def test_a_drop_off_prints_both_labels(central_dir: Path, tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    client = kids_app(central_dir, tmp_path, f"file:{device}").test_client()
    code, page = drop_off(client, staff(client))
    assert "Étiquettes imprimées" in page and 'id="reprint-labels"' in page
    out = device.read_bytes()
    # Two stickers and the receipt: each has the code and the receipt's QR.
    assert out.count(QR_PRINT) == 3 and out.count(code.encode() + b"\n") == 3
    assert out.count(receipt_payload(code, FAIR_START).encode()) == 3
    assert "Ouissal\n".encode("cp437") in out and b"\x1dv0" in out  # the Arabic name as an image
    assert PHONE.replace(" ", "\xa0").encode("cp437") in out


def test_a_failed_printer_keeps_the_drop_off_and_prints_again_when_back(
    central_dir: Path, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet: the printer is off
    app = kids_app(central_dir, tmp_path, f"network:127.0.0.1:{port}")
    client = app.test_client()
    headers = staff(client)
    code, page = drop_off(client, headers)
    assert "L'imprimante d'étiquettes a échoué" in page and "Le dépôt est enregistré" in page
    stored = rows(Path(app.instance_path), "SELECT code FROM kids_drop_offs")
    assert stored == [(code,)]
    assert len(rows(Path(app.instance_path), "SELECT id FROM kids_children")) == 2

    with network_printer(port) as (_port, received):  # the printer is switched on
        again = client.post(f"/kids/drop-offs/{code}/print?lang=fr", headers=headers)
    assert again.status_code == 200 and "Étiquettes imprimées" in again.get_data(as_text=True)
    assert received.count(QR_PRINT) == 3 and received.count(code.encode() + b"\n") == 3


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_labels_pdf_reads_back_to_the_receipt(central_dir: Path, tmp_path: Path, lang: str) -> None:
    client = kids_app(central_dir, tmp_path, None).test_client()
    headers = staff(client)
    code, page = drop_off(client, headers, lang)
    assert 'id="reprint-labels"' not in page  # no printer: the PDF is the way to print
    link = re.search(r'id="labels-pdf"[^>]*href="([^"]+)"', page)
    assert link
    answer = client.get(link[1].replace("&amp;", "&"), headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pages = rasterise(answer.data, tmp_path)
    assert len(pages) == 3
    for png in pages:
        assert [found.text for found in decode(cv2.imread(str(png)))] == [receipt_payload(code, FAIR_START)]
    text = pdf_text(answer.data, tmp_path)
    assert ("Espace enfants" if lang == "fr" else "فضاء الأطفال") in text and "بهاء" in text


def test_no_labels_for_a_code_with_no_child_inside(central_dir: Path, tmp_path: Path) -> None:
    client = kids_app(central_dir, tmp_path, None).test_client()
    headers = staff(client)
    code, _page = drop_off(client, headers)
    other = "ZZZZ" if code != "ZZZZ" else "YYYY"
    assert client.get(f"/kids/drop-offs/{other}/labels.pdf", headers=headers).status_code == 404
    for child in client.post("/api/v1/kids/pick-ups", json={"code": code}, headers=headers).get_json()[
        "children"
    ]:
        assert child["first_name"] in FAMILY["child_first_name"]
    gone = client.get(f"/kids/drop-offs/{code}/labels.pdf?lang=en", headers=headers)
    assert gone.status_code == 404 and "already been picked up" in gone.get_data(as_text=True)
    assert client.post(f"/kids/drop-offs/{code}/print", headers=headers).status_code == 404
    # Staff only: the labels show children's names.
    assert client.get(f"/kids/drop-offs/{code}/labels.pdf").status_code in (302, 401)


def test_an_api_drop_off_prints_too_and_says_so(central_dir: Path, tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    app = kids_app(central_dir, tmp_path, f"file:{device}")
    client = app.test_client()
    headers = staff(client)
    family = {
        "adult": {"first_name": "Rkia", "phone": "0699 87 65 43"},
        "children": [{"first_name": "Bahaa", "age_band": "6-8"}],
    }
    answer = client.post("/api/v1/kids/drop-offs?lang=en", json=family, headers=headers)
    assert answer.status_code == 201 and answer.get_json()["printed"] is True
    assert "print_failure" not in answer.get_json()
    out = device.read_bytes()
    assert out.count(QR_PRINT) == 2 and b"Dropped off at" in out  # in the language asked
    # The printer's device vanished (unplugged): the drop-off is recorded, the answer says why.
    app.config["KIDS_PRINTER"] = f"file:{tmp_path / 'unplugged' / 'lp0'}"
    failed = client.post("/api/v1/kids/drop-offs", json=family, headers=headers).get_json()
    assert failed["printed"] is False and "No such file or directory" in failed["print_failure"]
    assert len(rows(Path(app.instance_path), "SELECT id FROM kids_drop_offs")) == 2


def test_kiosk_doctor_of_a_kids_kiosk_checks_its_printer(central_dir: Path, tmp_path: Path) -> None:
    folder = make_kids_kiosk(central_dir, tmp_path / "kids")
    env = {**os.environ, "KIOSK_KIDS_PRINTER": f"network:127.0.0.1:{free_port()}"}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "doctor", str(folder)], capture_output=True, text=True, env=env
    )
    line = next(line for line in done.stdout.splitlines() if line.split()[1] == "printer")
    assert line.startswith("FAIL") and "Connection refused" in line and done.returncode != 0


# The out-of-paper state and the near-end warning in every language of the screen.
NO_PAPER = {
    "fr": "Imprimante sans papier : donnez le code à la main",
    "ar": "نفد الورق في الطابعة",
    "en": "Printer out of paper: give the code by hand and change the roll",
    "zgh": "ⵜⴰⵎⴰⵙⵙⵉⴳⴳⵣⵜ ⵓⵔ ⴷⴰⵔⵙ ⴰⴽⴰⵔⴹ",
}
PAPER_LOW = {
    "fr": "Le rouleau de papier est presque fini",
    "ar": "لفافة الورق على وشك النفاد",
    "en": "The paper roll is nearly finished",
    "zgh": "ⵜⴰⴽⵓⵔⵜ ⵏ ⵓⴽⴰⵔⴹ ⵜⵇⵔⴱ ⴰⴷ ⵜⴽⵎⵎⵍ",
}


@pytest.mark.parametrize("lang", ["fr", "ar", "en", "zgh"])
def test_a_printer_out_of_paper_keeps_the_drop_off_and_its_code_on_screen(
    central_dir: Path, tmp_path: Path, lang: str
) -> None:
    port = free_port()
    app = kids_app(central_dir, tmp_path, f"network:127.0.0.1:{port}")
    client = app.test_client()
    headers = staff(client)
    with asking_printer([OUT], port) as (_port, received):
        code, page = drop_off(client, headers, lang)
    assert NO_PAPER[lang] in page and 'data-paper="out"' in page and 'data-printed="no"' in page
    assert f'id="security-code">{code}</p>' in page  # large, to give by hand
    assert 'id="reprint-labels"' in page and NO_PAPER["fr" if lang != "fr" else "en"] not in page
    assert received.count(QR_PRINT) == 0  # nothing sent to an empty printer
    assert rows(Path(app.instance_path), "SELECT code FROM kids_drop_offs") == [(code,)]

    with asking_printer([PLENTY, NEAR_END], port) as (_port, received):  # a roll nearly done
        again = client.post(f"/kids/drop-offs/{code}/print?lang={lang}", headers=headers)
    shown = again.get_data(as_text=True)
    assert again.status_code == 200 and 'data-printed="yes"' in shown and PAPER_LOW[lang] in shown
    assert NO_PAPER[lang] not in shown and received.count(QR_PRINT) == 3


def test_the_api_says_the_printer_is_out_of_paper(central_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    app = kids_app(central_dir, tmp_path, f"network:127.0.0.1:{port}")
    client = app.test_client()
    headers = staff(client)
    family = {
        "adult": {"first_name": "Rkia", "phone": "0699 87 65 43"},
        "children": [{"first_name": "Bahaa", "age_band": "6-8"}],
    }
    with asking_printer([OUT], port):
        answer = client.post("/api/v1/kids/drop-offs", json=family, headers=headers)
    body = answer.get_json()
    assert answer.status_code == 201 and body["printed"] is False and body["paper"] == "out"
    assert body["print_failure"] == "out of paper before printing"
    with asking_printer([NEAR_END, NEAR_END], port):
        body = client.post("/api/v1/kids/drop-offs", json=family, headers=headers).get_json()
    assert body["printed"] is True and body["paper"] == "near_end"
    with network_printer(port):  # a printer that ignores status requests
        body = client.post("/api/v1/kids/drop-offs", json=family, headers=headers).get_json()
    assert body["printed"] is True and body["paper"] == "unknown"
    assert len(rows(Path(app.instance_path), "SELECT id FROM kids_drop_offs")) == 3
    # The published answer names the sensor's states as the code does.
    document = json.loads(client.get("/api/openapi.json").data)
    schema = document["paths"]["/api/v1/kids/drop-offs"]["post"]["responses"]["201"]["content"]
    assert schema["application/json"]["schema"]["properties"]["paper"]["enum"] == list(labels.Paper)
