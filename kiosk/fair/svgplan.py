"""The site plan from an SVG: stands, zones, walkways, gates and facilities by ``data-*`` marks.

An organizer traces or marks up the architect's plan (Inkscape, Illustrator):

- ``data-stand="A01"`` on a ``rect``, ``polygon`` or ``path``: a stand;
- ``data-zone="sales"``: a zone's outline;
- ``data-walkway`` on a ``line``, ``polyline`` or ``path`` (``data-steps="true"`` where
  there are steps): a walkway;
- ``data-gate="main"``: a gate (its centre); ``data-facility`` = toilets, prayer,
  first-aid, info or exit: a facility (its centre);
- ``data-door="A01"`` on a small mark (a circle, say) drawn on stand A01's outline: that
  stand's door (the point of the outline nearest the mark's centre);
- ``data-metres-per-unit`` on the root ``svg``: the scale (default 1).

``parse_svg`` reads it (defusedxml: the file may come from anywhere) into a ``Plan`` in
metres, each mark with its line in the file. ``derive`` makes the walkway graph from
the geometry alone: walkways are cut where they cross or where an end touches another,
each stand's door joins its nearest walkway, each gate too. A stand without a door mark
opens at the middle of its side nearest a walkway. ``check`` lists what an
organizer must fix (``FILE:LINE: reason``). ``export_svg`` writes a plan back in this
format, so an organizer can start from the demo's.
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from kiosk.fair.spec import Problem

Point = tuple[float, float]
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
FACILITIES = ("toilets", "prayer", "first-aid", "info", "exit")
STAND_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")
MARK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# A stand's door further than this from every walkway: no walkway reaches it.
STAND_REACH = 6.0
# A gate further than this from every walkway is not on one.
GATE_REACH = 2.0
# A door mark further than this from its stand's outline is not on it.
DOOR_REACH = 1.0
# Walkway ends closer than this to another walkway join it (hand-traced plans).
JOIN = 0.3
MAX_BYTES = 20_000_000


class PlanError(ValueError):
    """The SVG cannot be used; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass
class Mark:
    value: str
    points: list[Point]
    line: int
    steps: bool = False

    @property
    def centre(self) -> Point:
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        return ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)


@dataclass
class Plan:
    file: str
    width: float
    height: float
    stands: list[Mark] = field(default_factory=list)
    zones: list[Mark] = field(default_factory=list)
    walkways: list[Mark] = field(default_factory=list)
    gates: list[Mark] = field(default_factory=list)
    facilities: list[Mark] = field(default_factory=list)
    doors: list[Mark] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------- reading


