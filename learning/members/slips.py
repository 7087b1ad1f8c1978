"""Login slips officers print, cut and hand to members: a PDF of eight per A4 page, and the
same list as a spreadsheet."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from learning.exports import xlsx_bytes
from learning.pdf import new_document

PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0  # A4 portrait, mm
COLUMNS, ROWS = 2, 4
SLIPS_PER_PAGE = COLUMNS * ROWS
SLIP_WIDTH, SLIP_HEIGHT = PAGE_WIDTH / COLUMNS, PAGE_HEIGHT / ROWS
# Padding inside each slip: wide enough that the outer slips stay clear of the 4-5 mm most
# office printers cannot print, and that a slightly crooked cut takes no text with it.
PAD_X, PAD_TOP, PAD_BOTTOM = 8.0, 6.0, 5.0
INNER_WIDTH = SLIP_WIDTH - 2 * PAD_X

WARNING = "Đổi mật khẩu ngay lần đăng nhập đầu tiên. Không đưa phiếu này cho người khác."
_ACCENT = (166, 27, 27)  # the red of the certificates
_PT = 0.3528  # mm per point
_LINE_FACTOR = 1.2  # line height as a multiple of the font size
_PASSWORD_BOX_HEIGHT = 10.0


@dataclass(frozen=True)
class Slip:
    """What one member needs to log in for the first time."""

    full_name: str
    unit_name: str
    login: str  # the phone number as people write it (0912 345 678) or the member code
    password: str  # the temporary password


def _line_height(size: float) -> float:
    return size * _PT * _LINE_FACTOR


def _clean(text: str) -> str:
    # DejaVu has a precomposed glyph for every Vietnamese letter, but fpdf2 places combining
    # marks (a name imported in NFD) badly; NFC prints them as people write them.
    return " ".join(unicodedata.normalize("NFC", text).split())


def _fit_lines(
    pdf: FPDF,
    text: str,
    *,
    style: str,
    size: float,
    min_size: float,
    max_lines: int,
) -> tuple[float, list[str]]:
    """The largest size from `size` down to `min_size` at which `text` wraps into
    `max_lines` lines of the slip's width; past that, the last line ends in an ellipsis.

    Names and units are for the reader's eye only (the login is what matters), so cutting an
    absurdly long one short is better than letting it run into the next slip.
    """
    current = size
    while True:
        pdf.set_font("DejaVu", style, current)
        lines = pdf.multi_cell(
            INNER_WIDTH, _line_height(current), text, dry_run=True, output="LINES"
        )
        if len(lines) <= max_lines:
            return current, lines
        if current - 0.5 < min_size:
            break
        current -= 0.5
    kept = lines[:max_lines]
    last = kept[-1].rstrip()
    while last and pdf.get_string_width(last + "…") > INNER_WIDTH:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return current, kept


def _fit_one_line(
    pdf: FPDF, text: str, *, style: str, size: float, min_size: float, width: float
) -> None:
    """Select a font size (and, as a last resort, a horizontal squeeze) at which `text`
    fits on one line of `width`.

    Used for the login, the password and the address, which must never be cut short: a
    slip with half a password is worse than one in small print.
    """
    pdf.set_stretching(100)
    current = size
    pdf.set_font("DejaVu", style, current)
    while pdf.get_string_width(text) > width and current - 0.5 >= min_size:
        current -= 0.5
        pdf.set_font("DejaVu", style, current)
    text_width = pdf.get_string_width(text)
    if text_width > width:
        pdf.set_stretching(int(100 * width / text_width))


def _draw_lines(
    pdf: FPDF, x: float, y: float, style: str, size: float, lines: Sequence[str]
) -> float:
    """Draw lines wrapped by `_fit_lines` from (x, y); return the y below them."""
    pdf.set_font("DejaVu", style, size)
    height = _line_height(size)
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(INNER_WIDTH, height, line)
        y += height
    return y


def _labelled(
    pdf: FPDF, x: float, y: float, label: str, value: str, *, size: float, value_size: float
) -> None:
    """A label in regular type followed by its value in bold, on one line."""
    pdf.set_stretching(100)
    pdf.set_font("DejaVu", "", size)
    label_text = f"{label} "
    label_width = pdf.get_string_width(label_text)
    height = _line_height(max(size, value_size))
    pdf.set_xy(x, y)
    pdf.cell(label_width, height, label_text)
    _fit_one_line(
        pdf, value, style="B", size=value_size, min_size=6, width=INNER_WIDTH - label_width
    )
    pdf.set_xy(x + label_width, y)
    pdf.cell(INNER_WIDTH - label_width, height, value)
    pdf.set_stretching(100)


def _draw_slip(
    pdf: FPDF, slip: Slip, x0: float, y0: float, *, federation: str, site_url: str, printed_on: str
) -> None:
    """One slip in the cell whose top left corner is (x0, y0)."""
    x = x0 + PAD_X
    _draw_top_block(pdf, slip, x, y0 + PAD_TOP, federation=federation, printed_on=printed_on)
    _draw_bottom_block(pdf, slip, x, y0 + SLIP_HEIGHT - PAD_BOTTOM, site_url=site_url)


def _draw_top_block(
    pdf: FPDF, slip: Slip, x: float, y: float, *, federation: str, printed_on: str
) -> None:
    """The federation, the title with the printing date, the name and the unit, flowing
    down from y; every part has a bounded number of lines so that the worst case still
    ends above the bottom block."""
    pdf.set_text_color(60, 60, 60)
    size, lines = _fit_lines(
        pdf, _clean(federation).upper(), style="B", size=7.5, min_size=6, max_lines=2
    )
    y = _draw_lines(pdf, x, y, "B", size, lines) + 1

    pdf.set_text_color(*_ACCENT)
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_xy(x, y)
    pdf.cell(INNER_WIDTH, _line_height(11), "PHIẾU ĐĂNG NHẬP")
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("DejaVu", "", 7)
    pdf.set_xy(x, y)
    pdf.cell(INNER_WIDTH, _line_height(11), f"Ngày in: {printed_on}", align="R")
    y += _line_height(11) + 1

    pdf.set_text_color(0, 0, 0)
    size, lines = _fit_lines(
        pdf, _clean(slip.full_name), style="B", size=13, min_size=9, max_lines=2
    )
    y = _draw_lines(pdf, x, y, "B", size, lines)
    if slip.unit_name.strip():
        size, lines = _fit_lines(
            pdf, _clean(slip.unit_name), style="", size=9, min_size=7, max_lines=2
        )
        _draw_lines(pdf, x, y, "", size, lines)


def _draw_bottom_block(pdf: FPDF, slip: Slip, x: float, bottom: float, *, site_url: str) -> None:
    """The address, the login, the password in its box and the warning, anchored to the foot
    of the slip so the password sits in the same place on every slip of the sheet, whatever
    the length of the name above it."""
    warning_size, warning_lines = _fit_lines(
        pdf, WARNING, style="", size=7, min_size=6, max_lines=2
    )
    warning_top = bottom - _line_height(warning_size) * len(warning_lines)
    box_top = warning_top - 1.5 - _PASSWORD_BOX_HEIGHT
    label_top = box_top - _line_height(8.5)
    login_top = label_top - _line_height(10) - 0.5
    address_top = login_top - _line_height(8.5) - 0.5

    _labelled(pdf, x, address_top, "Địa chỉ:", site_url, size=8.5, value_size=8.5)
    _labelled(pdf, x, login_top, "Tên đăng nhập:", _clean(slip.login), size=9, value_size=10)

    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_xy(x, label_top)
    pdf.cell(INNER_WIDTH, _line_height(8.5), "Mật khẩu tạm thời:")
    _draw_password_box(pdf, slip.password, x, box_top)

    pdf.set_text_color(*_ACCENT)
    _draw_lines(pdf, x, warning_top, "", warning_size, warning_lines)


def _draw_password_box(pdf: FPDF, password: str, x: float, top: float) -> None:
    """Passwords are typed from the slip character by character: large, bold, alone in a
    box."""
    pdf.set_fill_color(242, 242, 242)
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.3)
    pdf.set_dash_pattern()
    pdf.rect(x, top, INNER_WIDTH, _PASSWORD_BOX_HEIGHT, style="DF")
    _fit_one_line(pdf, password, style="B", size=16, min_size=9, width=INNER_WIDTH - 4)
    pdf.set_xy(x + 2, top)
    pdf.cell(INNER_WIDTH - 4, _PASSWORD_BOX_HEIGHT, password, align="C")
    pdf.set_stretching(100)


def _draw_cut_lines(pdf: FPDF, used: int) -> None:
    """Dashed lines between the slips on this page (`used` of them), with scissors."""
    rows_used = -(-used // COLUMNS)
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.line(SLIP_WIDTH, 0, SLIP_WIDTH, rows_used * SLIP_HEIGHT)
    for row in range(1, rows_used + (1 if rows_used < ROWS else 0)):
        y = row * SLIP_HEIGHT
        pdf.line(0, y, PAGE_WIDTH, y)
        pdf.set_font("DejaVu", "", 9)
        pdf.set_text_color(150, 150, 150)
        pdf.set_xy(3, y - 2.2)
        pdf.cell(5, 4.4, "✂")
    pdf.set_dash_pattern()


def slips_pdf(slips: Sequence[Slip], *, federation: str, site_url: str, printed_on: str) -> bytes:
    """The slips as PDF bytes: A4 portrait, two columns by four rows, dashed cut lines.

    `printed_on` is the date to print on each slip, already written dd/mm/yyyy.
    """
    pdf = new_document(title="Phiếu đăng nhập", author=federation)
    # Every position is computed; an automatic page break would split a slip across pages.
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    # Text is measured to the exact slip width, so cells get no inner padding of their own.
    pdf.c_margin = 0
    if not slips:
        pdf.add_page()
    for start in range(0, len(slips), SLIPS_PER_PAGE):
        page = slips[start : start + SLIPS_PER_PAGE]
        pdf.add_page()
        _draw_cut_lines(pdf, len(page))
        for index, slip in enumerate(page):
            row, column = divmod(index, COLUMNS)
            _draw_slip(
                pdf,
                slip,
                column * SLIP_WIDTH,
                row * SLIP_HEIGHT,
                federation=federation,
                site_url=site_url,
                printed_on=printed_on,
            )
    return bytes(pdf.output())


def slips_xlsx(slips: Sequence[Slip], *, federation: str, site_url: str) -> bytes:
    """The slips as a spreadsheet, one row per member, for officers who send logins by
    message rather than on paper."""
    return xlsx_bytes(
        "Phiếu đăng nhập",
        ["Họ và tên", "Đơn vị", "Tên đăng nhập", "Mật khẩu tạm thời"],
        [(_clean(s.full_name), _clean(s.unit_name), s.login, s.password) for s in slips],
        title_lines=[
            f"{federation} — Danh sách tài khoản đăng nhập",
            f"Địa chỉ: {site_url}",
            WARNING,
        ],
    )
