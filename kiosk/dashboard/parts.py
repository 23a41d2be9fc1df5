"""The control room's parts as last drawn, each with what it was drawn from.

Every open dashboard tab polls the live part every 5 s, and at a live fair something is
committed between most polls (a kiosk's push, a device's hello): the room is read again
then, but a part (the figures, the gauges, one quarter of the chart, the devices...) is
drawn again only when what it shows differs from what it was last drawn from. Nothing
ages: a part whose figures changed is drawn at the next poll."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from kiosk.lru import LRU

Drawn = TypeVar("Drawn")


class Drawings(Generic[Drawn]):
    """Per key (a part, a day, a language), the last drawing and what it was drawn from;
    the ``keep`` most recently used keys are kept."""

    def __init__(self, keep: int = 1024) -> None:
        self._drawn: LRU[tuple[object, Drawn]] = LRU(keep)

    def get(self, key: Hashable, source: object, draw: Callable[[], Drawn]) -> Drawn:
        """The drawing of ``source`` under ``key``: the held one when it was drawn from an
        equal source, else ``draw()`` (which must draw ``source``)."""
        held = self._drawn.get(key)
        if held is not None and held[0] == source:
            return held[1]
        return self._drawn.put(key, (source, draw()))[1]
