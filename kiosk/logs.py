"""Logging for a served instance, configured once by ``kiosk serve`` (never at import).

One line per event, each naming the instance (its ``NAME`` and ``ROLE@GATE``), to
standard error and to a rotating file in the instance folder (``DIR/kiosk.log``, then
``kiosk.log.1``...). ``LOG_LEVEL`` sets the least severe level; waitress, Werkzeug and
Flask's own logger (an unhandled exception in a request) go through the same handlers.
"""

from __future__ import annotations

import logging
import logging.config
import logging.handlers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.logging import default_handler

from kiosk import settings

LOG_FILENAME = "kiosk.log"


class OneLineFormatter(logging.Formatter):
    """A record on one line: line breaks in the message (a name typed at a log-in form)
    and a traceback's lines are joined with `` | ``, so one event is one line to grep."""

    def format(self, record: logging.LogRecord) -> str:
        return " | ".join(part for part in super().format(record).splitlines() if part.strip())


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that several processes append to (``kiosk serve``'s workers):
    a process that finds the file rotated by another one opens the new file before
    writing, instead of writing on into the renamed one (and rotating it again)."""

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if self.stream is not None:
            try:
                moved = os.stat(self.baseFilename).st_ino != os.fstat(self.stream.fileno()).st_ino
            except FileNotFoundError:
                moved = True
            if moved:
                self.stream.close()
                self.stream = self._open()
        return bool(super().shouldRollover(record))


def instance_label(config: Mapping[str, Any]) -> str:
    """``NAME ROLE@GATE``, as each line names the instance (``ROLE@GATE`` without a name)."""
    where = f"{','.join(settings.roles(config))}@{config['GATE']}"
    return f"{config['NAME']} {where}" if config["NAME"] else where


def log_config(folder: Path, config: Mapping[str, Any]) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` document for an instance."""
    label = instance_label(config).replace("%", "%%")
    level = config["LOG_LEVEL"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "line": {
                "()": OneLineFormatter,
                "format": f"%(asctime)s %(levelname)s [{label}] %(name)s: %(message)s",
            }
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"},
            "file": {
                "()": SharedRotatingFileHandler,
                "formatter": "line",
                "filename": str(Path(folder) / LOG_FILENAME),
                "maxBytes": config["LOG_FILE_MAX_BYTES"],
                "backupCount": config["LOG_FILE_BACKUPS"],
                "encoding": "utf-8",
            },
        },
        "root": {"level": level, "handlers": ["stderr", "file"]},
        # waitress logs its errors and queue warnings here; keep them at the same level.
        "loggers": {"waitress": {"level": level}, "werkzeug": {"level": level}},
    }


def configure(app: Flask) -> None:
    """Send every logger of the process through the instance's handlers."""
    logging.config.dictConfig(log_config(Path(app.instance_path), app.config))
    # Flask gives its logger a stderr handler of its own; the root's are enough.
    app.logger.removeHandler(default_handler)
