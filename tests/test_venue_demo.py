"""The demo runner (`make demo`): stops every server it started on SIGTERM,
refuses a taken port before starting anything, and on a later day builds today's fair
again with sample tickets valid today. Real processes on real loopback ports."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kiosk import demo_run

KIOSKS = 6


def ports_free(base: int) -> bool:
    for port in range(base, base + KIOSKS + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def base_port() -> int:
    rng = random.Random()
    for _attempt in range(50):
        base = rng.randrange(20000, 60000)
        if ports_free(base):
            return base
    pytest.fail("no seven free consecutive ports")


def start_demo(folder: Path, base: int, day: date) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEMO_PORT": str(base),
        "KIOSK_NOW": f"{day.isoformat()}T11:00:00+01:00",
        "KIOSK_NOW_AT": datetime.now(UTC).isoformat(),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.demo_run", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def read_until_running(process: subprocess.Popen) -> str:
    """The runner's output up to the line that says the fair is running."""
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if "Ctrl-C stops it" in line:
            return "".join(lines)
    process.wait(timeout=30)
    pytest.fail("the demo stopped before running:\n" + "".join(lines))


def test_demo_stops_every_server_it_started_on_sigterm(tmp_path: Path, base_port: int) -> None:
    process = start_demo(tmp_path / "demo", base_port, date(2026, 6, 15))
    try:
        output = read_until_running(process)
        assert all(listening(port) for port in range(base_port, base_port + KIOSKS + 1))
        assert "Tickets to try, valid today" in output
        assert "kids' space staff Salma, PIN 975310" in output
        assert "without a receipt: supervisor Nadia, PIN 86420975" in output
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    still = [port for port in range(base_port, base_port + KIOSKS + 1) if listening(port)]
    assert not still, f"servers left running on {still}"


def test_a_demo_of_past_days_is_built_again_for_today(
    central_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = central_dir.parent
    (root / "entry-main").mkdir()
    demo_run.forget_past_fair(root)  # 2026-06-15, the first fair day: kept
    assert central_dir.exists() and (root / "entry-main").exists()
    monkeypatch.setenv("KIOSK_NOW", "2026-07-30T11:00:00+01:00")
    demo_run.forget_past_fair(root)
    assert "ran 2026-06-15 to" in capsys.readouterr().out
    assert not central_dir.exists() and not (root / "entry-main").exists()
    central = demo_run.build_central(root)
    _sheet, codes = demo_run.write_sample_tickets(central)
    assert codes  # tickets valid on the new today


def test_demo_refuses_a_taken_port_before_starting_anything(tmp_path: Path, base_port: int) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base_port + 3))
        squatter.listen()
        process = start_demo(tmp_path / "demo", base_port, date(2026, 6, 15))
        output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert output.strip().splitlines() == [
        f"Port {base_port + 3} already in use (another demo still running?): stop it or choose"
        " other ports with DEMO_PORT; nothing was started."
    ]
    assert not (tmp_path / "demo").exists()
