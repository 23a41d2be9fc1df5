"""Synthetic camera material for the camera tests, benchmark and demo: real ticket QR codes,
warped, blurred, darkened and noisy in 1280x720 frames, written to video files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from kiosk import instance

HD = (1280, 720)


def ticket_payloads(instance_dir: Path, type_id: str = "day", count: int = 3) -> list[str]:
    """Signed QR texts of real tickets of the demo fair (valid on its first day)."""
    conn = instance.open_db(instance_dir).conn
    rows = conn.execute(
        "SELECT payload FROM tickets WHERE type_id = ? ORDER BY valid_from, serial LIMIT ?",
        (type_id, count),
    ).fetchall()
    conn.close()
    return [row["payload"] for row in rows]


def qr_image(data: str | bytes, box: int = 6, border: int = 4) -> np.ndarray:
    """A grey QR code image as tickets print it (error correction M)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box, border=border)
    code.add_data(data)
    code.make(fit=True)
    return np.asarray(code.make_image().get_image().convert("L"), dtype=np.uint8)


def background(rng: np.random.Generator, size: tuple[int, int] = HD) -> np.ndarray:
    """A smooth, textured grey-brown scene (a counter, a wall) in BGR."""
    width, height = size
    small = rng.integers(60, 200, (height // 40 + 1, width // 40 + 1, 3), dtype=np.uint8)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)


def place(
    frame: np.ndarray,
    code: np.ndarray,
    rng: np.random.Generator,
    side: int = 300,
    tilt: float = 0.12,
    centre: tuple[int, int] | None = None,
) -> np.ndarray:
    """Warp ``code`` (grey) into ``frame`` (BGR) as a ``side``-pixel quadrilateral seen at a
    slant (each corner moved by up to ``tilt`` of the side)."""
    height, width = frame.shape[:2]
    half = side // 2
    cx, cy = centre or (
        int(rng.integers(side, width - side)),
        int(rng.integers(half + 20, height - half - 20)),
    )
    square = np.array(
        [[cx - half, cy - half], [cx + half, cy - half], [cx + half, cy + half], [cx - half, cy + half]],
        np.float32,
    )
    corners = square + rng.uniform(-tilt * side, tilt * side, (4, 2)).astype(np.float32)
    h, w = code.shape
    matrix = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), corners)
    warped = cv2.warpPerspective(code, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full_like(code, 255), matrix, (width, height)) > 0
    out = frame.copy()
    out[mask] = cv2.cvtColor(warped, cv2.COLOR_GRAY2BGR)[mask]
    return out


def degrade(
    frame: np.ndarray, rng: np.random.Generator, blur: float = 1.2, light: float = 0.6, noise: float = 8.0
) -> np.ndarray:
    """Camera trouble: defocus blur, dim light, sensor noise (OpenCV's generator, seeded
    from ``rng``: ten times faster than numpy's for a 1280x720 frame)."""
    out = cv2.GaussianBlur(frame, (0, 0), blur) if blur > 0 else frame
    out = cv2.convertScaleAbs(out, alpha=light)
    if noise > 0:
        # One flat channel: given a 3-channel array, randn would take ``noise`` as the
        # first channel's deviation only and leave the others clean.
        grain = np.empty((out.size, 1), np.int16)
        cv2.setRNGSeed(int(rng.integers(2**31)))
        cv2.randn(grain, np.array([0.0]), np.array([noise]))
        out = cv2.add(out, grain.reshape(out.shape), dtype=cv2.CV_8U)
    return out


def ticket_frame(
    payload: str | bytes,
    rng: np.random.Generator,
    size: tuple[int, int] = HD,
    side: int | None = None,
    **trouble: float,
) -> np.ndarray:
    """One camera frame showing a ticket held up, with ordinary camera trouble."""
    side = side or int(min(size) * 0.45)
    frame = place(background(rng, size), qr_image(payload), rng, side=side)
    return degrade(frame, rng, **trouble)


