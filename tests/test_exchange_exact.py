"""Finding 2, exact exchange: the issue's reproductions through the database (import, store,
export), the stored weights graded as Moodle grades them, and the texts rendered as their
format. Each of these failed on the code that flattened weights, formats and names."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from learning.courses.markdown import render_text
from learning.courses.models import ContentStatus, Question, QuestionVersion
from learning.exchange import services
from learning.exchange.bank import implied_weights
from learning.quizzes.grading import Key, mark
from learning.quizzes.marking import answer_keys

PENALTIES = (
    "// [tag:source:blld-2019:Điều 20]\n"
    "::Phạt::Chọn các loại hợp đồng.{~%50%Không xác định thời hạn ~%50%Xác định thời hạn"
    " ~%-100%Thời vụ ~%-100%Miệng}\n"
)
MARKDOWN = "// [tag:source:blld-2019:Điều 14]\n[markdown]Hợp đồng **bằng văn bản**?{TRUE}\n"
PARTIAL_SINGLE = "Thử việc tối đa?{=180 ngày ~%50%60 ngày ~%-33.33333%30 ngày}\n"


def imported(session, course, text: str, fmt: str = "gift") -> list[Question]:
    plan = services.plan_import(session, course, text.encode(), fmt)
    assert plan.errors == []
    return services.apply_import(session, course, plan)


def version_of(session, question: Question) -> QuestionVersion:
    return session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id))


def exported(session, course, fmt: str = "gift") -> str:
    return services.export_bank(session, course, fmt).data.decode()


def test_gift_penalties_come_back_as_they_were(session, sample_course):
    imported(session, sample_course, PENALTIES)
    gift = exported(session, sample_course)
    assert "~%-100%Thời vụ ~%-100%Miệng" in gift.replace("\n\t", " ")
    assert "-50%" not in gift


def test_a_gift_name_comes_back(session, sample_course):
    imported(session, sample_course, PENALTIES)
    assert "::Phạt::" in exported(session, sample_course)
    assert "<text>Phạt</text>" in exported(session, sample_course, "moodlexml")


def test_markdown_comes_back_as_markdown_and_renders_as_markdown(session, sample_course):
    (question,) = imported(session, sample_course, MARKDOWN)
    assert "[markdown]Hợp đồng **bằng văn bản**?" in exported(session, sample_course)
    version = version_of(session, question)
    assert version.text_format == "markdown"
    assert render_text(version.text, version.text_format) == (
        "Hợp đồng <strong>bằng văn bản</strong>?"
    )


def test_an_exported_bank_imports_back_unchanged_through_the_database(session, sample_course):
    """Export, import into a second course, export again: the same file."""
    imported(session, sample_course, PENALTIES + "\n" + MARKDOWN + "\n" + PARTIAL_SINGLE)
    for fmt in ("gift", "moodlexml", "xlsx"):
        first = services.export_bank(session, sample_course, fmt).data
        savepoint = session.begin_nested()
        try:
            # Through the same course: its questions archived under other keys, the file
            # imported again.
            for question in session.scalars(
                select(Question).where(Question.course_id == sample_course.id)
            ):
                question.key, question.status = f"old-{question.key}", ContentStatus.ARCHIVED
            session.flush()
            plan = services.plan_import(session, sample_course, first, fmt)
            assert plan.errors == [] and plan.skipped == []
            services.apply_import(session, sample_course, plan)
            again = services.export_bank(session, sample_course, fmt).data
            if fmt == "xlsx":
                from tests.test_exchange_roundtrip import xlsx_cells

                first, again = xlsx_cells(first), xlsx_cells(again)  # type: ignore[assignment]
            assert again == first
        finally:
            savepoint.rollback()


def test_stored_weights_grade_as_moodle_grades_them(session, sample_course):
    multiple, single = imported(session, sample_course, PENALTIES + "\n" + PARTIAL_SINGLE)
    ids = {}
    for question in (multiple, single):
        version = version_of(session, question)
        ids[question.id] = (version.id, [c.id for c in version.choices])
    keys = answer_keys(session, [vid for vid, _ in ids.values()])
    vid, (a, b, c, d) = ids[multiple.id]
    # Moodle: the sum of the chosen weights, clamped to 0..1.
    assert mark(keys[vid], [a]) == Fraction(1, 2)
    assert mark(keys[vid], [a, b]) == 1
    assert mark(keys[vid], [a, b, c]) == 0  # 100% - 100%; the old code gave 1/2 (-50%)
    assert mark(keys[vid], [a, c, d]) == 0
    vid, (right, half, minus) = ids[single.id]
    # Moodle: the chosen answer's weight, never below 0.
    assert [mark(keys[vid], [x]) for x in (right, half, minus)] == [1, Fraction(1, 2), 0]
    assert mark(keys[vid], [right, half]) == 0


def test_questions_without_weights_are_graded_as_before(session, sample_course):
    """The sample course's questions (loaded from files) store no weights: their keys are
    the old keys, so their marks cannot change."""
    versions = session.scalars(select(QuestionVersion)).all()
    keys = answer_keys(session, [v.id for v in versions])
    assert all(key.weights is None for key in keys.values())


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["single", "multiple"]),
    correct=st.lists(st.booleans(), min_size=2, max_size=8),
    selected=st.sets(st.integers(0, 7)),
)
def test_the_implied_weights_mark_exactly_as_the_old_rules(kind, correct, selected):
    """A question exported with the weights its right answers imply and imported again is
    marked exactly as before, whatever is chosen."""
    if kind == "single":
        correct = [n == 0 for n in range(len(correct))]
    if not any(correct):
        correct[0] = True
    choices = frozenset(range(len(correct)))
    right = frozenset(n for n, ok in enumerate(correct) if ok)
    weights = tuple(enumerate(implied_weights(kind, correct)))
    old = Key(kind, right, choices)
    new = Key(kind, right, choices, weights=weights)
    assert mark(new, selected) == mark(old, selected)


def test_each_format_renders_as_what_it_is():
    assert str(render_text("a < b *x*", "plain")) == "a &lt; b *x*"
    assert str(render_text("Một *hai*", "markdown")) == "Một <em>hai</em>"
    assert str(render_text("<p>Một <b>hai</b></p><script>x()</script>", "html")) == (
        "Một <b>hai</b>"
    )
    # Moodle's text_to_html: line breaks become <br>, except next to a tag.
    assert str(render_text("Một\nhai\n<i>ba</i>", "moodle")) == "Một<br>\nhai <i>ba</i>"
    assert "onerror" not in render_text('<img src=x onerror="alert(1)">', "html")


def test_a_worker_sees_a_markdown_question_as_markdown_and_html_sanitized(
    auth, client, make, session, final_quiz
):
    """The quiz page renders each version's format; a plain question stays escaped."""
    from learning.quizzes.models import Attempt

    versions = {
        v.question.key: v
        for v in session.scalars(select(QuestionVersion)).all()
        if v.question.course_id == final_quiz.course_id
    }
    first, second = versions["q-001"], next(v for k, v in versions.items() if k != "q-001")
    first.text, first.text_format = "Hợp đồng **lao động**?", "markdown"
    second.text, second.text_format = "<p>Câu <b>hai</b><script>alert(1)</script></p>", "html"
    session.commit()
    worker = make.user(unit=make.unit("CĐCS Thử"))
    auth.login(worker.phone)
    assert client.post(f"/quizzes/{final_quiz.id}/start").status_code == 302
    attempt = session.scalar(select(Attempt).where(Attempt.user_id == worker.id))
    pages = "".join(client.get(f"/attempts/{attempt.id}?page={n}").text for n in (1, 2, 3))
    assert "Hợp đồng <strong>lao động</strong>?" in pages
    assert "Câu <b>hai</b>" in pages and "<script>alert(1)" not in pages
    assert "**" not in pages
