"""The neutral exchange model: weights as Moodle writes them, question shapes, default names.

Also home of the Hypothesis strategies the format tests share (random Vietnamese banks with
GIFT's special characters in every text).
"""

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import strategies as st

from learning.exchange.model import (
    TEXT_FORMATS,
    ExchangeChoice,
    ExchangeQuestion,
    Unfit,
    classify_choices,
    default_title,
    fraction_from_percent,
    percent_text,
    php_trim,
    plain_text,
)

# --- shared strategies ----------------------------------------------------------------------

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "AĂÂBCDĐEÊHLMNOÔƠPQSTUƯVX"
)
GIFT_SPECIAL = "~=#{}:\\"
ONE_LINE = VIETNAMESE + "0123456789 .,?!%/$[]_->'\"&<>\t" + GIFT_SPECIAL
# Prefixes that a careless writer would let the reader misread as syntax.
TRICKY_STARTS = ["", "", "", "", "[html]", "[moodle]", "//", "%50%", "$CATEGORY:", "::", "[", "T"]


def texts(alphabet: str = ONE_LINE + "\n", max_size: int = 30) -> st.SearchStrategy[str]:
    """Non-empty texts, trimmed as every Moodle importer trims them."""
    body = st.text(st.sampled_from(alphabet), min_size=1, max_size=max_size)
    return (
        st.tuples(st.sampled_from(TRICKY_STARTS), body)
        .map(lambda parts: php_trim(parts[0] + parts[1]))
        .filter(bool)
    )


# No '[' (Moodle's [id:]/[tag:] tokens cannot nest) and no backslash before the closing ']'.
names = st.text(st.sampled_from(VIETNAMESE + "0123456789 -_.]"), min_size=1, max_size=15).map(
    php_trim
)
names = names.filter(bool)
categories = st.text(st.sampled_from(VIETNAMESE + " /$-_"), min_size=1, max_size=20).map(php_trim)
categories = categories.filter(bool)

WRONG = [Fraction(0), Fraction(0), Fraction(-1), Fraction(-1, 2), Fraction(-1, 3)]


@st.composite
def choice_lists(draw, kind: str, text: st.SearchStrategy[str], feedback) -> list[ExchangeChoice]:
    count = draw(st.integers(2, 5))
    if kind == "single":
        right = draw(st.integers(0, count - 1))
        weights = [
            Fraction(1) if i == right else draw(st.sampled_from(WRONG)) for i in range(count)
        ]
    else:
        correct = draw(st.sets(st.integers(0, count - 1), min_size=1))
        weights = [
            Fraction(1, len(correct)) if i in correct else draw(st.sampled_from(WRONG))
            for i in range(count)
        ]
    return [ExchangeChoice(draw(text), weight, draw(feedback)) for weight in weights]


@st.composite
def questions(
    draw,
    *,
    kinds=("single", "multiple", "true_false"),
    formats=TEXT_FORMATS,
    text: st.SearchStrategy[str] | None = None,
) -> ExchangeQuestion:
    text = text if text is not None else texts()
    feedback = st.none() | text
    kind = draw(st.sampled_from(kinds))
    true_false = kind == "true_false"
    return ExchangeQuestion(
        title=draw(st.none() | text),
        text=draw(text),
        text_format=draw(st.sampled_from(formats)),
        type=kind,
        choices=[] if true_false else draw(choice_lists(kind, text, feedback)),
        general_feedback=draw(feedback),
        tags=draw(st.lists(names, max_size=3)),
        idnumber=draw(st.none() | names),
        category=draw(st.none() | categories),
        true_false_answer=draw(st.booleans()) if true_false else None,
        true_feedback=draw(feedback) if true_false else None,
        false_feedback=draw(feedback) if true_false else None,
    )


def banks(**options) -> st.SearchStrategy[list[ExchangeQuestion]]:
    """Lists of 0 to 6 random questions."""
    return st.lists(questions(**options), max_size=6)


def with_carried_categories(bank: list[ExchangeQuestion]) -> list[ExchangeQuestion]:
    """GIFT and Moodle XML switch category but never back to none: what a reader sees."""
    carried, current = [], None
    for question in bank:
        current = question.category if question.category is not None else current
        carried.append(replace(question, category=current))
    return carried


# --- the model itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "fraction"),
    [
        ("100", Fraction(1)),
        ("50", Fraction(1, 2)),
        ("-100", Fraction(-1)),
        ("33.33333", Fraction(1, 3)),
        ("-33.33333", Fraction(-1, 3)),
        ("66.66667", Fraction(2, 3)),
        ("14.28571", Fraction(1, 7)),
        ("12.5", Fraction(1, 8)),
        ("33.3", Fraction(333, 1000)),  # not Moodle's 1/3: kept as written
        ("0", Fraction(0)),
    ],
)
def test_percent_as_moodle_writes_it_reads_back_exactly(written, fraction):
    assert fraction_from_percent(written) == fraction
    assert fraction_from_percent(percent_text(fraction)) == fraction


def test_three_thirds_written_with_seven_decimals_make_exactly_one():
    assert sum(fraction_from_percent("33.33333") for _ in range(3)) == 1


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "1e", "--5"])
def test_a_percent_that_is_not_a_number_is_refused(bad):
    with pytest.raises(ValueError):
        fraction_from_percent(bad)


def _choices(*weights):
    return [ExchangeChoice(f"Phương án {i}", Fraction(w)) for i, w in enumerate(weights)]


def test_one_full_answer_and_penalties_make_a_single_choice_question():
    assert classify_choices(_choices(1, 0, Fraction(-1, 2)), single=True) == "single"


def test_weights_adding_to_one_make_a_multiple_choice_question():
    assert classify_choices(_choices(Fraction(1, 2), Fraction(1, 2), -1), single=False) == (
        "multiple"
    )


def test_partial_credit_in_a_one_answer_question_is_kept():
    assert classify_choices(_choices(1, Fraction(1, 2), 0), single=True) == "single"


def test_two_full_answers_in_a_one_answer_question_are_unsupported_not_broken():
    verdict = classify_choices(_choices(1, 1, 0), single=True)
    assert isinstance(verdict, Unfit) and verdict.unsupported


@pytest.mark.parametrize(
    ("weights", "single", "message"),
    [
        ((1,), True, "at least two answers"),
        ((0, 0), True, "no answer is marked correct"),
        ((0, 0), False, "no answer has a positive weight"),
        ((Fraction(1, 2), Fraction(1, 4), 0), False, "add up to 75%"),
        ((Fraction(3, 2), 0), False, "150"),
    ],
)
def test_broken_weights_are_errors(weights, single, message):
    verdict = classify_choices(_choices(*weights), single=single)
    assert isinstance(verdict, Unfit) and not verdict.unsupported
    assert message in verdict.message


def test_a_default_title_is_the_plain_text_cut_at_a_word():
    long_text = "Theo Điều 25 Bộ luật Lao động 2019, " + "thời gian thử việc " * 8
    question = ExchangeQuestion(text=f"<p>{long_text}</p>", text_format="html", type="single")
    title = default_title(question)
    assert title.startswith("Theo Điều 25 Bộ luật Lao động 2019, thời gian")
    assert title.endswith("...") and len(title) <= 80
    assert "<p>" not in title


def test_plain_text_joins_lines_but_keeps_other_spacing():
    assert plain_text("Câu hỏi  một\n  dòng hai", "moodle") == "Câu hỏi  một dòng hai"
    assert plain_text("<p>A &amp; B</p>\n<p>C</p>", "html") == "A & B C"
