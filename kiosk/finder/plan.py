"""What the SVG plan draws, from the stands table and the imported site plan.

``plan_view`` gathers zones (with their names in the screen's language), stands (the
chosen ones highlighted, the others dimmed when one is chosen), gates, amenities, the
"you are here" mark with the kiosk's heading, and the route as a polyline. The
template ``finder/_plan.svg`` turns it into SVG in plan coordinates (metres), so the
drawing is the same in every language: only the labels change. What changes only with
the plan and the language (``Base``) is gathered once per ``drawing_version``; the views
draw it once too (``kiosk.finder.views.plan_layers``).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Any

from kiosk.finder import layout, search
from kiosk.finder.layout import Route

ZONE_LABEL_SIZE = 2.2  # metres of plan, the largest a zone's name is drawn
GLYPH_WIDTH = 0.62  # a DejaVu Sans Bold character is about this many font sizes wide
GATE_LABEL_SIZE = 1.8  # as .gate-label in finder.css


SMALLEST_ONE_LINE = 1.5  # below this a long name is written on two lines instead


def label_size(text: str, room: float, largest: float = ZONE_LABEL_SIZE) -> float:
    """The font size that fits ``text`` on one line within ``room`` (plan units), at most ``largest``,
    so a zone's name stays inside its border."""
    return math.floor(100 * min(largest, room / (GLYPH_WIDTH * max(len(text), 1)))) / 100  # never above


def label_lines(text: str, room: float) -> tuple[list[str], float]:
    """A zone's name as one line, or two when one line would be too small to read, and its size."""
    one = label_size(text, room)
    words = text.split()
    if one >= SMALLEST_ONE_LINE or len(words) < 2:
        return [text], one
    # Break at the space that makes the longer line shortest.
    cut = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    lines = [" ".join(words[:cut]), " ".join(words[cut:])]
    return lines, max(one, label_size(max(lines, key=len), room))


Box = tuple[float, float, float, float]  # left, top, right, bottom


def text_box(text: str, x: float, y: float, size: float, anchor: str) -> Box:
    """The rough box of a line of text drawn at baseline (x, y)."""
    width = GLYPH_WIDTH * size * len(text)
    left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
    return (left, y - size, left + width, y + 0.25 * size)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def here_label(position: Position, route: Route | None, width: float, height: float) -> dict[str, Any]:
    """Where "you are here" is written: away from the first leg of the route (it starts at the
    mark) and inside the plan: above the mark, below it, or beside it."""
    dx, dy = 0.0, -1.0
    if route and len(route.points) > 1:
        (x0, y0), (x1, y1) = route.points[0], route.points[1]
        dx, dy = x1 - x0, y1 - y0
    if abs(dy) >= abs(dx):  # the route leaves up or down: write beside the mark
        side = -1 if position.x > width - 24 else 1
        return {"x": position.x + side * 2.4, "y": position.y + 0.8, "anchor": "start" if side > 0 else "end"}
    above = position.y > 4
    return {"x": position.x, "y": position.y - 2.6 if above else position.y + 4.2, "anchor": "middle"}


@dataclass(frozen=True)
class Position:
    x: float
    y: float
    heading: float  # degrees clockwise from the top of the plan (north)

    def arrow(self, length: float = 4.0) -> tuple[float, float]:
        """Tip of the heading arrow."""
        angle = math.radians(self.heading)
        return (round(self.x + length * math.sin(angle), 2), round(self.y - length * math.cos(angle), 2))


def parse_position(text: str | None, default: Position, size: tuple[float, float]) -> Position:
    """A position from "x,y[,heading]" (a phone's link), else the default; clamped to the site."""
    if not text:
        return default
    try:
        parts = [float(part) for part in text.split(",")]
    except ValueError:
        return default
    if len(parts) not in (2, 3) or not all(math.isfinite(p) for p in parts):
        return default
    x = min(max(parts[0], 0.0), size[0])
    y = min(max(parts[1], 0.0), size[1])
    return Position(x, y, parts[2] % 360 if len(parts) == 3 else default.heading)


Version = tuple[str, str | None, int]


def drawing_version(conn: sqlite3.Connection) -> Version:
    """What this database's plan drawings are made from: the database, the site plan's digest
    and the count of changes to stands, zones and gates (triggers of migration 0103)."""
    digest, version = conn.execute(
        "SELECT (SELECT digest FROM site_plan WHERE id = 1), version FROM finder_plan_state"
    ).fetchone()
    return (search.database_key(conn), digest, int(version))


@dataclass(frozen=True)
class Base:
    """What a drawing of the plan holds that changes only with the plan and the language:
    made once per plan version and language, the rest (where the reader stands, the chosen
    stand, the route) is added per request."""

    version: Version
    width: float
    height: float
    zones: list[dict[str, Any]]
    zone_boxes: list[Box]
    gates: list[tuple[str, float, float, str]]  # id, x, y, name
    walkways: list[dict[str, Any]]
    amenities: list[dict[str, Any]]
    stands: list[dict[str, Any]]  # rows of the stands table with their outline's points


