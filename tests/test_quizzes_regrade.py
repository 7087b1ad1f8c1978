"""After a question is corrected, an admin regrades the attempts that used it; each change
of score is recorded and the attempts keep the version they saw."""

import datetime as dt

from sqlalchemy import select

from learning.auth.models import Role
from learning.courses.loader import read_course
from learning.courses.models import Question
from learning.courses.services import load_course
from learning.quizzes import services
from learning.quizzes.models import AttemptSlot, Regrade
from tests.course_files import edit

NOW = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)
A = services.Answer


def test_regrade_after_a_correction(session, make, final_quiz, tmp_path, runner):
    folder = tmp_path / "content" / "khoa-thu"
    alice, bob = make.user(), make.user()
    admin = make.user(role=Role.ADMIN, phone="0900000099")
    first = services.start_attempt(session, alice, final_quiz, NOW)
    services.submit_attempt(session, alice, first.id, NOW, [A(1, (2,), 0)])  # "Ba loại": wrong
    second = services.start_attempt(session, bob, final_quiz, NOW)
    services.submit_attempt(session, bob, second.id, NOW, [A(1, (1,), 0)])  # "Hai loại": right
    old_version = session.scalar(
        select(AttemptSlot.question_version_id).where(
            AttemptSlot.attempt_id == first.id, AttemptSlot.position == 1
        )
    )
    assert (first.score, second.score) == (0, 1)

    # The key was wrong: the file is corrected, which makes a new version of q-001.
    edit(
        folder / "questions.yaml",
        '      - text: "Hai loại"\n        correct: true\n      - text: "Ba loại"',
        '      - text: "Hai loại"\n      - text: "Ba loại"\n        correct: true',
    )
    load_course(session, read_course(folder))
    session.commit()

    result = runner.invoke(
        args=[
            "quizzes",
            "regrade",
            "--course",
            "khoa-thu",
            "--question",
            "q-001",
            "--admin",
            "0900000099",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 attempt(s) regraded." in result.output
    session.expire_all()
    records = session.scalars(select(Regrade).order_by(Regrade.attempt_id)).all()
    assert [(r.attempt_id, r.old_score, r.new_score) for r in records] == [
        (first.id, 0, 1),
        (second.id, 1, 0),
    ]
    assert all(r.regraded_by_id == admin.id for r in records)
    # The attempts still show the version they saw.
    assert (
        session.scalar(
            select(AttemptSlot.question_version_id).where(
                AttemptSlot.attempt_id == first.id, AttemptSlot.position == 1
            )
        )
        == old_version
    )
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    assert question.current_version == 2


def test_regrade_refuses_unknown_question_and_non_admin(runner, make, sample_course):
    make.user(phone="0900000098")
    result = runner.invoke(
        args=[
            "quizzes",
            "regrade",
            "--course",
            "khoa-thu",
            "--question",
            "q-001",
            "--admin",
            "0900000098",
        ]
    )
    assert result.exit_code == 2 and "not an administrator" in result.output
    make.user(role=Role.ADMIN, phone="0900000097")
    result = runner.invoke(
        args=[
            "quizzes",
            "regrade",
            "--course",
            "khoa-thu",
            "--question",
            "zzz",
            "--admin",
            "0900000097",
        ]
    )
    assert result.exit_code == 2 and "no question 'zzz'" in result.output


def test_regrade_to_weights_gives_moodle_marks(session, make, final_quiz):
    """Finding 2: a corrected version with weights (partial credit for the second choice)
    regrades the attempts with them, choices matched by position."""
    from fractions import Fraction

    from learning.courses.models import Choice, QuestionVersion
    from learning.quizzes.regrading import regrade_question

    alice = make.user()
    admin = make.user(role=Role.ADMIN)
    first = services.start_attempt(session, alice, final_quiz, NOW)
    services.submit_attempt(session, alice, first.id, NOW, [A(1, (2,), 0)])  # wrong: 0
    question = session.scalar(select(Question).where(Question.key == "q-001"))
    old = question.versions[0]
    new = QuestionVersion(
        question_id=question.id,
        number=2,
        type=old.type,
        text=old.text,
        explanation=old.explanation,
        source_document=old.source_document,
        source_article=old.source_article,
        content_hash="w",
    )
    new.choices = [
        Choice(position=c.position, text=c.text, is_correct=c.is_correct) for c in old.choices
    ]
    for choice in new.choices:
        choice.weight = Fraction(1) if choice.is_correct else Fraction(1, 2)
    session.add(new)
    question.current_version = 2
    session.flush()
    (record,) = regrade_question(session, question, admin)
    assert (record.old_score, record.new_score) == (0, 0.5)
