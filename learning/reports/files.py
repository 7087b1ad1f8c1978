"""Report files (CSV and XLSX) as union reports are made: a title block, Vietnamese headers,
percentages Excel shows as such. Shared by the pages and the command line."""

from __future__ import annotations

from learning.exports import csv_bytes, xlsx_bytes
from learning.i18n import format_date
from learning.reports import participation as report
from learning.reports.params import ReportParams

CSV_HEADER = [
    *report.EXPORT_HEADER[:7],
    "Tỷ lệ tham gia (%)",
    "Tỷ lệ hoàn thành (%)",
    report.EXPORT_HEADER[9],
    "Tỷ lệ đạt (%)",
]


def title_lines(params: ReportParams, federation: str) -> list[str]:
    """Who made the report, about what, over which period, when."""
    period = "toàn bộ thời gian"
    if params.date_from or params.date_to:
        start = format_date(params.date_from) or "…"
        end = format_date(params.date_to) or "…"
        period = f"từ {start} đến {end}"
    heading = "BÁO CÁO TÌNH HÌNH THAM GIA " + ("CUỘC THI" if params.round else "HỌC TẬP")
    return [
        federation.upper(),
        f"{heading} — {params.title}",
        f"Đơn vị: {params.unit.name}; thời gian: {period}; lập ngày {format_date(params.until)}",
    ]


def participation_file(
    rows: list[report.Figures], params: ReportParams, fmt: str, federation: str
) -> tuple[bytes, str]:
    """The report as `fmt` ("csv" or "xlsx") and its file name."""
    name = f"tham-gia-{params.slug}-{params.unit.code}.{fmt}"
    if fmt == "csv":
        return csv_bytes(CSV_HEADER, report.export_rows(rows, as_percent_text=True)), name
    data = xlsx_bytes(
        "Tham gia",
        report.EXPORT_HEADER,
        report.export_rows(rows, as_percent_text=False),
        title_lines=title_lines(params, federation),
        percent_columns=report.PERCENT_COLUMNS,
        count_columns=report.COUNT_COLUMNS,
    )
    return data, name
