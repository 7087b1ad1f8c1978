"""Item analysis of the sample course's final quiz against hand-computed figures: facility,
choice picks, the discrimination index (item mark against the rest of the quiz), flagged
items, first attempts only, one row per question version, and a statement count that does
not grow with the number of attempts.

The final quiz shows its three questions in file order with unshuffled choices, so answers
are given by the choices' positions in tests/course_files.py: q-001 (single, 1 right),
q-002 (true/false, 1 "Đúng" right), q-003 (multiple, 1 and 2 right, 3 wrong; partial credit:
+1/2 per right choice, -1 for the wrong one, floored at 0).
"""

import datetime as dt
import math

import pytest

from learning.courses.loader import read_course
from learning.courses.services import load_course
from learning.quizzes.services import Answer, start_attempt, submit_attempt
from learning.reports.items import item_analysis
from tests.course_files import edit
from tests.statements import StatementCounter

NOW = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)


def take(session, user, quiz, *answers, submit=True):
    """One attempt; `answers` gives, per question in order, the positions chosen (() for
    none)."""
    attempt = start_attempt(session, user, quiz, NOW)
    if submit:
        given = [Answer(p, choices, 0) for p, choices in enumerate(answers, 1) if choices]
        submit_attempt(session, user, attempt.id, NOW, given)
    session.commit()
    return attempt


def by_key(session, quiz, **options):
    """The item statistics keyed by question key (q-001 ...), checking there is one row per
    question."""
    items = item_analysis(session, quiz.id, **options)
    keys = [_key(item.text) for item in items]
    assert len(set(keys)) == len(keys), keys
    return dict(zip(keys, items, strict=True))


def _key(text):
    return {
        "Hợp đồng lao động có mấy loại?": "q-001",
        "Hợp đồng dưới 01 tháng không thử việc.": "q-002",
        "Chọn các ý đúng về thử việc.": "q-003",
    }[text]


@pytest.fixture
def four_attempts(session, make, final_quiz):
    """Four workers, strongest first:
    a: q-001 right (1), q-002 right (1), q-003 both right (1)      score 3
    b: q-001 right (1), q-002 right (1), q-003 one right (1/2)     score 2.5
    c: q-001 wrong (0), q-002 right (1), q-003 both right (1)      score 2
    d: q-001 wrong (0), q-002 right (1), q-003 right + wrong (0)   score 1
    """
    take(session, make.user(), final_quiz, (1,), (1,), (1, 2))
    take(session, make.user(), final_quiz, (1,), (1,), (1,))
    take(session, make.user(), final_quiz, (2,), (1,), (1, 2))
    take(session, make.user(), final_quiz, (2,), (1,), (1, 3))
    return final_quiz


def test_facility_and_choice_picks(session, four_attempts):
    items = item_analysis(session, four_attempts.id)
    assert [_key(item.text) for item in items] == ["q-001", "q-002", "q-003"]
    assert [item.answered for item in items] == [4, 4, 4]
    assert [item.version_number for item in items] == [1, 1, 1]
    assert [item.facility for item in items] == pytest.approx([2 / 4, 4 / 4, 2.5 / 4])
    picks = [[(c.text, c.is_correct, c.picked) for c in item.choices] for item in items]
    assert picks == [
        [("Hai loại", True, 2), ("Ba loại", False, 2)],
        [("Đúng", True, 4), ("Sai", False, 0)],
        [
            ("Thời gian thử việc có giới hạn", True, 4),
            ("Tiền lương thử việc do hai bên thỏa thuận", True, 2),
            ("Mọi hợp đồng đều phải thử việc", False, 1),
        ],
    ]


def test_discrimination_by_hand(session, four_attempts):
    items = by_key(session, four_attempts)
    # q-001: marks x = 1, 1, 0, 0; rest of the quiz (q-002 + q-003) y = 2, 1.5, 2, 1.
    # Deviations: x - 0.5 = .5, .5, -.5, -.5; y - 1.625 = .375, -.125, .375, -.625.
    # Sum of products .25; sums of squares 1 and .6875.
    assert items["q-001"].discrimination == pytest.approx(0.25 / math.sqrt(1 * 0.6875))
    # q-003: x = 1, .5, 1, 0; rest (q-001 + q-002) y = 2, 2, 1, 1: the same sums, swapped.
    assert items["q-003"].discrimination == pytest.approx(0.25 / math.sqrt(0.6875 * 1))
    assert not items["q-001"].flagged and not items["q-003"].flagged


def test_an_item_everyone_gets_right_has_no_discrimination(session, four_attempts):
    item = by_key(session, four_attempts)["q-002"]
    assert item.facility == 1.0
    assert item.discrimination is None  # zero variance: a correlation means nothing
    assert not item.flagged


