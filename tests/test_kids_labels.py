"""The kids' space labels (issue 15 point 1): a sticker per child and the adult's receipt,
as ESC/POS through python-escpos (its Dummy printer, a file printer and a real socket on
loopback) and as a PDF of 62 mm labels whose QR codes the kiosk's own decoder reads back;
Arabic shaped and laid right to left on both."""

from __future__ import annotations

import fcntl
import io
import os
import re
import threading
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from escpos.constants import RT_STATUS_PAPER
from escpos.printer import Dummy
from flask import Flask
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from kiosk import clock, create_app, doctor, instance, settings
from kiosk.camera.decoding import decode
from kiosk.kids import labels
from tests.conftest import free_port
from tests.kids_labels_helpers import (
    NEAR_END,
    OUT,
    PLENTY,
    QR_PRINT,
    asking_printer,
    device_printer,
    network_printer,
    pdf_text,
    rasterise,
)

CODE = "K7QM"
PAYLOAD = "KIDS1:K7QM:3f2c9a"  # any text: kids-core defines the real payload
QR_STORE = b"\x1d(k"  # GS ( k: the printer's own 2D code commands
RASTER = b"\x1dv0"  # GS v 0: a raster image
CUT = b"\x1dV"
PROFILE = "TM-T20II"


def moment(hour: int, minute: int) -> datetime:
    return datetime(2026, 6, 15, hour, minute, tzinfo=clock.zone())


def drop_off(language: str, names: tuple[str, ...], note: str = "") -> labels.DropOffLabels:
    children = tuple(labels.ChildLabel(name, note, moment(14, 5), CODE, PAYLOAD) for name in names)
    receipt = labels.AdultReceipt(CODE, PAYLOAD, names, moment(19, 0), "+212 522 00 11 22")
    return labels.DropOffLabels(children, receipt, language)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    folder = tmp_path / "kids"
    instance.create(folder, ["entry"], name="kids-1", gate="main").conn.close()
    app = create_app(folder, {"TESTING": True, "KIDS_PRINTER": f"file:{tmp_path / 'lp0'}"})
    with app.app_context():
        yield app


def escpos(drop: labels.DropOffLabels) -> bytes:
    printer = Dummy(profile=PROFILE)
    labels.write_escpos(printer, drop)
    return printer.output


def test_french_labels_are_printer_text_with_the_code_and_a_native_qr(app: Flask) -> None:
    out = escpos(drop_off("fr", ("Amélie", "Adam"), note="Allergie : arachides"))
    # Two stickers and the receipt, each with the code, its native QR and a cut.
    assert out.count(QR_PRINT) == 3 and out.count(CUT) == 3
    assert out.count(QR_STORE + b"\x14\x001P0" + PAYLOAD.encode()) == 3
    assert out.count(CODE.encode() + b"\n") == 3  # the code as big text
    for text in ("Amélie\n", "Allergie : arachides\n", "Arrivée à 14:05\n", "Amélie et Adam\n"):
        assert text.encode("cp437") in out  # the code page python-escpos picks for them
    assert "+212\xa0522\xa000\xa011\xa022".encode("cp437") in out  # a phone number is never split
    assert RASTER not in out  # every French line is the printer's own text
    # A long sentence is broken between words, within the 48 columns of the paper.
    assert "Gardez ce reçu : il est demandé pour reprendre\nles enfants.\n".encode("cp437") in out


def test_arabic_lines_are_raster_images_and_the_code_stays_text(app: Flask) -> None:
    out = escpos(drop_off("ar", ("أمينة",)))
    # Sticker: title, name, drop-off time; receipt: title, names, keep it, closing, phone.
    assert out.count(RASTER) == 8
    assert out.count(QR_PRINT) == 2 and out.count(CODE.encode() + b"\n") == 2
    arabic_page = Dummy(profile=PROFILE).profile.get_code_pages()["CP720"]
    assert b"\x1bt" + bytes([int(arabic_page)]) not in out  # no Arabic letter went out as text


