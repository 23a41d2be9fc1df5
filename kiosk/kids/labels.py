"""The two printed labels of a kids' space drop-off, in the visitor's language.

A sticker for each child (first name, note, drop-off time, the security code in big
letters, a QR) and a receipt for the adult (the same code and QR, the children's first
names, the space's closing time and phone number). Pick-up matches the two.

Printed on an ESC/POS thermal printer (``KIDS_PRINTER``, through python-escpos: USB,
network or a device file) with the printer's own QR command and text; a line the
printer's code pages cannot show as it should (Arabic must be joined and laid right to
left, Tifinagh has no code page) is drawn by Pillow, whose Raqm layout shapes it, in
DejaVu Sans (one font with Latin, Arabic and Tifinagh, so a line mixing them needs no
fallback), and sent as a raster image. Without a printer the same lines make a PDF of
62 mm labels (the common continuous label roll) through fpdf2, as the ticket PDFs are
made (``kiosk.tickets.printing.new_pdf``: Arabic shaped by HarfBuzz in Noto Naskh).
Building the lines needs an app context: their words come from Flask-Babel.

A printer that can answer (network; a device file it may read) is asked for its paper
sensor before and after the job (python-escpos ``paper_status``, DLE EOT 4): out of paper
before, nothing is sent (a job left in its buffer would come out later, among another
family's labels); near the end, the labels print and staff are told. A printer that
does not answer is ``Paper.UNKNOWN``, never "out of paper". No printer, even one that
takes no more data, holds the request for longer than ``PRINTER_TIMEOUT`` at a time.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import select
import socket
import textwrap
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

import usb.core
from babel import lists
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from escpos.printer import Network, Usb
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from PIL import Image, ImageDraw, ImageFont

from kiosk import i18n, settings
from kiosk.tickets.badges import has_arabic
from kiosk.tickets.printing import DEJAVU, new_pdf, qr_image

log = logging.getLogger(__name__)

PRINTER_TIMEOUT = 5.0  # seconds the drop-off screen waits at most for a printer to take data
# A printer's status answer comes at once; a printer that ignores the request (many cheap
# ones) costs this much once a job.
STATUS_TIMEOUT = 0.5
QR_MODULE_DOTS = 6  # 0.75 mm a module at 203 dpi: read by the kiosk camera at arm's length
RASTER_DOTS = 24  # an image line's height per size step: the printer's own font A is 24 dots
RASTER_FONT = DEJAVU / "DejaVuSans-Bold.ttf"  # bold: thin strokes fade on thermal paper
LABEL_MM = 62
MARGIN_MM = 4
QR_MM = 34
POINTS = {1: 10, 2: 16, 4: 30}  # PDF font size (pt) for each ESC/POS magnification


class PrintFailed(Exception):
    """The labels did not reach the printer (unplugged, off, out of reach); the message says why."""


class OutOfPaper(PrintFailed):
    """The printer says its roll is out: before the job (nothing sent) or after it (the
    labels may be cut short)."""


class Paper(StrEnum):
    """What a printer's paper sensor says (python-escpos ``paper_status``: 2, 1, 0), or unknown."""

    PLENTY = "plenty"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"  # the printer cannot answer here, or did not


@dataclass(frozen=True)
class ChildLabel:
    """The sticker on one child."""

    first_name: str
    note: str  # allergy, language spoken...; "" for none
    dropped_off: datetime  # aware
    code: str  # the security code the adult's receipt shares
    qr_payload: str


@dataclass(frozen=True)
class AdultReceipt:
    """The accompanying adult's receipt: pick-up needs it."""

    code: str
    qr_payload: str
    children: tuple[str, ...]  # first names
    closes: datetime  # aware: the kids' space's closing time that day
    phone: str  # the kids' space's phone number; "" for none (no line for it)


