"""Stands generated from the layout file, and routes along the walkway graph."""

from __future__ import annotations

import itertools
import math

import pytest

from kiosk.finder import layout, plan
from kiosk.finder.layout import Graph, NoRoute, Stand


def small_graph() -> Graph:
    """a - b - c in a line (10 m each), and a shortcut a - c of 15 m with steps."""
    graph = Graph()
    for name, point in {"a": (0, 0), "b": (10, 0), "c": (20, 0), "d": (10, 30)}.items():
        graph.add_node(name, point)
    graph.add_edge("a", "b")
    graph.add_edge("b", "c")
    graph.points["c2"] = (15, 0)
    graph.adjacency["c2"] = []
    graph.add_edge("a", "c2", steps=True)
    graph.add_edge("c2", "c", steps=True)
    graph.add_edge("b", "d", steps=True)
    return graph


def test_shortest_path_and_step_free_detour() -> None:
    graph = small_graph()
    assert layout.shortest_path(graph, "a", "c") == (["a", "b", "c"], 20.0)
    assert layout.shortest_path(graph, "a", "c", step_free=True) == (["a", "b", "c"], 20.0)
    # remove the flat middle: only the stepped way remains
    graph.adjacency["b"] = [edge for edge in graph.adjacency["b"] if edge[0] != "c"]
    graph.adjacency["c"] = [edge for edge in graph.adjacency["c"] if edge[0] != "b"]
    assert layout.shortest_path(graph, "a", "c") == (["a", "c2", "c"], 20.0)
    with pytest.raises(NoRoute):
        layout.shortest_path(graph, "a", "c", step_free=True)
    with pytest.raises(NoRoute):
        layout.shortest_path(graph, "a", "d", step_free=True)


def test_generated_stands_are_unique_and_inside_their_zone() -> None:
    site_layout, stands, _graph = layout.site()
    numbers = [s.number for s in stands]
    assert len(numbers) == len(set(numbers)) == 304
    zones = {z["zone"]: z for z in site_layout["zones"]}
    for stand in stands:
        zone = zones[stand.zone_id]
        assert zone["x"] <= stand.x and stand.x + stand.width <= zone["x"] + zone["width"], stand
        assert zone["y"] <= stand.y and stand.y + stand.height <= zone["y"] + zone["height"], stand
    # stands in one row do not overlap
    by_row: dict[str, list[Stand]] = {}
    for stand in stands:
        by_row.setdefault(stand.number[0], []).append(stand)
    for row in by_row.values():
        for left, right in itertools.pairwise(row):
            assert left.x + left.width <= right.x + 1e-9


@pytest.mark.parametrize("gate", ["main", "east", "heritage", "kids"])
def test_every_stand_is_reachable_step_free_from_every_gate(gate: str) -> None:
    site_layout, stands, graph = layout.site()
    start = layout.position_from_config(None, gate, site_layout)
    for stand in stands:
        route = layout.route_to_stand(graph, start, stand, step_free=True)
        assert route.points[0] == start
        assert route.points[-1] == (stand.door_x, stand.door_y)
        walked = sum(math.dist(a, b) for a, b in zip(route.points, route.points[1:], strict=False))
        assert route.metres == pytest.approx(walked, abs=0.1)
        assert route.metres >= math.dist(start, (stand.door_x, stand.door_y)) - 0.1


def test_route_ends_at_the_stand_door_along_its_aisle() -> None:
    _site_layout, stands, graph = layout.site()
    a01 = next(s for s in stands if s.number == "A01")
    route = layout.route_to_stand(graph, (40, 99), a01)
    # A01 opens north onto the first aisle (y = 11.5): the last leg steps from the aisle to the door
    assert route.points[-2] == (a01.door_x, 11.5)
    assert route.points[-1] == (a01.door_x, a01.y)
    assert route.minutes == math.ceil(route.metres / 60)


def test_step_free_route_avoids_the_terrace_steps() -> None:
    _site_layout, stands, graph = layout.site()
    m01 = next(s for s in stands if s.number == "M01")
    start = (6.5, 94.0)  # bottom of the terrace steps in the south-west corner
    with_steps = layout.route_to_stand(graph, start, m01)
    step_free = layout.route_to_stand(graph, start, m01, step_free=True)
    assert step_free.metres > with_steps.metres
    assert (40, 94) in step_free.points and (40, 94) not in with_steps.points


def test_step_free_route_to_the_conference_hall_takes_the_ramp() -> None:
    _layout, _stands, graph = layout.site()
    nodes, _metres = layout.shortest_path(graph, "main_in", "conf_steps")
    assert "r0" in nodes
    with pytest.raises(NoRoute):
        layout.shortest_path(graph, "main_in", "conf_steps", step_free=True)
    nodes, _metres = layout.shortest_path(graph, "main_in", "conf_ramp", step_free=True)
    assert nodes[-1] == "conf_ramp"


def test_kiosk_position_from_config() -> None:
    site_layout = layout.load_layout()
    assert layout.position_from_config("12.5, 40", "main", site_layout) == (12.5, 40.0)
    assert layout.position_from_config("east_in", "main", site_layout) == (139, 66)
    assert layout.position_from_config("", "kids", site_layout) == (94, 62)
    assert layout.position_from_config(None, "unknown-gate", site_layout) == (40, 99)
    with pytest.raises(ValueError, match="FINDER_POSITION"):
        layout.position_from_config("near the stage", "main", site_layout)


def test_phone_position_is_parsed_and_clamped() -> None:
    default = plan.Position(40, 99, 0)
    assert plan.parse_position("10,20,90", default, (140, 100)) == plan.Position(10, 20, 90)
    assert plan.parse_position("10,20", default, (140, 100)) == plan.Position(10, 20, 0)
    assert plan.parse_position("-5,500,370", default, (140, 100)) == plan.Position(0, 100, 10)
    for bad in ("", None, "x,y", "1", "nan,1", "1,2,3,4"):
        assert plan.parse_position(bad, default, (140, 100)) == default
    assert plan.Position(10, 10, 90).arrow(4) == (14, 10)
    assert plan.Position(10, 10, 0).arrow(4) == (10, 6)
