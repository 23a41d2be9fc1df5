"""Entries per quarter of an hour per gate: the chart's geometry as plain data (bars stacked
by gate, hour ticks, the legend); ``templates/dashboard/_chart.svg`` draws it on the server
(no internet, no script).

The bars are drawn in entries, under one scale that maps the tallest quarter to the plot's
height (``Chart.scale``): a quarter's drawing depends on its own counts and place only, so
the control room draws again only the quarters whose counts changed (``kiosk.dashboard.parts``),
even when a new peak rescales every bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, TypedDict

COLOURS = ["#1b6ca8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d"]
QUARTER = 15


class Stack(NamedTuple):
    """One gate's part of a quarter's bar, in entries from the axis."""

    gate: str
    name: str
    colour: str
    base: int  # entries of the gates stacked below it
    entries: int


class Quarter(NamedTuple):
    """A quarter of an hour with entries: its place on the axis and its stacked bars."""

    x: float
    width: float
    start: str  # "11:15"
    stacks: tuple[Stack, ...]


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
    scale: float  # drawing units per entry: the peak quarter fills the plot's height
    quarters: list[Quarter]
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
    colours = {gate: COLOURS[j % len(COLOURS)] for j, gate in enumerate(gates)}
    per_minute: dict[int, list[tuple[str, int]]] = {}
    for gate in gates:
        for minute, value in per_gate[gate].items():
            if value:
                per_minute.setdefault(minute, []).append((gate, value))
    first = min([span[0] * 60, *per_minute])
    last = max([(span[1] + 1) * 60 - QUARTER, *per_minute])
    start = first - first % QUARTER
    slots = (last - start) // QUARTER + 1
    left, top, bottom = 48, 12, 28
    plot_width, plot_height = width - left - 8, height - top - bottom
    slot = plot_width / slots
    bar_width = round(max(slot - 1, 1), 1)
    peak = max((sum(value for _gate, value in found) for found in per_minute.values()), default=0) or 1
    quarters: list[Quarter] = []
    for minute in sorted(per_minute):
        stacks = []
        base = 0
        for gate, value in per_minute[minute]:  # in gate order
            stacks.append(Stack(gate, names.get(gate, gate), colours[gate], base, value))
            base += value
        x = round(left + (minute - start) // QUARTER * slot + 0.5, 1)
        quarters.append(Quarter(x, bar_width, _clock(minute), tuple(stacks)))
    ticks: list[Tick] = [
        {"x": round(left + i * slot, 1), "label": f"{(start + i * QUARTER) // 60 % 24:02d}h"}
        for i in range(slots)
        if (start + i * QUARTER) % 60 == 0
    ]
    legend: list[LegendItem] = [
        {"gate": gate, "name": names.get(gate, gate), "colour": colours[gate]} for gate in gates
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "plot_width": plot_width,
        "plot_height": plot_height,
        "peak": peak,
        "scale": plot_height / peak,
        "quarters": quarters,
        "ticks": ticks,
        "legend": legend,
    }
