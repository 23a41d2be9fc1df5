"""The fair plan: stands generated from the layout file, and routes along its walkways.

``layout.json`` holds the site in metres: zone rectangles, rows of stands (each row
faces one aisle), aisles (horizontal walkways), explicit walkway nodes and edges,
gates, zone doors and amenities. Nothing is drawn per stand by hand: a row gives its
segments (start x, stand count) and every stand gets a rectangle and a door on its
aisle. Every node lying on an aisle is chained to its neighbours along it, so stand
doors join the walkway graph on their own. Routes are shortest paths (Dijkstra with
``heapq``); edges marked ``steps`` are left out of step-free routes.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LAYOUT_FILE = Path(__file__).with_name("layout.json")
# Walking speed in a crowded open-air fair, metres per second.
WALKING_SPEED = 1.0


@dataclass(frozen=True)
class Stand:
    number: str
    zone_id: str
    x: float
    y: float
    width: float
    height: float
    door_x: float
    door_y: float


@dataclass
class Graph:
    """Walkway graph: node -> (x, y), and adjacency node -> [(other, metres, has_steps)]."""

    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    adjacency: dict[str, list[tuple[str, float, bool]]] = field(default_factory=dict)

    def add_node(self, name: str, point: tuple[float, float]) -> None:
        self.points[name] = point
        self.adjacency.setdefault(name, [])

    def add_edge(self, a: str, b: str, steps: bool = False) -> None:
        length = math.dist(self.points[a], self.points[b])
        self.adjacency[a].append((b, length, steps))
        self.adjacency[b].append((a, length, steps))

    def nearest(self, point: tuple[float, float], step_free: bool = False) -> str:
        """The node closest to a point (only nodes with a step-free edge if asked)."""
        candidates = (
            name
            for name, edges in self.adjacency.items()
            if not step_free or any(not steps for _o, _l, steps in edges)
        )
        return min(candidates, key=lambda name: math.dist(self.points[name], point))


@dataclass(frozen=True)
class Route:
    points: list[tuple[float, float]]
    metres: float
    step_free: bool

    @property
    def minutes(self) -> int:
        """Walking time rounded up to whole minutes (at least one)."""
        return max(1, math.ceil(self.metres / WALKING_SPEED / 60))


class NoRoute(LookupError):
    """No walkway joins the two places (step-free routes may not exist everywhere)."""


@cache
def load_layout(path: Path = LAYOUT_FILE) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as stream:
        return json.load(stream)


def door_node(number: str) -> str:
    return f"stand:{number}"


def generate_stands(layout: dict[str, Any]) -> list[Stand]:
    """Every stand of the plan, numbered row letter + two digits (A01...), west to east."""
    aisles = {aisle["id"]: aisle for aisle in layout["aisles"]}
    stands = []
    for row in layout["rows"]:
        aisle_y = aisles[row["aisle"]]["y"]
        top, depth, width = row["y"], row["depth"], row["width"]
        # The door is on the long side that faces the aisle.
        door_y = top if aisle_y < top else top + depth
        index = 0
        for start_x, count in row["segments"]:
            for i in range(count):
                index += 1
                x = start_x + i * width
                stands.append(
                    Stand(
                        f"{row['row']}{index:02d}",
                        row["zone"],
                        x,
                        top,
                        width,
                        depth,
                        round(x + width / 2, 3),
                        door_y,
                    )
                )
    return stands


def build_graph(layout: dict[str, Any], stands: list[Stand]) -> Graph:
    """Walkway graph of explicit nodes and edges plus one door node per stand."""
    graph = Graph()
    for name, (x, y) in layout["nodes"].items():
        graph.add_node(name, (x, y))
    for edge in layout["edges"]:
        options = edge[2] if len(edge) > 2 else {}
        graph.add_edge(edge[0], edge[1], bool(options.get("steps")))
    aisles = {aisle["id"]: aisle for aisle in layout["aisles"]}
    on_aisle: dict[str, list[str]] = {aisle_id: [] for aisle_id in aisles}
    row_aisle = {row["row"]: row["aisle"] for row in layout["rows"]}
    for stand in stands:
        aisle = aisles[row_aisle[stand.number.rstrip("0123456789")]]
        # The stand's door steps onto the aisle's centre line.
        name = door_node(stand.number)
        graph.add_node(name, (stand.door_x, aisle["y"]))
        on_aisle[aisle["id"]].append(name)
    for aisle_id, aisle in aisles.items():
        low, high = aisle["x"]
        members = on_aisle[aisle_id] + [
            name
            for name, (x, y) in layout["nodes"].items()
            if math.isclose(y, aisle["y"]) and low <= x <= high
        ]
        members.sort(key=lambda name: graph.points[name][0])
        for a, b in itertools.pairwise(members):
            graph.add_edge(a, b)
    return graph


@cache
def site(path: Path = LAYOUT_FILE) -> tuple[dict[str, Any], tuple[Stand, ...], Graph]:
    """The layout, its stands and its walkway graph, built once per process."""
    layout = load_layout(path)
    stands = generate_stands(layout)
    return layout, tuple(stands), build_graph(layout, stands)


def shortest_path(graph: Graph, start: str, goal: str, step_free: bool = False) -> tuple[list[str], float]:
    """Dijkstra from ``start`` to ``goal``; returns (nodes, metres). Raises NoRoute."""
    best = {start: 0.0}
    previous: dict[str, str] = {}
    queue = [(0.0, start)]
    done: set[str] = set()
    while queue:
        distance, node = heapq.heappop(queue)
        if node in done:
            continue
        if node == goal:
            path = [goal]
            while path[-1] != start:
                path.append(previous[path[-1]])
            return path[::-1], distance
        done.add(node)
        for other, length, steps in graph.adjacency[node]:
            if step_free and steps:
                continue
            candidate = distance + length
            if candidate < best.get(other, math.inf):
                best[other] = candidate
                previous[other] = node
                heapq.heappush(queue, (candidate, other))
    raise NoRoute(f"no {'step-free ' if step_free else ''}walkway from {start} to {goal}")


def route_to_stand(graph: Graph, start: tuple[float, float], stand: Stand, step_free: bool = False) -> Route:
    """The walk from a point on the plan to a stand's door, through the nearest walkway node."""
    first = graph.nearest(start, step_free)
    goal = door_node(stand.number)
    if goal not in graph.points:  # a stand added to the table but not to the layout file
        goal = graph.nearest((stand.door_x, stand.door_y), step_free)
    nodes, metres = shortest_path(graph, first, goal, step_free)
    points = [start] + [graph.points[n] for n in nodes] + [(stand.door_x, stand.door_y)]
    metres += math.dist(start, graph.points[first]) + math.dist(
        graph.points[nodes[-1]], (stand.door_x, stand.door_y)
    )
    return Route(points=_without_repeats(points), metres=round(metres, 1), step_free=step_free)


