"""Several server processes on the listening sockets of one ``kiosk serve``: the parent
binds, prepares the app once, then forks the workers and only watches over them.

The parent stays single-threaded (forking a process that runs threads copies their
locks held, never released), so it can fork a replacement for a worker that died at any
time, as warm as the first ones (the app, templates and caches made before the fork are
shared copy-on-write). It waits for signals with ``sigtimedwait``: SIGCHLD (a worker
ended: fork another in its slot), SIGTERM or SIGINT (stop every worker, wait for them,
then return). A worker whose parent is gone (killed with SIGKILL) stops by itself: it
watches a pipe whose writing end only the parent holds. Slot 0 is the worker that runs
the background jobs (see ``kiosk.serve.serve_workers``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger("kiosk.serve")

WATCHED = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT}
# A worker that ends sooner than this after its start is forked again only this long
# after that start: a worker failing at once must not become a fork loop.
RESPAWN_SECONDS = 1.0
# On SIGTERM, the workers finish the requests they hold (waitress waits up to 5 s for
# its threads); past this they are killed.
STOP_SECONDS = 10.0


def _stop_worker(_signum: int, _frame: FrameType | None) -> None:
    # waitress's run() and the HTTPS server end on SystemExit and close their sockets.
    raise SystemExit(0)


def _watch_parent(read_end: int) -> None:
    """In a worker: end the worker when the parent is gone (the pipe's last writer closed)."""
    while os.read(read_end, 1):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


class Supervisor:
    """``count`` worker processes, each running ``work(slot)``; ``tick`` (optional) is
    called in the parent between signals and says when to call it again (None: never;
    systemd's watchdog)."""

    def __init__(
        self,
        count: int,
        work: Callable[[int], None],
        tick: Callable[[], float | None] | None = None,
    ) -> None:
        self.count = count
        self.work = work
        self.tick = tick
        self.pids: dict[int, int] = {}  # pid -> slot
        self.started: dict[int, float] = {}  # slot -> when its worker was forked
        self.due: dict[int, float] = {}  # slot -> when to fork its next worker

    def run(self) -> None:
        """Fork the workers, keep ``count`` of them running until SIGTERM or SIGINT,
        then stop them all and return."""
        # The parent holds the pipe's only writing end once every worker closed its copy.
        self.pipe = os.pipe()
        self.mask = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
        try:
            for slot in range(self.count):
                self._fork(slot)
            self._watch()
        finally:
            self._stop_all()
            for end in self.pipe:
                os.close(end)
            signal.pthread_sigmask(signal.SIG_SETMASK, self.mask)

    def _fork(self, slot: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker; never returns
            code = 1
            try:
                os.close(self.pipe[1])
                signal.signal(signal.SIGTERM, _stop_worker)
                signal.signal(signal.SIGINT, _stop_worker)
                signal.pthread_sigmask(signal.SIG_SETMASK, self.mask)
                watcher = threading.Thread(target=_watch_parent, args=(self.pipe[0],), daemon=True)
                watcher.start()
                log.info("worker %d (pid %d) serving%s", slot, os.getpid(), ", with the jobs" * (slot == 0))
                self.work(slot)
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 0
            except BaseException:
                log.exception("worker %d (pid %d) failed", slot, os.getpid())
            finally:
                logging.shutdown()
                sys.stdout.flush()
                sys.stderr.flush()
                # Not the parent's way out: its atexit handlers and finalizers are not ours.
                os._exit(code)
        self.pids[pid] = slot
        self.started[slot] = time.monotonic()

    def _watch(self) -> None:
        """Until SIGTERM or SIGINT: replace the workers that end, and call ``tick``."""
        next_tick = time.monotonic() if self.tick else None
        while True:
            deadlines = [*self.due.values(), *([next_tick] if next_tick is not None else [])]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else 3600.0
            received = signal.sigtimedwait(WATCHED, timeout)
            # systemd's stop sends SIGTERM to every process of the unit at once: workers
            # that end of it are not replaced when the parent's own SIGTERM is waiting.
            stop = {signal.Signals(received.si_signo)} if received is not None else set()
            stop = (stop | signal.sigpending()) & {signal.SIGTERM, signal.SIGINT}
            if stop:
                while signal.sigtimedwait(stop, 0) is not None:
                    pass  # taken here: not delivered once the mask is restored
                log.info("stopping %d workers (%s)", len(self.pids), ", ".join(sorted(s.name for s in stop)))
                return
            self._reap()
            now = time.monotonic()
            for slot, when in list(self.due.items()):
                if when <= now:
                    del self.due[slot]
                    self._fork(slot)
            if self.tick is not None and next_tick is not None and next_tick <= now:
                delay = self.tick()
                next_tick = None if delay is None else time.monotonic() + delay

    def _reap(self) -> None:
        """Note every worker that ended; its slot is forked again (soon, if it ran long)."""
        while self.pids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = self.pids.pop(pid, None)
            if slot is None:
                continue
            log.warning(
                "worker %d (pid %d) ended (%s); starting another",
                slot,
                pid,
                _describe(status),
            )
            self.due[slot] = max(time.monotonic(), self.started[slot] + RESPAWN_SECONDS)

    def _stop_all(self) -> None:
        """SIGTERM to every worker, then SIGKILL to those still there after STOP_SECONDS."""
        for pid in self.pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while self.pids:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.pids.pop(pid, None)
                continue
            if time.monotonic() > deadline:
                for left in self.pids:
                    log.warning("worker pid %d did not stop: killed", left)
                    _signal(left, signal.SIGKILL)
                deadline = float("inf")
            signal.sigtimedwait({signal.SIGCHLD}, 0.1)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"
