"""Stand finder: search latency (in the server and through the htmx round trip) and route time.

    python -m bench search            (or: python -m bench.search [--rounds N])

Two directories: the demo's 320 exhibitors, and a generated one of 10,000 (same
generator, 5,300 organisations). Queries are what a visitor's keystrokes send as they
type (every prefix of a word from two letters on), in French and Arabic, with typos.

Rows:
- bare FTS5: ``SELECT ... WHERE finder_fts MATCH 'word'* ORDER BY rank LIMIT 12`` on the
  same index, no fuzzy layer, no tiers, no display rows: the floor of any FTS search.
- server search: ``queries.find`` (fold, FTS5, fuzzy layer when the index finds nothing,
  tiered ranking, display rows), in process.
- bare HTTP: ``GET /healthz`` on the same ``kiosk serve`` process, keep-alive.
- htmx round trip: ``GET /finder/results?q=...`` with ``HX-Request`` (search and render the
  fragment; read only: the screen posts the anonymous count after a pause), keep-alive.
- route: ``route_to_stand`` from the kiosk's gate to every stand (nearest node, A* path,
  geometry); bare A*: ``shortest_path`` between the same two nodes (the search alone).
Targets (issue 4): search p95 <= 10 ms at 320 and <= 40 ms at 10,000; a route <= 5 ms.
Bare and project measurements alternate round by round, so load from elsewhere hits both.
"""

from __future__ import annotations

import argparse
import http.client
import random
import sqlite3
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

from bench import directory_gen
from bench.server import start as start_kiosk
from bench.table import percentile, print_table
from kiosk import bundle, demo, instance
from kiosk import db as dbmod
from kiosk.db import Database
from kiosk.finder import directory, layout, queries, search
from kiosk.finder.text import query_words

START = date(2026, 6, 15)
NOW = "2026-06-15T11:00:00+01:00"
LARGE = 10_000
WORDS = [
    "tifawin",
    "cooperative",
    "miel",
    "azilal",
    "huile",
    "olive",
    "tapis",
    "poterie",
    "couscous",
    "safran",
    "argan",
    "fromage",
    "khenifra",
    "زيت",
    "الزيتون",
    "عسل",
    "تيفاوين",
    "زرابي",
    "كسكس",
    "خريبكة",
]
TYPOS = [
    "cooperativ tifawn",
    "mile",
    "safrn",
    "tapis khenifa",
    "miel d'azilal",
    "the honey from azilal",
    "زيت الزيتوم",
    "fromge",
    "C07",
    "tagnt",
]


def keystroke_queries() -> list[str]:
    """What as-you-type sends: every prefix of each word from two letters on, plus typos."""
    typed = [word[:end] for word in WORDS for end in range(2, len(word) + 1)]
    return typed + TYPOS


def build(root: Path) -> tuple[Path, Path]:
    """A finder kiosk from the demo bundle, and a copy whose directory has 10,000 exhibitors."""
    bundle_file = demo_bundle(root)
    kiosks = [finder_kiosk(root / name, bundle_file) for name in ("finder-320", "finder-10000")]
    large_db = kiosks[1][1]
    stands = [(row[0], row[1]) for row in large_db.conn.execute("SELECT number, zone_id FROM stands")]
    rows = directory_gen.generate(random.Random("bench search"), stands, exhibitors=LARGE, organisations=5300)
    report = directory.load_rows(large_db, enumerate(rows, start=2), replace=True)
    if report.errors:
        raise RuntimeError(f"generated directory has bad rows: {report.errors[:3]}")
    for _folder, kdb in kiosks:
        search.ensure_index(kdb.conn)
        kdb.conn.close()
    return kiosks[0][0], kiosks[1][0]


def finder_kiosk(folder: Path, bundle_file: Path) -> tuple[Path, Database]:
    """A finder kiosk at gate main loaded from a fair bundle."""
    kdb = instance.create(folder, ["finder"], name=folder.name, gate="main")
    bundle.load_tables(kdb, bundle.read_bundle(bundle_file))
    return folder, kdb


def demo_bundle(root: Path) -> Path:
    """The demo fair's bundle, from a central built in ``root``."""
    central = root / "central"
    database = instance.create(central, ["central"], name="central")
    demo.build(database, central, START)
    bundle_file = root / "fair.bundle"
    bundle.write_bundle(database, bundle_file)
    database.conn.close()
    return bundle_file