_bases: dict[tuple[Version, str], Base] = {}
MAX_BASES = 16  # languages x plan versions (and instances, in tests) a process keeps


def base(conn: sqlite3.Connection, lang: str) -> Base:
    """The plan's drawing in ``lang`` (see ``Base``), made once per plan version."""
    version = drawing_version(conn)
    name_key = f"name_{lang}" if lang in ("fr", "ar", "en") else "name_fr"
    found = _bases.get((version, name_key))
    if found is not None:
        return found
    plan_site = layout.site(conn)
    document = plan_site.document
    zone_names = {row["id"]: row[name_key] for row in conn.execute("SELECT * FROM zones")}
    gate_names = {row["id"]: row[name_key] for row in conn.execute("SELECT * FROM gates")}
    outlines = document.get("outlines", {})
    stands = []
    for row in conn.execute("SELECT * FROM stands ORDER BY number"):
        # A stand drawn as a polygon on the organizer's plan is drawn so here too.
        outline = outlines.get(row["number"])
        points = " ".join(f"{x:g},{y:g}" for x, y in outline) if outline else ""
        stands.append({**dict(row), "outline": points})
    zones = []
    for zone in document["zones"]:
        xs, ys = [p[0] for p in zone["points"]], [p[1] for p in zone["points"]]
        name = zone_names.get(zone["zone"], zone["zone"])
        lines, size = label_lines(name, 0.9 * (max(xs) - min(xs)))
        zones.append(
            {
                "zone": zone["zone"],
                "name": name,
                "lines": lines,
                "points": " ".join(f"{x:g},{y:g}" for x, y in zone["points"]),
                "label_x": (min(xs) + max(xs)) / 2,
                # the last line sits just above the zone's lower border
                "label_y": max(ys) - 1.2 - 1.15 * size * (len(lines) - 1),
                "label_size": size,
            }
        )
    width, height = plan_site.size  # metres
    made = Base(
        version=version,
        width=width,
        height=height,
        zones=zones,
        zone_boxes=[
            text_box(line, z["label_x"], z["label_y"] + 1.15 * z["label_size"] * i, z["label_size"], "middle")
            for z in zones
            for i, line in enumerate(z["lines"])
        ],
        gates=[(gate, x, y, gate_names.get(gate, gate)) for gate, (x, y) in document["gates"].items()],
        walkways=[
            {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], "steps": walkway["steps"]}
            for walkway in document["walkways"]
            for a, b in zip(walkway["points"], walkway["points"][1:], strict=False)
        ],
        # The file says first-aid (as organizers write it); the screen's names use first_aid.
        amenities=[
            {**facility, "kind": facility["kind"].replace("-", "_")} for facility in document["facilities"]
        ],
        stands=stands,
    )
    if len(_bases) >= MAX_BASES:
        _bases.clear()
    _bases[(version, name_key)] = made
    return made


def plan_view(
    conn: sqlite3.Connection,
    lang: str,
    position: Position | None,
    highlight: set[str] | None = None,
    route: Route | None = None,
) -> dict[str, Any]:
    """Everything ``finder/_plan.svg`` needs: the plan's ``Base`` and, per request, the
    gates' labels (none at the gate the reader stands at), the chosen stands, the route."""
    drawn = base(conn, lang)
    highlight = highlight or set()
    width, height = drawn.width, drawn.height
    gates = []
    for gate, x, y, gate_name in drawn.gates:
        # Labels near the edges grow inwards; the gate the kiosk stands at is "you are here".
        anchor = "end" if x > width - 12 else ("start" if x < 12 else "middle")
        here = position is not None and math.dist((x, y), (position.x, position.y)) < 4
        name = "" if here else gate_name
        # Above the gate, or below it when that would cover a zone's name.
        label_dy = -2.2
        if any(
            overlaps(text_box(name, x, y - 2.2, GATE_LABEL_SIZE, anchor), box) for box in drawn.zone_boxes
        ):
            label_dy = 3.8
        gates.append({"id": gate, "name": name, "x": x, "y": y, "anchor": anchor, "label_dy": label_dy})
    return {
        "version": drawn.version,
        "walkways": drawn.walkways,
        "width": width,
        "height": height,
        "zones": drawn.zones,
        "stands": drawn.stands,
        "highlight": highlight,
        "chosen": [s for s in drawn.stands if s["number"] in highlight],
        "gates": gates,
        "amenities": drawn.amenities,
        "position": position,
        "here_label": here_label(position, route, width, height) if position else None,
        "route": " ".join(f"{x:g},{y:g}" for x, y in route.points) if route else "",
        "route_end": route.points[-1] if route else None,
    }
