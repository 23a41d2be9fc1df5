"""The site plan as the finder uses it: stands, the walkway graph, and routes along it.

The plan comes from the organizer's SVG (``kiosk.fair.svgplan``): central imports it
into the ``site_plan`` table (zones, walkways, gates, facilities and the walkway graph
derived from their geometry, in metres) and the ``stands`` table; kiosks get both by
sync or bundle. ``site(conn)`` builds the graph once per plan version. Routes are
shortest paths found by A* (``heapq``) from any start, a phone's as well as the kiosk's:
its lower bound on the metres left is the larger of the straight line and the ALT bound
from a few landmarks (walking distances from far-apart nodes, measured once per graph),
which, on a plan of long aisles, keeps the search near the route instead of the whole
fair. Edges with steps are left out of step-free routes.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any

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


class NodeGrid:
    """Points by square cell, searched ring by ring outwards from the asked point: the
    nearest node of a big plan without measuring the distance to every node."""

    CELL = 10.0  # metres

    def __init__(self, points: dict[str, tuple[float, float]]) -> None:
        self.cells: dict[tuple[int, int], list[tuple[str, tuple[float, float]]]] = {}
        for name, (x, y) in points.items():
            self.cells.setdefault((int(x // self.CELL), int(y // self.CELL)), []).append((name, (x, y)))
        columns, rows = [i for i, _j in self.cells] or [0], [j for _i, j in self.cells] or [0]
        self.corner = (min(columns), min(rows), max(columns), max(rows))

    def nearest(self, point: tuple[float, float]) -> str:
        if not self.cells:
            raise ValueError("no node to be near")
        ci, cj = int(point[0] // self.CELL), int(point[1] // self.CELL)
        low_i, low_j, high_i, high_j = self.corner
        reach = max(ci - low_i, high_i - ci, cj - low_j, high_j - cj)  # rings to the last cell
        best: tuple[float, str] | None = None
        for ring in range(reach + 1):
            for i in range(ci - ring, ci + ring + 1):
                for j in (cj - ring, cj + ring) if abs(i - ci) != ring else range(cj - ring, cj + ring + 1):
                    for name, place in self.cells.get((i, j), ()):
                        metres = math.dist(place, point)
                        if best is None or (metres, name) < best:
                            best = (metres, name)
            # Anything in a farther ring is at least ``ring`` whole cells away.
            if best is not None and best[0] <= ring * self.CELL:
                break
        assert best is not None
        return best[1]


@dataclass
class Graph:
    """Walkway graph: node -> (x, y), and adjacency node -> [(other, metres, has_steps)]."""

    points: dict[str, tuple[float, float]] = field(default_factory=dict)
    adjacency: dict[str, list[tuple[str, float, bool]]] = field(default_factory=dict)
    # Walking metres from each landmark to every node it reaches, per node (measured on the
    # first route; building the graph clears them; the graph is not changed once routed on).
    _landmarks: dict[str, tuple[float, ...]] | None = field(default=None, repr=False, compare=False)
    # Nodes by grid cell, one grid for all routes and one for step-free ones (built once).
    _grids: dict[bool, NodeGrid] = field(default_factory=dict, repr=False, compare=False)
    # Nearest nodes by (point, step_free): a kiosk asks for its own place all day.
    _nearest: dict[tuple[tuple[float, float], bool], str] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Routes by (start, stand, step_free): a kiosk routes from its own place to every stand.
    _routes: dict[tuple[tuple[float, float], Stand, bool], Route] = field(
        default_factory=dict, repr=False, compare=False
    )

    def add_node(self, name: str, point: tuple[float, float]) -> None:
        self.points[name] = point
        self.adjacency.setdefault(name, [])
        self._landmarks = None
        self._grids.clear()
        self._nearest.clear()
        self._routes.clear()

    def add_edge(self, a: str, b: str, steps: bool = False) -> None:
        length = math.dist(self.points[a], self.points[b])
        self.adjacency[a].append((b, length, steps))
        self.adjacency[b].append((a, length, steps))
        self._landmarks = None
        self._grids.clear()
        self._routes.clear()

    def nearest(self, point: tuple[float, float], step_free: bool = False) -> str:
        """The node closest to a point (only nodes with a step-free edge if asked)."""
        key = (point, step_free)
        found = self._nearest.pop(key, None)
        if found is None:
            found = self._grid(step_free).nearest(point)
        _keep(self._nearest, key, found)
        return found

    def _grid(self, step_free: bool) -> NodeGrid:
        grid = self._grids.get(step_free)
        if grid is None:
            grid = self._grids[step_free] = NodeGrid(
                {
                    name: self.points[name]
                    for name, edges in self.adjacency.items()
                    if edges and (not step_free or any(not steps for _o, _l, steps in edges))
                }
            )
        return grid

    def landmarks(self) -> dict[str, tuple[float, ...]]:
        """node -> walking metres from each landmark (0 where a landmark does not reach it).
        Landmarks are picked farthest-first: each is the node farthest from those already
        picked, so together they bound the metres between any two nodes from below."""
        if self._landmarks is None:
            self._landmarks = _landmark_distances(self.adjacency)
        return self._landmarks


# Nearest-node answers a graph keeps: a kiosk's own place and phone links.
CACHED = 64
# Routes a graph keeps: every stand from a kiosk's place, with and without steps, and some phones'.
ROUTES_CACHED = 2048
# More landmarks bound better but cost more per node searched; 8 is the usual middle.
LANDMARKS = 8


def _keep(cache: dict[Any, Any], key: Any, value: Any, size: int = CACHED) -> None:
    """Least recently used first out: dicts keep insertion order, a hit is re-inserted."""
    cache[key] = value
    if len(cache) > size:
        cache.pop(next(iter(cache)), None)


def _distances(adjacency: dict[str, list[tuple[str, float, bool]]], start: str) -> dict[str, float]:
    """Dijkstra from ``start`` to every node it reaches, steps allowed."""
    best = {start: 0.0}
    queue = [(0.0, start)]
    done: set[str] = set()
    while queue:
        distance, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        for other, length, _steps in adjacency[node]:
            candidate = distance + length
            if candidate < best.get(other, math.inf):
                best[other] = candidate
                heapq.heappush(queue, (candidate, other))
    return best


def _landmark_distances(adjacency: dict[str, list[tuple[str, float, bool]]]) -> dict[str, tuple[float, ...]]:
    if not adjacency:
        return {}
    # The largest walkway network gets the landmarks (a stray piece is routed on by the
    # straight-line bound alone).
    seen: set[str] = set()
    largest: dict[str, float] = {}
    for node in adjacency:
        if node not in seen:
            reached = _distances(adjacency, node)
            seen.update(reached)
            largest = max(largest, reached, key=len)
    tables: list[dict[str, float]] = []
    closest = largest  # metres from the nearest landmark picked so far (first: any node)
    for _ in range(LANDMARKS):
        landmark = max(closest, key=closest.__getitem__)
        if closest[landmark] == 0.0:
            break
        table = _distances(adjacency, landmark)
        tables.append(table)
        closest = {node: min(metres, table[node]) for node, metres in closest.items()}
    return {node: tuple(table.get(node, 0.0) for table in tables) for node in adjacency}


def _astar(graph: Graph, start: str, goal: str, step_free: bool) -> dict[str, str]:
    """A* from ``start`` to ``goal``: the previous node of each node reached. The bound
    never overestimates, so the goal leaves the queue by a shortest walk (of two equally
    short, either)."""
    points, adjacency = graph.points, graph.adjacency
    marks = graph.landmarks()
    gx, gy = points[goal]
    goal_marks = marks.get(goal, ())

    def bound(node: str) -> float:
        x, y = points[node]
        metres = math.hypot(x - gx, y - gy)
        for there, here in zip(goal_marks, marks.get(node, ()), strict=False):
            if abs(there - here) > metres:
                metres = abs(there - here)
        return metres

    best = {start: 0.0}
    previous: dict[str, str] = {}
    # Ties of the estimate go to the node farthest from the start: on long aisles of equal
    # estimates this follows one walk instead of widening through all of them.
    queue = [(bound(start), -0.0, start)]
    done: set[str] = set()
    while queue:
        _estimate, _farther, node = heapq.heappop(queue)
        if node == goal:
            break
        if node in done:
            continue
        done.add(node)
        for other, length, steps in adjacency[node]:
            if step_free and steps:
                continue
            candidate = best[node] + length
            if candidate < best.get(other, math.inf):
                best[other] = candidate
                previous[other] = node
                heapq.heappush(queue, (candidate + bound(other), -candidate, other))
    return previous


@dataclass(frozen=True)
class Route:
    points: list[tuple[float, float]]
    metres: float
    step_free: bool
    steps: bool = False  # the walk takes steps somewhere

    @property
    def minutes(self) -> int:
        """Walking time rounded up to whole minutes (at least one)."""
        return max(1, math.ceil(self.metres / WALKING_SPEED / 60))


class NoRoute(LookupError):
    """No walkway joins the two places (step-free routes may not exist everywhere)."""


@dataclass(frozen=True)
class Site:
    """An imported plan: its document (zones, walkways, gates, facilities), stands and graph."""

    document: dict[str, Any]
    stands: tuple[Stand, ...]
    graph: Graph

    @property
    def size(self) -> tuple[float, float]:
        width, height = self.document["size"]
        return (float(width), float(height))

    def gate_point(self, gate: str | None) -> tuple[float, float] | None:
        point = self.document["gates"].get(gate or "")
        return (float(point[0]), float(point[1])) if point else None


EMPTY = Site({"size": [100, 100], "zones": [], "walkways": [], "gates": {}, "facilities": []}, (), Graph())
_sites: dict[str, Site] = {}


def door_node(number: str) -> str:
    return f"stand:{number}"


def graph_from(document: dict[str, Any]) -> Graph:
    graph = Graph()
    for name, (x, y) in document.get("nodes", {}).items():
        graph.add_node(name, (float(x), float(y)))
    for a, b, steps in document.get("edges", []):
        graph.add_edge(a, b, bool(steps))
    return graph


def site(conn: sqlite3.Connection) -> Site:
    """The instance's plan, stands and walkway graph (built once per plan version);
    an empty site when no plan was imported yet."""
    row = conn.execute("SELECT digest FROM site_plan WHERE id = 1").fetchone()
    if row is None:
        return EMPTY
    cached = _sites.get(row[0])
    if cached is None:
        text = conn.execute("SELECT document FROM site_plan WHERE id = 1").fetchone()[0]
        document = json.loads(text)
        stands = tuple(stand_from_row(r) for r in conn.execute("SELECT * FROM stands ORDER BY number"))
        cached = Site(document, stands, graph_from(document))
        if len(_sites) > 8:  # old plan versions of a long-running process
            _sites.clear()
        _sites[row[0]] = cached
    return cached


def shortest_path(graph: Graph, start: str, goal: str, step_free: bool = False) -> tuple[list[str], float]:
    """The shortest walk from ``start`` to ``goal``; returns (nodes, metres). Raises NoRoute."""
    previous = _astar(graph, start, goal, step_free)
    if goal != start and goal not in previous:
        raise NoRoute(f"no {'step-free ' if step_free else ''}walkway from {start} to {goal}")
    path = [goal]
    while path[-1] != start:
        path.append(previous[path[-1]])
    path.reverse()
    return path, sum(math.dist(graph.points[a], graph.points[b]) for a, b in itertools.pairwise(path))


def route_to_stand(graph: Graph, start: tuple[float, float], stand: Stand, step_free: bool = False) -> Route:
    """The walk from a point on the plan to a stand's door, through the nearest walkway node."""
    key = (start, stand, step_free)
    found = graph._routes.get(key)
    if found is not None:
        return found
    if not graph.points:
        raise NoRoute("the plan has no walkways")
    first = graph.nearest(start, step_free)
    goal = door_node(stand.number)
    if goal not in graph.points:  # a stand no walkway reaches: walk to the nearest point
        goal = graph.nearest((stand.door_x, stand.door_y), step_free)
    nodes, metres = shortest_path(graph, first, goal, step_free)
    points = [start] + [graph.points[n] for n in nodes] + [(stand.door_x, stand.door_y)]
    metres += math.dist(start, graph.points[first]) + math.dist(
        graph.points[nodes[-1]], (stand.door_x, stand.door_y)
    )
    steps = any(
        edge_steps
        for a, b in itertools.pairwise(nodes)
        for other, _length, edge_steps in graph.adjacency[a]
        if other == b and edge_steps
    )
    route = Route(points=_without_repeats(points), metres=round(metres, 1), step_free=step_free, steps=steps)
    _keep(graph._routes, key, route, ROUTES_CACHED)
    return route


