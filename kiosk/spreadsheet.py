"""CSV that stays data when a spreadsheet opens it.

A cell starting with = + - @ (or a tab or carriage return, which some spreadsheets skip
before one of those) is read as a formula: a name typed at a door or a device name
could run one on the organizer's laptop. Such text cells get a leading apostrophe,
which spreadsheets show as text and hide. Every CSV this project writes goes through
``Writer``; ``kiosk.sheets`` reads the apostrophe back off (``uncell``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """``value`` as safe to put in a CSV cell (numbers and empty cells unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def uncell(value: str) -> str:
    """A cell ``cell`` wrote, back to its text: an exported file imported again keeps
    its phone numbers ("+212...") and names as they were."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class Writer:
    """``csv.writer`` whose every text cell goes through ``cell``."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
