"""The ready message of a reminder: the text to paste into the unit's Zalo group (and to
e-mail), its QR code (SVG for the page), and a printable A4 poster (fpdf2, DejaVu Sans).
The text is in Vietnamese whatever the officer's screen language: it is for the members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import segno

from learning.courses.certificates import draw_qr
from learning.enrollment.deadlines import days_left
from learning.pdf import new_document


@dataclass(frozen=True)
class ReadyMessage:
    """What a reminder says: for one course, one unit, one deadline, one link."""

    course_title: str
    unit_name: str
    due_on: dt.date | None
    today: dt.date
    link: str

    @property
    def deadline_line(self) -> str:
        if self.due_on is None:
            return ""
        date = self.due_on.strftime("%d/%m/%Y")
        left = days_left(self.due_on, self.today)
        if left < 0:
            return f"Hạn hoàn thành: {date} (đã quá hạn {-left} ngày)."
        if left == 0:
            return f"Hạn hoàn thành: {date} (hôm nay là hạn cuối)."
        return f"Hạn hoàn thành: {date} (còn {left} ngày)."

    @property
    def subject(self) -> str:
        return f"Nhắc học: {self.course_title}"

    def text(self) -> str:
        """The message for the unit's group chat."""
        lines = [
            f"[{self.unit_name}] Nhắc đoàn viên, người lao động học chuyên đề "
            f"“{self.course_title}”.",
            self.deadline_line,
            f"Học trên điện thoại: {self.link}",
            "Đăng nhập bằng số điện thoại hoặc số thẻ đoàn viên. Quên mật khẩu, xin liên hệ "
            "cán bộ công đoàn của đơn vị.",
        ]
        return "\n".join(line for line in lines if line)

    def email_body(self, full_name: str) -> str:
        """The e-mail to one person: a greeting, then the same message."""
        return (
            f"Chào {full_name},\n\n{self.text()}\n\n"
            "Thư này được gửi tự động từ hệ thống học tập của công đoàn; "
            "bạn đã hoàn thành chuyên đề thì không cần làm gì thêm.\n"
        )


def qr_svg(link: str, title: str) -> str:
    """The link's QR code as an inline SVG element (no request to another host)."""
    return segno.make(link, error="m").svg_inline(scale=6, border=2, title=title)


def render_poster(message: ReadyMessage, *, federation: str) -> bytes:
    """An A4 poster to print and pin up: course, deadline, a large QR code and the link."""
    pdf = new_document(title=message.subject, author=federation)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(166, 27, 27)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 190, 277)

    def block(text: str, size: int, *, style: str = "", top: float | None = None) -> None:
        if top is not None:
            pdf.set_y(top)
        pdf.set_x(20)
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(170, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_text_color(0, 0, 0)
    block(federation.upper(), 12, style="B", top=20)
    block(message.unit_name, 13, top=30)
    pdf.set_text_color(166, 27, 27)
    block("HỌC TẬP CHUYÊN ĐỀ", 30, style="B", top=50)
    pdf.set_text_color(0, 0, 0)
    block(message.course_title, 20, style="B", top=68)
    if message.deadline_line:
        block(message.deadline_line, 15, top=pdf.get_y() + 6)
    qr_size = 100
    draw_qr(pdf, message.link, (210 - qr_size) / 2, 130, qr_size)
    block("Quét mã QR bằng điện thoại (ứng dụng Zalo hoặc máy ảnh) hoặc mở địa chỉ:", 12, top=236)
    block(message.link, 14, style="B", top=pdf.get_y() + 2)
    block(
        "Đăng nhập bằng số điện thoại hoặc số thẻ đoàn viên. "
        "Quên mật khẩu, xin liên hệ cán bộ công đoàn của đơn vị.",
        11,
        top=pdf.get_y() + 6,
    )
    return bytes(pdf.output())
