"""Read the spreadsheets officers upload (member lists, unit lists) as rows of text.

Pure functions over bytes: no database, no request. The kind of file is judged by its bytes,
never by its name. XLSX is checked for zip bombs before anything is decompressed, then read
with openpyxl in read-only (streaming) mode; CSV is decoded as UTF-8 or as Windows-1258
(Vietnamese Windows). Every cell comes back as NFC text with white space collapsed, so the
importers compare and store one form of each name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, zip_longest
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.workbook.workbook import Workbook

from learning.errors import InvalidInput
from learning.i18n import lazy_gettext as _l
from learning.text import fold, nfc

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Row",
    "SpreadsheetError",
    "find_header",
    "header_key",
    "read_rows",
    "sniff_kind",
]

logger = logging.getLogger(__name__)

MB = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Excel stores a password-protected .xlsx as an OLE2 container holding an "EncryptedPackage"
# stream; the directory entry spells the stream name in UTF-16LE.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# Binary formats people upload by mistake that could otherwise pass for Windows-1258 text.
_BINARY_MAGICS = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"PK\x05\x06",  # an empty zip
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
)
_DELIMITERS = ",;\t"
# The sniffer's regular expressions are quadratic on unlucky text; a few KB of whole lines
# (title rows, the header and some data) is enough to see the delimiter.
_SNIFF_CHARS = 8 * 1024
_SNIFF_LINES = 30
# Members this small cannot inflate into anything harmful, whatever their ratio; tiny XML
# parts can compress unusually well, so the ratio is only judged above this size.
_RATIO_FLOOR = MB
# The start of a formula element, with or without a namespace prefix: <f>, <f t="shared" .../>,
# <x:f>. A tag can straddle two chunks of a stream; keeping the last bytes covers it.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_FORMULA_TAG_OVERLAP = 64
# Above this, a float that happens to be whole is shown as a float, not a 300-digit integer.
_LARGEST_WHOLE = 10**16


class SpreadsheetError(InvalidInput):
    """A file that cannot be read as a table; str(error) is a clear Vietnamese message."""


@dataclass(frozen=True)
class Limits:
    """How much of a file we agree to read; anything beyond is refused, not truncated."""

    max_bytes: int = 20 * MB  # the uploaded file
    max_uncompressed_bytes: int = 200 * MB  # sum of XLSX zip members
    max_compression_ratio: int = 200  # any zip member
    max_rows: int = 200_000
    max_columns: int = 60


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Row:
    """One row of the sheet (or one CSV record) as text."""

    number: int  # 1-based row number as Excel/the CSV line shows it
    cells: tuple[str, ...]  # every cell as text: stripped, Unicode NFC; '' for empty
    # Column indexes (0-based) holding a formula with no value saved by Excel: their text is
    # '' although the cell is not empty, so an importer can ask for the file to be re-saved.
    formula_without_value: frozenset[int] = frozenset()


# ---------------------------------------------------------------------------- the kind of file


def sniff_kind(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """Return "xlsx" or "csv" judging by the bytes alone, or raise SpreadsheetError saying
    why the file cannot be read (empty, too large, password-protected, old .xls, not a
    spreadsheet)."""
    if not data:
        raise SpreadsheetError(_l("The file is empty."))
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(
            _l("The file is larger than %(limit)s MB.", limit=_megabytes(limits.max_bytes))
        )
    if data.startswith(_OLE2_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise SpreadsheetError(
                _l(
                    "The file is password-protected. "
                    "Remove the password in Excel and upload it again."
                )
            )
        raise SpreadsheetError(
            _l(
                "This is an old Excel file (.xls). "
                "Open it in Excel, save it as .xlsx or CSV and upload it again."
            )
        )
    if data.startswith(_ZIP_MAGIC):
        names = set(_zip_members(data))
        if all(part in names for part in _XLSX_PARTS):
            return "xlsx"
        raise _not_a_spreadsheet()
    if data.startswith(_BINARY_MAGICS) or b"\x00" in data:
        raise _not_a_spreadsheet()
    text = _decode(data)
    if text is None:
        raise _not_a_spreadsheet()
    if not text.strip():
        raise SpreadsheetError(_l("The file is empty."))
    return "csv"


def read_rows(
    data: bytes, limits: Limits = DEFAULT_LIMITS, *, keep_line_breaks: bool = False
) -> Iterator[Row]:
    """The rows of the first worksheet of an XLSX file, or the records of a CSV file.

    `keep_line_breaks` keeps the line breaks inside a cell (each line still NFC with its
    white space collapsed), for text that is written on several lines, such as a question.

    Problems with the file as a whole (its kind, a zip bomb, an unreadable workbook) raise
    SpreadsheetError at once; problems found further in (too many rows or columns, a broken
    record) raise it while iterating. Fully empty rows are yielded too, with `cells == ()`,
    so that row numbers stay those the officer sees; trailing empty cells are dropped.
    """
    clean = _multiline_text if keep_line_breaks else nfc
    if sniff_kind(data, limits) == "xlsx":
        return _read_xlsx(data, limits, clean)
    text = _decode(data)
    assert text is not None  # sniff_kind decoded it already
    return _csv_rows(text, limits, clean)


def _multiline_text(text: str) -> str:
    """NFC text with white space collapsed within each line and the line breaks kept."""
    lines = [nfc(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


# ------------------------------------------------------------------------------------ headers


def header_key(text: str) -> str:
    """The form headers are matched in: lower case, no diacritics, letters and digits only,
    so "Số điện thoại", "SO DIEN THOAI" and "Số ĐT:" give "sodienthoai", "sodienthoai",
    "sodt"."""
    # Files converted from the old TCVN3/VNI fonts sometimes carry the Icelandic eth for đ.
    text = text.replace("Ð", "D").replace("ð", "d")
    return "".join(ch for ch in fold(text) if ch.isalnum())


def find_header(
    rows: Iterable[Row],
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
    *,
    search_rows: int = 30,
) -> tuple[Row, dict[str, int], Iterator[Row]]:
    """Find the header row among the first `search_rows` rows, below any title rows.

    `columns` maps each field to the header spellings it accepts, the Vietnamese name used
    in messages first; the header is the first row in which every `required` field matches
    a cell (any order, extra columns allowed). Returns the header row, the 0-based column
    of each field found there, and an iterator over the rows after it. Raises
    SpreadsheetError naming the required columns that were not found.
    """
    unknown = [field for field in required if field not in columns]
    if unknown:
        raise ValueError(f"required fields without header spellings: {unknown}")
    wanted = {field: [header_key(text) for text in texts] for field, texts in columns.items()}
    # Required fields choose first, so that an optional field cannot take their column.
    order = [field for field in columns if field in required]
    order += [field for field in columns if field not in required]
    missing = [field for field in columns if field in required]
    remaining = iter(rows)
    for row in islice(remaining, search_rows):
        found = _match_header(row, wanted, order)
        row_missing = [field for field in columns if field in required and field not in found]
        if not row_missing:
            return row, found, remaining
        missing = min(missing, row_missing, key=len)
    names = ", ".join(f"“{columns[field][0]}”" for field in missing)
    raise SpreadsheetError(
        _l(
            "No header row was found: the columns %(columns)s are missing "
            "from the first %(count)d rows.",
            columns=names,
            count=search_rows,
        )
    )


def _match_header(row: Row, wanted: dict[str, list[str]], order: list[str]) -> dict[str, int]:
    """Field -> column for the fields whose header appears in `row`; the first spelling
    listed wins, and a column serves one field only."""
    positions: dict[str, int] = {}
    for index, text in enumerate(row.cells):
        key = header_key(text)
        if key:
            positions.setdefault(key, index)
    found: dict[str, int] = {}
    taken: set[int] = set()
    for field in order:
        for key in wanted[field]:
            index = positions.get(key)
            if index is not None and index not in taken:
                found[field] = index
                taken.add(index)
                break
    return found


# --------------------------------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes, limits: Limits, clean: Callable[[str], str] = nfc) -> Iterator[Row]:
    """Check the zip, open the workbook (twice when it holds formulas) and return the rows."""
    # openpyxl parses with defusedxml whenever it can import it (openpyxl/xml/__init__.py
    # sets DEFUSEDXML; openpyxl/xml/functions.py then takes `iterparse` and `fromstring`
    # from defusedxml.ElementTree), which refuses entity declarations: that is what stops a
    # "billion laughs" in sheet1.xml or sharedStrings.xml. The environment variable
    # OPENPYXL_DEFUSEDXML=False would switch that off; we will not read uploads unprotected.
    if not openpyxl.DEFUSEDXML:
        raise RuntimeError("openpyxl is not using defusedxml; unset OPENPYXL_DEFUSEDXML")
    with_formulas = _inspect_zip(data, limits)
    # data_only=True gives the values Excel saved for formulas, but None for a formula with no
    # saved value, which looks like an empty cell; a second workbook with data_only=False,
    # read in lockstep, tells which cells hold formulas. Both stream, so memory stays flat.
    books = [_open_workbook(data, data_only=True)]
    try:
        if with_formulas:
            books.append(_open_workbook(data, data_only=False))
        sheets = [_first_sheet(book) for book in books]
        # The <dimension> Excel writes lets a huge sheet be refused before parsing it. It is
        # not used for columns: cells that only carry formatting widen it past the data.
        declared_rows = sheets[0].max_row
        if declared_rows is not None and declared_rows > limits.max_rows:
            raise _too_many_rows(limits)
        # Other writers leave the dimension out or get it wrong, and openpyxl stops at the
        # declared last row; read to the real end instead.
        for sheet in sheets:
            sheet.reset_dimensions()
    except BaseException:
        for book in books:
            book.close()
        raise
    return _xlsx_rows(books, sheets, limits, clean)


def _xlsx_rows(
    books: list[Workbook], sheets: list[Any], limits: Limits, clean: Callable[[str], str] = nfc
) -> Iterator[Row]:
    """Yield the rows of the values sheet, side by side with those of the formulas sheet when
    there is one; close the books at the end."""
    # One column past the limit is read so that a sheet too wide is noticed, while a stray
    # cell in column XFD does not make every row 16 384 cells long.
    width = limits.max_columns + 1
    try:
        streams = [sheet.iter_rows(max_col=width, values_only=True) for sheet in sheets]
        if len(streams) == 2:
            pairs = zip_longest(*streams, fillvalue=())
        else:
            pairs = ((values, ()) for values in streams[0])
        for number, (values, formulas) in enumerate(pairs, start=1):
            if number > limits.max_rows:
                raise _too_many_rows(limits)
            # iter_rows pads every row to `width`: drop the padding before converting cells.
            used = len(values)
            while (
                used
                and values[used - 1] is None
                and (used > len(formulas) or formulas[used - 1] is None)
            ):
                used -= 1
            cells = [_cell_text(value, clean) for value in values[:used]]
            # Only formulas differ between the two books: a cell empty among the values but
            # not among the formulas is a formula whose result Excel never saved.
            unsaved = frozenset(
                index
                for index, (value, formula) in enumerate(zip_longest(values, formulas))
                if value is None and formula is not None
            )
            yield _make_row(number, cells, unsaved, limits)
    except SpreadsheetError:
        raise
    except Exception as error:
        raise _unreadable(error) from error
    finally:
        for book in books:
            book.close()


def _inspect_zip(data: bytes, limits: Limits) -> bool:
    """Refuse a zip bomb from the sizes the archive declares, before decompressing anything;
    then tell whether the workbook may hold formulas.

    zipfile never inflates a member past its declared size (ZipExtFile stops at `file_size`
    and then fails the CRC check), so a member that lies about its size cannot get around
    the check.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            total = sum(member.file_size for member in members)
            too_dense = any(
                member.file_size > _RATIO_FLOOR
                and member.file_size > limits.max_compression_ratio * max(member.compress_size, 1)
                for member in members
            )
            if total > limits.max_uncompressed_bytes or too_dense:
                raise SpreadsheetError(
                    _l(
                        "The file unpacks to too much data to be read safely. "
                        "Save it again from Excel or split it into smaller files."
                    )
                )
            return any(_holds_formula_tag(archive, member) for member in members)
    except SpreadsheetError:
        raise
    except Exception as error:
        raise _unreadable(error) from error