@dataclass(frozen=True)
class DropOffLabels:
    """Everything printed for one drop-off, in ``language`` (one of ``kiosk.i18n.LANGUAGES``)."""

    children: tuple[ChildLabel, ...]
    receipt: AdultReceipt
    language: str

    def __post_init__(self) -> None:
        if self.language not in i18n.LANGUAGES:
            raise ValueError(f"no language {self.language!r}")
        times = [child.dropped_off for child in self.children] + [self.receipt.closes]
        if any(moment.tzinfo is None for moment in times):
            raise ValueError("label times must be aware (kiosk.clock)")  # else printed in the host's zone


@dataclass(frozen=True)
class Line:
    """A line of text; ``size`` is the ESC/POS magnification (1, 2 or 4)."""

    text: str
    size: int = 1


@dataclass(frozen=True)
class Qr:
    payload: str


Part = Line | Qr


def _time(moment: datetime) -> str:
    return i18n.local_format(moment, "HH:mm")


def child_parts(label: ChildLabel) -> list[Part]:
    """The child's sticker, top to bottom (inside ``force_locale``)."""
    parts: list[Part] = [Line(_("Kids' space")), Line(label.first_name, 2)]
    if label.note:
        parts.append(Line(label.note))
    parts += [
        Line(_("Dropped off at %(time)s", time=_time(label.dropped_off))),
        Line(label.code, 4),
        Qr(label.qr_payload),
    ]
    return parts


def phone_text(phone: str, rtl: bool) -> str:
    """A phone number kept on one line and, in a right-to-left line, in its own left-to-right
    order (Unicode isolate: else the bidi algorithm reverses its groups of digits)."""
    unbroken = phone.replace(" ", "\u00a0")
    return f"\u2066{unbroken}\u2069" if rtl else unbroken


def receipt_parts(receipt: AdultReceipt, rtl: bool) -> list[Part]:
    """The adult's receipt, top to bottom (inside ``force_locale``)."""
    parts: list[Part] = [
        Line(_("Kids' space: pick-up receipt")),
        Line(lists.format_list(list(receipt.children), locale=i18n.format_locale()), 2),
        Line(receipt.code, 4),
        Qr(receipt.qr_payload),
        Line(_("Keep this receipt: it is needed to pick up the children.")),
        Line(_("Pick up before %(time)s", time=_time(receipt.closes))),
    ]
    if receipt.phone:
        parts.append(Line(_("Kids' space phone: %(phone)s", phone=phone_text(receipt.phone, rtl))))
    return parts


def labels_parts(labels: DropOffLabels) -> Iterator[list[Part]]:
    """Each label's parts: the children's stickers, then the adult's receipt, in the
    drop-off's language."""
    with force_locale(labels.language):
        for child in labels.children:
            yield child_parts(child)
        yield receipt_parts(labels.receipt, labels.language in i18n.RTL_LANGUAGES)


# --- ESC/POS


# Every answer to DLE EOT n has bits 1 and 4 set and bits 0 and 7 clear (Epson's ESC/POS
# reference); python-escpos reads "no paper" in any other byte.
STATUS_FIXED_MASK, STATUS_FIXED_BITS = 0b1001_0011, 0b0001_0010


class Answering(Escpos):
    """A printer whose status answers are checked: an empty answer or one that is no
    status byte (an echo, a late or unrelated byte) raises instead of being read as
    "plenty" or "no paper" (no printing again until a roll is changed that was full)."""

    def query_status(self, mode: bytes) -> bytes:
        answer = super().query_status(mode)
        if len(answer) != 1 or answer[0] & STATUS_FIXED_MASK != STATUS_FIXED_BITS:
            raise ConnectionError(f"not a status answer: {answer.hex() or 'nothing'}")
        return answer


class AskingNetwork(Answering, Network):
    """python-escpos's network printer whose status reads wait ``STATUS_TIMEOUT`` only."""

    def _read(self) -> bytes:
        connection = cast(socket.socket, self.device)
        connection.settimeout(STATUS_TIMEOUT)
        try:
            return super()._read()
        finally:
            connection.settimeout(self.timeout)