def _without_repeats(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    return kept


def position_from_config(value: object, gate: str | None, layout: dict[str, Any]) -> tuple[float, float]:
    """The kiosk's place on the plan: ``FINDER_POSITION`` as "x,y" or a node name, else its gate."""
    nodes = layout["nodes"]
    text = str(value or "").strip()
    if text in nodes:
        return tuple(nodes[text])
    if text:
        try:
            x, y = (float(part) for part in text.split(","))
        except ValueError:
            raise ValueError(f"FINDER_POSITION {text!r}: use 'x,y' in metres or a node name") from None
        return (x, y)
    node = layout["gates"].get(gate or "main", layout["gates"]["main"])
    return tuple(nodes[node])


def sync_stands(conn: sqlite3.Connection, path: Path = LAYOUT_FILE) -> int:
    """Insert or update the stands table from the layout (inside a write transaction)."""
    _layout, stands, _graph = site(path)
    conn.executemany(
        "INSERT INTO stands (number, zone_id, x, y, width, height, door_x, door_y)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET zone_id = excluded.zone_id,"
        " x = excluded.x, y = excluded.y, width = excluded.width, height = excluded.height,"
        " door_x = excluded.door_x, door_y = excluded.door_y",
        [(s.number, s.zone_id, s.x, s.y, s.width, s.height, s.door_x, s.door_y) for s in stands],
    )
    return len(stands)


def stand_from_row(row: sqlite3.Row | dict[str, Any]) -> Stand:
    return Stand(
        row["number"],
        row["zone_id"],
        row["x"],
        row["y"],
        row["width"],
        row["height"],
        row["door_x"],
        row["door_y"],
    )
