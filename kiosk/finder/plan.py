"""What the SVG plan draws, from the stands table and the imported site plan.

``plan_view`` gathers zones (with their names in the screen's language), stands (the
chosen ones highlighted, the others dimmed when one is chosen), gates, amenities, the
"you are here" mark with the kiosk's heading, and the route as a polyline. The
template ``finder/_plan.svg`` turns it into SVG in plan coordinates (metres), so the
drawing is the same in every language: only the labels change.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Any

from kiosk.finder import layout
from kiosk.finder.layout import Route


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


def plan_view(
    conn: sqlite3.Connection,
    lang: str,
    position: Position | None,
    highlight: set[str] | None = None,
    route: Route | None = None,
) -> dict[str, Any]:
    """Everything ``finder/_plan.svg`` needs."""
    plan_site = layout.site(conn)
    document = plan_site.document
    name_key = f"name_{lang}" if lang in ("fr", "ar", "en") else "name_fr"
    zone_names = {row["id"]: row[name_key] for row in conn.execute("SELECT * FROM zones")}
    gate_names = {row["id"]: row[name_key] for row in conn.execute("SELECT * FROM gates")}
    highlight = highlight or set()
    stands = []
    for row in conn.execute("SELECT * FROM stands ORDER BY number"):
        state = "chosen" if row["number"] in highlight else ("dim" if highlight else "")
        stands.append({**dict(row), "state": state})
    zones = []
    for zone in document["zones"]:
        xs, ys = [p[0] for p in zone["points"]], [p[1] for p in zone["points"]]
        zones.append(
            {
                "zone": zone["zone"],
                "name": zone_names.get(zone["zone"], zone["zone"]),
                "points": " ".join(f"{x:g},{y:g}" for x, y in zone["points"]),
                "label_x": (min(xs) + max(xs)) / 2,
                "label_y": max(ys) - 1.2,
            }
        )
    width, height = plan_site.size  # metres
    gates = []
    for gate, (x, y) in document["gates"].items():
        # Labels near the edges grow inwards; the gate the kiosk stands at is "you are here".
        anchor = "end" if x > width - 12 else ("start" if x < 12 else "middle")
        here = position is not None and math.dist((x, y), (position.x, position.y)) < 4
        gates.append(
            {"id": gate, "name": "" if here else gate_names.get(gate, gate), "x": x, "y": y, "anchor": anchor}
        )
    walkways = [
        {"x1": a[0], "y1": a[1], "x2": b[0], "y2": b[1], "steps": walkway["steps"]}
        for walkway in document["walkways"]
        for a, b in zip(walkway["points"], walkway["points"][1:], strict=False)
    ]
    # The file says first-aid (as organizers write it); the screen's names use first_aid.
    amenities = [
        {**facility, "kind": facility["kind"].replace("-", "_")} for facility in document["facilities"]
    ]
    return {
        "walkways": walkways,
        "width": width,
        "height": height,
        "zones": zones,
        "stands": stands,
        "gates": gates,
        "amenities": amenities,
        "position": position,
        "route": " ".join(f"{x:g},{y:g}" for x, y in route.points) if route else "",
        "route_end": route.points[-1] if route else None,
    }
