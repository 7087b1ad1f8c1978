"""Issue 17, "reading well": what the pages say and offer, checked on the server's HTML
(the browser tests check the layout)."""

import re

import pytest

from learning.auth.models import Role
from tests.test_reports_participation import world  # noqa: F401 - the shared example


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


def _breadcrumb_links(page: str) -> list[str]:
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', crumbs.group(0)) if crumbs else []


def test_report_breadcrumb_starts_at_the_officers_own_unit(app, world):  # noqa: F811
    client = login(app, world["officer"])  # officer of Phường Một, below the province
    page = client.get(f"/reports/participation?unit={world['g1'].id}&course=khoa-thu").text
    links = [link.replace("&amp;", "&") for link in _breadcrumb_links(page)]
    assert len(links) == 1 and f"unit={world['d1'].id}" in links[0]
    assert f"unit={world['p'].id}&" not in page.replace("&amp;", "&")
    for link in links:  # every link offered opens
        assert client.get(link).status_code == 200


def test_report_breadcrumb_shows_the_whole_path_to_admins(app, world, make):  # noqa: F811
    client = login(app, make.user(role=Role.ADMIN))
    page = client.get(f"/reports/participation?unit={world['g1'].id}&course=khoa-thu").text
    links = " ".join(_breadcrumb_links(page)).replace("&amp;", "&")
    assert f"unit={world['p'].id}&" in links and f"unit={world['d1'].id}&" in links


@pytest.mark.parametrize("unit", ["d1"])
def test_no_breadcrumb_on_the_officers_own_root(app, world, unit):  # noqa: F811
    client = login(app, world["officer"])
    page = client.get(f"/reports/participation?unit={world[unit].id}&course=khoa-thu").text
    assert _breadcrumb_links(page) == []


# --- /verify takes a code however it is typed --------------------------------------------


def test_verify_accepts_lower_case_and_no_dashes(client, session, make, sample_course):
    from learning.courses.models import Certificate

    holder = make.user(full_name="Lò Thị Mai")
    session.add(
        Certificate(
            code="ABCD-EFGH-2345",
            user_id=holder.id,
            course_id=sample_course.id,
            holder_name=holder.full_name,
            unit_name="CĐCS Thử",
            course_title=sample_course.title,
        )
    )
    session.flush()
    for typed in ("abcd-efgh-2345", "ABCDEFGH2345", "abcd efgh 2345"):
        page = client.get(f"/verify/{typed}")
        assert page.status_code == 200, typed
        assert "Lò Thị Mai" in page.text
    typed_in_the_box = client.get("/verify?code=abcdefgh2345")
    assert typed_in_the_box.status_code == 302
    assert typed_in_the_box.location.endswith("/verify/ABCD-EFGH-2345")
    assert client.get("/verify").status_code == 200
    assert client.get("/verify/abcd-efgh-9999").status_code == 404


# --- search -------------------------------------------------------------------------------


def test_search_ranks_the_title_match_first_with_a_marked_snippet(
    client, auth, make, session, sample_course
):
    from sqlalchemy import select

    from learning.courses.models import Lesson
    from learning.text import fold

    first = session.scalar(select(Lesson).where(Lesson.slug == "bai-mot"))
    first.body_html += "<p>Hợp đồng có thể ghi thử việc <b>&lt;script&gt;</b> trong đó.</p>"
    first.search_text = fold(f"{first.title} {first.body_html}")
    session.flush()
    auth.login(make.user().phone)
    page = client.get("/search?q=thu viec").text
    results = page.split('class="results"')[1]
    # "Bài hai: Thử việc" has it in its title; "Bài một" only in its text, yet comes first
    # in the course.
    assert results.index("Bài hai: Thử việc") < results.index("Bài một: Hợp đồng")
    assert "<mark>thử việc</mark>" in results or "<mark>Thử việc</mark>" in results
    assert "&lt;script&gt;" in results and "<script>" not in results


# --- the report: numbers, bottom list, chart, exports --------------------------------------


def test_report_numbers_read_the_vietnamese_way(app, world, make):  # noqa: F811
    client = login(app, make.user(role=Role.ADMIN))
    page = client.get(f"/reports/participation?unit={world['p'].id}&course=khoa-thu").text
    assert "60,0%" in page and "60.0%" not in page


def test_the_bottom_list_appears_with_few_unions(app, world, make):  # noqa: F811
    client = login(app, make.user(role=Role.ADMIN))
    page = client.get(f"/reports/participation?unit={world['p'].id}&course=khoa-thu").text
    assert "Tham gia cao nhất" in page and "Tham gia thấp nhất" in page
    bottom = page.split("Tham gia thấp nhất")[1].split("</ol>")[0]
    top = page.split("Tham gia cao nhất")[1].split("</ol>")[0]
    for name in ("CĐCS G1", "CĐCS G2", "CĐCS G3"):  # each shows once, in one of the lists
        assert (name in top) != (name in bottom), name


