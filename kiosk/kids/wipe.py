"""``kiosk serve`` on a kids' kiosk: the end-of-day wipe runs by itself, every minute,
whether or not anyone uses the screens. Backups taken before a wipe hold the names it
removed: they go too (the next scheduled backup is taken from the wiped database)."""

from __future__ import annotations

import logging
from pathlib import Path

from kiosk import backup, clock, instance
from kiosk.kids import space
from kiosk.periodic import Periodic

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0


def wipe_now(folder: Path, keep_hours: float) -> list[str]:
    """Wipe what is due in the instance at ``folder`` (a screen's request may have done it
    already), then remove the backups taken before the latest wipe; returns the days wiped."""
    database = instance.open_db(folder)
    try:
        days = space.wipe_due(database, clock.now(), keep_hours)
        latest = space.last_wipe(database.conn)
    finally:
        database.conn.close()
    if latest is not None:
        # Backup names sort by the kiosk clock's time they were taken at.
        cutoff = backup.default_path(Path(folder), latest).name
        for old in sorted((Path(folder) / backup.BACKUP_FOLDER).glob(f"*{backup.SUFFIX}")):
            if old.name < cutoff:
                old.unlink(missing_ok=True)
                log.info("kids' space: backup %s removed, it held names wiped since", old.name)
    return [day.isoformat() for day in days]


class WipeSchedule(Periodic):
    """The wipe's background thread: a wipe at start, then one every ``interval`` seconds."""

    def __init__(self, folder: Path, keep_hours: float, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__("kids-wipe", interval, at_start=True)
        self.folder = Path(folder)
        self.keep_hours = keep_hours

    def tick(self) -> None:
        try:
            wipe_now(self.folder, self.keep_hours)
        except Exception:
            log.exception("kids' space: wipe failed")