class _LineBuilder(ET.TreeBuilder):
    """Remembers the line each element starts on (ElementTree does not)."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def _numbers(text: str | None) -> list[float]:
    return [float(n) for n in NUMBER.findall(text or "")]


def _length(element: ET.Element, name: str) -> float:
    values = _numbers(element.get(name))
    return values[0] if values else 0.0


def _multiply(a: Matrix, b: Matrix) -> Matrix:
    return (
        a[0] * b[0] + a[2] * b[1],
        a[1] * b[0] + a[3] * b[1],
        a[0] * b[2] + a[2] * b[3],
        a[1] * b[2] + a[3] * b[3],
        a[0] * b[4] + a[2] * b[5] + a[4],
        a[1] * b[4] + a[3] * b[5] + a[5],
    )


def parse_transform(text: str | None) -> Matrix:
    """An SVG ``transform`` attribute as a matrix (translate, scale, rotate, matrix, skew)."""
    matrix = IDENTITY
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", text or ""):
        values = _numbers(args)
        step: Matrix = IDENTITY
        if name == "matrix" and len(values) == 6:
            step = tuple(values)  # type: ignore[assignment]
        elif name == "translate" and values:
            step = (1, 0, 0, 1, values[0], values[1] if len(values) > 1 else 0)
        elif name == "scale" and values:
            step = (values[0], 0, 0, values[1] if len(values) > 1 else values[0], 0, 0)
        elif name == "rotate" and values:
            angle = math.radians(values[0])
            cos, sin = math.cos(angle), math.sin(angle)
            step = (cos, sin, -sin, cos, 0, 0)
            if len(values) == 3:
                cx, cy = values[1], values[2]
                step = _multiply(_multiply((1, 0, 0, 1, cx, cy), step), (1, 0, 0, 1, -cx, -cy))
        elif name == "skewX" and values:
            step = (1, 0, math.tan(math.radians(values[0])), 1, 0, 0)
        elif name == "skewY" and values:
            step = (1, math.tan(math.radians(values[0])), 0, 1, 0, 0)
        matrix = _multiply(matrix, step)
    return matrix


def path_points(d: str) -> list[list[Point]]:
    """The vertices of a path's subpaths (curves reduced to their end points)."""
    tokens = re.findall(r"[MmLlHhVvZzCcSsQqTtAa]|" + NUMBER.pattern, d or "")
    sizes = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}
    subpaths: list[list[Point]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    command = ""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.isalpha():
            command = token
            index += 1
            if command in "Zz":
                x, y = start
                if subpaths and subpaths[-1] and subpaths[-1][-1] != start:
                    subpaths[-1].append(start)
                continue
        if not command:
            break
        size = sizes[command.upper()]
        args = [float(t) for t in tokens[index : index + size]]
        if len(args) < size or any(t.isalpha() for t in tokens[index : index + size]):
            break
        index += size
        relative = command.islower()
        upper = command.upper()
        if upper == "H":
            x = args[0] + (x if relative else 0)
        elif upper == "V":
            y = args[0] + (y if relative else 0)
        else:
            nx, ny = args[-2], args[-1]
            x, y = (x + nx, y + ny) if relative else (nx, ny)
        if upper == "M":
            subpaths.append([(x, y)])
            start = (x, y)
            command = "l" if relative else "L"  # further pairs are line-tos
        else:
            if not subpaths:
                subpaths.append([start])
            subpaths[-1].append((x, y))
    return subpaths


def _shape_points(element: ET.Element) -> list[list[Point]]:
    """The outline(s) of one element in its own coordinates."""
    tag = element.tag.rsplit("}", 1)[-1]
    if tag == "rect":
        x, y = _length(element, "x"), _length(element, "y")
        w, h = _length(element, "width"), _length(element, "height")
        return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]
    if tag in ("polygon", "polyline"):
        values = _numbers(element.get("points"))
        return [list(zip(values[0::2], values[1::2], strict=False))]
    if tag == "line":
        return [
            [
                (_length(element, "x1"), _length(element, "y1")),
                (_length(element, "x2"), _length(element, "y2")),
            ]
        ]
    if tag == "path":
        return path_points(element.get("d", ""))
    if tag in ("circle", "ellipse"):
        cx, cy = _length(element, "cx"), _length(element, "cy")
        rx = _length(element, "r") or _length(element, "rx")
        ry = _length(element, "r") or _length(element, "ry")
        return [[(cx - rx, cy - ry), (cx + rx, cy - ry), (cx + rx, cy + ry), (cx - rx, cy + ry)]]
    return []


def _apply(matrix: Matrix, point: Point, scale: float) -> Point:
    a, b, c, d, e, f = matrix
    x, y = point
    return (round((a * x + c * y + e) * scale, 3), round((b * x + d * y + f) * scale, 3))