def _holds_formula_tag(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether an <f> element may be in this member. The second, formula-reading pass over
    the sheet doubles the reading time, and most member lists have no formula at all; a
    plain search of the raw bytes is cheap and can only err towards "yes"."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(MB):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-_FORMULA_TAG_OVERLAP:]
    return False


def _open_workbook(data: bytes, *, data_only: bool) -> Workbook:
    try:
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False
        )
    except Exception as error:
        raise _unreadable(error) from error


def _first_sheet(book: Workbook) -> Any:  # openpyxl's ReadOnlyWorksheet, which has no types
    if not book.worksheets:
        raise SpreadsheetError(_l("The workbook has no worksheet."))
    return book.worksheets[0]


def _cell_text(value: object, clean: Callable[[str], str] = nfc) -> str:
    """A cell value as the officer sees it in Excel."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        day = _day_month_year(value)
        if value.time() == dt.time():
            return day
        return f"{day} {_hours_minutes(value.time())}"
    if isinstance(value, dt.date):
        return _day_month_year(value)
    if isinstance(value, dt.time):
        return _hours_minutes(value)
    if isinstance(value, float):
        # Excel stores every number as a float: a phone typed as a number is 912345678.0.
        if value.is_integer() and abs(value) < _LARGEST_WHOLE:
            return str(int(value))
        return repr(value)
    return clean(str(value))


def _day_month_year(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _hours_minutes(value: dt.time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


# ---------------------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> str | None:
    """The text of a CSV file, or None when it is neither UTF-8 nor Windows-1258."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on Vietnamese Windows saves "CSV" in the ANSI code page, 1258, which writes most
    # tone marks as combining characters; every cell is NFC-normalised afterwards.
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError:
        return None


