"""The demo plan's stands, and routes along the walkway graph derived from its SVG."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import instance
from kiosk.finder import layout, plan
from kiosk.finder.layout import Graph, NoRoute, Stand


def small_graph(flat_middle: bool = True) -> Graph:
    """a - b - c in a line (10 m each), and a shortcut a - c of 15 m with steps."""
    graph = Graph()
    for name, point in {"a": (0, 0), "b": (10, 0), "c": (20, 0), "d": (10, 30)}.items():
        graph.add_node(name, point)
    graph.add_edge("a", "b")
    if flat_middle:
        graph.add_edge("b", "c")
    graph.points["c2"] = (15, 0)
    graph.adjacency["c2"] = []
    graph.add_edge("a", "c2", steps=True)
    graph.add_edge("c2", "c", steps=True)
    graph.add_edge("b", "d", steps=True)
    return graph


def test_shortest_path_and_step_free_detour() -> None:
    graph = small_graph()
    # Two walks of 20 m, one with steps: either is a shortest walk, the step-free one is flat.
    assert layout.shortest_path(graph, "a", "c")[1] == 20.0
    assert layout.shortest_path(graph, "a", "c", step_free=True) == (["a", "b", "c"], 20.0)
    # without the flat middle only the stepped way remains
    graph = small_graph(flat_middle=False)
    assert layout.shortest_path(graph, "a", "c") == (["a", "c2", "c"], 20.0)
    with pytest.raises(NoRoute):
        layout.shortest_path(graph, "a", "c", step_free=True)
    with pytest.raises(NoRoute):
        layout.shortest_path(graph, "a", "d", step_free=True)


@pytest.fixture(scope="module")
def demo_site(demo_template: Path) -> layout.Site:
    """The demo fair's plan as central imported it from kiosk/fairs/demo-fair/plan.svg."""
    database = instance.open_db(demo_template)
    try:
        return layout.site(database.conn)
    finally:
        database.conn.close()


def test_plan_stands_are_unique_and_inside_their_zone(demo_site: layout.Site) -> None:
    numbers = [s.number for s in demo_site.stands]
    assert len(numbers) == len(set(numbers)) == 304
    zones = {z["zone"]: z["points"] for z in demo_site.document["zones"]}
    for stand in demo_site.stands:
        xs, ys = [p[0] for p in zones[stand.zone_id]], [p[1] for p in zones[stand.zone_id]]
        assert min(xs) <= stand.x and stand.x + stand.width <= max(xs), stand
        assert min(ys) <= stand.y and stand.y + stand.height <= max(ys), stand
    # stands in one row do not overlap
    by_row: dict[str, list[Stand]] = {}
    for stand in demo_site.stands:
        by_row.setdefault(stand.number[0], []).append(stand)
    for row in by_row.values():
        for left, right in itertools.pairwise(row):
            assert left.x + left.width <= right.x + 1e-9


@pytest.mark.parametrize("gate", ["main", "east", "heritage", "kids"])
def test_every_stand_is_reachable_step_free_from_every_gate(demo_site: layout.Site, gate: str) -> None:
    start = layout.position_from_config(None, gate, demo_site)
    for stand in demo_site.stands:
        route = layout.route_to_stand(demo_site.graph, start, stand, step_free=True)
        assert route.points[0] == start
        assert route.points[-1] == (stand.door_x, stand.door_y)
        assert not route.steps
        walked = sum(math.dist(a, b) for a, b in itertools.pairwise(route.points))
        assert route.metres == pytest.approx(walked, abs=0.1)
        assert route.metres >= math.dist(start, (stand.door_x, stand.door_y)) - 0.1


def test_route_ends_at_the_stand_door_along_its_aisle(demo_site: layout.Site) -> None:
    a01 = next(s for s in demo_site.stands if s.number == "A01")
    route = layout.route_to_stand(demo_site.graph, (40, 99), a01)
    # A01 opens north onto the first aisle (y = 11.5): the last leg steps from the aisle to the door
    assert route.points[-2] == (a01.door_x, 11.5)
    assert route.points[-1] == (a01.door_x, a01.y)
    assert route.minutes == math.ceil(route.metres / 60)


def test_step_free_route_avoids_the_terrace_steps(demo_site: layout.Site) -> None:
    m01 = next(s for s in demo_site.stands if s.number == "M01")
    start = (5.5, 94.0)  # bottom of the terrace steps in the south-west corner
    with_steps = layout.route_to_stand(demo_site.graph, start, m01)
    step_free = layout.route_to_stand(demo_site.graph, start, m01, step_free=True)
    assert with_steps.steps and not step_free.steps
    assert step_free.metres > with_steps.metres
    assert (40, 94) in step_free.points and (40, 94) not in with_steps.points