def parse_svg(data: bytes, file: str) -> Plan:
    """Read a plan SVG; raises ``PlanError`` if it is not a usable SVG at all. Problems
    with single marks are listed in ``plan.problems`` (see also ``check``)."""
    if len(data) > MAX_BYTES:
        raise PlanError([Problem(file, 1, f"the file is larger than {MAX_BYTES // 1_000_000} MB")])
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as error:
        line = error.position[0] if hasattr(error, "position") else 1
        raise PlanError([Problem(file, line, f"not XML: {error}")]) from None
    except Exception as error:  # defusedxml refuses entities and DTDs with its own errors
        raise PlanError([Problem(file, 1, f"refused: {type(error).__name__}")]) from None
    if root.tag.rsplit("}", 1)[-1] != "svg":
        raise PlanError([Problem(file, 1, "not an SVG file (the root element is not <svg>)")])
    problems: list[Problem] = []
    scale_text = root.get("data-metres-per-unit", "1")
    try:
        scale = float(scale_text)
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError
    except ValueError:
        problems.append(
            Problem(
                file, builder.lines[id(root)], f"data-metres-per-unit {scale_text!r} is not a positive number"
            )
        )
        scale = 1.0
    view = _numbers(root.get("viewBox"))
    width = (view[2] if len(view) == 4 else _length(root, "width")) * scale
    height = (view[3] if len(view) == 4 else _length(root, "height")) * scale
    plan = Plan(file, round(width, 3), round(height, 3), problems=problems)

    def visit(element: ET.Element, matrix: Matrix) -> None:
        matrix = _multiply(matrix, parse_transform(element.get("transform")))
        line = builder.lines.get(id(element), 1)
        for attribute, target in (
            ("data-stand", plan.stands),
            ("data-zone", plan.zones),
            ("data-walkway", plan.walkways),
            ("data-gate", plan.gates),
            ("data-facility", plan.facilities),
            ("data-door", plan.doors),
        ):
            value = element.get(attribute)
            if value is None:
                continue
            outlines = [[_apply(matrix, p, scale) for p in outline] for outline in _shape_points(element)]
            if not outlines and len(element):  # a group: the outlines of what it holds
                outlines = [[_apply(m, p, scale) for p in o] for m, o in _descendants(element, matrix)]
            outlines = [o for o in outlines if o]
            if not outlines:
                problems.append(Problem(file, line, f"{attribute}={value!r} marks an element with no shape"))
                continue
            steps_text = element.get("data-steps", "false").strip().lower()
            if steps_text not in ("true", "false", "1", "0", "yes", "no"):
                problems.append(Problem(file, line, f"data-steps must be true or false, not {steps_text!r}"))
            steps = steps_text in ("true", "1", "yes")
            if attribute == "data-walkway":
                target.extend(Mark(value, outline, line, steps) for outline in outlines if len(outline) >= 2)
            else:
                target.append(Mark(value.strip(), [p for o in outlines for p in o], line, steps))
        for child in element:
            visit(child, matrix)

    visit(root, IDENTITY)
    if not plan.width or not plan.height:
        points = [p for marks in (plan.stands, plan.zones, plan.walkways) for m in marks for p in m.points]
        plan.width = max((p[0] for p in points), default=0.0)
        plan.height = max((p[1] for p in points), default=0.0)
    return plan


def _descendants(element: ET.Element, matrix: Matrix) -> list[tuple[Matrix, list[Point]]]:
    found = []
    for child in element:
        child_matrix = _multiply(matrix, parse_transform(child.get("transform")))
        found += [(child_matrix, outline) for outline in _shape_points(child)]
        found += _descendants(child, child_matrix)
    return found


# ---------------------------------------------------------------- geometry


def project(point: Point, a: Point, b: Point) -> tuple[float, Point]:
    """(t, nearest point) of ``point`` on segment ``a``-``b`` (t from 0 at a to 1 at b)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return 0.0, a
    t = max(0.0, min(1.0, ((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length2))
    return t, (a[0] + t * dx, a[1] + t * dy)


def _crossing(a: Point, b: Point, c: Point, d: Point) -> tuple[float, float] | None:
    """(t on a-b, u on c-d) where two segments cross, if they do."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    denominator = r[0] * s[1] - r[1] * s[0]
    if abs(denominator) < 1e-12:
        return None
    qp = (c[0] - a[0], c[1] - a[1])
    t = (qp[0] * s[1] - qp[1] * s[0]) / denominator
    u = (qp[0] * r[1] - qp[1] * r[0]) / denominator
    if -1e-9 <= t <= 1 + 1e-9 and -1e-9 <= u <= 1 + 1e-9:
        return min(max(t, 0.0), 1.0), min(max(u, 0.0), 1.0)
    return None


