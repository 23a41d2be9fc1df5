"""Group commit of concurrent pushes on central.

Eight kiosks draining their backlogs each wait for central's answer before sending the
next batch; applied one transaction each, central counted the same seconds of the
figures once per batch and synced the disk once per batch. Here the batches that are
waiting when the writer is free are applied by one thread in ONE write transaction, a
savepoint each, counted into the figures once at the end (``protocol.batches_together``).

- Nothing is answered before the transaction holding it is on disk: each waiting request
  returns only after the group's commit is durable (``kiosk.db.write``).
- A batch refused (``Refusal``, or any error while applying it) is rolled back to its
  savepoint and its refusal goes to its own kiosk only; the others are kept.
- If the group itself fails (the count at its end, the commit), each batch is applied
  again in a transaction of its own, so one batch can never fail another.
- A lone push is applied at once: nobody waits for a group to fill up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from kiosk import clock
from kiosk import db as dbmod
from sync import protocol

log = logging.getLogger(__name__)
T = TypeVar("T")
# One batch's work inside the group's transaction.
Work = Callable[[sqlite3.Connection, protocol.Together], T]


@dataclass
class _Waiting(Generic[T]):
    work: Work[T]
    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    error: Exception | None = None


class Group(Generic[T]):
    """Applies works handed in by concurrent threads, grouped as explained above."""

    def __init__(self) -> None:
        self._turn = threading.Lock()  # held by the thread applying a group
        self._queue_lock = threading.Lock()
        self._queue: list[_Waiting[T]] = []

    def run(self, db: dbmod.Database, work: Work[T]) -> T:
        """Apply ``work`` in a group transaction on ``db`` (this thread's connection, used
        if this thread ends up applying the group); its result once durable, or its error."""
        waiting: _Waiting[T] = _Waiting(work)
        with self._queue_lock:
            self._queue.append(waiting)
        with self._turn:
            # Whoever holds the turn applies everything queued, this thread's work too
            # unless a previous holder already did.
            if not waiting.done.is_set():
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._apply(db, group)
        if waiting.error is not None:
            raise waiting.error
        return waiting.result  # type: ignore[return-value]  # set when error is None

    def _apply(self, db: dbmod.Database, group: list[_Waiting[T]]) -> None:
        try:
            try:
                self._together(db, group, clock.now())
            except Exception:
                if len(group) == 1:
                    raise
                # The group failed as a whole: no batch of it is stored. Each alone, then,
                # so that whatever failed fails its own push only.
                for waiting in group:
                    waiting.result, waiting.error = None, None
                    try:
                        self._together(db, [waiting], clock.now())
                    except Exception as error:
                        waiting.error = error
        except Exception as error:
            group[0].error = error
        finally:
            for waiting in group:
                waiting.done.set()

    def _together(self, db: dbmod.Database, group: list[_Waiting[T]], moment: datetime) -> None:
        with dbmod.write(db) as conn, protocol.batches_together(conn, moment) as together:
            for waiting in group:
                conn.execute("SAVEPOINT batch")
                try:
                    waiting.result = waiting.work(conn, together)
                except Exception as error:
                    conn.execute("ROLLBACK TO batch")
                    waiting.error = error
                conn.execute("RELEASE batch")
        log.debug("%d pushes applied in one transaction", len(group))
