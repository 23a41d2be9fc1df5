"""The organizer's tables: a CSV file or the first sheet of an Excel workbook, as numbered rows.

Both give ``(line, row)`` pairs: the CSV line, or the sheet's row number, so a report
``FILE:LINE: reason`` points at what the organizer sees in their editor. The first
line is the header. Cells come back as text (whole numbers without ``.0``, dates as
ISO 8601), so a workbook row is checked exactly like a CSV row. openpyxl reads the
workbook's XML through defusedxml when it is installed (it is: the plan import needs it).
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path

from kiosk import spreadsheet

MAX_ROWS = 100_000


class SheetError(ValueError):
    """The file cannot be read as a table at all (the message names the file)."""


def is_workbook(path: Path) -> bool:
    return Path(path).suffix.lower() in (".xlsx", ".xlsm")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes") if value.second == 0 else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _rows(header: list[str], records: Iterable[tuple[int, list[str]]]) -> list[tuple[int, dict[str, str]]]:
    """Rows as csv.DictReader gives them: surplus fields under None, missing ones None."""
    rows = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines of a sheet
        row: dict[str | None, object] = dict(zip(header, cells, strict=False))
        surplus = [cell for cell in cells[len(header) :] if cell.strip()]
        if surplus:
            row[None] = surplus
        rows.append((line, row))
        if len(rows) > MAX_ROWS:
            break
    return rows  # type: ignore[return-value]


def read_table(path: Path, columns: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a CSV file or the first sheet of an .xlsx workbook, whose
    header must hold ``columns``. Raises SheetError."""
    path = Path(path)
    if is_workbook(path):
        # openpyxl (and numpy through it) take ~0.5 s to import: only a workbook import pays it.
        import openpyxl  # type: ignore[import-untyped]
        from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise SheetError(f"{path}: not an Excel workbook (.xlsx) ({type(error).__name__})") from None
        try:
            sheet = workbook.worksheets[0]
            records = (
                (number, [spreadsheet.uncell(_text(value)) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            first = next(records, None)
            if first is None:
                raise SheetError(f"{path}: the first sheet is empty")
            header = [cell.strip() for cell in first[1]]
            while header and not header[-1]:
                header.pop()
            _check_header(path, header, columns)
            return _rows(header, records)
        finally:
            workbook.close()
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            _check_header(path, list(reader.fieldnames or []), columns)
            # line_num after reading a record is the line it ends on (the line for one-line rows)
            return [(reader.line_num, _uncelled(row)) for row in reader]
    except UnicodeDecodeError as error:
        raise SheetError(f"{path}: not UTF-8 ({error})") from None
    except csv.Error as error:
        raise SheetError(f"{path}: {error}") from None
    except OSError as error:
        raise SheetError(f"{path}: cannot read the file ({error})") from None


def _uncelled(row: dict[str, str]) -> dict[str, str]:
    # Surplus fields (under None) are lists: left as they are, they are refused anyway.
    return {key: spreadsheet.uncell(value) if isinstance(value, str) else value for key, value in row.items()}


def _check_header(path: Path, header: list[str], columns: Iterable[str]) -> None:
    missing = [column for column in columns if column not in header]
    if missing:
        raise SheetError(f"{path}: missing columns (the header lacks column(s) {', '.join(missing)})")