def torn_ticket_frame(box: int, size: tuple[int, int] = HD, payload: str = "SK1:" + "X" * 113) -> np.ndarray:
    """A frame (BGR) with a ticket whose data area is torn: a decoder sees the code and
    cannot read it. ``box`` pixels a module: 2 is far from the camera, 6 is close."""
    code = qr_image(payload, box=box).copy()
    side = code.shape[0]
    code[int(side * 0.27) : int(side * 0.62), int(side * 0.27) : int(side * 0.7)] = 255
    frame = np.full((size[1], size[0]), 200, np.uint8)
    top, left = (size[1] - side) // 2, (size[0] - side) // 2
    frame[top : top + side, left : left + side] = code
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


def framed(photo: np.ndarray, size: tuple[int, int] = HD, seed: int = 1) -> np.ndarray:
    """A grey photo pasted as it is in the middle of a grey camera-sized scene (shrunk to
    fit when it is larger): a real photo of a code as the live loop's frame would hold it."""
    scene = cv2.cvtColor(background(np.random.default_rng(seed), size), cv2.COLOR_BGR2GRAY)
    fit = min(1.0, scene.shape[0] / photo.shape[0], scene.shape[1] / photo.shape[1])
    if fit < 1:
        photo = cv2.resize(photo, None, fx=fit, fy=fit, interpolation=cv2.INTER_AREA)
    height, width = photo.shape
    top, left = (scene.shape[0] - height) // 2, (scene.shape[1] - width) // 2
    scene[top : top + height, left : left + width] = photo
    return scene


def empty_frame(rng: np.random.Generator, size: tuple[int, int] = HD) -> np.ndarray:
    return degrade(background(rng, size), rng)


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 25.0) -> Path:
    """Frames (BGR, all one size) to an MJPG .avi that OpenCV reads back."""
    frames = list(frames)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write video {path}")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def ticket_video(
    path: Path,
    payload: str,
    seed: int = 7,
    before: int = 10,
    showing: int = 25,
    after: int = 10,
    size: tuple[int, int] = HD,
) -> Path:
    """A clip: an empty scene, then the ticket held up (moving a little), then gone."""
    rng = np.random.default_rng(seed)
    scene = background(rng, size)
    code = qr_image(payload)
    side = int(min(size) * 0.45)
    centre = (size[0] // 2, size[1] // 2)
    frames = [degrade(scene, rng) for _ in range(before)]
    for index in range(showing):
        drift = (centre[0] + 3 * index, centre[1] + int(2 * np.sin(index)))
        frames.append(degrade(place(scene, code, rng, side=side, tilt=0.08, centre=drift), rng))
    frames += [degrade(scene, rng) for _ in range(after)]
    return write_video(path, frames)


def write_y4m(path: Path, frames: Iterable[np.ndarray], fps: int = 25) -> Path:
    """Frames (BGR) as a Y4M file, the format of Chromium's fake camera."""
    frames = list(frames)
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def demo_video(instance_dir: Path, out: Path, count: int = 5, seed: int = 1) -> Path:
    """A clip for the demo camera: ``count`` tickets of the fair held up one after another."""
    rng = np.random.default_rng(seed)
    scene = background(rng)
    frames: list[np.ndarray] = []
    for payload in ticket_payloads(instance_dir, count=count):
        code = qr_image(payload)
        frames += [degrade(scene, rng) for _ in range(50)]
        centre = (int(rng.integers(450, 830)), int(rng.integers(300, 420)))
        for index in range(40):
            drift = (centre[0] + 2 * index, centre[1] + int(3 * np.sin(index / 4)))
            frames.append(degrade(place(scene, code, rng, side=320, tilt=0.08, centre=drift), rng))
    return write_video(out, frames)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write a demo camera clip of the fair's tickets.")
    parser.add_argument("instance", type=Path, help="an instance folder holding tickets (central)")
    parser.add_argument("out", type=Path, help="the .avi file to write")
    parser.add_argument("--count", type=int, default=5)
    options = parser.parse_args()
    print(demo_video(options.instance, options.out, options.count))
