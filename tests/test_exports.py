"""Spreadsheets for Excel: Vietnamese survives, and no cell ever runs as a formula."""

import csv
import datetime as dt
import io
from fractions import Fraction

import openpyxl
import pytest

from learning.exports import csv_bytes, safe_cell, xlsx_bytes

UTF8_BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("hostile", "neutralised"),
    [
        ("=1+1", "'=1+1"),
        ("+84912", "'+84912"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        (" =x", "' =x"),
        ("\n  -2+3", "'\n  -2+3"),
    ],
)
def test_text_that_excel_would_run_gets_a_leading_quote(hostile, neutralised):
    assert safe_cell(hostile) == neutralised


@pytest.mark.parametrize(
    "harmless",
    ["Nguyễn Thị Ánh Tuyết", "0912 345 678", "a=b", "Đoàn viên - công nhân", "", "  "],
)
def test_ordinary_text_is_unchanged(harmless):
    assert safe_cell(harmless) == harmless


@pytest.mark.parametrize(
    "value", [0, 42, -5, -0.25, 3.5, True, None, dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3)]
)
def test_numbers_dates_and_none_are_returned_as_they_are(value):
    assert safe_cell(value) is value


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_bom_crlf_and_keeps_vietnamese():
    data = csv_bytes(
        ["Họ và tên", "Đơn vị"], [["Nguyễn Thị Ánh Tuyết", "Công đoàn phường Lào Cai"]]
    )

    assert data.startswith(UTF8_BOM)
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert read_csv(data) == [
        ["Họ và tên", "Đơn vị"],
        ["Nguyễn Thị Ánh Tuyết", "Công đoàn phường Lào Cai"],
    ]


def test_csv_neutralises_formulas_but_not_numbers():
    data = csv_bytes(
        ["Tên", "Điểm", "Ghi chú"],
        [['=HYPERLINK("http://evil","bấm")', -5, " @SUM(A1)"], ["+84912345678", 7.5, "ổn"]],
    )

    assert read_csv(data)[1:] == [
        ['\'=HYPERLINK("http://evil","bấm")', "-5", "' @SUM(A1)"],
        ["'+84912345678", "7.5", "ổn"],
    ]


def test_csv_writes_dates_the_vietnamese_way():
    data = csv_bytes(
        ["Ngày", "Lúc", "Lúc (UTC)", "Trống", "Tỉ lệ"],
        [
            [
                dt.date(2026, 3, 9),
                dt.datetime(2026, 3, 9, 8, 5),
                dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC),
                None,
                Fraction(1, 4),
            ]
        ],
    )

    # Stored times are UTC; officers read Vietnam time (UTC+7).
    assert read_csv(data)[1] == ["09/03/2026", "09/03/2026 08:05", "10/03/2026 06:30", "", "0.25"]


def load(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return workbook.active


def make_report() -> bytes:
    return xlsx_bytes(
        "Báo cáo: tiến độ [quý 1]/2026 của các công đoàn cơ sở",
        ["Đơn vị", "Số đoàn viên", "Tỉ lệ hoàn thành", "Ngày cập nhật"],
        [
            ["Công đoàn cơ sở Trường THPT số 1 thành phố Lào Cai", 120, 0.875, dt.date(2026, 3, 9)],
            ['=HYPERLINK("http://evil","bấm")', 8, 0.5, dt.date(2026, 3, 10)],
            ["#N/A", 0, None, None],
        ],
        title_lines=["Liên đoàn Lao động tỉnh Lào Cai", "Tiến độ học tập quý 1/2026"],
        percent_columns={2},
    )


def test_xlsx_has_a_title_block_then_a_bold_frozen_header():
    sheet = load(make_report())

    assert sheet["A1"].value == "Liên đoàn Lao động tỉnh Lào Cai"
    assert sheet["A1"].font.b
    assert sheet["A2"].value == "Tiến độ học tập quý 1/2026"
    assert not sheet["A2"].font.b
    header = [cell.value for cell in sheet[4]]
    assert header == ["Đơn vị", "Số đoàn viên", "Tỉ lệ hoàn thành", "Ngày cập nhật"]
    assert all(cell.font.b for cell in sheet[4])
    assert sheet.freeze_panes == "A5"
    assert sheet["A5"].value == "Công đoàn cơ sở Trường THPT số 1 thành phố Lào Cai"


def test_xlsx_without_a_title_freezes_below_the_first_row():
    sheet = load(xlsx_bytes("Danh sách", ["Họ và tên"], [["Lò Văn Páo"]]))

    assert sheet["A1"].value == "Họ và tên"
    assert sheet.freeze_panes == "A2"


def test_xlsx_stores_formula_looking_text_as_quoted_strings():
    sheet = load(make_report())

    hostile = sheet["A6"]
    assert hostile.value == '\'=HYPERLINK("http://evil","bấm")'
    assert hostile.data_type == "s"
    assert sheet["A7"].value == "#N/A"
    assert sheet["A7"].data_type == "s"
    formulas = [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []


def test_xlsx_formats_percentages_and_dates():
    sheet = load(make_report())

    assert sheet["C5"].value == 0.875
    assert sheet["C5"].number_format == "0.0%"
    assert sheet["C6"].number_format == "0.0%"
    assert sheet["B5"].number_format != "0.0%"
    assert sheet["D5"].value == dt.datetime(2026, 3, 9)
    assert sheet["D5"].number_format == "DD/MM/YYYY"


def test_xlsx_columns_fit_the_longest_text_within_a_cap():
    sheet = load(
        xlsx_bytes(
            "Danh sách",
            ["Họ và tên", "Ghi chú"],
            [["Nguyễn Thị Ánh Tuyết", "x" * 300], ["Lò Văn Páo", "ngắn"]],
        )
    )

    assert sheet.column_dimensions["A"].width >= len("Nguyễn Thị Ánh Tuyết")
    assert sheet.column_dimensions["B"].width == 60


def test_xlsx_uses_given_column_widths():
    sheet = load(xlsx_bytes("Danh sách", ["A", "B"], [[1, 2]], column_widths=[12, 40]))

    assert sheet.column_dimensions["A"].width == 12
    assert sheet.column_dimensions["B"].width == 40


def test_xlsx_sheet_title_is_one_excel_accepts():
    sheet = load(make_report())

    assert len(sheet.title) <= 31
    assert not set("[]:*?/\\") & set(sheet.title)
    assert sheet.title.startswith("Báo cáo tiến độ quý 1")


def test_xlsx_drops_control_characters_instead_of_failing():
    sheet = load(xlsx_bytes("Danh sách", ["Họ và tên"], [["Lò Văn\x00 Páo\x1b"]]))

    assert sheet["A2"].value == "Lò Văn Páo"
