"""Finding and reading QR codes in camera frames and image files.

``decode(image)`` is the one entry point; behind it stands a chain of decoders named in
config (``DECODERS = "zxingcpp,pyzbar"``). Measured on the shared real samples
(bench/camera.py): zxing-cpp reads more codes (96% against 66%) and is several times
faster than pyzbar, and pyzbar still reads a photo zxing-cpp misses, so the default
chain asks zxing-cpp first and pyzbar only when zxing-cpp found nothing.

Preprocessing: still images are only turned grey. The live camera loop's chain
(``fallback_every`` > 1) runs zxing-cpp on every frame, at full size with its own whole
search (both polarities, downscaled copies): the same call as zxing-cpp alone, so a
ticket flashed for a single frame is read whenever zxing-cpp alone reads that frame.
ZBar, on a frame at most 640 wide, runs every n-th frame without a code. An earlier
split of zxing-cpp's search (light-on-dark on a 640-wide frame on every frame, at full
size in the fallback turn) cost more, 4.7 ms a 1280x720 frame and 4.2 ms more in the
fallback turn against 6.7 ms for the whole search (measured), and missed the small
light-on-dark photos in a camera frame.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kiosk import settings

# OpenCV and numpy (~0.5 s and ~40 MB) are loaded by the code that handles images: a
# kiosk without a camera, and every CLI command but decode, never imports them.
if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

DEFAULT_DECODERS: str = settings.default("DECODERS")
# An unreadable code whose shorter side is below this fraction of the frame's shorter
# side is "too small": the visitor should hold it closer (a version 6 ticket, 49 modules
# with its margin, has under 3 pixels a module below 0.2 of a 720-line frame).
SMALL_FRACTION = 0.2
# The live loop's ZBar reads a frame at most this wide: a quarter of a 1280x720 frame's
# pixels; the real sample photos stay as they are.
LIVE_WIDTH = 640

Point = tuple[int, int]


@dataclass(frozen=True)
class Found:
    """One code read in an image: its text, raw bytes, corners and who read it."""

    text: str
    raw: bytes
    points: tuple[Point, ...]
    decoder: str

    def side(self) -> float:
        """Length of the shortest side of the code's outline, in pixels."""
        import numpy as np

        pts = np.array(self.points, dtype=float)
        if len(pts) < 2:
            return 0.0
        return float(min(np.linalg.norm(pts[i] - pts[(i + 1) % len(pts)]) for i in range(len(pts))))


@dataclass(frozen=True)
class Reading:
    """What one image showed: codes read, and codes seen but not read (their outlines)."""

    found: list[Found] = field(default_factory=list)
    unreadable: list[tuple[Point, ...]] = field(default_factory=list)

    def hint(self, shape: Sequence[int]) -> str | None:
        """What to tell the visitor when a code is in view but could not be read:
        ``too_small`` (hold it closer), ``unreadable`` (hold it still and flat), or None."""
        if self.found or not self.unreadable:
            return None
        largest = max(_side(points) for points in self.unreadable)
        return "too_small" if largest < SMALL_FRACTION * min(shape[0], shape[1]) else "unreadable"


def _side(points: Sequence[Point]) -> float:
    return Found("", b"", tuple(points), "").side()


