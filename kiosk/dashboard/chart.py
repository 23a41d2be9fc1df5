"""Entries per quarter of an hour per gate: the chart's geometry as plain data (bars stacked
by gate, hour ticks, the legend); ``templates/dashboard/_chart.svg`` draws it on the server
(no internet, no script)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypedDict, TypeVar

COLOURS = ["#1b6ca8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d"]
QUARTER = 15


class Bar(TypedDict):
    x: float
    y: float
    width: float
    height: float
    colour: str
    gate: str
    start: str  # "11:15"
    entries: int


class Tick(TypedDict):
    x: float
    label: str


class LegendItem(TypedDict):
    gate: str
    name: str
    colour: str


class Chart(TypedDict):
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    peak: int
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[LegendItem]


def _clock(minute: int) -> str:
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def quarter_chart(
    per_gate: Mapping[str, Mapping[int, int]],
    names: Mapping[str, str],
    span: tuple[int, int] = (8, 23),
    width: int = 1600,
    height: int = 300,
) -> Chart:
    """Stacked bars, one per quarter of an hour from the first hour of ``span`` to the end of
    its last (and any quarter with entries outside it), one colour per gate (``per_gate``: gate
    id -> local minute of day of a quarter's start -> entries; ``names``: gate id -> name)."""
    gates = sorted(per_gate)
    quarters = [minute for counts in per_gate.values() for minute in counts]
    first = min([span[0] * 60, *quarters])
    last = max([(span[1] + 1) * 60 - QUARTER, *quarters])
    slots = list(range(first - first % QUARTER, last + 1, QUARTER))
    totals = {minute: sum(per_gate[gate].get(minute, 0) for gate in gates) for minute in slots}
    peak = max(totals.values(), default=0) or 1
    left, top, bottom = 48, 12, 28
    plot_width, plot_height = width - left - 8, height - top - bottom
    slot = plot_width / len(slots)
    bars: list[Bar] = []
    ticks: list[Tick] = []
    for i, minute in enumerate(slots):
        x = left + i * slot
        if minute % 60 == 0:
            ticks.append({"x": round(x, 1), "label": f"{minute // 60 % 24:02d}h"})
        base = float(top + plot_height)
        for j, gate in enumerate(gates):
            value = per_gate[gate].get(minute, 0)
            if not value:
                continue
            h = plot_height * value / peak
            base -= h
            bars.append(
                {
                    "x": round(x + 0.5, 1),
                    "y": round(base, 1),
                    "width": round(max(slot - 1, 1), 1),
                    "height": round(h, 1),
                    "colour": COLOURS[j % len(COLOURS)],
                    "gate": gate,
                    "start": _clock(minute),
                    "entries": value,
                }
            )
    legend: list[LegendItem] = [
        {"gate": gate, "name": names.get(gate, gate), "colour": COLOURS[j % len(COLOURS)]}
        for j, gate in enumerate(gates)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "plot_width": plot_width,
        "plot_height": plot_height,
        "peak": peak,
        "bars": bars,
        "ticks": ticks,
        "legend": legend,
    }


Drawn = TypeVar("Drawn")


class Drawings(Generic[Drawn]):
    """The chart as last drawn, per key (a day and a language): drawn again at once when its
    ``shape`` changed (a new bar, gate or opening hour), otherwise only when what it is drawn
    from changed and the drawing is at least ``max_age`` seconds old. The control room polls
    every 5 s per open tab while the counters move with every entry, and drawing ~300 bars
    costs more than everything else a poll reads (issue 16: no request holds central's CPU
    50 ms); bars up to a minute behind the figures above them say the same."""

    def __init__(
        self, max_age: float = 60.0, keep: int = 32, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age = max_age
        self.keep = keep
        self._now = now
        self._drawn: dict[Hashable, tuple[float, object, object, Drawn]] = {}

    def get(self, key: Hashable, source: object, draw: Callable[[], Drawn], shape: object = None) -> Drawn:
        moment = self._now()
        held = self._drawn.get(key)
        if held is not None and held[2] == shape and (held[1] == source or moment - held[0] < self.max_age):
            return held[3]
        drawn = draw()
        self._drawn.pop(key, None)
        if len(self._drawn) >= self.keep:
            del self._drawn[next(iter(self._drawn))]  # the longest undrawn
        self._drawn[key] = (moment, source, shape, drawn)
        return drawn