def test_an_item_the_weak_get_right_and_the_strong_get_wrong_is_flagged(session, make, final_quiz):
    # q-003 is right only for the two workers who got the rest wrong.
    take(session, make.user(), final_quiz, (1,), (1,), (3,))  # rest 2, q-003 0
    take(session, make.user(), final_quiz, (1,), (2,), (3,))  # rest 1, q-003 0
    take(session, make.user(), final_quiz, (2,), (1,), (1, 2))  # rest 1, q-003 1
    take(session, make.user(), final_quiz, (2,), (2,), (1, 2))  # rest 0, q-003 1
    item = by_key(session, final_quiz)["q-003"]
    # x - .5 = -.5, -.5, .5, .5; y - 1 = 1, 0, 0, -1: products sum to -1, squares to 1 and 2.
    assert item.discrimination == pytest.approx(-1 / math.sqrt(2))
    assert item.flagged


def test_fewer_than_two_attempts_give_no_discrimination(session, make, final_quiz):
    assert item_analysis(session, final_quiz.id) == []
    take(session, make.user(), final_quiz, (1,), (2,), (1,))
    items = item_analysis(session, final_quiz.id)
    assert [item.answered for item in items] == [1, 1, 1]
    assert [item.facility for item in items] == pytest.approx([1, 0, 0.5])
    assert all(item.discrimination is None and not item.flagged for item in items)


def test_only_graded_attempts_and_optionally_first_attempts_count(session, make, final_quiz):
    steady, improver = make.user(), make.user()
    take(session, steady, final_quiz, (1,), (1,), (1, 2))  # 100%
    take(session, improver, final_quiz, (), (), ())  # first attempt: 0%
    take(session, improver, final_quiz, (1,), (1,), (1, 2))  # second attempt: 100%
    take(session, make.user(), final_quiz, (1,), (1,), (1, 2), submit=False)  # not graded

    every = by_key(session, final_quiz)
    assert every["q-001"].answered == 3
    assert every["q-001"].facility == pytest.approx(2 / 3)
    assert [c.picked for c in every["q-003"].choices] == [2, 2, 0]

    first = by_key(session, final_quiz, first_attempts_only=True)
    assert first["q-001"].answered == 2
    assert first["q-001"].facility == pytest.approx(1 / 2)
    assert [c.picked for c in first["q-003"].choices] == [1, 1, 0]


def test_a_corrected_question_gives_one_row_per_version(session, make, final_quiz, tmp_path):
    take(session, make.user(), final_quiz, (1,), (1,), (1, 2))
    folder = tmp_path / "content" / "khoa-thu"
    edit(folder / "questions.yaml", "Hợp đồng lao động có mấy loại?", "Có mấy loại hợp đồng?")
    load_course(session, read_course(folder))
    final_quiz.question_count = 3  # reloading the file set it back to the file's 2
    session.commit()
    take(session, make.user(), final_quiz, (2,), (1,), (1, 2))

    items = item_analysis(session, final_quiz.id)
    rows = [(item.text, item.version_number, item.answered, item.facility) for item in items]
    assert rows[:2] == [
        ("Hợp đồng lao động có mấy loại?", 1, 1, 1.0),
        ("Có mấy loại hợp đồng?", 2, 1, 0.0),
    ]
    assert items[0].question_id == items[1].question_id
    assert items[0].version_id != items[1].version_id
    assert [item.answered for item in items[2:]] == [2, 2]
    # Each version lists its own choices.
    assert {c.choice_id for c in items[0].choices}.isdisjoint(c.choice_id for c in items[1].choices)


@pytest.mark.parametrize("first_attempts_only", [False, True])
def test_statement_count_does_not_grow_with_attempts(
    session, connection, make, final_quiz, first_attempts_only
):
    quiz_id = final_quiz.id  # read now: after expire_all it would cost a statement of its own

    def count():
        session.expire_all()
        with StatementCounter(connection) as counter:
            items = item_analysis(session, quiz_id, first_attempts_only=first_attempts_only)
        assert len(items) == 3 and items[0].answered > 0
        return len(counter.statements)

    for _ in range(2):
        take(session, make.user(), final_quiz, (1,), (1,), (1, 2))
    with_two = count()
    for n in range(6):  # 6 more workers, 2 of whom try twice: 10 attempts
        user = make.user()
        take(session, user, final_quiz, (2,), (2,), (3,))
        if n % 3 == 0:
            take(session, user, final_quiz, (1,), (2,), (1,))
    with_ten = count()
    # Versions with their counts and sums, the slot rows, the choices.
    assert with_two == with_ten <= 3, (with_two, with_ten)
