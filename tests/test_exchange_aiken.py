"""Aiken import and export, checked against what Moodle's qformat_aiken does with the same text."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.exchange import aiken
from learning.exchange.model import ExchangeChoice, ExchangeQuestion
from tests.test_exchange_model import ONE_LINE, questions, texts

BANK = """\
Theo Bộ luật Lao động 2019, thời gian thử việc tối đa với người quản lý doanh nghiệp là?
A) 30 ngày
B) 60 ngày
C) 180 ngày
ANSWER: C

Đoàn phí công đoàn người lao động đóng hằng tháng bằng bao nhiêu phần trăm tiền lương?
A. 1%
B. 2%
ANSWER: A
Cơ quan lãnh đạo cao nhất của Công đoàn Việt Nam là?
A)Đại hội Công đoàn Việt Nam
B)\tBan Chấp hành Tổng Liên đoàn
ANSWER:A
"""


def test_reads_questions_with_both_label_styles_and_no_blank_line_needed():
    result = aiken.parse(BANK)
    assert result.errors == []
    first, second, third = result.questions
    assert first.text.startswith("Theo Bộ luật Lao động 2019")
    assert first.type == "single" and first.text_format == "plain"
    assert first.choices == [
        ExchangeChoice("30 ngày", Fraction(0)),
        ExchangeChoice("60 ngày", Fraction(0)),
        ExchangeChoice("180 ngày", Fraction(1)),
    ]
    assert [c.fraction for c in second.choices] == [1, 0]
    # Moodle's pattern makes the space after the label optional.
    assert [c.text for c in third.choices] == [
        "Đại hội Công đoàn Việt Nam",
        "Ban Chấp hành Tổng Liên đoàn",
    ]
    assert [q.line for q in result.questions] == [1, 7, 11]


def test_html_special_characters_are_kept_as_plain_text():
    [question] = aiken.parse("Chọn <đúng> & đủ?\nA) a < b\nB) a > b\nANSWER: A\n").questions
    assert question.text == "Chọn <đúng> & đủ?" and question.text_format == "plain"
    assert question.choices[0].text == "a < b"


def test_a_question_without_answer_line_is_an_error_at_its_line():
    result = aiken.parse(
        "Câu một thiếu dòng đáp án?\nA) Có\nB) Không\n\nCâu hai?\nA) Có\nB) Không\nANSWER: B\n"
        "Câu ba ở cuối tệp?\nA) Có\nB) Không\n"
    )
    assert [q.text for q in result.questions] == ["Câu hai?"]
    assert result.errors == [
        (1, "no 'ANSWER:' line before the next question (line 5)"),
        (9, "no 'ANSWER:' line before the end of the file"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Câu hỏi?\nA) Có\nB) Không\nANSWER: D\n", 4, "D is not among the choices A, B"),
        ("Câu hỏi?\nA) Có\nB) Không\nANSWER: b\n", 4, "one capital letter"),
        ("Câu hỏi?\nA) Có\nB) Không\nANSWER: A, B\n", 4, "one capital letter"),
        ("Câu hỏi?\nA) Có\nB) Không\nANSWER:\n", 4, "one capital letter"),
        ("Câu hỏi không có lựa chọn?\nANSWER: A\n", 1, "at least two choices, found 0"),
        ("Câu hỏi một lựa chọn?\nA) Có\nANSWER: A\n", 1, "at least two choices, found 1"),
        ("A) Lựa chọn trước câu hỏi\n", 1, "a choice line before any question text"),
        ("ANSWER: A\n", 1, "an ANSWER line before any question text"),
        ("Câu hỏi?\nA) Có\nC) Không\nANSWER: C\n", 1, "label them A, B in order"),
        ("Câu hỏi?\nA) Có\nB) Không\nAnswer: A\n", 4, "in capitals"),
    ],
)
def test_broken_questions_are_errors_with_their_line(text, line, message):
    result = aiken.parse(text)
    assert result.questions == []
    [(found_line, error)] = result.errors
    assert found_line == line
    assert message in error


def test_a_question_text_that_looks_like_a_label_is_read_as_a_choice_as_moodle_does():
    result = aiken.parse("B.L.L.Đ quy định gì?\nA) Có\nB) Không\nANSWER: A\n")
    assert result.questions == []
    assert result.errors[0] == (1, "a choice line before any question text")


def test_dump_writes_single_choice_and_returns_what_it_cannot_hold():
    single = ExchangeQuestion(
        title="Bị bỏ",
        text="Thời gian thử việc tối đa\nvới người quản lý?",
        type="single",
        choices=[
            ExchangeChoice("30 ngày", Fraction(0), "Bị bỏ"),
            ExchangeChoice("180 ngày", Fraction(1)),
        ],
        general_feedback="Bị bỏ",
        tags=["bị bỏ"],
    )
    multiple = ExchangeQuestion(
        text="Quyền của công đoàn?",
        type="multiple",
        choices=[ExchangeChoice("Đại diện", Fraction(1)), ExchangeChoice("Đình công", 0)],
    )
    true_false = ExchangeQuestion(text="Đúng hay sai?", type="true_false", true_false_answer=True)
    penalty = ExchangeQuestion(
        text="Câu có điểm âm?",
        type="single",
        choices=[ExchangeChoice("Đúng", Fraction(1)), ExchangeChoice("Sai", Fraction(-1))],
    )
    label = ExchangeQuestion(
        text="C. Mác nói gì về lao động?",
        type="single",
        choices=[ExchangeChoice("Đúng", Fraction(1)), ExchangeChoice("Sai", Fraction(0))],
    )
    text, skipped = aiken.dump([single, multiple, true_false, penalty, label])
    assert text == (
        "Thời gian thử việc tối đa với người quản lý?\nA) 30 ngày\nB) 180 ngày\nANSWER: B\n\n"
    )
    assert [question for question, _ in skipped] == [multiple, true_false, penalty, label]
    assert "single-choice" in skipped[0][1] and "negative" in skipped[2][1]


def test_dump_reduces_html_to_its_text():
    question = ExchangeQuestion(
        text="<p>Luật <b>Công đoàn</b> &amp; Điều lệ?</p>",
        text_format="html",
        type="single",
        choices=[ExchangeChoice("<i>Có</i>", Fraction(1)), ExchangeChoice("Không", Fraction(0))],
    )
    text, _ = aiken.dump([question])
    assert text.startswith("Luật Công đoàn & Điều lệ?\nA) Có\n")


one_line = texts(ONE_LINE, max_size=40)


# Aiken carries only the one-line text and the choices with the right one: title, feedback,
# general feedback, tags, idnumber and category are dropped, and the text comes back `plain`.
@settings(max_examples=50, deadline=None)
@given(
    bank=st.lists(
        questions(kinds=("single",), formats=("plain", "moodle", "markdown"), text=one_line),
        max_size=6,
    )
)
def test_dump_then_parse_gives_the_questions_aiken_can_hold(bank):
    text, skipped = aiken.dump(bank)
    result = aiken.parse(text)
    assert result.errors == []
    kept = [q for q in bank if all(q is not other for other, _ in skipped)]
    assert result.questions == [
        ExchangeQuestion(
            text=q.text,
            text_format="plain",
            type="single",
            choices=[ExchangeChoice(c.text, c.fraction) for c in q.choices],
        )
        for q in kept
    ]
    # Only what Aiken truly cannot hold is left out: penalties, and texts it would misread.
    for question, reason in skipped:
        if any(choice.fraction < 0 for choice in question.choices):
            assert "negative" in reason
        else:
            assert "read back as a choice or an answer line" in reason


fragments = st.lists(
    st.sampled_from(
        [
            *["\n", "\r\n", "A) ", "B. ", "C)", "Z) ", "ANSWER: ", "ANSWER:", "Answer: "],
            *["A", "B", "b", "AB", "Câu hỏi về Luật Công đoàn?", "Có", " ", "\t", "?"],
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=50, deadline=None)
@given(text=fragments)
def test_any_input_gives_a_result_never_an_exception(text):
    result = aiken.parse(text)
    lines = text.replace("\r\n", "\n").count("\n") + 1
    for line, _ in result.errors:
        assert 1 <= line <= lines
    for question in result.questions:
        assert sum(choice.fraction for choice in question.choices) == 1
