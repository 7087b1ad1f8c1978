"""The register of source documents (courses/sources.yaml): its checks, the citations it
allows, the balance warnings of the loader, and the review loop ("Cần rà soát") that a
recorded amendment starts and a review ends."""

import datetime as dt

import pytest
from sqlalchemy import select

from learning.audit.queries import entries_by_action
from learning.auth.models import Role
from learning.config import PROJECT_ROOT
from learning.courses.loader import CourseInvalid, balance_warnings, course_folders, read_course
from learning.courses.models import ContentReview, Course, Lesson, Question
from learning.courses.queries import due_for_review
from learning.courses.register import DEFAULT_REGISTER, RegisterInvalid, read_register
from learning.courses.schema import QuestionBankSpec
from tests.authoring_helpers import client_for
from tests.course_files import edit, write_course

REGISTER = """\
documents:
  - key: blld-2019
    title: "Bộ luật Lao động"
    number: "45/2019/QH14"
    issuer: "Quốc hội"
    issued_on: 2019-11-20
    in_force_on: 2021-01-01
  - key: luat-khac
    title: "Luật khác"
    number: "1/2020/QH14"
    issuer: "Quốc hội"
    issued_on: 2020-01-01
"""

AMENDED = """\
    changes:
      - kind: amended
        by: "99/2099/QH99"
        from: 2099-01-01
        provisions: "Điều 20"
        note: "hai loại hợp đồng thành ba."
"""


@pytest.fixture
def root(tmp_path):
    """A content root with its own register and the sample course."""
    (tmp_path / "sources.yaml").write_text(REGISTER, encoding="utf-8")
    write_course(tmp_path)
    return tmp_path


def _register_errors(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegisterInvalid) as raised:
        read_register(path)
    return [str(error) for error in raised.value.errors]


def test_the_shipped_register_covers_every_citation_of_the_four_courses():
    register = read_register(DEFAULT_REGISTER)
    for folder in course_folders(PROJECT_ROOT / "courses"):
        bundle = read_course(folder, register)
        cited = set(bundle.course.sources)
        assert all(register.resolve(key) for key in cited), folder.name
        assert {q.source.document for q in bundle.questions.questions} <= cited
        assert {s.key for s in bundle.sources} == cited


def test_the_shipped_register_records_the_known_changes():
    register = read_register(DEFAULT_REGISTER)
    labour_code = register.get("blld-2019")
    by = {(c.by, c.pending) for c in labour_code.changes}
    assert ("luat-dan-so-2025", False) in by  # maternity leave, second child, 1/7/2026
    assert ("30/NQ-CP", True) in by  # 24/11 as a paid holiday: ordered, not adopted
    union_law = register.get("luat-cd-2024")
    assert [(c.kind, c.by, c.from_) for c in union_law.changes] == [
        ("amended", "luat97-2025", dt.date(2025, 7, 1))
    ]
    assert register.resolve("lcd-2024") is union_law  # the key older files use


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        (
            REGISTER + "  - key: blld-2019\n    title: x\n    number: x\n    issuer: x\n"
            "    issued_on: 2019-01-01\n",
            "sources.yaml:13",
            "already names",
        ),
        (
            REGISTER.replace(
                "    in_force_on: 2021-01-01\n",
                "    in_force_on: 2021-01-01\n"
                "    changes:\n      - kind: amended\n        by: luat-khac\n",
            ),
            "sources.yaml:9",
            "needs 'from'",
        ),
        (
            REGISTER.replace(
                "    in_force_on: 2021-01-01\n",
                "    in_force_on: 2021-01-01\n"
                "    changes:\n      - kind: repealed\n        by: luat-khac\n        from: 2020-01-01\n",
            ),
            "sources.yaml:9",
            "changes[0].kind",
        ),
        (
            REGISTER.replace(
                "    in_force_on: 2021-01-01\n",
                "    in_force_on: 2021-01-01\n"
                "    changes:\n      - kind: amended\n        by: blld-2019\n        from: 2020-01-01\n",
            ),
            "sources.yaml:10",
            "cannot amend or replace itself",
        ),
        (
            REGISTER.replace("issued_on: 2019-11-20", "issued_on: hôm qua"),
            "sources.yaml:6",
            "issued_on",
        ),
    ],
)
def test_each_register_error_names_its_line(tmp_path, text, where, words):
    messages = _register_errors(tmp_path, text)
    assert any(m.startswith(where) and words in m for m in messages), messages