def inside(point: Point, polygon: list[Point]) -> bool:
    """Even-odd rule: is the point inside the polygon (on the edge counts)?"""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        on_edge = abs((x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)) < 1e-9
        if on_edge and min(y1, y2) <= y <= max(y1, y2) and min(x1, x2) <= x <= max(x1, x2):
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            result = not result
    return result


@dataclass
class Segment:
    a: Point
    b: Point
    steps: bool
    cuts: list[tuple[float, str | None]] = field(default_factory=list)

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (
            min(self.a[0], self.b[0]),
            min(self.a[1], self.b[1]),
            max(self.a[0], self.b[0]),
            max(self.a[1], self.b[1]),
        )


class _Grid:
    """Segments by grid cell, so nearest-walkway look-ups stay fast on big plans."""

    def __init__(self, segments: list[Segment], size: float = 10.0) -> None:
        self.size = size
        self.cells: dict[tuple[int, int], list[int]] = {}
        for index, segment in enumerate(segments):
            x0, y0, x1, y1 = segment.box
            for i in range(int(x0 // size), int(x1 // size) + 1):
                for j in range(int(y0 // size), int(y1 // size) + 1):
                    self.cells.setdefault((i, j), []).append(index)
        self.segments = segments

    def near(self, point: Point, radius: float) -> set[int]:
        i0, i1 = int((point[0] - radius) // self.size), int((point[0] + radius) // self.size)
        j0, j1 = int((point[1] - radius) // self.size), int((point[1] + radius) // self.size)
        found: set[int] = set()
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                found.update(self.cells.get((i, j), ()))
        return found

    def nearest(self, point: Point, radius: float) -> tuple[float, int, float, Point] | None:
        """(distance, segment, t, point on it) of the nearest segment within ``radius``."""
        best = None
        for index in self.near(point, radius):
            segment = self.segments[index]
            t, foot = project(point, segment.a, segment.b)
            distance = math.dist(point, foot)
            if distance <= radius and (best is None or distance < best[0]):
                best = (distance, index, t, foot)
        return best


@dataclass
class Derived:
    """What the plan becomes: the document kept in ``site_plan`` and the stands table rows."""

    document: dict[str, Any]
    stands: list[dict[str, Any]]
    problems: list[Problem]


def _on_outline(point: Point, outline: list[Point]) -> tuple[float, Point]:
    """(distance, nearest point) of ``point`` on a closed outline's sides."""
    return min(
        (math.dist(point, foot), foot)
        for a, b in zip(outline, outline[1:] + outline[:1], strict=True)
        for _t, foot in (project(point, a, b),)
    )


def _door(stand: Mark, grid: _Grid) -> tuple[Point, tuple[float, int, float, Point] | None]:
    """The door of a stand with no door mark: the middle of its side nearest to a walkway."""
    outline = stand.points
    best: tuple[Point, tuple[float, int, float, Point] | None] = (stand.centre, None)
    for a, b in zip(outline, outline[1:] + outline[:1], strict=True):
        middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        found = grid.nearest(middle, STAND_REACH)
        if found and (best[1] is None or found[0] < best[1][0] - 1e-6):
            best = (middle, found)
    return best


def derive(plan: Plan, zone_ids: set[str] | None = None) -> Derived:
    """The walkway graph and stand rows of a plan, with every problem ``check`` reports."""
    problems = list(plan.problems)
    file = plan.file
    segments = [
        Segment(a, b, walkway.steps)
        for walkway in plan.walkways
        for a, b in zip(walkway.points, walkway.points[1:], strict=False)
        if a != b
    ]
    grid = _Grid(segments)
    joins: list[tuple[Point, Point, bool]] = []
    for i, first in enumerate(segments):
        candidates = set()
        for point in (first.a, first.b):
            candidates |= grid.near(point, JOIN)
        x0, y0, x1, y1 = first.box
        for j in grid.near(((x0 + x1) / 2, (y0 + y1) / 2), max(x1 - x0, y1 - y0) / 2 + JOIN):
            candidates.add(j)
        for j in candidates:
            if j <= i:
                continue
            second = segments[j]
            crossing = _crossing(first.a, first.b, second.a, second.b)
            if crossing:
                first.cuts.append((crossing[0], None))
                second.cuts.append((crossing[1], None))
                continue
            # An end that stops just short of (or on) another walkway joins it.
            for end, other, own in (
                (first.a, second, first),
                (first.b, second, first),
                (second.a, first, second),
                (second.b, first, second),
            ):
                t, foot = project(end, other.a, other.b)
                if math.dist(end, foot) <= JOIN:
                    other.cuts.append((t, None))
                    if math.dist(end, foot) > 1e-6:
                        joins.append((end, foot, own.steps))
    nodes: dict[str, Point] = {}
    edges: list[tuple[str, str, bool]] = []
    stand_rows = []
    outlines: dict[str, list[list[float]]] = {}  # stands that are not rectangles: number -> polygon
    seen_numbers: dict[str, int] = {}
    doors: dict[str, list[Mark]] = {}
    for mark in sorted(plan.doors, key=lambda mark: mark.line):
        doors.setdefault(mark.value.upper(), []).append(mark)
    explicit: dict[str, list[float]] = {}  # stands whose door is marked: number -> door
    # In number order: the same plan gives the same document whatever the drawing order.
    for stand in sorted(plan.stands, key=lambda mark: (mark.value.upper(), mark.line)):
        number = stand.value.upper()
        if not STAND_NUMBER.match(number):
            problems.append(
                Problem(file, stand.line, f"stand number {stand.value!r}: letters, digits and dashes")
            )
            continue
        if number in seen_numbers:
            problems.append(
                Problem(
                    file, stand.line, f"duplicate stand number {number} (also line {seen_numbers[number]})"
                )
            )
            continue
        seen_numbers[number] = stand.line
        zone = next((z.value for z in plan.zones if inside(stand.centre, z.points)), None)
        if zone is None:
            problems.append(Problem(file, stand.line, f"stand {number} is outside every zone"))
        door, found = _door(stand, grid)
        marked = doors.get(number, [])
        for extra in marked[1:]:
            problems.append(
                Problem(
                    file, extra.line, f"stand {number} has two doors (the other is on line {marked[0].line})"
                )
            )
        if marked:
            distance, foot = _on_outline(marked[0].centre, stand.points)
            if distance > DOOR_REACH:
                problems.append(
                    Problem(
                        file,
                        marked[0].line,
                        f"the door of stand {number} is {distance:.1f} m from the stand's outline:"
                        f" draw it on the outline (within {DOOR_REACH:g} m)",
                    )
                )
            else:
                door = _rounded(foot)
                found = grid.nearest(door, STAND_REACH)
                explicit[number] = list(door)
        if found is None:
            where, line = (
                ("the door of stand", marked[0].line) if number in explicit else ("stand", stand.line)
            )
            problems.append(
                Problem(file, line, f"no walkway reaches {where} {number} (none within {STAND_REACH:g} m)")
            )
        else:
            _distance, index, t, foot = found
            name = f"stand:{number}"
            segments[index].cuts.append((t, name))
            nodes[name] = _rounded(foot)
        xs, ys = [p[0] for p in stand.points], [p[1] for p in stand.points]
        corners = {(min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))}
        if set(stand.points) != corners:  # not its bounding box: drawn as drawn
            outlines[number] = [[round(x, 3), round(y, 3)] for x, y in stand.points]
        stand_rows.append(
            {
                "number": number,
                "zone_id": zone or "",
                "x": round(min(xs), 3),
                "y": round(min(ys), 3),
                "width": round(max(xs) - min(xs), 3),
                "height": round(max(ys) - min(ys), 3),
                "door_x": round(door[0], 3),
                "door_y": round(door[1], 3),
                "line": stand.line,
            }
        )
    for number, marks in doors.items():
        if number not in seen_numbers:
            for mark in marks:
                problems.append(
                    Problem(
                        file,
                        mark.line,
                        f"door mark data-door={mark.value!r} belongs to no stand"
                        f" (no stand {number} in the plan)"
                        if number
                        else 'door mark without a stand number: write it as data-door="A01"',
                    )
                )
    gates: dict[str, list[float]] = {}
    for gate in plan.gates:
        if not MARK_ID.match(gate.value):
            problems.append(
                Problem(file, gate.line, f"gate id {gate.value!r}: lower-case letters, digits and dashes")
            )
            continue
        if gate.value in gates:
            problems.append(Problem(file, gate.line, f"duplicate gate {gate.value!r}"))
            continue
        centre = _rounded(gate.centre)
        gates[gate.value] = list(centre)
        found = grid.nearest(centre, GATE_REACH)
        if found is None:
            problems.append(
                Problem(
                    file, gate.line, f"gate {gate.value} is not on a walkway (none within {GATE_REACH:g} m)"
                )
            )
            continue
        name = f"gate:{gate.value}"
        nodes[name] = centre
        _distance, index, t, foot = found
        segments[index].cuts.append((t, f"gate-foot:{gate.value}"))
        nodes[f"gate-foot:{gate.value}"] = _rounded(foot)
        edges.append((name, f"gate-foot:{gate.value}", segments[index].steps))
    # Cut every segment at its crossings and attachments; equal points are one node.
    by_point: dict[Point, str] = {}

    def point_node(point: Point) -> str:
        point = _rounded(point)
        if point not in by_point:
            by_point[point] = f"p{len(by_point)}"
            nodes[by_point[point]] = point
        return by_point[point]

    for segment in segments:
        ends: list[tuple[float, str | None]] = [(0.0, None), (1.0, None)]
        cuts = sorted([*ends, *segment.cuts], key=lambda cut: cut[0])
        chain: list[str] = []
        for t, attached in cuts:
            point = (
                segment.a[0] + t * (segment.b[0] - segment.a[0]),
                segment.a[1] + t * (segment.b[1] - segment.a[1]),
            )
            node = point_node(point)
            if attached is not None:
                edges.append((attached, node, segment.steps))  # the attachment, zero length
            if not chain or chain[-1] != node:
                chain.append(node)
        edges += [(a, b, segment.steps) for a, b in itertools.pairwise(chain)]
    edges += [(point_node(a), point_node(b), steps) for a, b, steps in joins]
    _check_zones(plan, zone_ids, problems)
    for facility in plan.facilities:
        if facility.value not in FACILITIES:
            problems.append(
                Problem(
                    file,
                    facility.line,
                    f"data-facility {facility.value!r}: use one of {', '.join(FACILITIES)}",
                )
            )
    if not plan.walkways:
        problems.append(Problem(file, 1, "no walkway (data-walkway) in the plan"))
    _check_connected(plan, nodes, edges, stand_rows, gates, problems)
    document = {
        "size": [plan.width, plan.height],
        "zones": [{"zone": z.value, "points": [list(p) for p in z.points]} for z in plan.zones],
        "walkways": [{"points": [list(p) for p in w.points], "steps": w.steps} for w in plan.walkways],
        "gates": gates,
        "outlines": outlines,
        "doors": explicit,
        "facilities": [
            {"kind": f.value, "x": round(f.centre[0], 3), "y": round(f.centre[1], 3)}
            for f in plan.facilities
            if f.value in FACILITIES
        ],
        "nodes": {name: list(point) for name, point in nodes.items()},
        "edges": [[a, b, steps] for a, b, steps in edges if a != b],
    }
    return Derived(document, stand_rows, problems)


def _rounded(point: Point) -> Point:
    return (round(point[0], 3), round(point[1], 3))


def _check_zones(plan: Plan, zone_ids: set[str] | None, problems: list[Problem]) -> None:
    for zone in plan.zones:
        if not MARK_ID.match(zone.value):
            problems.append(
                Problem(plan.file, zone.line, f"zone id {zone.value!r}: lower-case letters, digits, dashes")
            )
        elif zone_ids is not None and zone.value not in zone_ids:
            problems.append(
                Problem(plan.file, zone.line, f"data-zone {zone.value!r} is not a zone of the fair")
            )
        if len(zone.points) < 3:
            problems.append(Problem(plan.file, zone.line, f"zone {zone.value!r} has no area"))


def _check_connected(
    plan: Plan,
    nodes: dict[str, Point],
    edges: list[tuple[str, str, bool]],
    stand_rows: list[dict[str, Any]],
    gates: dict[str, list[float]],
    problems: list[Problem],
) -> None:
    """Every stand with a door on a walkway must be reachable from a gate (steps allowed)."""
    starts = [f"gate:{gate}" for gate in gates if f"gate:{gate}" in nodes]
    if not starts:
        return
    adjacency: dict[str, list[str]] = {}
    for a, b, _steps in edges:
        adjacency.setdefault(a, []).append(b)
        adjacency.setdefault(b, []).append(a)
    reached = set(starts)
    queue = deque(starts)
    while queue:
        for other in adjacency.get(queue.popleft(), ()):
            if other not in reached:
                reached.add(other)
                queue.append(other)
    for row in stand_rows:
        name = f"stand:{row['number']}"
        if name in nodes and name not in reached:
            problems.append(
                Problem(plan.file, row["line"], f"no walkway from a gate reaches stand {row['number']}")
            )


def check(data: bytes, file: str, zone_ids: set[str] | None = None) -> Derived:
    """Parse and derive a plan; ``problems`` of the result is empty when it can be imported."""
    return derive(parse_svg(data, file), zone_ids)


# ---------------------------------------------------------------- writing


def _n(value: float) -> str:
    """A coordinate as short text, to the millimetre."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _points(points: list[list[float]] | list[Point]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def export_svg(document: dict[str, Any], stands: list[dict[str, Any]]) -> str:
    """A plan SVG (metres, one unit a metre) that ``parse_svg`` reads back the same."""
    width, height = document["size"]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}"'
        f' height="{_n(height)}" data-metres-per-unit="1">',
        '  <g id="zones" fill="#eef3e8" stroke="#9bb48a" stroke-width="0.2">',
    ]
    out += [
        f'    <polygon data-zone="{z["zone"]}" points="{_points(z["points"])}"/>' for z in document["zones"]
    ]
    out += ["  </g>", '  <g id="walkways" fill="none" stroke="#c8c0b0" stroke-width="0.6">']
    for walkway in document["walkways"]:
        steps = ' data-steps="true" stroke-dasharray="0.6 0.4"' if walkway["steps"] else ""
        out.append(f'    <polyline data-walkway=""{steps} points="{_points(walkway["points"])}"/>')
    out += ["  </g>", '  <g id="stands" fill="#ffffff" stroke="#6b6b6b" stroke-width="0.1">']
    outlines = document.get("outlines", {})
    out += [
        f'    <polygon data-stand="{s["number"]}" points="{_points(outlines[s["number"]])}"/>'
        if s["number"] in outlines
        else f'    <rect data-stand="{s["number"]}" x="{_n(s["x"])}" y="{_n(s["y"])}"'
        f' width="{_n(s["width"])}" height="{_n(s["height"])}"/>'
        for s in stands
    ]
    out += ["  </g>", '  <g id="doors" fill="#b5562b">']
    out += [
        f'    <circle data-door="{number}" cx="{_n(x)}" cy="{_n(y)}" r="0.4"/>'
        for number, (x, y) in document.get("doors", {}).items()
    ]
    out += ["  </g>", '  <g id="gates" fill="#2f6f4f">']
    out += [
        f'    <circle data-gate="{gate}" cx="{_n(x)}" cy="{_n(y)}" r="1"/>'
        for gate, (x, y) in document["gates"].items()
    ]
    out += ["  </g>", '  <g id="facilities" fill="#3a6ea5">']
    out += [
        f'    <circle data-facility="{f["kind"]}" cx="{_n(f["x"])}" cy="{_n(f["y"])}" r="1"/>'
        for f in document["facilities"]
    ]
    out += ["  </g>", "</svg>", ""]
    return "\n".join(out)
