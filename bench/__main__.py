"""Run every benchmark in turn (``make bench``)."""

from __future__ import annotations

import importlib
import sys

# Features add their benchmark module here.
MODULES = [
    "bench.scans",
    "bench.figures",
    "bench.camera",
    "bench.search",
    "bench.sync",
    "bench.gates",
    "bench.plan",
]


def main() -> None:
    only = sys.argv[1:]
    for name in MODULES:
        if only and name.split(".")[-1] not in only:
            continue
        print(f"\n## {name}\n", flush=True)
        importlib.import_module(name).main()


if __name__ == "__main__":
    main()
