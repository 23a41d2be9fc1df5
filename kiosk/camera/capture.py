"""The background capture loop: read frames, find codes, hand each new code to a target.

One thread per camera reads a frame, decodes it with the decoder chain, and passes a
code it has not seen in the last ``debounce_seconds`` to the *target* callable (the
entry kiosk's target records a scan through ``Scanner.scan``; other screens plug in
their own). Web requests never wait on the camera: they read the loop's state, its
latest frame and its latest events under a lock.

Sources (``CAMERA_SOURCE``): a camera index (``0``), a device path (``/dev/video2``),
an RTSP or HTTP MJPEG URL, a video file or an image sequence (``frames/%04d.png``).
A file is played at its own frame rate and loops, which is what the demo wants.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from kiosk import settings
from kiosk.camera.decoding import Chain, Point, Reading

# OpenCV and numpy (~0.5 s and ~40 MB) are loaded by the code that reads frames: a
# kiosk without a camera, and every CLI command but decode, never imports them.
if TYPE_CHECKING:
    import cv2
    import numpy as np

log = logging.getLogger(__name__)

Target = Callable[[str], Any]

OK, MISSING, FROZEN, STARTING, STOPPED = "ok", "missing", "frozen", "starting", "stopped"
HINT_SECONDS = 1.5  # how long a "hold it closer" hint stays after the last frame that asked for it


@dataclass(frozen=True)
class CameraEvent:
    """A code the loop handed to its target, and what the target answered."""

    seq: int
    text: str
    result: Any
    seen_at: float  # time.monotonic() of the frame
    done_at: float  # time.monotonic() when the target answered


class Debouncer:
    """The same code held in view is one scan: a code counts again only after it has been
    out of sight for ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[object, float] = {}

    def fresh(self, key: object, now: float) -> bool:
        last = self._last.get(key)
        self._last[key] = now
        if len(self._last) > 1000:  # forget codes long gone
            self._last = {k: t for k, t in self._last.items() if now - t <= self.seconds}
        return last is None or now - last > self.seconds


def parse_source(source: str | int) -> str | int:
    """A camera index as int, anything else (path, URL, file pattern) as a string."""
    if isinstance(source, int):
        return source
    text = str(source).strip()
    return int(text) if text.isdigit() else text


def public_source(source: str | int) -> str:
    """The source as it may be shown: a network camera's password left out."""
    text = str(source)
    parts = urlsplit(text) if "://" in text else None
    if parts is None or "@" not in parts.netloc:
        return text
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def is_file_source(source: str | int) -> bool:
    if isinstance(source, int) or "://" in source or source.startswith("/dev/"):
        return False
    return Path(source).exists() or "%" in source


def open_capture(source: str | int) -> cv2.VideoCapture:
    import cv2

    if isinstance(source, str) and "://" in source:
        # Give up on an unreachable network camera after 5 s instead of FFmpeg's 30 s.
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, 5000, cv2.CAP_PROP_READ_TIMEOUT_MSEC, 5000]
        capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
    else:
        capture = cv2.VideoCapture(source)
    if capture.isOpened() and not is_file_source(source):
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a queue of old ones
    return capture


