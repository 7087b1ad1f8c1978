"""Spreadsheets officers open in Excel (CSV and XLSX), safe from formula injection.

Names, units and passwords come from imports and from users themselves, so any cell could
hold `=HYPERLINK(...)` or `=cmd|...`: every text cell is neutralised the way OWASP's
CSV-injection guidance says, and XLSX cells are always written as strings, never formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import numbers
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, send_file
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from werkzeug.wrappers import Response

# The characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (or,
# for tab and carriage return, that hide one after a cell separator).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_JUNK = re.compile(r"[\[\]:*?/\\]")
_SHEET_TITLE_MAX = 31
_MAX_COLUMN_WIDTH = 60
_MIN_COLUMN_WIDTH = 8
_DATE_FORMAT = "DD/MM/YYYY"
_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
_PERCENT_FORMAT = "0.0%"
# Thousands grouped: Excel shows 1.234 or 1,234 as the reader's regional settings say.
_COUNT_FORMAT = "#,##0"
_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def safe_cell(value: object) -> object:
    """`value` unchanged, unless it is text a spreadsheet would run as a formula.

    Such text (starting with = + - @, a tab or a carriage return, also after leading white
    space, which Excel skips) comes back prefixed with a single quote. Numbers, dates and
    None are returned as they are: a negative number is a number, not a formula.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS) or value.lstrip().startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _local_zone() -> ZoneInfo:
    # The database hands back aware UTC datetimes; officers read local wall time, in the
    # zone the rest of the interface uses.
    name = _DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", _DEFAULT_TIMEZONE)
    return ZoneInfo(name)


def _local(moment: dt.datetime) -> dt.datetime:
    """A naive local datetime: aware ones are converted, naive ones are taken as local."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(_local_zone()).replace(tzinfo=None)


def _csv_text(value: object) -> str:
    """One CSV field as text: dates dd/mm/yyyy, everything textual neutralised."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if isinstance(value, numbers.Real):
        # A Fraction written "1/2" would open as a date.
        return str(float(value))
    return str(safe_cell(str(value)))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file Excel opens correctly: UTF-8 with a BOM (or Vietnamese turns to mojibake),
    CRLF line ends, dates as dd/mm/yyyy, datetimes as dd/mm/yyyy HH:MM, no live formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_text(name) for name in header])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: object) -> object:
    """A value openpyxl can store: text neutralised and stripped of characters XML forbids."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        # Excel has no time zones; openpyxl refuses aware datetimes.
        return _local(value)
    if isinstance(value, dt.date | dt.time):
        return value
    if isinstance(value, numbers.Real):
        # Fractions (exact quiz marks) and other numeric types Excel does not know.
        return float(value)
    # Control characters pasted from other programs would make openpyxl raise; they carry
    # no meaning in a report.
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _display_length(value: object, *, is_percent: bool) -> int:
    """Roughly how many characters wide a value shows in Excel."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return len("dd/mm/yyyy hh:mm")
    if isinstance(value, dt.date):
        return len("dd/mm/yyyy")
    if is_percent and isinstance(value, numbers.Real) and not isinstance(value, bool):
        return len(f"{float(value) * 100:.1f}%")
    text = str(value)
    # Combining marks (a name typed in NFD) take no width of their own.
    return max(
        (sum(1 for ch in line if not unicodedata.combining(ch)) for line in text.splitlines()),
        default=0,
    )


def _column_widths(
    header: Sequence[str], rows: Sequence[Sequence[object]], percent_columns: Collection[int]
) -> list[int]:
    """Widths that fit the longest value of each column, within sensible bounds."""
    longest = [_display_length(name, is_percent=False) for name in header]
    for row in rows:
        for index, value in enumerate(row[: len(header)]):
            longest[index] = max(
                longest[index], _display_length(value, is_percent=index in percent_columns)
            )
    return [min(_MAX_COLUMN_WIDTH, max(_MIN_COLUMN_WIDTH, length + 2)) for length in longest]


