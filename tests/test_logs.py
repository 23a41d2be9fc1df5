"""Logging: one line per event naming the instance, to stderr and a rotating file."""

from __future__ import annotations

import logging
import logging.handlers
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port, serving
from sync_helpers import enroll, serve_at, wait_until

from kiosk import create_app, instance, logs
from kiosk.camera.capture import CaptureLoop
from kiosk.camera.decoding import build_chain

PIN = "48151623"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "k"
    instance.create(path, ["entry"], name="k1", gate="east").conn.close()
    return path


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure() sets up the whole process's logging: put the test runner's back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


def refused_log_in(base: str, name: str) -> int:
    form = urllib.parse.urlencode({"name": name, "pin": PIN}).encode()
    try:
        urllib.request.urlopen(f"{base}/staff/login", data=form, timeout=10)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


def test_a_served_kiosk_logs_start_up_and_a_refused_log_in(folder: Path) -> None:
    with serving(folder) as (base, process):
        assert refused_log_in(base, "nobody") == 401
        process.terminate()
        _out, err = process.communicate(timeout=10)
    lines = (folder / "kiosk.log").read_text(encoding="utf-8").splitlines()
    assert all("[k1 entry@east]" in line for line in lines)
    assert any("serving" in line and "(roles entry)" in line and "QR decoders" in line for line in lines)
    assert any("waitress" in line and "Serving on" in line for line in lines), "waitress logs through it"
    refused = [line for line in lines if "staff log-in refused" in line]
    assert len(refused) == 1 and "'nobody' from 127.0.0.1 (unknown_staff)" in refused[0]
    assert refused[0].split()[2] == "WARNING"
    assert PIN not in "\n".join(lines) and PIN not in err.decode()
    assert "staff log-in refused" in err.decode(), "stderr gets the same lines"


def test_the_log_file_rotates_at_its_size(folder: Path) -> None:
    env = {"KIOSK_LOG_FILE_MAX_BYTES": "1024", "KIOSK_LOG_FILE_BACKUPS": "2"}
    with serving(folder, env) as (base, _process):
        for attempt in range(40):
            refused_log_in(base, f"intruder-{attempt}")
    kept = sorted(path.name for path in folder.glob("kiosk.log*"))
    assert kept == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert all(path.stat().st_size <= 1024 for path in folder.glob("kiosk.log*"))
    assert "intruder-39" in (folder / "kiosk.log").read_text(encoding="utf-8")


def test_the_log_config_follows_the_settings(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_LOG_LEVEL", "WARNING")
    config = logs.log_config(folder, create_app(folder).config)
    rotating = config["handlers"]["file"]
    assert rotating["()"] is logs.SharedRotatingFileHandler
    assert rotating["filename"] == str(folder / "kiosk.log")
    assert (rotating["maxBytes"], rotating["backupCount"]) == (5_000_000, 5)
    assert config["root"] == {"level": "WARNING", "handlers": ["stderr", "file"]}


def test_an_unhandled_exception_in_a_request_is_one_line(folder: Path, restored_logging: None) -> None:
    app = create_app(folder)
    logs.configure(app)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("the disk\nis full")

    assert app.test_client().get("/boom").status_code == 500
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = (folder / "kiosk.log").read_text(encoding="utf-8").splitlines()
    crash = [line for line in lines if "Exception on /boom [GET]" in line]
    assert len(crash) == 1
    assert " ERROR [k1 entry@east] kiosk: " in crash[0]
    assert "Traceback" in crash[0] and crash[0].endswith("RuntimeError: the disk | is full")


def test_a_failed_sync_round_is_logged(central_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    with serve_at(central_dir, port):
        kiosk = enroll(f"http://127.0.0.1:{port}", central_dir, tmp_path / "k1", "entry-main")
    log_file = kiosk / "kiosk.log"
    # Central is down now: each round fails and says so, at the kiosk's name.
    with serving(kiosk, {"KIOSK_SYNC_INTERVAL": "0.2", "KIOSK_SYNC_MAX_BACKOFF": "0.5"}):
        wait_until(
            lambda: "sync failed" in log_file.read_text(encoding="utf-8"), what="a logged sync failure"
        )
    failed = [line for line in log_file.read_text(encoding="utf-8").splitlines() if "sync failed" in line]
    assert "[entry-main entry@main] sync:" in failed[0]


def test_a_camera_state_change_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    loop = CaptureLoop(str(tmp_path / "unplugged.avi"), build_chain("zxingcpp"))
    with caplog.at_level(logging.INFO, logger="kiosk.camera.capture"):
        loop.start()
        try:
            wait_until(lambda: loop.status()["state"] == "missing", timeout=20, what="camera missing")
        finally:
            loop.stop()
    changes = [r.getMessage() for r in caplog.records if r.name == "kiosk.camera.capture"]
    assert any("unplugged.avi: missing" in message for message in changes)