def test_tamazight_lines_are_raster_images(app: Flask) -> None:
    out = escpos(drop_off("zgh", ("Adam",)))
    # Tifinagh is in no code page of the printer: title and time on the sticker; title,
    # keep it, closing and phone on the receipt. The names and the code stay text.
    assert out.count(RASTER) == 6
    assert b"Adam\n" in out and out.count(CODE.encode() + b"\n") == 2


def test_english_labels(app: Flask) -> None:
    drop = drop_off("en", ("Adam",))
    out = escpos(drop)
    assert b"Dropped off at 14:05\n" in out and b"Kids' space phone: +212" in out
    # No phone number set for the space: no line for it.
    unset = labels.DropOffLabels(drop.children, replace(drop.receipt, phone=""), "en")
    assert b"phone" not in escpos(unset) and b"Pick up before 19:00\n" in escpos(unset)


def place(image: Image.Image, word: str) -> int:
    """Where ``word``, drawn alone in size 2, is found in the line ``image`` (x of its left
    edge); both blurred, so that the word's position a fraction of a dot apart still matches."""
    font = ImageFont.truetype(str(labels.RASTER_FONT), labels.RASTER_DOTS * 2)
    template = Image.new("1", (int(font.getlength(word)) + 2, image.height), 1)
    ImageDraw.Draw(template).text((1, 0), word, font=font, fill=0)
    line, alone = (cv2.GaussianBlur(np.array(i.convert("L")), (7, 7), 0) for i in (image, template))
    _worst, best, _at, (x, _y) = cv2.minMaxLoc(cv2.matchTemplate(line, alone, cv2.TM_CCOEFF_NORMED))
    assert best > 0.9, f"{word!r} is not in the line"
    return int(x)


def test_arabic_raster_is_joined_and_right_to_left(app: Flask) -> None:
    name = "أمينة"
    shaped = labels.raster_line(name, 2, 576, rtl=True)
    font = ImageFont.truetype(str(labels.RASTER_FONT), 48, layout_engine=ImageFont.Layout.BASIC)
    unjoined = Image.new("1", shaped.size, 1)
    ImageDraw.Draw(unjoined).text((288, 0), name, font=font, fill=0, anchor="ma")
    assert np.array(shaped).tolist() != np.array(unjoined).tolist()
    # Right to left: the first word is on the right; a Latin name keeps its own order.
    line = labels.raster_line(f"{name} Adam Benali", 2, 576, rtl=True)
    assert place(line, "Adam") < place(line, "Benali") < place(line, name)
    ltr = labels.raster_line(f"{name} Adam Benali", 2, 576, rtl=False)
    assert place(ltr, name) < place(ltr, "Adam") < place(ltr, "Benali")
    # The phone number's groups keep their order after an Arabic word.
    phone = labels.raster_line("هاتف " + labels.phone_text("+212 522 00", rtl=True), 2, 576, rtl=True)
    assert place(phone, "+212") < place(phone, "522") < place(phone, "00") < place(phone, "هاتف")


def test_long_raster_lines_wrap_within_the_paper(app: Flask) -> None:
    image = labels.raster_line("احتفظوا بهذا الوصل: يُطلب عند استلام الأطفال.", 1, 384, rtl=True)
    assert image.width == 384 and image.height > 40  # two rows on 58 mm paper


def test_a_word_longer_than_the_paper_is_made_smaller_not_cut(app: Flask) -> None:
    image = labels.raster_line("عبدالرحمانعبدالرحمانعبدالرحمان", 2, 384, rtl=True)
    ink = np.array(image.convert("L")) == 0
    assert ink.any() and not ink[:, 0].any() and not ink[:, -1].any()


def test_file_printer_from_the_settings(app: Flask, tmp_path: Path) -> None:
    drop = drop_off("fr", ("Adam",))
    labels.print_labels(app.config, drop)
    assert (tmp_path / "lp0").read_bytes() == escpos(drop)


def test_network_printer_gets_the_same_bytes_over_tcp(app: Flask) -> None:
    drop = drop_off("ar", ("أمينة", "Adam"))
    with network_printer() as (port, received):  # it never answers a status request
        paper = labels.print_labels({**app.config, "KIDS_PRINTER": f"network:127.0.0.1:{port}"}, drop)
    # Asked for its paper once (not again after the job: it did not answer), then the job.
    assert bytes(received) == RT_STATUS_PAPER + escpos(drop)
    assert paper is labels.Paper.UNKNOWN  # not "out of paper": the labels went out