def demo_finder(root: Path) -> Path:
    """A finder kiosk holding the demo fair's 320 exhibitors, its search index built."""
    folder, kdb = finder_kiosk(root / "finder-320", demo_bundle(root))
    search.ensure_index(kdb.conn)
    kdb.conn.close()
    return folder


def bare_fts(conn: sqlite3.Connection, queries_: list[str]) -> list[float]:
    timings = []
    for text in queries_:
        words = query_words(text)
        expression = " AND ".join(f'"{w}"*' for w in words)
        began = time.perf_counter()
        if expression:
            conn.execute(
                "SELECT exhibitor_id FROM finder_fts WHERE finder_fts MATCH ? ORDER BY rank LIMIT 12",
                (expression,),
            ).fetchall()
        timings.append(time.perf_counter() - began)
    return timings


def server_search(conn: dbmod.Connection, queries_: list[str]) -> list[float]:
    timings = []
    for text in queries_:
        began = time.perf_counter()
        queries.find(conn, text, 12)
        timings.append(time.perf_counter() - began)
    return timings


def http_gets(port: int, paths: list[str], headers: dict[str, str]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for path in paths:
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        timings.append(time.perf_counter() - began)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
    conn.close()
    return timings


def route_timings(conn: dbmod.Connection, rounds: int) -> tuple[list[float], list[float]]:
    plan_site = layout.site(conn)
    stands, graph = plan_site.stands, plan_site.graph
    start = layout.position_from_config(None, "main", plan_site)
    first = graph.nearest(start)
    bare: list[float] = []
    full: list[float] = []
    for _ in range(rounds):
        for stand in stands:
            began = time.perf_counter()
            layout.shortest_path(graph, first, layout.door_node(stand.number))
            bare.append(time.perf_counter() - began)
            began = time.perf_counter()
            layout.route_to_stand(graph, start, stand, step_free=True)
            full.append(time.perf_counter() - began)
    return bare, full


def ms_row(
    name: str, size: str, timings: list[float], target: float | None, base_p95: float | None
) -> list[object]:
    p95 = percentile(timings, 0.95) * 1000
    return [
        name,
        size,
        len(timings),
        percentile(timings, 0.5) * 1000,
        p95,
        "" if target is None else f"<= {target:g}",
        "" if base_p95 is None else f"{p95 / base_p95:.1f}x",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])
    typed = keystroke_queries()
    paths = ["/finder/results?" + urllib.parse.urlencode({"q": q}) for q in typed]
    table: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        began = time.perf_counter()
        small, large = build(Path(tmp))
        print(
            f"built both directories in {time.perf_counter() - began:.1f} s; {len(typed)} queries a round",
            flush=True,
        )
        for folder, size, target in ((small, "320", 10.0), (large, f"{LARGE:,}", 40.0)):
            database = instance.open_db(folder)
            server, port = start_kiosk(folder, {"KIOSK_NOW": NOW})
            try:
                bare: list[float] = []
                project: list[float] = []
                bare_http: list[float] = []
                htmx: list[float] = []
                for _ in range(args.rounds):
                    bare += bare_fts(database.conn, typed)
                    project += server_search(database.conn, typed)
                    bare_http += http_gets(port, ["/healthz"] * len(typed), {})
                    htmx += http_gets(port, paths, {"HX-Request": "true"})
            finally:
                server.terminate()
                server.wait(10)
                database.conn.close()
            bare_p95 = percentile(bare, 0.95) * 1000
            http_p95 = percentile(bare_http, 0.95) * 1000
            table.append(ms_row("bare FTS5 MATCH", size, bare, None, None))
            table.append(ms_row("server search", size, project, target, bare_p95))
            table.append(ms_row("bare HTTP (healthz)", size, bare_http, None, None))
            table.append(ms_row("htmx round trip", size, htmx, None, http_p95))
        bare_route, route = route_timings(instance.open_db(small).conn, args.rounds)
    table.append(ms_row("bare A* (graph only)", "304 stands", bare_route, None, None))
    table.append(ms_row("route to stand", "304 stands", route, 5.0, percentile(bare_route, 0.95) * 1000))
    print_table(
        ["measure", "directory", "samples", "p50 ms", "p95 ms", "target p95 ms", "vs bare p95"], table
    )


if __name__ == "__main__":
    main(sys.argv[1:])
