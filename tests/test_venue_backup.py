"""Backups taken while a kiosk serves a burst of scans restore with every scan the kiosk
acknowledged before the backup began; a damaged file is refused; serve rotates its own."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk import backup
from tests.conftest import post_scan, serving
from tests.helpers import rows


def kiosk_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_backups_during_a_scan_burst_hold_every_scan_acknowledged_before_them(
    kiosk_dir: Path, tmp_path: Path
) -> None:
    payloads = [
        r["payload"]  # printed tickets: kiosks hold no payloads, central does
        for r in rows(
            kiosk_dir.parent / "central", "SELECT payload FROM tickets WHERE valid_from = '2026-06-15'"
        )
    ]
    acknowledged: list[str] = []
    lock = threading.Lock()
    taken: list[tuple[Path, set[str]]] = []
    with serving(kiosk_dir) as (base, _process):

        def burst(chunk: list[str]) -> None:
            for code in chunk:
                answer = post_scan(base, code)
                with lock:
                    acknowledged.append(answer["scan_uuid"])

        threads = [threading.Thread(target=burst, args=(payloads[i::3],)) for i in range(3)]
        for thread in threads:
            thread.start()
        for index in range(3):
            while len(acknowledged) < 60 * (index + 1):
                time.sleep(0.05)
            with lock:
                before = set(acknowledged)
            # In this process, beside the serving one (the CLI's start-up would outlast the burst).
            taken.append((backup.backup(kiosk_dir, tmp_path / f"burst-{index}.db.gz"), before))
        still_scanning = any(thread.is_alive() for thread in threads)
        for thread in threads:
            thread.join(120)
    assert still_scanning, "the backups were taken during the burst, not after it"
    assert len(acknowledged) == len(payloads)

    for index, (file, before) in enumerate(taken):
        target = tmp_path / f"restored-{index}"
        target.mkdir()
        shutil.copy(kiosk_dir / "config.toml", target)
        done = kiosk_cli("restore", target, file)
        assert done.returncode == 0, done.stderr
        stored = {r["uuid"] for r in rows(target, "SELECT uuid FROM scans")}
        assert before <= stored
        assert len(stored) < len(payloads)
        assert rows(target, "PRAGMA integrity_check")[0][0] == "ok"


def test_restore_refuses_a_damaged_file_and_keeps_the_database(kiosk_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.db.gz"
    done = kiosk_cli("backup", kiosk_dir, "--out", good)
    assert done.returncode == 0 and "integrity ok" in done.stdout, done.stderr
    raw = gzip.decompress(good.read_bytes())
    truncated = tmp_path / "truncated.db.gz"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    scrambled = bytearray(raw)
    scrambled[len(raw) // 2 : len(raw) // 2 + 8192] = bytes(8192)  # zeroed pages in the middle
    damaged = tmp_path / "damaged.db.gz"
    damaged.write_bytes(gzip.compress(bytes(scrambled)))
    not_a_backup = tmp_path / "notes.db.gz"
    not_a_backup.write_bytes(gzip.compress(b"hello"))
    before = (kiosk_dir / "kiosk.db").read_bytes()
    for file in (truncated, damaged, not_a_backup):
        done = kiosk_cli("restore", kiosk_dir, file)
        assert done.returncode != 0
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert (kiosk_dir / "kiosk.db").read_bytes() == before
    done = kiosk_cli("restore", kiosk_dir, good)
    assert done.returncode == 0, done.stderr
    assert "previous database is in" in done.stdout


def test_restore_refuses_a_folder_being_served_and_another_devices_backup(
    kiosk_dir: Path, central_dir: Path, tmp_path: Path
) -> None:
    other = backup.backup(central_dir, tmp_path / "central.db.gz")
    done = kiosk_cli("restore", kiosk_dir, other)
    assert done.returncode != 0 and "is a backup of device" in done.stderr
    own = backup.backup(kiosk_dir, tmp_path / "own.db.gz")
    with serving(kiosk_dir):
        done = kiosk_cli("restore", kiosk_dir, own)
    assert done.returncode != 0 and "kiosk serve" in done.stderr


def test_serve_backs_up_on_its_own_and_keeps_the_newest(kiosk_dir: Path, tmp_path: Path) -> None:
    env = {"KIOSK_BACKUP_INTERVAL_MINUTES": "0.01", "KIOSK_BACKUP_KEEP": "2"}
    folder = kiosk_dir / backup.BACKUP_FOLDER
    with serving(kiosk_dir, env):
        deadline = time.monotonic() + 60
        while len(list(folder.glob("*.db.gz"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        # A few more rounds, looked at often: never more than two, not even between a new
        # backup taking its name and the oldest going.
        seen = []
        until = time.monotonic() + 2
        while time.monotonic() < until:
            seen.append(len(list(folder.glob("*.db.gz"))))
            time.sleep(0.005)
        files = sorted(folder.glob("*.db.gz"))
    assert max(seen) == 2 and len(files) == 2
    for file in files:
        unpacked = tmp_path / file.name.removesuffix(".gz")
        unpacked.write_bytes(gzip.decompress(file.read_bytes()))
        assert backup.check_database(unpacked) == ""


@pytest.mark.parametrize("keep", [1, 3])
def test_rotate_keeps_the_newest(tmp_path: Path, keep: int) -> None:
    folder = tmp_path / backup.BACKUP_FOLDER
    folder.mkdir()
    names = [f"kiosk-20260615-11000{i}-000.db.gz" for i in range(5)]
    for name in names:
        (folder / name).write_bytes(b"x")
    backup.rotate(tmp_path, keep)
    assert sorted(p.name for p in folder.iterdir()) == names[-keep:]


@pytest.mark.parametrize("keep", [1, 2])
def test_a_backup_makes_room_before_it_takes_its_name(kiosk_dir: Path, keep: int) -> None:
    # The oldest go before the new file appears, so the folder never holds more than keep.
    folder = kiosk_dir / backup.BACKUP_FOLDER
    folder.mkdir()
    old = [folder / f"kiosk-20260615-10000{i}-000.db.gz" for i in range(3)]
    for path in old:
        path.write_bytes(b"x")
    new = backup.backup(kiosk_dir, keep=keep)
    assert sorted(folder.glob("kiosk-*.db.gz")) == [*old[len(old) - keep + 1 :], new]