def test_the_conference_hall_steps_have_no_step_free_way(demo_site: layout.Site) -> None:
    graph = demo_site.graph
    gate, steps_top, ramp_top = graph.nearest((40, 99)), graph.nearest((115, 19)), graph.nearest((126, 30))
    assert graph.points[steps_top] == (115, 19)
    layout.shortest_path(graph, gate, steps_top)
    with pytest.raises(NoRoute):
        layout.shortest_path(graph, gate, steps_top, step_free=True)
    nodes, _metres = layout.shortest_path(graph, gate, ramp_top, step_free=True)
    assert graph.points[nodes[-1]] == (126, 30)


def test_kiosk_position_from_config(demo_site: layout.Site) -> None:
    assert layout.position_from_config("12.5, 40", "main", demo_site) == (12.5, 40.0)
    assert layout.position_from_config("east", "main", demo_site) == (139, 66)
    assert layout.position_from_config("", "kids", demo_site) == (94, 62)
    assert layout.position_from_config(None, "unknown-gate", demo_site) == (40, 99)
    with pytest.raises(ValueError, match="FINDER_POSITION"):
        layout.position_from_config("near the stage", "main", demo_site)


def test_phone_position_is_parsed_and_clamped() -> None:
    default = plan.Position(40, 99, 0)
    assert plan.parse_position("10,20,90", default, (140, 100)) == plan.Position(10, 20, 90)
    assert plan.parse_position("10,20", default, (140, 100)) == plan.Position(10, 20, 0)
    assert plan.parse_position("-5,500,370", default, (140, 100)) == plan.Position(0, 100, 10)
    for bad in ("", None, "x,y", "1", "nan,1", "1,2,3,4"):
        assert plan.parse_position(bad, default, (140, 100)) == default
    assert plan.Position(10, 10, 90).arrow(4) == (14, 10)
    assert plan.Position(10, 10, 0).arrow(4) == (10, 6)


def dijkstra_metres(graph: Graph, start: str, step_free: bool) -> dict[str, float]:
    """The definition a route must meet: plain Dijkstra over every node, no bound, no landmark."""
    best, queue, done = {start: 0.0}, [(0.0, start)], set()
    while queue:
        metres, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        for other, length, steps in graph.adjacency[node]:
            if not (step_free and steps) and metres + length < best.get(other, math.inf):
                best[other] = metres + length
                heapq.heappush(queue, (metres + length, other))
    return best


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=2, max_value=60))
def test_a_star_routes_are_as_short_as_dijkstra_from_any_start(seed: int, size: int) -> None:
    """Random walkway networks (several pieces, some edges with steps, aisles of equal
    lengths and so ties): A* with its landmark bound finds walks exactly as short as plain
    Dijkstra, step-free or not, and NoRoute exactly where Dijkstra reaches nothing."""
    rng = random.Random(seed)
    graph = Graph()
    for index in range(size):
        graph.add_node(f"n{index}", (float(rng.randint(0, 30)), float(rng.randint(0, 30))))
    names = list(graph.points)
    for _ in range(rng.randint(size // 2, size * 2)):
        a, b = rng.sample(names, 2)
        graph.add_edge(a, b, steps=rng.random() < 0.2)
    for start in rng.sample(names, min(4, size)):
        for step_free in (False, True):
            expected = dijkstra_metres(graph, start, step_free)
            for goal in names:
                if goal not in expected:
                    with pytest.raises(NoRoute):
                        layout.shortest_path(graph, start, goal, step_free)
                    continue
                nodes, metres = layout.shortest_path(graph, start, goal, step_free)
                assert nodes[0] == start and nodes[-1] == goal
                assert metres == pytest.approx(expected[goal], abs=1e-9)
                for a, b in itertools.pairwise(nodes):  # a real walk along edges allowed
                    assert any(o == b and not (step_free and s) for o, _l, s in graph.adjacency[a])


def test_nearest_node_by_grid_is_the_nearest_by_distance() -> None:
    rng = random.Random(7)
    graph = Graph()
    for index in range(400):
        graph.add_node(f"n{index}", (rng.uniform(0, 300), rng.uniform(0, 80)))
        if index:
            graph.add_edge(f"n{index}", f"n{index - 1}", steps=index % 3 == 0)
    for _ in range(200):
        point = (rng.uniform(-50, 350), rng.uniform(-50, 130))
        for step_free in (False, True):
            allowed = [n for n, e in graph.adjacency.items() if not step_free or any(not s for *_x, s in e)]
            want = min(math.dist(graph.points[n], point) for n in allowed)
            assert math.dist(graph.points[graph.nearest(point, step_free)], point) == want
