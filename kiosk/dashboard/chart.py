"""Entries per hour per gate as an inline SVG drawn on the server (no internet, no JS)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from html import escape

from kiosk.entry.attendance import HourEntries

COLOURS = ["#1b6ca8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d"]


def entries_chart(
    per_hour: list[HourEntries],
    title: str,
    width: int = 720,
    height: int = 260,
    span: tuple[int, int] = (8, 23),
    names: Mapping[str, str] | None = None,
) -> str:
    """Grouped bars: one group per hour, one bar per gate, with a legend naming each gate
    (``names``: gate id -> name in the reader's language). The axis covers ``span`` (first
    and last hour, the day's opening hours) and any hour with entries."""
    names = names or {}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    gates: list[str] = []
    for item in per_hour:
        hour, gate, entries = item["hour"], item["gate"], item["entries"]
        counts[hour][gate] = entries
        if gate not in gates:
            gates.append(gate)
    left, bottom, top = 40, 30, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img"'
        f' aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if not counts:
        parts.append(f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle">—</text></svg>')
        return "".join(parts)
    hours = list(range(min(span[0], *counts), max(span[1], *counts) + 1))
    peak = max(max(v.values()) for v in counts.values()) or 1
    slot = plot_w / len(hours)
    bar = min(24.0, max(1.0, (slot - 4) / max(1, len(gates))))
    axis_y = top + plot_h
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#444"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>')
    for i, hour in enumerate(hours):
        x0 = left + i * slot + 2
        parts.append(
            f'<text x="{x0 + slot / 2 - 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle"'
            f' font-size="11">{hour:02d}h</text>'
        )
        for j, gate in enumerate(gates):
            value = counts[hour].get(gate, 0)
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}"'
                f' height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                f"<title>{escape(names.get(gate, gate))} {hour:02d}h: {value}</title></rect>"
            )
    for j, gate in enumerate(gates):
        x = left + j * 110
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[j % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="13" font-size="11">{escape(names.get(gate, gate))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
