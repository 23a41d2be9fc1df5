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
    "bench.fair",
    "bench.login",
    "bench.finder",
    "bench.start",
]


def main() -> None:
    # Module names, then options for them: ``python -m bench fair --scale 1 4``.
    args = sys.argv[1:]
    split = next((i for i, arg in enumerate(args) if arg.startswith("-")), len(args))
    only, options = args[:split], args[split:]
    for name in MODULES:
        if only and name.split(".")[-1] not in only:
            continue
        print(f"\n## {name}\n", flush=True)
        module = importlib.import_module(name)
        module.main(options) if options else module.main()


if __name__ == "__main__":
    main()