def test_a_single_day_of_activity_is_drawn(app, world, make):  # noqa: F811
    from learning.db import utcnow
    from tests.clock import local_day

    today = local_day(utcnow())
    client = login(app, make.user(role=Role.ADMIN))
    page = client.get(
        f"/reports/activity?unit={world['p'].id}&course=khoa-thu&from={today}&to={today}"
    ).text
    assert page.count('class="point"') == 2  # one dot per line: attempts and completions


def test_export_says_what_kind_of_row_each_is(app, world, make):  # noqa: F811
    import io

    from openpyxl import load_workbook

    client = login(app, make.user(role=Role.ADMIN))
    data = client.get(f"/reports/participation.xlsx?unit={world['p'].id}&course=khoa-thu").data
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "Đơn vị")
    assert "Cấp" not in header and header[2] == "Loại đơn vị"
    kinds = {row[0]: row[2] for row in rows[rows.index(header) + 1 :]}
    assert kinds["CĐCS G1"] == "Công đoàn cơ sở"
    assert kinds["Phường Một"].endswith("(cộng cả cấp dưới)")
    sheet = load_workbook(io.BytesIO(data)).active
    members_cell = sheet.cell(rows.index(header) + 2, 4)
    assert isinstance(members_cell.value, int) and members_cell.number_format == "#,##0"
    csv_text = client.get(
        f"/reports/participation.csv?unit={world['p'].id}&course=khoa-thu"
    ).data.decode("utf-8-sig")
    assert '"60,0"' in csv_text  # decimal comma, quoted: see the README on CSV


# --- authoring: offer what the rules allow, say what happened, history in words -----------


def test_the_author_is_not_offered_approval_and_each_step_is_said(
    app, session, sample_course, make
):
    from sqlalchemy import select

    from learning.courses.models import Lesson
    from tests.authoring_helpers import client_for, question_form

    author = make.user(role=Role.ADMIN, full_name="Quản trị Một")
    reviewer = make.user(role=Role.ADMIN, full_name="Quản trị Hai")
    first, second = client_for(app, author), client_for(app, reviewer)
    lesson = session.scalar(select(Lesson).where(Lesson.course_id == sample_course.id))
    created = first.post(
        f"/admin/questions/new?course={sample_course.id}", data=question_form(lesson.id)
    )
    url = created.headers["Location"]
    sent = first.post(f"{url}/step", data={"step": "submit"}, follow_redirects=True)
    assert "Đã gửi duyệt." in sent.text
    assert "Duyệt và xuất bản" not in sent.text  # the four-eyes rule refuses it to her
    assert "Cần một quản trị viên khác duyệt" in sent.text
    page = second.get(url).text
    assert "Duyệt và xuất bản" in page
    published = second.post(f"{url}/step", data={"step": "approve"}, follow_redirects=True)
    assert "Đã duyệt và xuất bản." in published.text
    history = second.get(f"{url}/history").text
    events = history.split('class="events"')[1].split("</ul>")[0]
    assert "đã gửi duyệt" in events and "đã duyệt và xuất bản" in events
    assert "· submit" not in events and "· approve" not in events


# --- dates: dd/mm/yyyy everywhere, one input style ------------------------------------------


def test_the_entrants_table_shows_days_dd_mm_yyyy(app, session, make, sample_course):
    from tests.contest_helpers import enter, make_contest

    contest, _, admin = make_contest(session, make, sample_course)
    worker = make.user(unit=make.unit("CĐCS Ngày Tháng"))
    enter(session, contest, worker)
    client = login(app, admin)
    table = client.get(f"/contests/{contest.id}/entrants").text.split("<tbody>")[-1]
    assert re.search(r"<td>\d\d/\d\d/\d{4}</td><td>CĐCS Ngày Tháng</td>", table), table[:300]
    assert not re.search(r"\d{4}-\d\d-\d\d", table)


def test_date_fields_are_text_boxes_read_dd_mm_yyyy(app):
    import datetime as dt

    from werkzeug.datastructures import MultiDict

    from learning.forms import DayField, Form, MomentField

    class Dates(Form):
        day = DayField("day")
        moment = MomentField("moment")

    with app.test_request_context():  # the test app has CSRF off
        form = Dates(formdata=MultiDict({"day": "05/12/2026", "moment": "05/12/2026 08:30"}))
        assert form.validate(), form.errors
        assert form.day.data == dt.date(2026, 12, 5)
        assert form.moment.data == dt.datetime(2026, 12, 5, 8, 30)
        assert 'type="text"' in form.day() and 'placeholder="dd/mm/yyyy"' in form.day()
        assert 'value="05/12/2026"' in form.day()
        iso = Dates(formdata=MultiDict({"day": "2026-12-05", "moment": "2026-12-05T08:30"}))
        assert iso.validate() and iso.day.data == dt.date(2026, 12, 5)
