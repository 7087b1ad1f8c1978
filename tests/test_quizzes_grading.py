"""Grading is exact: single, true/false, multiple (partial and all-or-nothing), methods."""

from fractions import Fraction

import pytest

from learning.quizzes.grading import Key, grade, mark, quiz_grade

SINGLE = Key("single", frozenset({1}), frozenset({1, 2, 3, 4}))
TRUE_FALSE = Key("true_false", frozenset({11}), frozenset({11, 12}))
# Three right choices out of five: each right adds 1/3, each wrong subtracts 1/2.
MULTIPLE = Key("multiple", frozenset({21, 22, 23}), frozenset({21, 22, 23, 24, 25}))
STRICT = Key("multiple", frozenset({21, 22, 23}), frozenset({21, 22, 23, 24, 25}), "all_or_nothing")


@pytest.mark.parametrize(
    ("key", "selected", "expected"),
    [
        (SINGLE, [1], 1),
        (SINGLE, [2], 0),
        (SINGLE, [], 0),
        (SINGLE, [1, 2], 0),
        (TRUE_FALSE, [11], 1),
        (TRUE_FALSE, [12], 0),
        (MULTIPLE, [21, 22, 23], 1),
        (MULTIPLE, [21], Fraction(1, 3)),
        (MULTIPLE, [21, 22], Fraction(2, 3)),
        (MULTIPLE, [21, 22, 24], Fraction(1, 6)),
        (MULTIPLE, [21, 24], 0),  # 1/3 - 1/2 is floored at zero
        (MULTIPLE, [21, 22, 23, 24, 25], 0),  # ticking everything earns nothing
        (MULTIPLE, [], 0),
        (STRICT, [21, 22, 23], 1),
        (STRICT, [21, 22], 0),
        (STRICT, [21, 22, 23, 24], 0),
        (SINGLE, [99], 0),  # not a choice of the question
    ],
)
def test_marks(key, selected, expected):
    assert mark(key, selected) == expected


def test_thirds_add_up_exactly_and_pass_marks_compare_exactly():
    marks, result = grade([(MULTIPLE, [21])] * 3)
    assert sum(marks) == 1
    assert result.score == 1 and result.max_score == 3
    _, seven_of_ten = grade([(SINGLE, [1])] * 7 + [(SINGLE, [2])] * 3)
    assert seven_of_ten.percent == 70
    assert seven_of_ten.passed(70)
    _, just_under = grade([(SINGLE, [1])] * 2 + [(MULTIPLE, [21, 22])] + [(SINGLE, [2])])
    assert just_under.percent == Fraction(200 + Fraction(200, 3), 4)
    assert not just_under.passed(67)


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", 90.0), ("last", 40.0), ("first", 60.0), ("average", 63.33333333333333)],
)
def test_grading_methods(method, expected):
    assert quiz_grade([60.0, 90.0, 40.0], method) == pytest.approx(expected)


def test_no_attempts_no_grade():
    assert quiz_grade([], "highest") is None
