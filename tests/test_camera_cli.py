"""``kiosk decode IMAGE...``: one PATH<TAB>TEXT line per code, no instance folder needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
from click.testing import CliRunner
from conftest import QR_SAMPLES

from kiosk.camera.synthetic import qr_image
from kiosk.cli import main

SAMPLES = QR_SAMPLES


def test_decode_prints_path_tab_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no instance folder anywhere near
    two_lines = tmp_path / "two lines.png"
    cv2.imwrite(str(two_lines), qr_image("first line\nsecond line"))
    empty = SAMPLES / "neg-falsepositives-1" / "01.webp"
    tiny = SAMPLES / "neg-falsepositives-1" / "1x1.webp"  # OpenCV cannot open it; Pillow can
    photo = SAMPLES / "qrcode-1" / "13.webp"
    result = CliRunner().invoke(main, ["decode", str(two_lines), str(empty), str(tiny), str(photo)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{two_lines}\tfirst line\\nsecond line",
        f"{photo}\thttp://google.com/gwt/n?u=bluenile.com",
    ]


def test_decode_exit_1_when_a_file_cannot_be_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    photo = SAMPLES / "qrcode-1" / "13.webp"
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "decode", str(broken), str(photo), str(tmp_path / "nope.png")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == f"{photo}\thttp://google.com/gwt/n?u=bluenile.com\n"
    assert "broken.jpg" in result.stderr and "nope.png" in result.stderr


def test_decode_with_a_chosen_chain(tmp_path: Path) -> None:
    photo = SAMPLES / "qrcode-2" / "28.webp"  # only ZBar reads this one
    runner = CliRunner()
    assert runner.invoke(main, ["decode", "--decoders", "zxingcpp", str(photo)]).output == ""
    result = runner.invoke(main, ["decode", str(photo)], env={"KIOSK_DECODERS": "pyzbar"})
    assert result.output == f"{photo}\thttp://www.webtech.co.jp/k/\n"
    bad = runner.invoke(main, ["decode", "--decoders", "nope", str(photo)])
    assert bad.exit_code != 0 and "unknown decoder" in bad.output


def test_non_utf8_code_prints(tmp_path: Path) -> None:
    image = tmp_path / "latin.png"
    cv2.imwrite(str(image), qr_image(b"caf\xe9 \xff"))
    result = CliRunner().invoke(main, ["decode", str(image)])
    assert result.exit_code == 0
    assert result.output.startswith(f"{image}\tcaf")


def test_paths_are_printed_as_given_and_folders_are_reported(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    cv2.imwrite("code.png", qr_image("hello"))
    result = CliRunner().invoke(main, ["decode", "./code.png", str(tmp_path), "code.png"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["./code.png\thello", "code.png\thello"]