class DeviceFile(Answering):
    """A printer on a device file (/dev/usb/lp0), FIFO or file, as python-escpos's File
    printer but never blocking for good (a printer that is off or jammed takes no data,
    and a blocking write would hold the request thread forever): the descriptor is
    non-blocking and each write waits (poll) at most ``PRINTER_TIMEOUT`` for the printer
    to take data. A character device it may read answers status requests."""

    def __init__(self, devfile: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.devfile = devfile
        self.readable = False
        self._fd: int | None = None

    def open(self, raise_not_found: bool = True) -> None:
        self.close()
        path = Path(self.devfile)
        self.readable = path.is_char_device() and os.access(path, os.R_OK | os.W_OK)
        flags = (os.O_RDWR if self.readable else os.O_WRONLY | os.O_CREAT | os.O_TRUNC) | os.O_NONBLOCK
        deadline = time.monotonic() + PRINTER_TIMEOUT
        while True:
            try:
                self._fd = os.open(path, flags, 0o644)
                return
            except OSError as error:
                # ENXIO: a FIFO nobody reads at this moment (a spooler between two jobs):
                # waited for as a write is.
                if error.errno != errno.ENXIO or time.monotonic() >= deadline:
                    raise DeviceNotFoundError(f"Could not open {self.devfile}: {error.strerror}") from error
                time.sleep(0.05)

    def _wait(self, event: int, seconds: float, what: str) -> None:
        poller = select.poll()
        poller.register(self._descriptor(), event)
        if not poller.poll(seconds * 1000):
            raise TimeoutError(f"{self.devfile} {what} for {seconds:g} s")

    def _descriptor(self) -> int:
        if self._fd is None:
            raise DeviceNotFoundError(f"{self.devfile} is not open")
        return self._fd

    def _raw(self, msg: bytes) -> None:
        rest = memoryview(msg)
        while rest:
            try:
                rest = rest[os.write(self._descriptor(), rest) :]
            except BlockingIOError:
                self._wait(select.POLLOUT, PRINTER_TIMEOUT, "took no data")

    def _read(self) -> bytes:
        if not self.readable:
            raise NotImplementedError(f"{self.devfile} cannot be read")
        self._wait(select.POLLIN, STATUS_TIMEOUT, "did not answer")
        return os.read(self._descriptor(), 16)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def open_printer(config: Mapping[str, Any]) -> Escpos:
    """The configured printer (``KIDS_PRINTER``, ``KIDS_PRINTER_PROFILE``), not yet opened."""
    target = settings.parse_printer(config["KIDS_PRINTER"])
    profile = config["KIDS_PRINTER_PROFILE"]
    if target.kind == "usb":
        return Usb(target.vendor, target.product, timeout=int(PRINTER_TIMEOUT * 1000), profile=profile)  # ms
    if target.kind == "network":
        return AskingNetwork(target.host, target.port, timeout=PRINTER_TIMEOUT, profile=profile)
    return DeviceFile(target.path, profile=profile)


def paper(printer: Escpos) -> Paper:
    """What the open ``printer``'s paper sensor says (python-escpos ``paper_status``, DLE EOT 4).
    UNKNOWN for a printer that cannot answer here (USB, a file or FIFO: left unasked) or does
    not answer within ``STATUS_TIMEOUT``."""
    if not (isinstance(printer, AskingNetwork) or (isinstance(printer, DeviceFile) and printer.readable)):
        return Paper.UNKNOWN
    try:
        level = printer.paper_status()
    except OSError as error:  # a printer that does not answer status requests, or not as asked
        log.info("kids' label printer gives no paper status: %s", error)
        return Paper.UNKNOWN
    return (Paper.OUT, Paper.NEAR_END, Paper.PLENTY)[level]


def needs_raster(printer: Escpos, text: str) -> bool:
    """Whether the printer's text would show ``text`` wrong: right-to-left letters (the
    printer would print them unjoined, left to right) or a letter in none of its code pages."""
    encoder = printer.magic.encoder
    return any(
        unicodedata.bidirectional(char) in ("R", "AL")
        or (not char.isspace() and encoder.find_suitable_encoding(char) is None)
        for char in text
    )


def raster_line(text: str, size: int, width: int, rtl: bool) -> Image.Image:
    """``text`` drawn black on white, centred, ``width`` dots wide, wrapped at words, shaped
    by Raqm; ``rtl``: the line is laid right to left (a name in Latin letters keeps its
    own order inside it)."""
    direction = "rtl" if rtl else "ltr"
    font = ImageFont.truetype(str(RASTER_FONT), RASTER_DOTS * size, layout_engine=ImageFont.Layout.RAQM)
    widest = max((font.getlength(word, direction=direction) for word in text.split()), default=0)
    if widest > width:  # a word too long for the paper (a long name) gets a smaller font, not cut off
        font = font.font_variant(size=int(RASTER_DOTS * size * width / widest))
    rows: list[str] = []
    for word in text.split():
        candidate = f"{rows[-1]} {word}" if rows else word
        if rows and font.getlength(candidate, direction=direction) <= width:
            rows[-1] = candidate
        else:
            rows.append(word)
    ascent, descent = font.getmetrics()
    height = ascent + descent
    image = Image.new("1", (width, height * len(rows)), 1)
    draw = ImageDraw.Draw(image)
    for index, row in enumerate(rows):
        draw.text((width / 2, index * height), row, font=font, fill=0, anchor="ma", direction=direction)
    return image


def write_escpos(printer: Escpos, labels: DropOffLabels) -> None:
    """Every label of the drop-off as ESC/POS commands to ``printer``, a cut after each."""
    width = int(printer.profile.profile_data["media"]["width"]["pixels"])
    native_qr = bool(printer.profile.supports("qrCode"))
    rtl = labels.language in i18n.RTL_LANGUAGES
    columns = printer.profile.get_columns("a")
    for parts in labels_parts(labels):
        printer.set_with_default(align="center")
        for part in parts:
            if isinstance(part, Qr):
                # A native QR is centred by the alignment above; python-escpos centres an image one.
                printer.qr(
                    part.payload, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS, native=native_qr, center=not native_qr
                )
            elif needs_raster(printer, part.text):
                printer.image(raster_line(part.text, part.size, width, rtl))
            else:
                big = part.size > 1
                printer.set(
                    align="center",
                    bold=big,
                    custom_size=big,
                    normal_textsize=not big,
                    width=part.size,
                    height=part.size,
                )
                # The printer breaks a line at its last column, inside a word: break at words.
                for row in textwrap.wrap(part.text, columns // part.size):
                    printer.textln(row)
        printer.cut()


PRINTER_ERRORS = (EscposError, OSError, usb.core.NoBackendError)  # unreachable, refused, no libusb
# One job at a time: two drop-offs at once would interleave their bytes on a USB or device
# printer (the server answers several requests at once).
_printer_lock = threading.Lock()


def _failed(config: Mapping[str, Any], error: Exception) -> PrintFailed:
    log.warning("kids' label printer %s failed: %s", config["KIDS_PRINTER"], error)
    return PrintFailed(" ".join(str(error).split()))  # one line: python-escpos wraps the OS error


def _out_of_paper(config: Mapping[str, Any], when: str) -> OutOfPaper:
    log.warning("kids' label printer %s is out of paper (%s)", config["KIDS_PRINTER"], when)
    return OutOfPaper(f"out of paper {when}")


def print_labels(config: Mapping[str, Any], labels: DropOffLabels) -> Paper:
    """Print the drop-off's labels on ``KIDS_PRINTER`` (which must be set); returns what
    the paper sensor said after the job. Raises ``OutOfPaper`` when the printer says its
    roll is out (before: nothing sent), ``PrintFailed`` when it cannot be reached, refuses
    or takes no data for ``PRINTER_TIMEOUT``."""
    printer = open_printer(config)
    with _printer_lock:
        try:
            printer.open()  # fail here, before any label, if the printer is unreachable
            before = paper(printer)
            if before is Paper.OUT:
                raise _out_of_paper(config, "before printing")
            write_escpos(printer, labels)
            # A printer that did not answer before will not now: not waited for twice.
            after = Paper.UNKNOWN if before is Paper.UNKNOWN else paper(printer)
        except PRINTER_ERRORS as error:
            raise _failed(config, error) from error
        finally:
            printer.close()
    if after is Paper.OUT:
        raise _out_of_paper(config, "after printing")
    if after is Paper.NEAR_END:
        log.warning("kids' label printer %s: paper roll near its end", config["KIDS_PRINTER"])
    return after


def reach(config: Mapping[str, Any]) -> Paper:
    """Whether ``KIDS_PRINTER`` (which must be set) can be opened, printing nothing
    (``kiosk doctor``), and what its paper sensor says; raises ``PrintFailed`` (``OutOfPaper``)."""
    target = settings.parse_printer(config["KIDS_PRINTER"])
    path = Path(target.path)
    if target.kind == "file" and not path.is_char_device():
        # Opening a plain file to write would empty it: ask whether it could be opened.
        if not os.access(path if path.exists() else path.parent, os.W_OK):
            raise _failed(config, PermissionError(f"{path} cannot be written"))
        return Paper.UNKNOWN
    printer = open_printer(config)
    with _printer_lock:
        try:
            printer.open()
            found = paper(printer)
        except PRINTER_ERRORS as error:
            raise _failed(config, error) from error
        finally:
            printer.close()
    if found is Paper.OUT:
        raise _out_of_paper(config, "now")
    return found


# --- PDF


def _pdf_parts(pdf: FPDF, parts: list[Part], top: float, draw: bool) -> float:
    """Lay ``parts`` out from ``top`` (drawing them if ``draw``); returns the bottom."""
    width = LABEL_MM - 2 * MARGIN_MM
    y = top
    for part in parts:
        if isinstance(part, Qr):
            if draw:
                buffer = io.BytesIO()
                qr_image(part.payload, box_size=8).save(buffer, format="PNG")
                pdf.image(buffer, x=(LABEL_MM - QR_MM) / 2, y=y, w=QR_MM, h=QR_MM)
            y += QR_MM
            continue
        points = POINTS[part.size]
        pdf.set_font("Naskh" if has_arabic(part.text) else "DejaVu", "B" if part.size > 1 else "", points)
        pdf.set_xy(MARGIN_MM, y)
        line_mm = points * 0.45  # 1.28 x the font size (1 pt = 0.353 mm)
        height = pdf.multi_cell(
            width, line_mm, part.text, align="C", dry_run=not draw, output=MethodReturnValue.HEIGHT
        )
        y += cast(float, height) + 1
    return y


_measuring = threading.local()


def _scratch() -> FPDF:
    """This thread's document to measure labels on (a page's height is fixed when it is
    added): its fonts load once, not with every PDF. Nothing is drawn on it."""
    pdf: FPDF | None = getattr(_measuring, "pdf", None)
    if pdf is None:
        pdf = _measuring.pdf = new_pdf()
        pdf.add_page(format=(LABEL_MM, LABEL_MM))
    return pdf


def labels_pdf(labels: DropOffLabels) -> bytes:
    """The drop-off's labels as a PDF, one 62 mm wide page a label, each as long as its text."""
    every = list(labels_parts(labels))
    scratch = _scratch()  # same line breaks whatever the direction
    heights = [_pdf_parts(scratch, parts, MARGIN_MM, draw=False) + MARGIN_MM for parts in every]
    pdf = new_pdf()
    pdf.set_text_shaping(True, direction="rtl" if labels.language in i18n.RTL_LANGUAGES else "ltr")
    for parts, height in zip(every, heights, strict=True):
        pdf.add_page(format=(LABEL_MM, height))
        _pdf_parts(pdf, parts, MARGIN_MM, draw=True)
    return bytes(pdf.output())
