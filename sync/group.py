"""Group commit of concurrent pushes on central.

Eight kiosks draining their backlogs each wait for central's answer before sending the
next batch; applied one transaction each, central counted the same seconds of the
figures once per batch and synced the disk once per batch. Here the batches that are
waiting when the writer is free are applied by one thread in ONE write transaction,
counted into the figures once at the end (``protocol.batches_together``).

- Nothing is answered before the transaction holding it is on disk: each waiting request
  returns only after the group's commit is durable (``kiosk.db.write``).
- A batch refused (``Refusal``, or any error while applying it) is left out: the group
  is rolled back and applied again without it, and its refusal goes to its own kiosk only.
- If the group itself fails (the count at its end, the commit), each batch is applied
  again in a transaction of its own, so one batch can never fail another.
- A lone push is applied at once: nobody waits for a group to fill up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from kiosk import clock
from kiosk import db as dbmod
from sync import protocol

log = logging.getLogger(__name__)
T = TypeVar("T")
# One batch's work inside the group's transaction.
Work = Callable[[sqlite3.Connection, protocol.Together], T]


@dataclass
class Outcome(Generic[T]):
    """What one work gave: its result, or the error it raised (its batch not kept)."""

    result: T | None = None
    error: Exception | None = None


class _Failed(Exception):
    """A work of the group raised: the group's transaction is rolled back."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


def apply_together(db: dbmod.Database, works: Sequence[Work[T]]) -> list[Outcome[T]]:
    """Apply ``works`` in one durable write transaction, their passages counted once at
    its end; the outcome of each. A work that raises is left out and the others applied
    again without it (no savepoint per work: savepoints made a group slower than a
    transaction per batch, and a refused batch is rare). Raises if the group fails as a
    whole (the count, the commit): then nothing of it is stored."""
    outcomes: list[Outcome[T]] = [Outcome() for _ in works]
    remaining = list(range(len(works)))
    while remaining:
        try:
            with dbmod.write(db) as conn, protocol.batches_together(conn, clock.now()) as together:
                for index in remaining:
                    try:
                        outcomes[index].result = works[index](conn, together)
                    except Exception as error:
                        raise _Failed(index, error) from error
        except _Failed as failed:
            outcomes[failed.index].error = failed.error
            remaining.remove(failed.index)
            continue
        log.debug(
            "%d pushes applied in one transaction (%d left out)", len(remaining), len(works) - len(remaining)
        )
        break
    return outcomes


@dataclass
class _Waiting(Generic[T]):
    work: Work[T]
    done: threading.Event = field(default_factory=threading.Event)
    # Until applied: what its thread answers if the applying thread dies on the way.
    outcome: Outcome[T] = field(default_factory=lambda: Outcome(error=RuntimeError("push not applied")))


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
        if waiting.outcome.error is not None:
            raise waiting.outcome.error
        return waiting.outcome.result  # type: ignore[return-value]  # set when error is None

    def _apply(self, db: dbmod.Database, group: list[_Waiting[T]]) -> None:
        try:
            try:
                outcomes = apply_together(db, [waiting.work for waiting in group])
            except Exception as error:
                if len(group) == 1:
                    outcomes = [Outcome(error=error)]
                else:
                    # The group failed as a whole: nothing of it is stored. Each alone,
                    # then, so that whatever failed fails its own push only.
                    outcomes = [_alone(db, waiting.work) for waiting in group]
            for waiting, outcome in zip(group, outcomes, strict=True):
                waiting.outcome = outcome
        finally:
            for waiting in group:
                waiting.done.set()


def _alone(db: dbmod.Database, work: Work[T]) -> Outcome[T]:
    try:
        return apply_together(db, [work])[0]
    except Exception as error:
        return Outcome(error=error)
