"""``make demo``: build the demo fair (central plus kiosks) and run every instance.

Each instance is a separate ``kiosk serve`` process on loopback with its own folder
and SQLite file. Run again, it reuses the folders. Ctrl-C stops them all.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk import bundle, instance

CENTRAL_PORT = 5000
# name, roles, gate, port
KIOSKS = [
    ("entry-main", "entry", "main", 5001),
    ("entry-east", "entry", "east", 5002),
    ("heritage", "heritage", "heritage", 5003),
    ("finder", "finder", None, 5004),
    ("workshop", "workshop", None, 5005),
]


def kiosk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", *args]


def build(root: Path) -> None:
    central = root / "central"
    if not (central / instance.CONFIG_FILENAME).exists():
        subprocess.run(kiosk_command("init", str(central), "--role", "central", "--demo"), check=True)
    bundle_file = root / "fair.bundle"
    bundle.write_bundle(instance.open_db(central), bundle_file)
    for name, roles, gate, _port in KIOSKS:
        folder = root / name
        if (folder / instance.CONFIG_FILENAME).exists():
            continue
        args = ["init", str(folder), "--role", roles, "--bundle", str(bundle_file), "--name", name]
        if gate:
            args += ["--gate", gate]
        subprocess.run(kiosk_command(*args), check=True)


def run(root: Path) -> None:
    instances = [("central", CENTRAL_PORT)] + [(name, port) for name, _r, _g, port in KIOSKS]
    processes = [
        subprocess.Popen(kiosk_command("serve", str(root / name), "--port", str(port)))
        for name, port in instances
    ]
    time.sleep(1.5)
    print("\nThe demo fair is running:")
    for name, port in instances:
        print(f"  {name:<12} http://127.0.0.1:{port}/")
    print("Ctrl-C stops it.\n", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "demo")
    build(root)
    run(root)


if __name__ == "__main__":
    main(sys.argv)