def test_a_citation_of_a_document_outside_the_register_is_refused(root):
    edit(root / "sources.yaml", "  - key: blld-2019", "  - key: blld-2012")
    with pytest.raises(CourseInvalid) as raised:
        read_course(root / "khoa-thu")
    assert "course.yaml:5: sources[0]: 'blld-2019' is not a document of the register" in str(
        raised.value.errors[0]
    )


def test_a_broken_register_stops_courses_load_with_its_line(runner, session, root):
    edit(root / "sources.yaml", "issued_on: 2019-11-20", "issued_on: hôm qua")
    result = runner.invoke(args=["courses", "load", str(root)])
    assert result.exit_code == 1
    assert "sources.yaml:6: documents[0].issued_on" in result.output
    assert session.scalar(select(Course)) is None


def _bank(*, true=0, false=0, keyed=()):
    questions = []
    for n in range(true + false):
        questions.append(
            {
                "key": f"tf-{n}",
                "lesson": "a",
                "type": "true_false",
                "difficulty": "easy",
                "text": "?",
                "answer": n < true,
                "explanation": "x",
                "source": {"document": "d", "article": "Điều 1"},
            }
        )
    for n, position in enumerate(keyed):
        choices = [{"text": f"c{i}", "correct": i == position} for i in range(1, 5)]
        questions.append(
            {
                "key": f"s-{n}",
                "lesson": "a",
                "type": "single",
                "difficulty": "easy",
                "text": "?",
                "choices": choices,
                "explanation": "x",
                "source": {"document": "d", "article": "Điều 1"},
            }
        )
    return QuestionBankSpec.model_validate({"questions": questions})


def test_balance_warnings_fire_on_leaning_keys_only():
    leaning = [str(w) for w in balance_warnings(_bank(true=7, false=3, keyed=[1] * 5 + [2] * 5))]
    assert leaning == [
        "questions.yaml: balance: 7 of 10 true/false answers are true (70 %); "
        "keep between 40 % and 60 %",
        "questions.yaml: balance: the keyed answer is choice 1 in 5 of 10 single-choice "
        "questions (50 %); no position should hold more than 40 %",
        "questions.yaml: balance: the keyed answer is choice 2 in 5 of 10 single-choice "
        "questions (50 %); no position should hold more than 40 %",
    ]
    assert balance_warnings(_bank(true=2, false=3, keyed=[1, 2, 3, 4, 1, 2, 3, 4, 1, 2])) == []
    assert balance_warnings(_bank(true=3, false=0, keyed=[1, 1])) == []  # too few to judge


def test_courses_load_and_check_print_balance_warnings_but_load(runner, session, root):
    questions = root / "khoa-thu" / "questions.yaml"
    extra = "".join(
        f"  - key: tf-{n}\n    lesson: bai-mot\n    type: true_false\n    difficulty: easy\n"
        f'    text: "Câu {n}"\n    answer: true\n    explanation: "Điều 20."\n'
        '    source: {document: blld-2019, article: "Điều 20"}\n'
        for n in range(5)
    )
    questions.write_text(questions.read_text(encoding="utf-8") + extra, encoding="utf-8")
    warning = "warning: khoa-thu/questions.yaml: balance: 6 of 6 true/false answers are true"
    loaded = runner.invoke(args=["courses", "load", str(root)])
    assert loaded.exit_code == 0, loaded.output
    assert warning in loaded.output
    checked = runner.invoke(args=["courses", "check", str(root)])
    assert checked.exit_code == 0, checked.output
    assert "khoa-thu: valid" in checked.output and warning in checked.output


