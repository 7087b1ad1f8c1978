"""Finding 2 in the browser: the question form shows an imported question's name, text
format and weights, keeps them when the question is edited, and lets an admin set them."""

from __future__ import annotations

from fractions import Fraction
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from learning.auth.models import Role
from learning.courses.models import Question, QuestionVersion
from learning.exchange import services as exchange
from tests.authoring_helpers import client_for, question_form
from tests.test_exchange_exact import MARKDOWN, PENALTIES


@pytest.fixture
def admin(make):
    return make.user(role=Role.ADMIN)


class _Form(HTMLParser):
    """The fields of the page's question form as a browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = {k: v or "" for k, v in attrs}
        if (
            tag == "form"
            and "/admin/questions/" in a.get("action", "")
            and "step" not in a.get("action", "")
        ):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[a["name"]] = a.get("value", "y")
            else:
                self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            # The selected option, or the first one when none is.
            if "selected" in a or self._select not in self.data:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.data[self._textarea or ""] = ""

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._textarea:
            self.data[self._textarea] += data


def form_of(page: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(page)
    data = parser.data
    # A browser drops the line break right after <textarea>.
    return {k: v.removeprefix("\r\n").removeprefix("\n") for k, v in data.items()}


def newest(session, question: Question) -> QuestionVersion:
    session.expire_all()
    return session.scalars(
        select(QuestionVersion)
        .where(QuestionVersion.question_id == question.id)
        .order_by(QuestionVersion.number.desc())
    ).first()


def test_an_edit_in_the_browser_keeps_weights_format_and_name(app, session, sample_course, admin):
    plan = exchange.plan_import(
        session, sample_course, (PENALTIES + "\n" + MARKDOWN).encode(), "gift"
    )
    penalties, markdown = exchange.apply_import(session, sample_course, plan, author_id=admin.id)
    session.commit()
    client = client_for(app, admin)
    page = client.get(f"/admin/questions/{penalties.id}").get_data(as_text=True)
    data = form_of(page)
    assert data["name"] == "Phạt"
    assert [data[f"choices-{n}-weight"] for n in range(4)] == ["50", "50", "-100", "-100"]
    data["explanation"] = "Điều 20 Bộ luật Lao động 2019."
    response = client.post(f"/admin/questions/{penalties.id}", data=data)
    assert response.status_code == 302
    version = newest(session, penalties)
    assert version.number == 2 and version.explanation.startswith("Điều 20")
    assert [c.weight for c in version.choices] == [
        Fraction(1, 2),
        Fraction(1, 2),
        Fraction(-1),
        Fraction(-1),
    ]
    assert version.name == "Phạt"

    page = client.get(f"/admin/questions/{markdown.id}").get_data(as_text=True)
    assert "Hợp đồng <strong>bằng văn bản</strong>?" in page  # the preview renders Markdown
    data = form_of(page)
    assert data["text_format"] == "markdown"
    data["explanation"] = "Điều 14."
    assert client.post(f"/admin/questions/{markdown.id}", data=data).status_code == 302
    assert newest(session, markdown).text_format == "markdown"
    # GIFT from the bank after the browser edits: still what was imported.
    gift = exchange.export_bank(session, sample_course, "gift").data.decode()
    assert "::Phạt::" in gift and "~%-100%Thời vụ" in gift.replace("\n\t", " ")
    assert "[markdown]Hợp đồng **bằng văn bản**?" in gift


def test_an_admin_can_set_weights_and_a_format(app, session, sample_course, admin):
    client = client_for(app, admin)
    form = question_form(
        **{"choices-0-weight": "100", "choices-1-weight": "-50", "text_format": "markdown"},
        name="Nghỉ phép",
    )
    response = client.post(f"/admin/questions/new?course={sample_course.id}", data=form)
    assert response.status_code == 302
    question = session.scalar(select(Question).order_by(Question.id.desc()))
    version = newest(session, question)
    assert [c.weight for c in version.choices] == [1, Fraction(-1, 2)]
    assert (version.text_format, version.name) == ("markdown", "Nghỉ phép")


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"choices-0-weight": "100"}, "mọi phương án"),
        ({"choices-0-weight": "100", "choices-1-weight": "abc"}, "phần trăm"),
        ({"choices-0-weight": "50", "choices-1-weight": "0"}, "100%"),
        ({"choices-0-weight": "100", "choices-1-weight": "150"}, "-100..100"),
    ],
)
def test_weights_that_do_not_fit_are_refused_with_a_message(
    app, session, sample_course, admin, weights, message
):
    client = client_for(app, admin)
    response = client.post(
        f"/admin/questions/new?course={sample_course.id}", data=question_form(**weights)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_question_without_weights_stores_none(app, session, sample_course, admin):
    client = client_for(app, admin)
    response = client.post(
        f"/admin/questions/new?course={sample_course.id}",
        data=question_form(**{"choices-0-weight": "100", "choices-1-weight": "0"}),
    )
    assert response.status_code == 302
    question = session.scalar(select(Question).order_by(Question.id.desc()))
    assert [c.weight for c in newest(session, question).choices] == [None, None]