def _sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\, at most 31 characters, not quoted, not empty."""
    cleaned = _SHEET_TITLE_JUNK.sub("", title).strip()[:_SHEET_TITLE_MAX].strip("' ")
    return cleaned or "Dữ liệu"


def xlsx_bytes(
    sheet_title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title_lines: Sequence[str] = (),
    column_widths: Sequence[int] | None = None,
    percent_columns: Collection[int] = (),
    count_columns: Collection[int] = (),
) -> bytes:
    """An XLSX workbook of one sheet: title block, bold frozen header, then `rows`.

    Text is never stored as a formula; `percent_columns` (0-based) hold fractions 0..1 shown
    as 0.0%; `count_columns` hold whole numbers shown with grouped thousands; dates show
    dd/mm/yyyy. Column widths are `column_widths`, or fit the longest
    value (capped at 60).
    """
    if column_widths is not None and len(column_widths) != len(header):
        raise ValueError("column_widths needs one width per header column")
    percent = frozenset(percent_columns)
    counts = frozenset(count_columns)

    # Write-only mode streams rows to the file instead of keeping a cell object per value,
    # which matters at 100,000 rows. Its one constraint is that column widths and panes are
    # set before the first row, so computed widths need the rows in hand first.
    if column_widths is None:
        rows = [tuple(row) for row in rows]
        widths = _column_widths(header, rows, percent)
    else:
        widths = list(column_widths)

    workbook = Workbook(write_only=True)
    header_row = len(title_lines) + 2 if title_lines else 1
    sheet = _new_sheet(workbook, sheet_title, widths, header_row)
    _append_heading(sheet, title_lines, header)
    last_row = header_row
    for row in rows:
        sheet.append(_row_cells(sheet, row, percent, counts))
        last_row += 1
    if header:
        last_column = get_column_letter(len(header))
        sheet.auto_filter.ref = f"A{header_row}:{last_column}{last_row}"

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _new_sheet(workbook: Workbook, title: str, widths: Sequence[int], header_row: int) -> Any:
    """The workbook's one sheet, its column widths and header panes set (before any row)."""
    sheet = workbook.create_sheet(_sheet_title(title))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Freezing below the header keeps the column names in view while scrolling, and
    # repeating it on every printed page keeps long printed lists readable.
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    return sheet


def _text_cell(sheet: Any, value: object, font: Font | None = None) -> Cell:
    """A write-only cell of `value`, text stored as text."""
    cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
    if isinstance(cell.value, str):
        # openpyxl would store "=..." as a formula and "#N/A" as an error; a string is
        # what the data is.
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _append_heading(sheet: Any, title_lines: Sequence[str], header: Sequence[str]) -> None:
    """The title block (the first line larger, a blank row after it) and the bold header."""
    for number, line in enumerate(title_lines):
        font = Font(bold=True, size=13) if number == 0 else None
        sheet.append([_text_cell(sheet, line, font)])
    if title_lines:
        sheet.append([])
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = _text_cell(sheet, name, bold)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        header_cells.append(cell)
    sheet.append(header_cells)


def _row_cells(
    sheet: Any, row: Sequence[object], percent: frozenset[int], counts: frozenset[int]
) -> list[Cell]:
    """One data row's cells, numbers and dates with their display formats."""
    cells = []
    for index, value in enumerate(row):
        cell = _text_cell(sheet, value)
        if index in percent and cell.data_type == "n" and cell.value is not None:
            cell.number_format = _PERCENT_FORMAT
        elif index in counts and cell.data_type == "n" and cell.value is not None:
            cell.number_format = _COUNT_FORMAT
        elif isinstance(cell.value, dt.datetime):
            cell.number_format = _DATETIME_FORMAT
        elif isinstance(cell.value, dt.date):
            cell.number_format = _DATE_FORMAT
        cells.append(cell)
    return cells


_MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "xml": "application/xml",
}


def download(data: bytes, filename: str) -> Response:
    """A file for the browser to save (type from the name's extension); never cached, since
    such files hold personal data."""
    response = send_file(
        io.BytesIO(data),
        mimetype=_MIMETYPES[filename.rsplit(".", 1)[-1]],
        as_attachment=True,
        download_name=filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