def text_of(raw: bytes) -> str:
    """Text of a code's bytes: UTF-8 when it is, else Latin-1 (never raises)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Decoder(Protocol):
    name: str

    def read(self, grey: np.ndarray) -> Reading: ...


def shrink(grey: np.ndarray, max_width: int | None) -> tuple[np.ndarray, float]:
    """``grey`` at most ``max_width`` wide (None: as it is), and the scale applied."""
    import cv2

    if not max_width or grey.shape[1] <= max_width:
        return grey, 1.0
    scale = max_width / grey.shape[1]
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


class ZxingDecoder:
    """zxing-cpp: fast and the best reader of photographed codes.

    Its whole search, as zxing-cpp reads by default: light codes on a dark ground too
    (``try_invert``) and downscaled copies. Both polarities in one call cost 1.5 times one
    (6.7 against 4.4 ms on an empty 1280x720 frame, measured): zxing-cpp inverts its
    binarized image and does not binarize twice, so the live loop makes this one call.
    """

    name = "zxingcpp"

    def __init__(self) -> None:
        import zxingcpp

        self._zx = zxingcpp

    def read(self, grey: np.ndarray) -> Reading:
        zx = self._zx
        results = zx.read_barcodes(
            grey,
            formats=zx.BarcodeFormat.QRCode,
            text_mode=zx.TextMode.Plain,
            return_errors=True,
            try_invert=True,
            try_downscale=True,
        )
        found, unreadable = [], []
        for result in results:
            pos = result.position
            points = tuple(
                (p.x, p.y) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
            )
            if result.valid:
                found.append(Found(result.text, bytes(result.bytes), points, self.name))
            else:
                unreadable.append(points)
        return Reading(found, unreadable)


class PyzbarDecoder:
    """pyzbar (ZBar): slower, reads some codes zxing-cpp misses.

    ``max_width``: shrink wider images first. On 1280x720 camera frames ZBar at half
    size read more tickets (38/40 against 35/40) in a quarter of the time (measured), so
    the live loop uses ``LIVE_WIDTH``; still images are read as they are.
    """

    name = "pyzbar"

    def __init__(self, max_width: int | None = None) -> None:
        from pyzbar import pyzbar

        self._zbar = pyzbar
        self.max_width = max_width

    def read(self, grey: np.ndarray) -> Reading:
        zbar = self._zbar
        grey, scale = shrink(grey, self.max_width)
        results = zbar.decode(grey, symbols=[zbar.ZBarSymbol.QRCODE])
        return Reading(
            [
                Found(
                    text_of(r.data),
                    bytes(r.data),
                    tuple((round(p.x / scale), round(p.y / scale)) for p in r.polygon),
                    self.name,
                )
                for r in results
            ]
        )


DECODER_CLASSES: dict[str, Callable[[], Decoder]] = {
    "zxingcpp": ZxingDecoder,
    "pyzbar": PyzbarDecoder,
}


class Chain:
    """Decoders asked in turn until one reads a code.

    The first decoder reads every image; the others are the fallback. ``fallback_every``:
    in the live camera loop the fallback decoders run only on every n-th frame where the
    first found nothing, because pyzbar costs ~9 ms on an empty 1280x720 frame even
    shrunk to 640 wide, and a code held up stays in view for many frames anyway. Still
    images (CLI, browser camera) use 1: every decoder gets its turn.
    """

    def __init__(self, decoders: Sequence[Decoder], fallback_every: int = 1) -> None:
        if not decoders:
            raise RuntimeError("no QR decoder is installed (pip install zxing-cpp or pyzbar)")
        self.decoders = list(decoders)
        self.fallback_every = max(1, fallback_every)
        self._misses = 0

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(d.name for d in self.decoders))

    def read(self, image: np.ndarray) -> Reading:
        """The first decoder's reading, or the first that found a code (keeping the first
        decoder's outlines of codes it saw and could not read)."""
        grey = to_grey(image)
        first = self.decoders[0].read(grey)
        if first.found:
            return first
        self._misses += 1
        if self._misses % self.fallback_every:
            return first
        for decoder in self.decoders[1:]:
            reading = decoder.read(grey)
            if reading.found:
                return Reading(reading.found, first.unreadable)
        return first

    def decode(self, image: np.ndarray) -> list[Found]:
        return self.read(image).found


def to_grey(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.ndim == 2:
        return image
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)


def build_chain(spec: str | Sequence[str] | None = None, fallback_every: int = 1) -> Chain:
    """The chain named in ``spec`` (default ``KIOSK_DECODERS`` or zxingcpp,pyzbar), with
    whichever of its decoders are installed; logs which it uses."""
    if spec is None:
        spec = settings.from_environment(os.environ).get("DECODERS", DEFAULT_DECODERS)
    names = [n.strip().lower() for n in spec.split(",")] if isinstance(spec, str) else list(spec)
    decoders: list[Decoder] = []
    for name in filter(None, names):
        make = DECODER_CLASSES.get(name)
        if make is None:
            raise ValueError(f"unknown decoder {name!r}; known: {', '.join(DECODER_CLASSES)}")
        try:
            decoders.append(make())
        except ImportError as error:  # pyzbar raises ImportError when libzbar is missing too
            log.warning("QR decoder %s is not installed (%s); skipping it", name, error)
    if fallback_every > 1:
        # Live loop: ZBar on a smaller frame (zxing-cpp, first, reads the frame as it is).
        decoders = [
            PyzbarDecoder(max_width=LIVE_WIDTH) if isinstance(d, PyzbarDecoder) else d for d in decoders
        ]
    chain = Chain(decoders, fallback_every)
    log.info("QR decoders in use: %s", ", ".join(chain.names))
    return chain


_default: Chain | None = None


def decode(image: np.ndarray) -> list[Found]:
    """Every code the default chain reads in a BGR or grey image."""
    global _default
    if _default is None:
        _default = build_chain()
    return _default.decode(image)


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """An image file as a grey array; OpenCV first, Pillow for what it cannot open
    (tiny WebP files). Raises OSError when neither can read it."""
    import cv2
    import numpy as np

    if not os.path.isfile(path):
        raise OSError(f"cannot read image {os.fspath(path)}: not a file")
    grey = cv2.imread(os.fspath(path), cv2.IMREAD_GRAYSCALE)
    if grey is not None:
        return grey
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            return np.asarray(picture.convert("L"))
    except (UnidentifiedImageError, ValueError) as error:
        raise OSError(f"cannot read image {os.fspath(path)}: {error}") from error
