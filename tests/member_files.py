"""Member lists as officers keep them, built in memory for the import tests."""

from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook

from learning.members.importer import TEMPLATE_HEADER


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template(rows: list[list[object]]) -> bytes:
    """The downloadable template's columns, then `rows`."""
    return xlsx([TEMPLATE_HEADER, *rows])


def messy_list() -> bytes:
    """What a grassroots union really sends: titles, its own headers, totals, signatures."""
    return xlsx(
        [
            ["LIÊN ĐOÀN LAO ĐỘNG TỈNH LÀO CAI"],
            ["DANH SÁCH ĐOÀN VIÊN CÔNG ĐOÀN CƠ SỞ CÔNG TY TNHH ĐIỆN TỬ TÂN PHÁT"],
            [],
            ["STT", "Họ tên", "SĐT", "Giới", "Năm sinh", "Số thẻ ĐV", "Ghi chú"],
            [
                1,
                unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"),
                "0912 345 678",
                "Nữ",
                1995,
                "LC-1001",
                "",
            ],
            [2, "Lò Văn Páo", "+84 987.654.321", "Nam", "12/05/1990", "", "tổ 2"],
            [3, "Hoàng Thị Mây", 912000111, "nu", "", "LC-1003", ""],
            [],
            ["Tổng cộng: 3 đoàn viên"],
            ["", "", "", "", "Ngày 20 tháng 11 năm 2026"],
            ["", "Người lập biểu", "", "", "TM. Ban chấp hành"],
        ]
    )


_SHAPE_MARKS = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn


def to_cp1258(text: str) -> bytes:
    """Text as Windows-1258 stores Vietnamese: letters with circumflex, breve or horn
    precomposed (â ă ê ô ơ ư), tone marks as separate combining characters."""
    out = bytearray()
    clusters: list[list[str]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and clusters:
            clusters[-1].append(char)
        else:
            clusters.append([char])
    for base, *marks in clusters:
        shaped = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _SHAPE_MARKS))
        tones = "".join(m for m in marks if m not in _SHAPE_MARKS)
        out += (shaped + tones).encode("cp1258")
    return bytes(out)


def csv_cp1258(rows: list[list[str]]) -> bytes:
    """A CSV saved by an old Vietnamese Windows Excel (cp1258, tone marks combining)."""
    return to_cp1258("\r\n".join(",".join(cell for cell in row) for row in rows) + "\r\n")
