"""The certificate of completion as a PDF, with a QR code to its public verification page."""

from __future__ import annotations

import segno
from fpdf import FPDF

from learning.courses.models import Certificate
from learning.pdf import new_document


def draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as filled squares (vector, sharp at any zoom)."""
    qr = segno.make(url, error="m")
    matrix = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + col_index * cell, y + row_index * cell, cell, cell, style="F")


def render_certificate(
    certificate: Certificate, *, verify_url: str, federation: str, issued_on: str
) -> bytes:
    """The certificate as PDF bytes (A4 landscape)."""
    pdf = new_document(
        orientation="L", title=f"Giấy chứng nhận {certificate.code}", author=federation
    )
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(166, 27, 27)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, 269, 182)

    def line(text: str, size: int, *, style: str = "", top: float | None = None) -> None:
        if top is not None:
            pdf.set_y(top)
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_text_color(0, 0, 0)
    line(federation.upper(), 13, style="B", top=24)
    line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 11, style="B", top=36)
    line("Độc lập - Tự do - Hạnh phúc", 11)
    pdf.set_text_color(166, 27, 27)
    line("GIẤY CHỨNG NHẬN", 30, style="B", top=62)
    pdf.set_text_color(0, 0, 0)
    line("Hoàn thành chuyên đề học tập", 14, top=80)
    line(certificate.course_title, 16, style="B", top=92)
    line("Chứng nhận đoàn viên, người lao động", 12, top=118)
    line(certificate.holder_name, 22, style="B", top=127)
    if certificate.unit_name:
        line(f"Đơn vị: {certificate.unit_name}", 12, top=141)
    score = (
        f"Điểm bài kiểm tra cuối: {certificate.score_percent:.0f}%"
        if certificate.score_percent is not None
        else "Đã hoàn thành tất cả bài học bắt buộc"
    )
    line(score, 12, top=150)
    line(f"Ngày cấp: {issued_on}", 12, top=160)
    draw_qr(pdf, verify_url, 236, 150, 38)
    pdf.set_xy(20, 178)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        210, 4.5, f"Mã xác thực: {certificate.code}\nKiểm tra tại: {verify_url}", align="L"
    )
    return bytes(pdf.output())
