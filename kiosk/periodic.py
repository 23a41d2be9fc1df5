"""A background thread that does one thing every so often, for ``kiosk serve`` (WAL
checkpoints, backups, the kids' space wipe): start, a round every ``interval`` seconds,
stop within a round."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod


class Periodic(ABC):
    """A daemon thread named ``name`` calling :meth:`tick` every ``interval`` seconds
    until :meth:`stop`, and once at start when ``at_start``. ``tick`` handles its own
    errors: each job knows which ones the next round may cure."""

    def __init__(self, name: str, interval: float, *, at_start: bool = False) -> None:
        self.interval = interval
        self.at_start = at_start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    @abstractmethod
    def tick(self) -> None:
        """One round of the job."""

    def run(self) -> None:
        """The thread's body (a subclass holding a resource for the thread's life wraps it)."""
        if self.at_start:
            self.tick()
        while not self._stop.wait(self.interval):
            self.tick()
