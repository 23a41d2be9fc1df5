"""Site plan benchmark: importing a 2,000-stand SVG and routing on it.

The plan: 10 aisles of 250 m, 100 stands on each side of each, three cross alleys (one
with steps), two gates. Rows: the import (parse, derive the walkway graph, store it in
a central's SQLite file); the landmarks of the walkway graph (measured once per plan, on
its first route); and routes to random stands through the finder's own path
(``layout.route_between``: graph from the stored plan, nearest walkway node, A* to the
door, the walk rebuilt), from a gate, step-free or not, and from random places of the
plan (a phone's start), against a bare Dijkstra (``heapq``, stops at the stand, no path
rebuilt) on the same graph measured in the same run. Target: route p95 <= 5 ms.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.table import median, percentile, print_table
from kiosk import instance
from kiosk.fair import store
from kiosk.finder import layout

AISLES, PER_SIDE, STAND_W, DEPTH, PITCH = 10, 100, 2.5, 3.0, 12.0
FAIR = """[fair]
id = "bench-plan"
name = { fr = "Banc d'essai" }
timezone = "Africa/Casablanca"
start = 2026-06-15
end = 2026-06-16
[hours]
opens = "10:00"
closes = "22:00"
[[zone]]
id = "hall"
name = { fr = "Hall" }
[[gate]]
id = "west"
zone = "hall"
[[gate]]
id = "east"
zone = "hall"
"""


def plan_svg() -> str:
    """A 2,000-stand plan in the import format."""
    gap = 4.0  # the middle cross alley runs between the two halves of each row
    length = PER_SIDE * STAND_W + 4 + gap
    height = AISLES * PITCH + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {length + 4:g} {height:g}">',
        f'<rect data-zone="hall" x="0" y="0" width="{length + 4:g}" height="{height:g}"/>',
    ]
    for aisle in range(AISLES):
        y = 6 + aisle * PITCH
        out.append(f'<line data-walkway="" x1="2" y1="{y:g}" x2="{length + 2:g}" y2="{y:g}"/>')
        for side, top in (("N", y - 1.5 - DEPTH), ("S", y + 1.5)):
            for index in range(PER_SIDE):
                x = 4 + index * STAND_W + (gap if index >= PER_SIDE // 2 else 0)
                number = f"{chr(65 + aisle)}{side}{index + 1:03d}"
                size = f'width="{STAND_W:g}" height="{DEPTH:g}"'
                out.append(f'<rect data-stand="{number}" x="{x:g}" y="{top:g}" {size}/>')
    last = 6 + (AISLES - 1) * PITCH
    middle = 4 + PER_SIDE // 2 * STAND_W + gap / 2
    for x, steps in ((2, False), (middle, True), (length + 2, False)):
        mark = ' data-steps="true"' if steps else ""
        out.append(f'<line data-walkway=""{mark} x1="{x:g}" y1="6" x2="{x:g}" y2="{last:g}"/>')
    out.append('<circle data-gate="west" cx="2" cy="6" r="1"/>')
    out.append(f'<circle data-gate="east" cx="{length + 2:g}" cy="{last:g}" r="1"/>')
    out.append("</svg>")
    return "\n".join(out)


def bare_dijkstra(graph: layout.Graph, start: str, goal: str) -> float:
    """Shortest distance only: the baseline the finder's route is compared with."""
    best = {start: 0.0}
    queue = [(0.0, start)]
    done: set[str] = set()
    while queue:
        distance, node = heapq.heappop(queue)
        if node == goal:
            return distance
        if node in done:
            continue
        done.add(node)
        for other, length, _steps in graph.adjacency[node]:
            candidate = distance + length
            if candidate < best.get(other, math.inf):
                best[other] = candidate
                heapq.heappush(queue, (candidate, other))
    return math.inf


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.plan")
    parser.add_argument("--routes", type=int, default=500)
    parser.add_argument("--imports", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        root = Path(tmp)
        (root / "plan.svg").write_text(plan_svg(), encoding="utf-8")
        (root / "fair.toml").write_text(FAIR, encoding="utf-8")
        imports: list[float] = []
        for round_ in range(args.imports):
            database = instance.create(root / f"central-{round_}", ["central"])
            store.apply_fair(database, store.load(root / "fair.toml"))
            began = time.perf_counter()
            derived = store.read_plan(root / "plan.svg", store.zone_ids(database.conn))
            store.apply_plan(database, derived)
            imports.append(time.perf_counter() - began)
            if round_ < args.imports - 1:
                database.conn.close()
        plan_site = layout.site(database.conn)
        graph = plan_site.graph
        began = time.perf_counter()
        graph.landmarks()
        landmarks = time.perf_counter() - began
        nodes, edges = len(graph.points), sum(len(a) for a in graph.adjacency.values()) // 2
        print(f"plan: {len(plan_site.stands)} stands, graph of {nodes} points and {edges} links", flush=True)
        rng = random.Random("bench plan")
        targets = [rng.choice(plan_site.stands).number for _ in range(args.routes)]
        start = plan_site.gate_point("west")
        assert start is not None
        width, height = plan_site.size
        places = [(rng.uniform(0, width), rng.uniform(0, height)) for _ in targets]

        def timed(
            route: Callable[[str, tuple[float, float]], object], starts: list[tuple[float, float]]
        ) -> list[float]:
            timings = []
            for number, place in zip(targets, starts, strict=True):
                began = time.perf_counter()
                route(number, place)
                timings.append(time.perf_counter() - began)
            return timings

        # One loop per row: a row's allocations do not bring the collector into another's.
        bare = timed(
            lambda number, _p: bare_dijkstra(graph, "gate:west", f"stand:{number}"), [start] * len(targets)
        )
        routes = timed(
            lambda n, p: layout.route_between(layout.site(database.conn), n, p), [start] * len(targets)
        )
        step_free = timed(
            lambda n, p: layout.route_between(layout.site(database.conn), n, p, step_free=True),
            [start] * len(targets),
        )
        fresh = timed(lambda n, p: layout.route_between(layout.site(database.conn), n, p), places)
        database.conn.close()
    base = percentile(bare, 0.95) * 1000

    def ms(name: str, samples: list[float], target: str, compare: bool) -> list[object]:
        p95 = percentile(samples, 0.95) * 1000
        ratio = f"{p95 / base:.2f}x" if compare else ""
        return [name, len(samples), percentile(samples, 0.5) * 1000, p95, target, ratio]

    rows.append(
        [
            "import 2,000-stand SVG (parse, graph, store)",
            len(imports),
            median(imports) * 1000,
            max(imports) * 1000,
            "",
            "",
        ]
    )
    rows.append(["landmarks of the graph (once per plan)", 1, landmarks * 1000, landmarks * 1000, "", ""])
    rows.append(ms("bare Dijkstra (distance only)", bare, "", False))
    rows.append(ms("route to stand from the gate", routes, "<= 5", True))
    rows.append(ms("step-free route from the gate", step_free, "<= 5", True))
    rows.append(ms("route from a random place (phone)", fresh, "<= 5", True))
    print_table(["what", "n", "p50 ms", "p95 ms", "target", "vs bare p95"], rows)


if __name__ == "__main__":
    main()