def test_recording_an_amendment_puts_citing_content_on_the_review_page_until_reviewed(
    app, runner, session, make, root
):
    admin = make.user(role=Role.ADMIN, full_name="Quản trị Rà soát")
    assert runner.invoke(args=["courses", "load", str(root)]).exit_code == 0
    client = client_for(app, admin)
    page = client.get("/admin/review")
    assert page.status_code == 200
    assert "Không có gì cần rà soát" in page.text
    assert due_for_review(session) == []

    # The register records that the Labour Code was amended (after the content was loaded).
    edit(
        root / "sources.yaml",
        "    in_force_on: 2021-01-01\n",
        "    in_force_on: 2021-01-01\n" + AMENDED,
    )
    loaded = runner.invoke(args=["courses", "load", str(root)])
    assert loaded.exit_code == 0, loaded.output
    due = due_for_review(session)
    # Both lessons and the 3 questions cite blld-2019.
    assert sorted((item.kind, item.label.split(":")[0]) for item in due) == [
        ("lesson", "Bài hai"),
        ("lesson", "Bài một"),
        ("question", "q-001"),
        ("question", "q-002"),
        ("question", "q-003"),
    ]
    page = client.get("/admin/review")
    assert "Cần rà soát" in page.text
    assert "q-001: Hợp đồng lao động có mấy loại?" in page.text
    assert "Bộ luật Lao động số 45/2019/QH14" in page.text
    assert "Sửa đổi bởi văn bản số 99/2099/QH99 (Điều 20), từ ngày 01/01/2099" in page.text
    checked = runner.invoke(args=["courses", "check", str(root)])
    assert "due for review (Cần rà soát): 5" in checked.output
    assert "blld-2019 (45/2019/QH14): Sửa đổi bởi văn bản số 99/2099/QH99" in checked.output

    # Marking one question reviewed takes it (only it) off the page, audited, with who/when.
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    response = client.post(f"/admin/review/questions/{question.id}")
    assert response.status_code == 302
    page = client.get("/admin/review")
    assert "q-001:" not in page.text and "q-002:" in page.text
    review = session.scalar(select(ContentReview).where(ContentReview.question_id == question.id))
    assert review.reviewed_by_id == admin.id and review.reviewed_at is not None
    assert review.changes[0]["document"] == "blld-2019"
    [entry] = entries_by_action(session, "content.reviewed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        admin.id,
        "question",
        question.id,
    )
    lesson = session.scalar(select(Lesson).where(Lesson.slug == "bai-mot"))
    assert client.post(f"/admin/review/lessons/{lesson.id}").status_code == 302
    assert {(i.kind, i.id) for i in due_for_review(session)} == {
        ("lesson", session.scalar(select(Lesson.id).where(Lesson.slug == "bai-hai"))),
        *(("question", q.id) for q in session.scalars(select(Question)) if q.key != "q-001"),
    }

    # Loading the same register again changes nothing: the change keeps its recorded time.
    assert runner.invoke(args=["courses", "load", str(root)]).exit_code == 0
    assert len(due_for_review(session)) == 3


def test_a_pending_change_is_listed_but_puts_nothing_up_for_review(runner, session, root):
    pending = AMENDED.replace("        from: 2099-01-01\n", "        pending: true\n")
    edit(
        root / "sources.yaml",
        "    in_force_on: 2021-01-01\n",
        "    in_force_on: 2021-01-01\n" + pending,
    )
    assert runner.invoke(args=["courses", "load", str(root)]).exit_code == 0
    assert due_for_review(session) == []
    checked = runner.invoke(args=["courses", "check", str(root)])
    assert "pending: blld-2019 (45/2019/QH14): Đang chờ sửa đổi Điều 20" in checked.output


def test_content_written_after_a_change_is_not_due(runner, session, root):
    # The change dates from 2020: content loaded (written) since then already reflects it.
    old = AMENDED.replace("2099-01-01", "2020-06-01")
    edit(
        root / "sources.yaml",
        "    in_force_on: 2021-01-01\n",
        "    in_force_on: 2021-01-01\n" + old,
    )
    assert runner.invoke(args=["courses", "load", str(root)]).exit_code == 0
    assert due_for_review(session) == []