class CaptureLoop:
    """Reads ``source`` in a thread, decodes every frame, calls ``target`` per new code."""

    def __init__(
        self,
        source: str | int,
        chain: Chain,
        target: Target | None = None,
        debounce_seconds: float = settings.default("CAMERA_DEBOUNCE_SECONDS"),
        pace: bool | None = None,
        frozen_seconds: float = settings.default("CAMERA_FROZEN_SECONDS"),
        reconnect_seconds: float = 2.0,
    ) -> None:
        self.source = parse_source(source)
        self.chain = chain
        self.target = target
        self.debouncer = Debouncer(debounce_seconds)
        self.pace = is_file_source(self.source) if pace is None else pace
        self.frozen_seconds = frozen_seconds
        self.reconnect_seconds = reconnect_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Condition()
        self._state = STARTING
        self._error = ""
        self._frame: np.ndarray | None = None
        self._reading = Reading()
        self._last_frame_at: float | None = None  # monotonic
        self._last_frame_wall: float | None = None
        self._last_change_at: float | None = None
        self._signature = b""
        self._times: deque[float] = deque(maxlen=60)
        self._events: deque[CameraEvent] = deque(maxlen=50)
        self._seq = 0
        self._hint: tuple[str, float] | None = None
        self.frames = 0

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> CaptureLoop:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="camera-capture", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and release the camera (waits up to ``timeout``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            self._state = STOPPED
            self._lock.notify_all()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._capture()
            except Exception:  # never die silently: say so, then start over
                log.exception("camera loop failed; restarting")
                self._set_state(MISSING, "the camera loop failed and restarts; see the log")
                self._stop.wait(self.reconnect_seconds)

    def _capture(self) -> None:
        """Read and process frames until stopped; reconnect when the camera drops."""
        capture: cv2.VideoCapture | None = None
        try:
            while not self._stop.is_set():
                if capture is None:
                    capture = self._connect()
                    if capture is None:
                        self._stop.wait(self.reconnect_seconds)
                        continue
                    interval = self._frame_interval(capture)
                    next_at = time.monotonic()
                    read_since_open = 0
                ok, frame = capture.read()
                if not ok or frame is None:
                    capture.release()
                    capture = None
                    if is_file_source(self.source) and read_since_open:
                        continue  # a file ended: play it again
                    self._set_state(MISSING, "the camera stopped sending frames")
                    self._stop.wait(self.reconnect_seconds)
                    continue
                read_since_open += 1
                self.process(frame)
                if self.pace:
                    next_at += interval
                    self._stop.wait(max(0.0, next_at - time.monotonic()))
        finally:
            if capture is not None:
                capture.release()

    def _connect(self) -> cv2.VideoCapture | None:
        capture = open_capture(self.source)
        if capture.isOpened():
            log.info("camera %s opened", public_source(self.source))
            return capture
        capture.release()
        self._set_state(MISSING, f"cannot open camera {public_source(self.source)}")
        return None

    @staticmethod
    def _frame_interval(capture: cv2.VideoCapture) -> float:
        import cv2

        fps = capture.get(cv2.CAP_PROP_FPS)
        return 1.0 / fps if 1 <= fps <= 240 else 1.0 / 25

    def _set_state(self, state: str, error: str = "") -> None:
        with self._lock:
            if state != self._state:
                log.info("camera %s: %s %s", public_source(self.source), state, error)
            self._state, self._error = state, error
            self._lock.notify_all()

    # -- one frame ----------------------------------------------------------------
    def process(self, frame: np.ndarray) -> list[CameraEvent]:
        """Decode one frame and hand its new codes to the target (runs in the loop thread;
        public so that benchmarks can drive it)."""
        seen_at = time.monotonic()
        reading = self.chain.read(frame)
        signature = hashlib.blake2b(frame[::16, ::16].tobytes(), digest_size=8).digest()
        hint = reading.hint(frame.shape)
        with self._lock:
            self.frames += 1
            self._frame, self._reading = frame, reading
            self._last_frame_at, self._last_frame_wall = seen_at, time.time()
            self._times.append(seen_at)
            if signature != self._signature or self._last_change_at is None:
                self._signature, self._last_change_at = signature, seen_at
            self._state, self._error = OK, ""
            if hint:
                self._hint = (hint, seen_at)
        events = []
        for found in reading.found:
            if not self.debouncer.fresh(found.text, seen_at):
                continue
            result = None
            if self.target is not None:
                try:
                    result = self.target(found.text)
                except Exception:  # a failing target must not stop the camera
                    log.exception("camera target failed for a code")
            with self._lock:
                self._seq += 1
                event = CameraEvent(self._seq, found.text, result, seen_at, time.monotonic())
                self._events.append(event)
                self._lock.notify_all()
            events.append(event)
        return events

    # -- what the web side reads ----------------------------------------------------
    def status(self) -> dict[str, Any]:
        """State for the screen and the status page: ok, missing, frozen, starting, stopped."""
        now = time.monotonic()
        with self._lock:
            state = self._state
            if (
                state == OK
                and self._last_frame_at is not None
                and (
                    now - self._last_frame_at > self.frozen_seconds
                    or now - (self._last_change_at or now) > self.frozen_seconds
                )
            ):
                state = FROZEN  # no new frame, or the same picture over and over
            recent = [t for t in self._times if now - t <= 2.0]
            span = recent[-1] - recent[0] if len(recent) > 1 else 0.0
            fps = (len(recent) - 1) / span if span > 0 else 0.0
            hint = self._hint[0] if self._hint and now - self._hint[1] <= HINT_SECONDS else None
            return {
                "state": state,
                "error": self._error,
                "source": public_source(self.source),
                "decoders": self.chain.names,
                "fps": round(fps, 1),
                "frames": self.frames,
                "last_frame_at": self._last_frame_wall,
                "hint": hint if state == OK else None,
                "last_event": self._seq,
            }

    def latest_event(self) -> CameraEvent | None:
        with self._lock:
            return self._events[-1] if self._events else None

    def wait_for_event(self, after: int, timeout: float) -> CameraEvent | None:
        """The first event newer than ``after``, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self._events:
                    if event.seq > after:
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or self._state == STOPPED:
                    return None
                self._lock.wait(left)

    def preview_jpeg(self, width: int = 640, quality: int = 70) -> bytes | None:
        """The latest frame, downscaled, with read codes outlined in green and codes seen
        but not read in amber; None before the first frame."""
        import cv2

        with self._lock:
            frame, reading = self._frame, self._reading
        if frame is None:
            return None
        scale = min(1.0, width / frame.shape[1])
        image = frame.copy()
        if scale < 1:
            image = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        for points, colour in [(f.points, (80, 200, 0)) for f in reading.found] + [
            (p, (0, 170, 255)) for p in reading.unreadable
        ]:
            _outline(image, points, scale, colour)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return data.tobytes() if ok else None


def _outline(
    image: np.ndarray, points: tuple[Point, ...], scale: float, colour: tuple[int, int, int]
) -> None:
    import cv2
    import numpy as np

    if len(points) < 3:
        return
    poly = (np.array(points, dtype=np.float32) * scale).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(image, [poly], isClosed=True, color=colour, thickness=4)