def _csv_rows(text: str, limits: Limits, clean: Callable[[str], str] = nfc) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if number > limits.max_rows:
                raise _too_many_rows(limits)
            # A line of a million commas must not cost a million normalisations.
            if len(record) > limits.max_columns:
                if any(cell.strip() for cell in record[limits.max_columns :]):
                    raise _too_many_columns(number, limits)
                del record[limits.max_columns :]
            yield _make_row(number, [clean(cell) for cell in record], frozenset(), limits)
    except csv.Error as error:
        raise SpreadsheetError(
            _l("The CSV file could not be read near line %(row)d.", row=number + 1)
        ) from error


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon (Excel where the decimal mark is a comma, as in Vietnam) or tab."""
    sample = "".join(islice(io.StringIO(text[:_SNIFF_CHARS], newline=""), _SNIFF_LINES))
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    # The sniffer can be fooled by delimiters and quotes inside quoted cells, and it sees only
    # the first lines; a delimiter that cannot parse the file's quoting is not the right one.
    # When the quoting is broken for every delimiter, the sniffer's guess stands.
    for candidate in (sniffed, *(d for d in _DELIMITERS if d != sniffed)):
        if _parses_strictly(text, candidate):
            return candidate
    return sniffed


def _parses_strictly(text: str, delimiter: str) -> bool:
    try:
        for _record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True


# -------------------------------------------------------------------------------------- shared


def _make_row(number: int, cells: list[str], unsaved: frozenset[int], limits: Limits) -> Row:
    """Drop trailing empty cells (keeping formulas without value) and check the width."""
    end = len(cells)
    while end and not cells[end - 1] and (end - 1) not in unsaved:
        end -= 1
    if end > limits.max_columns:
        raise _too_many_columns(number, limits)
    return Row(number, tuple(cells[:end]), unsaved)


def _zip_members(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except Exception as error:
        raise _unreadable(error) from error


def _megabytes(size: int) -> str:
    return f"{size / MB:g}"


def _not_a_spreadsheet() -> SpreadsheetError:
    return SpreadsheetError(_l("This file is not a spreadsheet (XLSX or CSV)."))


def _too_many_rows(limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _l(
            "The sheet has more than %(limit)d rows. Split it into smaller files.",
            limit=limits.max_rows,
        )
    )


def _too_many_columns(number: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _l(
            "Row %(row)d has more than %(limit)d columns; the sheet must be a simple table.",
            row=number,
            limit=limits.max_columns,
        )
    )


def _unreadable(error: BaseException) -> SpreadsheetError:
    """The message for an exception openpyxl or zipfile raised on a bad file."""
    # Kept in the log: the officer sees one message for many causes, and a bug of ours would
    # otherwise pass for a damaged file.
    logger.info("unreadable spreadsheet: %r", error)
    cause: BaseException | None = error
    seen: set[int] = set()
    # openpyxl wraps parse errors in a ValueError of its own; look down the chain.
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, DefusedXmlException):
            return SpreadsheetError(
                _l(
                    "The file contains content that cannot be read safely. "
                    "Save it again from Excel and upload it again."
                )
            )
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return SpreadsheetError(
        _l("The spreadsheet could not be read: the file is damaged or is not a valid XLSX file.")
    )