def network(port: int) -> dict[str, str]:
    return {"KIDS_PRINTER": f"network:127.0.0.1:{port}"}


def test_a_network_printer_out_of_paper_gets_no_labels(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    drop = drop_off("fr", ("Adam",))
    with asking_printer([OUT]) as (port, received), pytest.raises(labels.OutOfPaper, match="before printing"):
        labels.print_labels({**app.config, **network(port)}, drop)
    # Nothing but the question: a job left in its buffer would come out after the roll is
    # changed, among the next family's labels.
    assert bytes(received) == RT_STATUS_PAPER
    assert "out of paper" in caplog.text


def test_an_answer_that_is_no_paper_status_is_unknown_not_out_of_paper(app: Flask) -> None:
    drop = drop_off("fr", ("Adam",))
    with asking_printer([b"\x00"]) as (port, received):  # not a DLE EOT answer: python-escpos says 0
        paper = labels.print_labels({**app.config, **network(port)}, drop)
    assert paper is labels.Paper.UNKNOWN and bytes(received) == RT_STATUS_PAPER + escpos(drop)


def test_a_roll_near_its_end_prints_and_says_so(app: Flask) -> None:
    drop = drop_off("fr", ("Adam",))
    with asking_printer([PLENTY, NEAR_END]) as (port, received):
        paper = labels.print_labels({**app.config, **network(port)}, drop)
    assert paper is labels.Paper.NEAR_END
    assert bytes(received) == RT_STATUS_PAPER + escpos(drop) + RT_STATUS_PAPER  # asked after the job too
    with asking_printer([PLENTY, PLENTY]) as (port, received):
        assert labels.print_labels({**app.config, **network(port)}, drop) is labels.Paper.PLENTY


def test_a_roll_that_ends_during_the_job_is_out_of_paper(app: Flask) -> None:
    drop = drop_off("fr", ("Adam",))
    with asking_printer([NEAR_END, OUT]) as (port, received), pytest.raises(labels.OutOfPaper, match="after"):
        labels.print_labels({**app.config, **network(port)}, drop)
    assert bytes(received) == RT_STATUS_PAPER + escpos(drop) + RT_STATUS_PAPER


def test_a_printer_on_a_character_device_answers_its_paper_status(app: Flask) -> None:
    drop = drop_off("fr", ("Adam",))
    with device_printer([PLENTY, NEAR_END]) as (device, received):
        paper = labels.print_labels({**app.config, "KIDS_PRINTER": f"file:{device}"}, drop)
    assert paper is labels.Paper.NEAR_END
    assert bytes(received) == RT_STATUS_PAPER + escpos(drop) + RT_STATUS_PAPER
    with device_printer([OUT]) as (device, received), pytest.raises(labels.OutOfPaper):
        labels.print_labels({**app.config, "KIDS_PRINTER": f"file:{device}"}, drop)
    assert bytes(received) == RT_STATUS_PAPER
    with device_printer([]) as (device, received):  # one that ignores the question
        paper = labels.print_labels({**app.config, "KIDS_PRINTER": f"file:{device}"}, drop)
    assert paper is labels.Paper.UNKNOWN and bytes(received) == RT_STATUS_PAPER + escpos(drop)


def print_in_a_thread(app: Flask, printer: str, drop: labels.DropOffLabels) -> BaseException | None:
    """Print as a request thread would; what it raised. A thread still blocked after a
    generous while fails the test (a hang, the bug) instead of hanging the run."""
    outcome: list[BaseException | None] = []

    def request() -> None:
        try:
            with app.app_context():  # the labels' words come from Flask-Babel
                labels.print_labels({**app.config, "KIDS_PRINTER": printer}, drop)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=request, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "printing blocked the request thread"
    return outcome[0]


def test_a_device_file_nobody_reads_fails_in_bounded_time(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(labels, "PRINTER_TIMEOUT", 0.3)
    device = tmp_path / "lp0"
    os.mkfifo(device)  # a device whose printer is off: opening it to write would wait forever
    failed = print_in_a_thread(app, f"file:{device}", drop_off("fr", ("Adam",)))
    assert isinstance(failed, labels.PrintFailed) and "No such device or address" in str(failed)


def test_a_jammed_device_file_fails_in_bounded_time(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(labels, "PRINTER_TIMEOUT", 0.3)
    device = tmp_path / "lp0"
    os.mkfifo(device)
    # The printer's side is open but takes nothing (jammed): once its one-page buffer is
    # full, every write would block.
    jammed = os.open(device, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.fcntl(jammed, fcntl.F_SETPIPE_SZ, 4096)
        drop = drop_off("ar", ("أمينة", "Adam"))
        assert len(escpos(drop)) > 4096
        failed = print_in_a_thread(app, f"file:{device}", drop)
    finally:
        os.close(jammed)
    assert isinstance(failed, labels.PrintFailed) and "took no data for 0.3 s" in str(failed)


def test_two_drop_offs_at_once_print_one_after_the_other(app: Flask, tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    os.mkfifo(device)  # a character device like /dev/usb/lp0: writers' bytes would mix
    first, second = drop_off("ar", ("أمينة", "Adam")), drop_off("fr", ("Amélie",))
    expected = len(escpos(first)) + len(escpos(second))
    read = bytearray()

    def printer() -> None:  # the device's side: every job, until both are in
        while len(read) < expected:
            with device.open("rb") as stream:
                read.extend(stream.read())

    reader = threading.Thread(target=printer, daemon=True)
    reader.start()
    config = {**app.config, "KIDS_PRINTER": f"file:{device}"}

    def drop_off_desk(drop: labels.DropOffLabels) -> None:  # a request of its own
        with app.app_context():
            labels.print_labels(config, drop)

    jobs = [threading.Thread(target=drop_off_desk, args=(drop,)) for drop in (first, second)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(timeout=30)
    reader.join(timeout=30)
    assert bytes(read) in (escpos(first) + escpos(second), escpos(second) + escpos(first))


def test_an_unreachable_printer_fails_in_one_line(app: Flask, tmp_path: Path) -> None:
    drop = drop_off("fr", ("Adam",))
    absent = (f"network:127.0.0.1:{free_port()}", f"file:{tmp_path / 'no' / 'lp0'}", "usb:0000:0000")
    for target in absent:
        with pytest.raises(labels.PrintFailed) as failed:
            labels.print_labels({**app.config, "KIDS_PRINTER": target}, drop)
        assert "\n" not in str(failed.value)


def test_kiosk_doctor_asks_the_printer_and_prints_nothing(app: Flask, tmp_path: Path) -> None:
    app.config["KIDS_PRINTER"] = f"file:{tmp_path / 'unplugged' / 'lp0'}"
    assert doctor.printer(app).status == "FAIL"
    with network_printer() as (port, received):  # it ignores status requests
        app.config["KIDS_PRINTER"] = f"network:127.0.0.1:{port}"
        answers = doctor.printer(app)
    assert answers.status == "ok" and "answers" in answers.detail and "paper unknown" in answers.detail
    assert received == RT_STATUS_PAPER  # asked, nothing printed
    with asking_printer([NEAR_END]) as (port, received):
        app.config["KIDS_PRINTER"] = f"network:127.0.0.1:{port}"
        assert doctor.printer(app).detail.endswith("paper near_end")
    with asking_printer([OUT]) as (port, received):
        app.config["KIDS_PRINTER"] = f"network:127.0.0.1:{port}"
        empty = doctor.printer(app)
    assert empty.status == "FAIL" and "out of paper" in empty.detail and received == RT_STATUS_PAPER
    app.config["KIDS_PRINTER"] = f"network:127.0.0.1:{free_port()}"
    refused = doctor.printer(app)
    assert refused.status == "FAIL" and "Connection refused" in refused.detail
    spool = tmp_path / "spool"
    spool.write_bytes(b"a job")
    app.config["KIDS_PRINTER"] = f"file:{spool}"
    assert doctor.printer(app).status == "ok" and spool.read_bytes() == b"a job"  # not emptied
    app.config["KIDS_PRINTER"] = None
    assert doctor.printer(app).status == "skip"


def test_printer_settings_are_checked() -> None:
    parse = settings.parse_printer
    assert parse("usb:04b8:0e15") == settings.PrinterTarget("usb", vendor=0x04B8, product=0x0E15)
    assert parse("network:10.0.0.9") == settings.PrinterTarget("network", host="10.0.0.9", port=9100)
    assert parse("network:printer.local:9101").port == 9101
    assert parse("file:/dev/usb/lp0").path == "/dev/usb/lp0"
    for bad in ("usb:epson", "network:", "network:h:99999", "serial:/dev/ttyS0", "file:", "lp0"):
        with pytest.raises(settings.SettingsError):
            settings.load(None, {"KIOSK_KIDS_PRINTER": bad, "KIOSK_SECRET_KEY": "x"})
    with pytest.raises(settings.SettingsError, match="KIDS_PRINTER_PROFILE"):
        settings.load(None, {"KIOSK_KIDS_PRINTER_PROFILE": "Epson", "KIOSK_SECRET_KEY": "x"})
    loaded = settings.load(None, {"KIOSK_KIDS_PRINTER_PROFILE": "POS-5890", "KIOSK_SECRET_KEY": "x"})
    assert loaded.values["KIDS_PRINTER"] is None and loaded.values["KIDS_PRINTER_PROFILE"] == "POS-5890"


def test_a_58mm_printer_without_native_qr_gets_an_image_qr(app: Flask) -> None:
    printer = Dummy(profile="POS-5890")  # its profile says: no QR command, 384 dots
    labels.write_escpos(printer, drop_off("fr", ("Adam",)))
    assert QR_PRINT not in printer.output and RASTER in printer.output


def media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


@pytest.mark.parametrize("language", ["fr", "ar", "zgh"])
def test_pdf_labels_are_62mm_and_their_qr_reads_back(app: Flask, tmp_path: Path, language: str) -> None:
    pdf = labels.labels_pdf(drop_off(language, ("Amélie", "أمينة"), note="Allergie : arachides"))
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == 3
    sizes = media_boxes(pdf)[1:]  # after the document's default
    assert len(sizes) == 3 and all(abs(width - 62 * 72 / 25.4) < 0.1 for width, _height in sizes)
    for page in pages:
        assert [found.text for found in decode(cv2.imread(str(page)))] == [PAYLOAD]
    text = pdf_text(pdf, tmp_path)
    assert text.count(CODE) == 3 and "Amélie" in text and "أمينة" in text
    assert {"fr": "Espace enfants", "ar": "فضاء الأطفال", "zgh": "ⵉⴼⵔⵅⴰⵏ"}[language] in text


def embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    """The fonts embedded in an fpdf2 PDF (its compressed streams that parse as TrueType)."""
    fonts = {}
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            data = zlib.decompress(pdf[match.end() : pdf.index(b"endstream", match.end())])
            font = TTFont(io.BytesIO(data))
        except Exception:
            continue
        fonts[font["name"].getDebugName(4)] = font
    return fonts


def test_pdf_arabic_name_is_set_in_joined_forms(app: Flask) -> None:
    pdf = labels.labels_pdf(drop_off("ar", ("أمينة",)))
    bold = embedded_fonts(pdf)["Noto Naskh Arabic Bold"]  # the child's name is bold
    glyphs = set(bold.getGlyphOrder())
    # Meem initial, yeh medial, noon medial, teh marbuta final: the letters joined as one
    # word, not the isolated letters (meem U+0645) one after the other.
    assert {"uniFEE3", "uniFEF4", "uniFEE8", "uniFE94"} <= glyphs
    assert "uni0645" not in glyphs


def test_labels_need_a_known_language_and_aware_times() -> None:
    with pytest.raises(ValueError, match="language"):
        drop_off("de", ("Adam",))
    drop = drop_off("fr", ("Adam",))
    naive = replace(drop.receipt, closes=datetime(2026, 6, 15, 19, 0))
    with pytest.raises(ValueError, match="aware"):
        labels.DropOffLabels(drop.children, naive, "fr")
