"""Login slips: eight to an A4 page, Vietnamese names intact, nothing running off a slip."""

import io

import openpyxl
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from learning.members.slips import SLIP_HEIGHT, SLIP_WIDTH, Slip, slips_pdf, slips_xlsx
from learning.pdf import new_document

FEDERATION = "Liên đoàn Lao động tỉnh Lào Cai"
SITE_URL = "https://hoctap.congdoanlaocai.vn"
HOSTILE_PASSWORD = "=cmd|'/c calc'!A1"
MM_PER_PT = 25.4 / 72


def ten_slips() -> list[Slip]:
    people = [
        ("Nguyễn Thị Ánh Tuyết", "Công đoàn phường Lào Cai", "0912 345 678"),
        ("Lò Văn Páo", "Công đoàn xã Bát Xát", "LC-000042"),
    ] + [
        (f"Đoàn viên số {n}", "Công đoàn cơ sở Khu kinh tế", f"0900 000 0{n:02d}") for n in range(8)
    ]
    return [Slip(name, unit, login, f"Pw{n}kx7mQ") for n, (name, unit, login) in enumerate(people)]


def render(slips: list[Slip]) -> bytes:
    return slips_pdf(slips, federation=FEDERATION, site_url=SITE_URL, printed_on="01/12/2026")


def test_ten_slips_take_two_pages_and_keep_names_and_passwords():
    slips = ten_slips()

    reader = PdfReader(io.BytesIO(render(slips)))

    assert len(reader.pages) == 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Nguyễn Thị Ánh Tuyết" in text
    assert "Lò Văn Páo" in text
    for slip in slips:
        assert slip.password in text
        assert slip.login in text
    assert "PHIẾU ĐĂNG NHẬP" in text
    assert "Mật khẩu tạm thời" in text
    assert "01/12/2026" in text
    assert SITE_URL in text


def text_boxes(pdf_bytes: bytes) -> list[tuple[str, float, float, float, float]]:
    """Every piece of text on the first page as (text, left, right, top, bottom), in mm from
    the top left corner, measured with the same font the slip used."""
    page = PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    page_height_mm = float(page.mediabox.height) * MM_PER_PT
    ruler: FPDF = new_document()
    boxes = []

    def visit(text, cm, tm, font, size):
        text = text.strip()
        if not text or text == "✂":  # the scissors sit on the cut line on purpose
            return
        ruler.set_font("DejaVu", "B" if "Bold" in str(font["/BaseFont"]) else "", size)
        left = tm[4] * MM_PER_PT
        baseline = page_height_mm - tm[5] * MM_PER_PT
        # DejaVu's capitals and accents reach about 0.9 em above the baseline, tails 0.2 below
        top, bottom = baseline - 0.9 * size * MM_PER_PT, baseline + 0.2 * size * MM_PER_PT
        boxes.append((text, left, left + ruler.get_string_width(text), top, bottom))

    page.extract_text(visitor_text=visit)
    return boxes


@pytest.mark.parametrize(
    "long_name",
    [
        ("Nguyễn Thị Ánh Tuyết " * 10)[:200],
        "Lò" * 100,  # one unbroken word
    ],
)
def test_a_very_long_name_stays_inside_its_slip(long_name):
    assert len(long_name) == 200
    slip = Slip(long_name, "Công đoàn cơ sở " * 12, "0912 345 678", "Kx7mPq4r")

    pdf = render([slip])

    boxes = text_boxes(pdf)
    assert any(text.startswith(long_name[:15]) for text, *_ in boxes)
    assert_inside_one_slip_without_overlaps(boxes)
    assert "Kx7mPq4r" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_the_tallest_name_and_unit_at_full_size_still_leave_room_for_the_login():
    # Each wraps onto two lines without shrinking: the most height the top of a slip takes.
    slip = Slip(
        "Nguyễn Thị Ánh Tuyết Hoàng Lê Phương Thảo Nguyên Vũ Đình",
        "Công đoàn cơ sở Trường Trung học phổ thông chuyên Lào Cai thuộc Công đoàn ngành Giáo dục",
        "0912 345 678",
        "Kx7mPq4r",
    )

    boxes = text_boxes(render([slip]))

    assert_inside_one_slip_without_overlaps(boxes)
    assert "Phương Thảo Nguyên Vũ Đình" in [text for text, *_ in boxes]


def assert_inside_one_slip_without_overlaps(boxes):
    for text, left, right, top, bottom in boxes:
        assert left >= 0 and right <= SLIP_WIDTH, text
        assert top >= 0 and bottom <= SLIP_HEIGHT, text
    for n, (text, left, right, top, bottom) in enumerate(boxes):
        for other, o_left, o_right, o_top, o_bottom in boxes[n + 1 :]:
            apart = right <= o_left or o_right <= left or bottom <= o_top or o_bottom <= top
            assert apart, f"{text!r} runs into {other!r}"


def test_an_empty_list_still_makes_a_valid_pdf():
    assert len(PdfReader(io.BytesIO(render([]))).pages) == 1


def test_spreadsheet_lists_every_slip_with_vietnamese_intact():
    slips = ten_slips()
    slips[1] = Slip("Lò Văn Páo", "Công đoàn xã Bát Xát", "LC-000042", HOSTILE_PASSWORD)

    sheet = openpyxl.load_workbook(
        io.BytesIO(slips_xlsx(slips, federation=FEDERATION, site_url=SITE_URL))
    ).active

    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    title = " ".join(str(row[0]) for row in values[:3])
    assert FEDERATION in title
    assert SITE_URL in title
    header_at = next(i for i, row in enumerate(values) if row[0] == "Họ và tên")
    assert values[header_at] == ["Họ và tên", "Đơn vị", "Tên đăng nhập", "Mật khẩu tạm thời"]
    rows = values[header_at + 1 :]
    assert len(rows) == 10
    assert rows[0] == [
        "Nguyễn Thị Ánh Tuyết",
        "Công đoàn phường Lào Cai",
        "0912 345 678",
        "Pw0kx7mQ",
    ]
    assert rows[1][:3] == ["Lò Văn Páo", "Công đoàn xã Bát Xát", "LC-000042"]

    hostile = sheet.cell(row=header_at + 3, column=4)
    assert hostile.value == "'" + HOSTILE_PASSWORD
    assert hostile.data_type == "s"