def _without_repeats(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    return kept


def position_from_config(value: object, gate: str | None, plan_site: Site) -> tuple[float, float]:
    """The kiosk's place on the plan: ``FINDER_POSITION`` as "x,y" (metres) or a gate id,
    else its own gate, else the plan's first gate (else the middle of the plan)."""
    text = str(value or "").strip()
    if text and plan_site.gate_point(text):
        return plan_site.gate_point(text)  # type: ignore[return-value]
    if text:
        try:
            x, y = (float(part) for part in text.split(","))
        except ValueError:
            raise ValueError(f"FINDER_POSITION {text!r}: use 'x,y' in metres or a gate id") from None
        return (x, y)
    point = plan_site.gate_point(gate) or next(
        iter(map(plan_site.gate_point, plan_site.document["gates"])), None
    )
    if point is None:
        width, height = plan_site.size
        return (width / 2, height / 2)
    return point


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


class UnknownStand(LookupError):
    """No stand has that number on the plan."""


class NoStepFreeRoute(NoRoute):
    """The stand can be reached, but only by steps."""


def route_between(plan_site: Site, to: str, start: tuple[float, float], step_free: bool = False) -> Route:
    """The walk from ``start`` to stand ``to``. Raises ``UnknownStand``, ``NoStepFreeRoute``
    (a route with steps exists) or ``NoRoute``."""
    stand = next((s for s in plan_site.stands if s.number == to.strip().upper()), None)
    if stand is None:
        raise UnknownStand(f"no stand {to!r} on the plan")
    try:
        return route_to_stand(plan_site.graph, start, stand, step_free)
    except NoRoute:
        if step_free:
            route_to_stand(plan_site.graph, start, stand)  # NoRoute if there is no way at all
            raise NoStepFreeRoute(f"stand {stand.number} is reached only by steps") from None
        raise


def parse_start(text: str | None, plan_site: Site, default: tuple[float, float]) -> tuple[float, float]:
    """Where a route starts: a gate id, "x,y" in metres (inside the plan), or ``default``.
    Raises ValueError for anything else."""
    if not text:
        return default
    point = plan_site.gate_point(text.strip())
    if point:
        return point
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"from={text!r}: a gate id or x,y in metres") from None
    width, height = plan_site.size
    if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= width and 0 <= y <= height):
        raise ValueError(f"from={text!r} is outside the plan ({width:g} x {height:g} m)")
    return (x, y)
