"""Reading uploaded spreadsheets: XLSX and CSV as officers really save them, and the files
that must be refused (wrong kind, password, zip and XML bombs, too large) with a message.

Every file is built here with openpyxl, csv and zipfile; no binary fixture is committed.
Messages are lazy strings: outside an app context they render as the English msgid, which is
what the assertions on wording look at.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import time
import tracemalloc
import unicodedata
import zipfile
from collections.abc import Callable, Sequence

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from learning.spreadsheets import (
    DEFAULT_LIMITS,
    Limits,
    Row,
    SpreadsheetError,
    find_header,
    header_key,
    read_rows,
    sniff_kind,
)
from learning.text import nfc

SHEET = "xl/worksheets/sheet1.xml"

MEMBER_COLUMNS = {
    "full_name": ["Họ và tên", "Họ tên", "Tên"],
    "phone": ["Số điện thoại", "SĐT", "Điện thoại", "Số ĐT"],
    "birth_date": ["Ngày sinh", "Ngày tháng năm sinh"],
    "position": ["Chức vụ"],
    "note": ["Ghi chú"],
}


# ------------------------------------------------------------------------------------ helpers


def xlsx(rows: Sequence[Sequence[object]], *, merge: str | None = None) -> bytes:
    """An .xlsx whose first sheet holds `rows` from A1 down."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, changes: dict[str, Callable[[bytes], bytes] | bytes]) -> bytes:
    """`data` (a zip) with some members rewritten or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            change = changes.get(name)
            if callable(change):
                content = change(content)
            elif change is not None:
                content = change
            target.writestr(name, content)
        for name, change in changes.items():
            if name not in source.namelist():
                assert isinstance(change, bytes)
                target.writestr(name, change)
    return buffer.getvalue()


def as_csv(rows: Sequence[Sequence[str]], delimiter: str = ",", **options: object) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, **options).writerows(rows)  # type: ignore[arg-type]
    return buffer.getvalue()


def windows_1258(text: str) -> bytes:
    """`text` as Excel on Vietnamese Windows saves it: base letters (â, ơ, ư, ...) whole,
    tone marks as combining characters after them. Plain NFD cannot be encoded, since
    cp1258 has no combining circumflex, breve or horn."""
    vowel_marks = {"\u0302", "\u0306", "\u031b"}
    out: list[str] = []
    base = 0
    for char in unicodedata.normalize("NFD", text):
        if char in vowel_marks:
            out[base] = unicodedata.normalize("NFC", out[base] + char)
            continue
        if not unicodedata.combining(char):
            base = len(out)
        out.append(char)
    return "".join(out).encode("cp1258")


def cells(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[tuple[int, tuple[str, ...]]]:
    return [(row.number, row.cells) for row in read_rows(data, limits)]


def refusal(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """The message with which `data` is refused, reading it to the end."""
    with pytest.raises(SpreadsheetError) as caught:
        list(read_rows(data, limits))
    return str(caught.value)


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">'
        % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    + b"]>"
)


def with_doctype(xml: bytes) -> bytes:
    """`xml` with billion laughs declared before its root element; `&lol9;` then expands
    to a billion "lol"s wherever the XML uses it."""
    start = xml.index(b"<", xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0)
    return xml[:start] + BILLION_LAUGHS + xml[start:]


# --------------------------------------------------------------------------------------- XLSX


def test_template_like_xlsx_reads_as_text_rows():
    data = xlsx(
        [
            ["Họ và tên", "Số điện thoại", "Ngày sinh", "Chức vụ"],
            ["Nguyễn Văn An", "0912345678", dt.date(1985, 3, 2), "Đoàn viên"],
            ["  Trần   Thị Bình ", 912345679, dt.datetime(1990, 12, 31), None],
        ]
    )
    assert sniff_kind(data) == "xlsx"
    assert cells(data) == [
        (1, ("Họ và tên", "Số điện thoại", "Ngày sinh", "Chức vụ")),
        (2, ("Nguyễn Văn An", "0912345678", "02/03/1985", "Đoàn viên")),
        (3, ("Trần Thị Bình", "912345679", "31/12/1990")),
    ]


def test_messy_real_list_is_yielded_whole_with_true_row_numbers():
    data = xlsx(
        [
            ["LIÊN ĐOÀN LAO ĐỘNG TỈNH LÀO CAI"],
            ["DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN CƠ SỞ TRƯỜNG THPT SỐ 1 LÀO CAI"],
            [],
            ["STT", "Họ tên", "Ngày sinh", "SĐT", "Chức vụ", "Ghi chú"],
            [1, "Nguyễn Văn An", dt.date(1985, 3, 2), "0912 345 678", "Tổ trưởng", None],
            [2, unicodedata.normalize("NFD", "Trần Thị Bình"), None, "+84912345678", None],
            [3, "Lò Văn Cường", "15/07/1979", 912345678.0, "Đoàn viên", "chuyển đến"],
            ["Tổng cộng: 3"],
            [],
            [None, None, None, None, "Người lập biểu"],
        ],
        merge="A1:F1",
    )
    rows = list(read_rows(data))
    assert [(row.number, row.cells) for row in rows] == [
        (1, ("LIÊN ĐOÀN LAO ĐỘNG TỈNH LÀO CAI",)),
        (2, ("DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN CƠ SỞ TRƯỜNG THPT SỐ 1 LÀO CAI",)),
        (3, ()),
        (4, ("STT", "Họ tên", "Ngày sinh", "SĐT", "Chức vụ", "Ghi chú")),
        (5, ("1", "Nguyễn Văn An", "02/03/1985", "0912 345 678", "Tổ trưởng")),
        (6, ("2", "Trần Thị Bình", "", "+84912345678")),
        (7, ("3", "Lò Văn Cường", "15/07/1979", "912345678", "Đoàn viên", "chuyển đến")),
        (8, ("Tổng cộng: 3",)),
        (9, ()),
        (10, ("", "", "", "", "Người lập biểu")),
    ]
    assert all(unicodedata.is_normalized("NFC", cell) for row in rows for cell in row.cells)

    header, found, rest = find_header(rows, MEMBER_COLUMNS, {"full_name", "phone"})
    assert header.number == 4
    assert found == {"full_name": 1, "birth_date": 2, "phone": 3, "position": 4, "note": 5}
    assert [row.number for row in rest] == [5, 6, 7, 8, 9, 10]


def test_numbers_and_dates_read_as_excel_shows_them():
    data = xlsx([[912345678.0, 1.5, 0.1, 7, True, dt.datetime(2024, 2, 29, 8, 30), dt.time(7, 45)]])
    assert cells(data) == [
        (1, ("912345678", "1.5", "0.1", "7", "TRUE", "29/02/2024 08:30", "07:45"))
    ]


def test_decomposed_names_come_out_nfc():
    name = "Nguyễn Thị Ánh Tuyết"
    data = xlsx([[unicodedata.normalize("NFD", name)]])
    assert cells(data) == [(1, (name,))]


def test_blank_rows_in_between_keep_their_numbers():
    book = openpyxl.Workbook()
    book.active["A1"] = "đầu"
    book.active["B5"] = "cuối"
    buffer = io.BytesIO()
    book.save(buffer)
    assert cells(buffer.getvalue()) == [
        (1, ("đầu",)),
        (2, ()),
        (3, ()),
        (4, ()),
        (5, ("", "cuối")),
    ]


def test_rows_past_a_wrong_dimension_are_still_read():
    data = xlsx([["a"], ["b"], ["c"], ["d"]])
    data = rewrite(data, {SHEET: lambda xml: xml.replace(b'ref="A1:A4"', b'ref="A1:A2"')})
    assert cells(data) == [(1, ("a",)), (2, ("b",)), (3, ("c",)), (4, ("d",))]


def test_only_the_first_worksheet_is_read():
    book = openpyxl.Workbook()
    book.active.append(["thứ nhất"])
    book.create_sheet("Sheet2").append(["thứ hai"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert cells(buffer.getvalue()) == [(1, ("thứ nhất",))]


def test_formula_with_a_saved_value_reads_as_that_value():
    data = xlsx([["Số lượng", "Gấp đôi", "Tên"], [21, "=A2*2", '=UPPER("an")']])
    data = rewrite(
        data,
        {
            SHEET: lambda xml: xml.replace(b"<f>A2*2</f><v />", b"<f>A2*2</f><v>42</v>").replace(
                b'<c r="C2"><f>UPPER("an")</f><v />',
                b'<c r="C2" t="str"><f>UPPER("an")</f><v>AN</v>',
            )
        },
    )
    row = list(read_rows(data))[1]
    assert row.cells == ("21", "42", "AN")
    assert row.formula_without_value == frozenset()


def test_formula_without_a_saved_value_is_reported():
    # openpyxl writes formulas without a value, as a file never opened in Excel has them.
    data = xlsx([["Họ tên", "SĐT", "Tổng"], ["An", "0912345678", "=SUM(1,2)"], ["=A2"]])
    rows = list(read_rows(data))
    assert rows[1].cells == ("An", "0912345678", "")
    assert rows[1].formula_without_value == frozenset({2})
    assert rows[2].cells == ("",)
    assert rows[2].formula_without_value == frozenset({0})
    assert rows[0].formula_without_value == frozenset()


# ---------------------------------------------------------------------------------------- CSV

MEMBERS = [
    ["Họ và tên", "Số điện thoại", "Ghi chú"],
    ["Nguyễn Văn Ẩn", "0912 345 678", "Tổ trưởng, tổ 3"],
    ["Đặng Thị Ngọc Ánh", "+84912345678", 'Nói "được"'],
]


@pytest.mark.parametrize(
    ("encode", "delimiter"),
    [
        (lambda text: text.encode("utf-8-sig"), ","),
        (lambda text: text.encode("utf-8"), ","),
        (windows_1258, ","),
        (lambda text: text.encode("utf-8-sig"), ";"),
        (windows_1258, ";"),
        (lambda text: text.encode("utf-8"), "\t"),
    ],
    ids=["utf8-bom", "utf8", "cp1258", "utf8-semicolon", "cp1258-semicolon", "utf8-tab"],
)
def test_csv_as_excel_saves_it(encode, delimiter):
    data = encode(as_csv(MEMBERS, delimiter))
    assert sniff_kind(data) == "csv"
    assert cells(data) == [(number, tuple(row)) for number, row in enumerate(MEMBERS, start=1)]


def test_windows_1258_really_stores_combining_tone_marks():
    encoded = windows_1258("Ẩn")
    assert encoded.decode("cp1258") != "Ẩn"  # decomposed on the way in...
    assert cells(encoded) == [(1, ("Ẩn",))]  # ...and NFC on the way out


def test_csv_decomposed_names_come_out_nfc():
    data = as_csv([[unicodedata.normalize("NFD", "Lương Thị Hường")]]).encode()
    assert cells(data) == [(1, ("Lương Thị Hường",))]


def test_csv_row_numbers_are_records_not_lines():
    data = as_csv([["a", "dòng 1\ndòng 2"], [], ["b", "c"]]).encode()
    assert cells(data) == [(1, ("a", "dòng 1 dòng 2")), (2, ()), (3, ("b", "c"))]


def test_csv_delimiter_inside_quoted_cells_does_not_fool_the_reader():
    table = [[';"An"', ";"], [';"Bình"', ";"]]
    text = as_csv(table, quoting=csv.QUOTE_ALL)
    assert csv.Sniffer().sniff(text, delimiters=",;\t").delimiter == ";"  # fooled
    assert cells(text.encode()) == [(1, (';"An"', ";")), (2, (';"Bình"', ";"))]


# ----------------------------------------------------------------------------- refused files

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4c00000000049454e44ae426082"
)


def docx_like() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [PDF, PNG, random.Random(1258).randbytes(4096), docx_like(), b"abc\x81def"],
    ids=["pdf", "png", "random", "zip-not-xlsx", "neither-utf8-nor-cp1258"],
)
def test_other_files_are_not_spreadsheets(data):
    with pytest.raises(SpreadsheetError, match=r"not a spreadsheet \(XLSX or CSV\)"):
        sniff_kind(data)
    assert "not a spreadsheet" in refusal(data)


def test_kind_is_judged_by_bytes():
    # There is no file name to go by: the same bytes are the same kind under any name.
    assert sniff_kind(xlsx([["a"]])) == "xlsx"
    assert sniff_kind(b"a,b\r\n1,2\r\n") == "csv"
    assert sniff_kind(windows_1258("Họ tên;SĐT\n")) == "csv"


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\t"])
def test_empty_file(data):
    assert "empty" in refusal(data)


def test_password_protected_xlsx():
    data = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1000
    data += "EncryptedPackage".encode("utf-16-le") + b"\0" * 1000
    message = refusal(data)
    assert "password" in message
    assert "Remove the password" in message


def test_old_xls():
    data = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512 + "Workbook".encode("utf-16-le")
    message = refusal(data)
    assert ".xls" in message
    assert "password" not in message


def test_file_over_the_size_limit_names_the_limit():
    data = b"a,b\n" * (256 * 1024 + 1)
    assert "1 MB" in refusal(data, Limits(max_bytes=1024 * 1024))
    assert cells(b"a,b\n", Limits(max_bytes=4)) == [(1, ("a", "b"))]


def test_damaged_xlsx():
    data = xlsx([["a"]])
    assert "damaged" in refusal(data[: len(data) // 2])
    broken = rewrite(data, {"xl/workbook.xml": b"<workbook"})
    assert "damaged" in refusal(broken)


def test_zip_bomb_is_refused_before_decompressing(monkeypatch):
    zeros = b"\0" * (8 * 1024 * 1024)
    bomb = rewrite(xlsx([["a"]]), {"xl/media/zeros.bin": zeros})
    member = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/media/zeros.bin")
    assert member.file_size / member.compress_size > 500

    def no_decompressing(*args, **kwargs):
        raise AssertionError("a zip member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompressing)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        message = refusal(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 20 * 1024 * 1024  # the archive unpacks to 8 MB and more is never read
    assert "too much data" in message


def test_declared_total_size_over_the_limit_is_refused():
    data = xlsx([["a"]])
    assert "too much data" in refusal(data, Limits(max_uncompressed_bytes=1000))


@pytest.mark.parametrize("part", [SHEET, "xl/sharedStrings.xml"])
def test_xml_bomb_is_refused_quickly(part):
    data = xlsx([["a", "b"]])
    if part == SHEET:
        changes = {SHEET: lambda xml: with_doctype(xml).replace(b"<t>a</t>", b"<t>&lol9;</t>")}
    else:
        shared = with_doctype(
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
        )
        override = (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        )
        changes = {
            "xl/sharedStrings.xml": shared,
            "[Content_Types].xml": lambda xml: xml.replace(b"</Types>", override),
            SHEET: lambda xml: xml.replace(
                b'<c r="A1" t="inlineStr"><is><t>a</t></is></c>', b'<c r="A1" t="s"><v>0</v></c>'
            ),
        }
    bomb = rewrite(data, changes)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        message = refusal(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 20 * 1024 * 1024  # a billion laughs would be gigabytes
    assert "cannot be read safely" in message


def test_too_many_rows():
    data = xlsx([[n] for n in range(11)])
    assert "more than 10 rows" in refusal(data, Limits(max_rows=10))
    assert len(cells(data, Limits(max_rows=11))) == 11
    assert "more than 10 rows" in refusal(
        as_csv([[n] for n in range(11)]).encode(), Limits(max_rows=10)
    )


def test_a_sheet_declaring_too_many_rows_is_refused_before_any_row_is_read():
    data = xlsx([[n] for n in range(11)])
    with pytest.raises(SpreadsheetError, match="more than 10 rows"):
        read_rows(data, Limits(max_rows=10))  # not even iterated


def test_too_many_rows_without_a_dimension():
    data = xlsx([[n] for n in range(11)])
    data = rewrite(data, {SHEET: lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml)})
    assert len(cells(data)) == 11
    assert "more than 10 rows" in refusal(data, Limits(max_rows=10))


def test_too_many_columns():
    limits = Limits(max_columns=5)
    assert "Row 2 has more than 5 columns" in refusal(xlsx([["a"], list("abcdef")]), limits)
    assert "Row 2 has more than 5 columns" in refusal(b"a\nb,c,d,e,f,g\n", limits)
    # Empty cells at the end do not count.
    assert cells(xlsx([[*"abcde", None, "", " "]]), limits) == [(1, tuple("abcde"))]
    assert cells(b"a,b,c,d,e,,,,,,,\n", limits) == [(1, tuple("abcde"))]


# ---------------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Số điện thoại", "sodienthoai"),
        ("SO DIEN THOAI", "sodienthoai"),
        ("Số ĐT", "sodt"),
        ("  Họ và tên (*) ", "hovaten"),
        (unicodedata.normalize("NFD", "Ngày sinh"), "ngaysinh"),
        ("ĐƠN VỊ", "donvi"),
        ("Ðơn vị", "donvi"),  # the Icelandic eth of old font conversions
        ("", ""),
    ],
)
def test_header_key(text, key):
    assert header_key(text) == key


def rows_of(table: list[list[str]]) -> list[Row]:
    return [Row(number, tuple(cells)) for number, cells in enumerate(table, start=1)]


def test_find_header_skips_title_rows_and_accepts_any_order():
    rows = rows_of(
        [
            ["CÔNG ĐOÀN CƠ SỞ XÃ BẢO THẮNG"],
            ["DANH SÁCH ĐOÀN VIÊN NĂM 2026"],
            [],
            ["Ghi chú", "SO DT", "Tên", "Mã"],
            ["", "0912345678", "Nguyễn Văn An", "X1"],
        ]
    )
    header, found, rest = find_header(iter(rows), MEMBER_COLUMNS, ["full_name", "phone"])
    assert header.number == 4
    assert found == {"full_name": 2, "phone": 1, "note": 0}
    assert list(rest) == rows[4:]


def test_find_header_prefers_the_first_spelling_listed():
    rows = rows_of([["Tên", "Họ và tên", "SĐT"]])
    _header, found, _rest = find_header(rows, MEMBER_COLUMNS, ["full_name", "phone"])
    assert found["full_name"] == 1


def test_find_header_names_the_missing_columns_in_vietnamese():
    rows = rows_of([["DANH SÁCH ĐOÀN VIÊN"], ["STT", "Họ và tên", "Địa chỉ"], ["1", "An", ""]])
    with pytest.raises(SpreadsheetError) as caught:
        find_header(rows, MEMBER_COLUMNS, ["full_name", "phone", "birth_date"])
    message = str(caught.value)
    assert "“Số điện thoại”" in message
    assert "“Ngày sinh”" in message
    assert "Họ và tên" not in message  # found in row 2, so not missing


def test_find_header_looks_only_at_the_first_rows():
    rows = rows_of([["tiêu đề"]] * 35 + [["Họ tên", "SĐT"]])
    with pytest.raises(SpreadsheetError, match="first 30 rows"):
        find_header(rows, MEMBER_COLUMNS, ["full_name", "phone"])
    header, _found, _rest = find_header(rows, MEMBER_COLUMNS, ["full_name"], search_rows=40)
    assert header.number == 36


# ------------------------------------------------------------------------ property: round trip

# Text as it can end up in a cell: anything (controls included), the characters that matter
# to CSV and XML, Vietnamese in both normal forms, and the occasional very long cell.
cell_text = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=list(",;\t\"'\r\n \x00\x0b\x1f\u00a0\u2028<&>=ĐđơỨ̀ẫ"), max_size=20),
    st.sampled_from(["Nguyễn Văn Ẩn", unicodedata.normalize("NFD", "Trần Thị Ánh")]),
    st.builds(
        lambda text, count: text * count, st.text(min_size=1, max_size=5), st.integers(200, 1000)
    ),
)
tables = st.lists(st.lists(cell_text, min_size=1, max_size=5), min_size=1, max_size=6)


def expected(table: list[list[str]]) -> list[tuple[str, ...]]:
    rows = []
    for row in table:
        values = [nfc(value) for value in row]
        while values and not values[-1]:
            values.pop()
        rows.append(tuple(values))
    return rows


def assert_round_trip(data: bytes, table: list[list[str]]) -> None:
    got = {row.number: row.cells for row in read_rows(data)}
    assert [got.get(number, ()) for number in range(1, len(table) + 1)] == expected(table)
    assert all(cells == () for number, cells in got.items() if number > len(table))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_any_table_written_as_csv_reads_back(table):
    # Every cell quoted: with minimal quoting "a;b,c" is genuinely ambiguous between
    # delimiters, and no reader could be right about it.
    text = as_csv(table, quoting=csv.QUOTE_ALL)
    try:
        assert_round_trip(text.encode("utf-8"), table)
    except SpreadsheetError:
        assert "\x00" in text  # the one thing that makes UTF-8 text not a CSV file


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_any_table_written_as_xlsx_reads_back(table):
    table = [[ILLEGAL_CHARACTERS_RE.sub("", value) for value in row] for row in table]
    book = openpyxl.Workbook()
    for number, row in enumerate(table, start=1):
        for column, value in enumerate(row, start=1):
            cell = book.active.cell(number, column, value)
            cell.data_type = "s"  # text, even when it starts with "="
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        assert_round_trip(buffer.getvalue(), table)
    except SpreadsheetError:
        # Characters XML 1.0 forbids that openpyxl lets through.
        assert any(char in value for row in table for value in row for char in "\ufffe\uffff")


def test_formula_tag_with_a_namespace_prefix_is_noticed():
    data = xlsx([["An", "=1+1"]])
    prefixed = rewrite(
        data,
        {
            SHEET: lambda xml: re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", xml).replace(
                b"xmlns=", b"xmlns:x="
            )
        },
    )
    assert b"<x:f>" in zipfile.ZipFile(io.BytesIO(prefixed)).read(SHEET)
    [row] = read_rows(prefixed)
    assert row.cells == ("An", "")
    assert row.formula_without_value == frozenset({1})


def test_formula_tag_across_a_read_boundary_is_noticed():
    # The raw bytes are searched a megabyte at a time; put "<f" at the end of the first one.
    data = xlsx([["An", "=1+1"]])
    padding = random.Random(7).choices(b"abcdefghijklmnopqrstuvwxyz", k=1024 * 1024)

    def pad(xml: bytes) -> bytes:
        at = xml.index(b"<f>")
        filler = bytes(padding[: 1024 * 1024 - 2 - at - len(b"<!---->")])
        return xml[:at] + b"<!--" + filler + b"-->" + xml[at:]

    padded = rewrite(data, {SHEET: pad})
    assert zipfile.ZipFile(io.BytesIO(padded)).read(SHEET).index(b"<f>") == 1024 * 1024 - 2
    [row] = read_rows(padded)
    assert row.formula_without_value == frozenset({1})


def test_messages_are_shown_in_vietnamese_in_the_app():
    from learning import create_app

    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    data = bytes.fromhex("D0CF11E0A1B11AE1") + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data)
    with app.test_request_context("/"):
        assert "mật khẩu" in str(caught.value)  # rendered when shown, in the reader's language
    assert "password" in str(caught.value)
