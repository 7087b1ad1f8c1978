"""GIFT import and export, checked against what Moodle's qformat_gift does with the same text."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.exchange import gift
from learning.exchange.model import ExchangeChoice, ExchangeQuestion
from tests.test_exchange_model import banks, with_carried_categories


def only(text: str) -> ExchangeQuestion:
    result = gift.parse(text)
    assert result.errors == [] and result.skipped == []
    assert len(result.questions) == 1
    return result.questions[0]


def test_single_choice_with_title_feedback_and_general_feedback():
    question = only(
        "::Thử việc::Theo Bộ luật Lao động 2019, thời gian thử việc tối đa là bao nhiêu ngày? "
        "{=180 ngày#Đúng: Điều 25, với người quản lý doanh nghiệp ~60 ngày#Áp dụng cho "
        "chức danh cần trình độ cao đẳng trở lên ~30 ngày ####Xem Điều 25 Bộ luật Lao động.}"
    )
    assert question.title == "Thử việc"
    assert (
        question.text == "Theo Bộ luật Lao động 2019, thời gian thử việc tối đa là bao nhiêu ngày?"
    )
    assert question.type == "single"
    assert question.choices == [
        ExchangeChoice("180 ngày", Fraction(1), "Đúng: Điều 25, với người quản lý doanh nghiệp"),
        ExchangeChoice(
            "60 ngày", Fraction(0), "Áp dụng cho chức danh cần trình độ cao đẳng trở lên"
        ),
        ExchangeChoice("30 ngày", Fraction(0), None),
    ]
    assert question.general_feedback == "Xem Điều 25 Bộ luật Lao động."
    assert question.text_format == "moodle"


def test_answers_may_span_lines_like_moodles_own_export():
    question = only(
        "// question: 12  name: Tuổi nghỉ hưu\n"
        "::Tuổi nghỉ hưu::Năm 2028, tuổi nghỉ hưu của lao động nam trong điều kiện bình thường là?{\n"
        "\t=62 tuổi\n"
        "\t~60 tuổi#Đây là mức trước năm 2021\n"
        "\t~65 tuổi\n"
        "\t####Điều 169 Bộ luật Lao động 2019.\n"
        "}\n"
    )
    assert [choice.text for choice in question.choices] == ["62 tuổi", "60 tuổi", "65 tuổi"]
    assert question.choices[1].feedback == "Đây là mức trước năm 2021"
    assert question.general_feedback == "Điều 169 Bộ luật Lao động 2019."


def test_id_and_tags_come_from_the_comment_lines_of_the_question():
    result = gift.parse(
        "// [tag:không-phải-câu-này]\n"
        "\n"
        "// question: 0  name: Công đoàn cơ sở\n"
        "// [id:CĐ-2024-07] [tag:Luật Công đoàn] [tag: tổ chức ]\n"
        "// [tag:điều\\]lệ]\n"
        "Luật Công đoàn hiện hành được Quốc hội thông qua năm nào? {=2024 ~2012 ~1990}\n"
    )
    [question] = result.questions
    assert question.idnumber == "CĐ-2024-07"
    assert question.tags == ["Luật Công đoàn", "tổ chức", "điều]lệ"]
    assert question.line == 6


def test_category_applies_to_the_questions_after_it():
    result = gift.parse(
        "Câu không có danh mục {=Có ~Không}\n"
        "\n"
        "$CATEGORY: $course$/top/Pháp luật lao động\n"
        "\n"
        "Câu một {=Có ~Không}\n"
        "\n"
        "Câu hai {=Có ~Không}\n"
        "\n"
        "$CATEGORY: $course$/top/Điều lệ Công đoàn\n"
        "\n"
        "Câu ba {=Có ~Không}\n"
    )
    assert [q.category for q in result.questions] == [
        None,
        "$course$/top/Pháp luật lao động",
        "$course$/top/Pháp luật lao động",
        "$course$/top/Điều lệ Công đoàn",
    ]


def test_text_formats_apply_to_the_question_and_default_for_its_answers():
    question = only(
        "[html]<p>Theo <b>Điều 3</b> Luật Công đoàn 2024, ai có quyền thành lập công đoàn?</p>{"
        "=Người lao động#<i>Đúng</i> ~[plain]Chỉ công chức ~Chủ doanh nghiệp"
        "####[markdown]Xem **Điều 3**.}"
    )
    assert question.text_format == "html"
    assert question.text == (
        "<p>Theo <b>Điều 3</b> Luật Công đoàn 2024, ai có quyền thành lập công đoàn?</p>"
    )
    # The answers' own format markers are read and dropped: the model has one format.
    assert question.choices[1].text == "Chỉ công chức"
    assert question.choices[0].feedback == "<i>Đúng</i>"
    assert question.general_feedback == "Xem **Điều 3**."


def test_a_bracket_that_is_not_a_format_stays_in_the_text():
    question = only("[Điều 25] Thời gian thử việc tối đa? {=180 ngày ~30 ngày}")
    assert question.text == "[Điều 25] Thời gian thử việc tối đa?"
    assert question.text_format == "moodle"


def test_escapes():
    question = only(r"Ký hiệu \~ \= \# \{ \} \: và \\ xuống\ndòng? {=a\~b#c\#d ~e\=f ~g\{h\}\:i}")
    assert question.text == "Ký hiệu ~ = # { } : và \\ xuống\ndòng?"
    assert [(c.text, c.feedback) for c in question.choices] == [
        ("a~b", "c#d"),
        ("e=f", None),
        ("g{h}:i", None),
    ]


def test_weighted_answers_without_equals_make_a_multiple_answer_question():
    question = only(
        "Quyền của công đoàn cơ sở gồm: {"
        "~%50%Đại diện người lao động ~%50%Thương lượng tập thể "
        "~%-100%Quyết định thay người sử dụng lao động#Không có quyền này}"
    )
    assert question.type == "multiple"
    assert [c.fraction for c in question.choices] == [Fraction(1, 2), Fraction(1, 2), -1]
    assert question.choices[2].feedback == "Không có quyền này"


def test_moodle_thirds_add_up_to_exactly_one():
    question = only(
        "Nguyên tắc tổ chức công đoàn: {~%33.33333%Tự nguyện ~%33.33333%Tập trung dân chủ "
        "~%33.33333%Công khai ~Tự phát}"
    )
    assert sum(c.fraction for c in question.choices) == 1


def test_equals_takes_no_weight_in_moodle():
    question = only("Câu hỏi {=%50%Đáp án ~Sai}")
    assert question.choices[0] == ExchangeChoice("%50%Đáp án", Fraction(1))


def test_text_before_the_first_marker_is_a_wrong_answer_in_moodle():
    question = only("Câu hỏi {Không ~Sai =Đúng}")
    assert [(c.text, c.fraction) for c in question.choices] == [
        ("Không", 0),
        ("Sai", 0),
        ("Đúng", 1),
    ]


@pytest.mark.parametrize(
    ("answer", "value"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_true_false_forms(answer, value):
    question = only(f"Người lao động có quyền đơn phương chấm dứt hợp đồng.{{{answer}}}")
    assert question.type == "true_false"
    assert question.true_false_answer is value
    assert question.choices == []


def test_true_false_feedback_is_wrong_first_then_right():
    # Moodle's split_truefalse_comment: {answer#feedback for a wrong response#for a right one}
    true = only("Công đoàn là tổ chức chính trị - xã hội.{T#Sai: xem Điều 1#Đúng####Điều 1.}")
    assert true.true_feedback == "Đúng" and true.false_feedback == "Sai: xem Điều 1"
    assert true.general_feedback == "Điều 1."
    false = only("Đoàn phí công đoàn là 2% tiền lương.{FALSE#Sai: là 1%#Đúng, 1% tiền lương}")
    assert false.true_false_answer is False
    assert false.true_feedback == "Sai: là 1%" and false.false_feedback == "Đúng, 1% tiền lương"


def test_lower_case_true_is_a_short_answer_in_moodle():
    result = gift.parse("Câu đúng sai viết thường.{true}")
    assert result.questions == []
    assert result.skipped[0][1].startswith("shortanswer")


def test_missing_word_puts_a_blank_where_the_answers_stand():
    question = only("Hợp đồng thử việc tối đa {=180 ~60 ~30} ngày với người quản lý.")
    assert question.text == "Hợp đồng thử việc tối đa _____ ngày với người quản lý."


def test_unsupported_types_are_skipped_with_their_line():
    result = gift.parse(
        "// đầu tệp\n"
        "Hãy trình bày vai trò của công đoàn.{}\n"
        "\n"
        "Số ngày nghỉ phép năm tối thiểu?{#12:0}\n"
        "\n"
        "Viết tắt của Công đoàn Việt Nam?{=CĐVN =Công đoàn VN}\n"
        "\n"
        "Ghép điều với nội dung.{=Điều 25 -> Thử việc =Điều 113 -> Nghỉ hằng năm}\n"
        "\n"
        "Đây chỉ là một đoạn mô tả.\n"
        "\n"
        "Câu hợp lệ {=Có ~Không}\n"
    )
    assert [(line, reason.split(":")[0]) for line, reason in result.skipped] == [
        (2, "essay"),
        (4, "numerical"),
        (6, "shortanswer"),
        (8, "matching"),
        (10, "description"),
    ]
    assert [q.line for q in result.questions] == [12]
    assert result.errors == []


def test_a_one_answer_question_with_partial_credit_is_read():
    result = gift.parse("Câu hỏi {=Đủ ~%50%Gần đủ ~Sai}")
    assert result.skipped == []
    assert [c.fraction for c in result.questions[0].choices] == [1, Fraction(1, 2), 0]


def test_a_one_answer_question_with_two_full_answers_is_skipped():
    result = gift.parse("Câu hỏi {=Đủ =Cũng đủ ~Sai}")
    assert result.skipped == [(1, result.skipped[0][1])]
    assert "100%" in result.skipped[0][1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Thiếu ngoặc đóng {=a ~b", "never closed"),
        ("Thiếu ngoặc mở =a ~b}", "without a '{'"),
        ("Ngược } a { ~b =c", "before the '{'"),
        ("Hai khối {=a ~b} và {=c ~d}", "more than one answer block"),
        ("Một đáp án {~a}", "at least two answers"),
        ("Không đúng {~a ~b}", "no answer has a positive weight"),
        ("Cộng thiếu {~%50%a ~%20%b ~c}", "add up to 70%"),
        ("Quá trăm {~%150%a ~b}", "150"),
        ("{=a ~b}", "no text"),
    ],
)
def test_malformed_questions_are_errors_with_their_line(text, message):
    result = gift.parse(f"// đầu tệp\n\nCâu đúng {{=a ~b}}\n\n{text}\n\nCâu sau {{=a ~b}}\n")
    assert len(result.questions) == 2
    [(line, error)] = result.errors
    assert line == 5
    assert message in error


def test_windows_line_endings_and_a_byte_order_mark():
    result = gift.parse("\ufeff::A::Câu một {=a ~b}\r\n\r\n::B::Câu hai {=a ~b}\r\n")
    assert [(q.title, q.line) for q in result.questions] == [("A", 1), ("B", 3)]


def test_dump_escapes_specials_keeps_vietnamese_and_writes_ids_and_tags():
    question = ExchangeQuestion(
        title="Điều 25: thử việc",
        text="Thời gian thử việc {tối đa} = ? ~ # \\",
        type="single",
        choices=[
            ExchangeChoice("180 ngày", Fraction(1), "Đúng #25"),
            ExchangeChoice("60 ngày", Fraction(-1, 2)),
        ],
        tags=["thử việc", "a]b"],
        idnumber="LĐ-25",
    )
    text = gift.dump([question])
    assert text.startswith("// [id:LĐ-25] [tag:thử việc] [tag:a\\]b]\n")
    assert "::Điều 25\\: thử việc::Thời gian thử việc \\{tối đa\\} \\= ? \\~ \\# \\\\{" in text
    assert "\t=180 ngày#Đúng \\#25\n" in text
    assert "\t~%-50%60 ngày\n" in text
    assert gift.parse(text).questions == [question]


def test_dump_writes_true_false_in_moodles_feedback_order():
    question = ExchangeQuestion(
        text="Công đoàn được thành lập theo nguyên tắc tự nguyện.",
        type="true_false",
        true_false_answer=True,
        true_feedback="Đúng",
        false_feedback="Sai",
    )
    assert "{TRUE#Sai#Đúng}" in gift.dump([question])


def test_dump_marks_texts_that_would_be_misread():
    question = ExchangeQuestion(
        text="// không phải chú thích",
        type="single",
        choices=[
            ExchangeChoice("[html] không phải định dạng", Fraction(1)),
            ExchangeChoice("%50% không phải trọng số", Fraction(0)),
        ],
    )
    text = gift.dump([question])
    assert "[moodle]// không phải chú thích{" in text
    assert "=[moodle][html] không phải định dạng" in text
    assert "~%0%%50% không phải trọng số" in text
    assert gift.parse(text).questions == [question]


# Carried: everything in the model. Not carried: `line` (not compared), and a return to
# "no category" after a category (GIFT's $CATEGORY only ever switches to another one).
@settings(max_examples=50, deadline=None)
@given(bank=banks())
def test_dump_then_parse_gives_the_same_questions(bank):
    result = gift.parse(gift.dump(bank))
    assert result.errors == [] and result.skipped == []
    assert result.questions == with_carried_categories(bank)


fragments = st.lists(
    st.sampled_from(
        [
            *["\n", "\n\n", "{", "}", "~", "=", "#", "####", "::", "\\", "%", "%50%", "->"],
            *["T", "FALSE", "// [id:a] [tag:b]", "$CATEGORY: x", "[html]", "Điều ", "ngày "],
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=50, deadline=None)
@given(text=fragments)
def test_any_input_gives_a_result_never_an_exception(text):
    result = gift.parse(text)
    lines = text.count("\n") + 1
    for line, _ in result.skipped + result.errors:
        assert 1 <= line <= lines


def test_an_answer_or_feedback_in_another_format_is_named_not_changed_silently():
    """Finding 2: the bank keeps one format per question; a GIFT answer or feedback that
    sets its own is named in the preview."""
    result = gift.parse(
        "Câu?{=[html]<b>a</b>#[markdown]*x* ~b}\n\n"
        "[markdown]Câu **hai**?{TRUE####[html]<i>chung</i>}\n\n"
        "[markdown]Câu ba?{=a#x ~b####chung}\n"
    )
    first, second, third = (q.not_carried for q in result.questions)
    assert first == ("a text marked [html, markdown] is stored in the question's format [moodle]",)
    assert second == ("a text marked [html] is stored in the question's format [markdown]",)
    assert third == ()
