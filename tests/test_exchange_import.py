"""Importing question files into a course's bank (service and CLI): drafts only, every
problem with its line or row, nothing written while the file has errors."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import select

from learning.audit.models import AuditEntry
from learning.auth.models import Role
from learning.authoring.questions import QUESTIONS
from learning.authoring.workflow import FourEyes
from learning.courses.models import ContentStatus, Question, QuestionVersion
from learning.errors import InvalidInput
from learning.exchange import services, xlsx
from learning.exchange.bank import BankChoice, BankQuestion
from learning.exchange.services import NO_EXPLANATION, NO_SOURCE, UnreadableFile
from tests.member_files import xlsx as sheet

GIFT = """\
// [id:tv-01] [tag:thử việc] [tag:source:blld-2019:Điều 25] [tag:difficulty:hard]
// [tag:lesson:bai-hai]
::Thử việc::Thời gian thử việc tối đa với người quản lý doanh nghiệp?{
\t=180 ngày#Đúng: Điều 25.
\t~60 ngày
\t~30 ngày
\t####Điều 25 khoản 1 Bộ luật Lao động 2019.
}

Người lao động có quyền đơn phương chấm dứt hợp đồng.{TRUE}

::Tự luận::Hãy trình bày về công đoàn.{}

Câu hỏi hỏng {=a ~b
"""


def plan(session, course, text, fmt="gift"):
    data = text if isinstance(text, bytes) else text.encode()
    return services.plan_import(session, course, data, fmt)


def test_gift_questions_errors_and_skipped_types_come_with_their_lines(session, sample_course):
    result = plan(session, sample_course, GIFT)
    assert [(p.line, p.question.key) for p in result.questions] == [(3, "tv-01"), (10, "q-0004")]
    first = result.questions[0].question
    assert first.text == "Thời gian thử việc tối đa với người quản lý doanh nghiệp?"
    assert first.choices[0] == BankChoice("180 ngày", True, "Đúng: Điều 25.")
    assert (first.source_document, first.source_article) == ("blld-2019", "Điều 25")
    assert (first.difficulty, first.lesson, first.tags) == ("hard", "bai-hai", ["thử việc"])
    assert first.explanation == "Điều 25 khoản 1 Bộ luật Lao động 2019."
    # The name is stored with the question (finding 2), so the preview has nothing to say.
    assert (first.name, result.questions[0].warnings) == ("Thử việc", [])
    second = result.questions[1]
    assert second.question.type == "true_false"
    assert second.question.difficulty == "medium"
    assert NO_SOURCE in second.warnings and NO_EXPLANATION in second.warnings
    assert [(p.line, p.message.split(":")[0]) for p in result.skipped] == [(12, "essay")]
    assert [p.line for p in result.errors] == [14]


def test_apply_writes_drafts_at_version_one_and_refuses_a_file_with_errors(session, sample_course):
    result = plan(session, sample_course, GIFT)
    with pytest.raises(InvalidInput):
        services.apply_import(session, sample_course, result)
    assert session.scalar(select(Question).where(Question.key == "tv-01")) is None

    created = services.apply_import(session, sample_course, result, only_valid=True)
    assert len(created) == 2
    question = session.scalar(select(Question).where(Question.key == "tv-01"))
    assert question.status is ContentStatus.DRAFT and question.current_version == 1
    assert question.difficulty.value == "hard" and question.tags == ["thử việc"]
    assert question.lesson_id is not None
    version = session.scalar(
        select(QuestionVersion).where(QuestionVersion.question_id == question.id)
    )
    assert version.number == 1 and version.source_article == "Điều 25"
    assert [(c.text, c.is_correct) for c in version.choices] == [
        ("180 ngày", True),
        ("60 ngày", False),
        ("30 ngày", False),
    ]
    true_false = created[1]
    tf_version = session.scalar(
        select(QuestionVersion).where(QuestionVersion.question_id == true_false.id)
    )
    assert [(c.text, c.is_correct) for c in tf_version.choices] == [("Đúng", True), ("Sai", False)]
    assert tf_version.source_document == "" and tf_version.explanation == ""


def test_an_existing_key_unknown_source_and_lesson_are_errors_on_their_line(session, sample_course):
    text = (
        "// [id:q-001]\nCâu một?{=a ~b}\n\n"
        "// [tag:source:luat-khac:Điều 1]\nCâu hai?{=a ~b}\n\n"
        "// [tag:lesson:khong-co]\nCâu ba?{=a ~b}\n\n"
        "// [id:moi]\nCâu bốn?{=a ~b}\n\n"
        "// [id:moi]\nCâu năm?{=a ~b}\n"
    )
    result = plan(session, sample_course, text)
    assert [(p.line, p.message) for p in result.errors] == [
        (2, "the course already has a question with the key 'q-001'"),
        (5, "unknown source document 'luat-khac'; this course cites: blld-2019"),
        (8, "unknown lesson 'khong-co'"),
        (14, "the key 'moi' is used twice in the file"),
    ]
    assert [p.question.key for p in result.questions] == ["moi"]


def test_titles_make_keys_and_repeated_titles_get_a_number(session, sample_course):
    result = plan(
        session, sample_course, "::Câu 1::A?{=a ~b}\n\n::Câu 1::B?{=a ~b}\n\n::Q-001::C?{=a~b}"
    )
    assert [p.question.key for p in result.questions] == ["cau-1", "cau-1-2", "q-001-2"]


def test_aiken_and_moodle_xml(session, sample_course):
    aiken = "Thử việc tối đa?\nA) 30 ngày\nB) 180 ngày\nANSWER: B\n\nCâu hỏng\nA) x\nANSWER: A\n"
    result = plan(session, sample_course, aiken, "aiken")
    assert [p.question.text for p in result.questions] == ["Thử việc tối đa?"]
    assert result.questions[0].question.choices[1].correct
    assert [p.line for p in result.errors] == [6]

    xml = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Câu 1</text></name>
    <questiontext format="html"><text><![CDATA[<p>Chọn các ý <b>đúng</b></p>]]></text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>Một</text></answer>
    <answer fraction="50"><text>Hai</text></answer>
    <answer fraction="0"><text>Ba</text></answer>
  </question>
  <question type="essay">
    <name><text>Tự luận</text></name>
    <questiontext><text>Viết</text></questiontext>
  </question>
  <question type="matching"><name><text>x</text></name><questiontext><text>y</text></questiontext></question>
</quiz>
"""
    result = plan(session, sample_course, xml, "moodlexml")
    question = result.questions[0].question
    # The HTML is kept as HTML (finding 2), rendered sanitized.
    assert question.text == "<p>Chọn các ý <b>đúng</b></p>" and question.text_format == "html"
    assert question.type == "multiple"
    assert question.key == "cau-1"
    assert [(p.line, p.message.split(":")[0]) for p in result.skipped] == [
        (11, "essay"),
        (15, "matching"),
    ]


def test_unreadable_files_are_refused_with_a_message(session, sample_course):
    with pytest.raises(UnreadableFile):
        plan(session, sample_course, b"", "gift")
    with pytest.raises(UnreadableFile, match="UTF-8"):
        plan(session, sample_course, "Câu?{=a ~b}".encode("cp1258"), "gift")
    with pytest.raises(UnreadableFile):
        plan(session, sample_course, b"not a spreadsheet", "xlsx")
    result = plan(session, sample_course, b"<quiz><question", "moodlexml")
    assert result.errors and result.errors[0].line == 1


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"Q?\nA) a\nB) b\nANSWER: A\n", "x.txt", "aiken"),
        (b"Q?{=a ~b}", "x.txt", "gift"),
        (b"Q?{=a ~b}", "x.gift", "gift"),
        (b'\xef\xbb\xbf<?xml version="1.0"?><quiz/>', "x.txt", "moodlexml"),
        (b"PK\x03\x04rest", "x.bin", "xlsx"),
    ],
)
def test_the_format_is_guessed_from_the_content_then_the_name(data, name, expected):
    assert services.guess_format(data, name) == expected


def template_rows(*rows):
    return sheet([xlsx.HEADER, *rows])


def row(**cells):
    values = dict.fromkeys(xlsx.HEADER, "")
    values.update(cells)
    return [values[name] for name in xlsx.HEADER]


def test_the_xlsx_template_reads_back_its_example(session, sample_course):
    result = services.plan_import(session, sample_course, xlsx.template(), "xlsx")
    assert result.errors == []
    assert [p.question for p in result.questions] == [xlsx.EXAMPLE]
    assert result.questions[0].line == 7  # title, three lines of instructions, blank, header


def test_xlsx_rows_with_errors_give_their_row_numbers(session, sample_course):
    data = template_rows(
        row(
            **{
                "Câu hỏi": "Đúng hay sai?",
                "Loại câu hỏi": "đúng/sai",
                "Đáp án đúng": "Sai",
                "Văn bản nguồn": "blld-2019",
                "Điều, khoản": "Điều 1",
                "Giải thích": "Vì.",
            }
        ),
        row(
            **{
                "Câu hỏi": "Chọn?",
                "Loại câu hỏi": "nhiều đáp án",
                "Phương án A": "x",
                "Phương án B": "y",
                "Phương án C": "'=1+1",
                "Đáp án đúng": "A, C",
                "Mức độ": "khó",
                "Bài học": "Bài hai: Thử việc",
                "Thẻ": "a, b",
            }
        ),
        [],
        row(**{"Câu hỏi": "Sai loại", "Loại câu hỏi": "tự luận", "Đáp án đúng": "A"}),
        row(
            **{
                "Câu hỏi": "Thiếu",
                "Loại câu hỏi": "một đáp án",
                "Phương án A": "x",
                "Phương án C": "z",
                "Đáp án đúng": "D",
                "Mức độ": "rất khó",
            }
        ),
    )
    result = services.plan_import(session, sample_course, data, "xlsx")
    assert [p.line for p in result.questions] == [2, 3]
    true_false, multiple = (p.question for p in result.questions)
    assert true_false.choices == [BankChoice("Đúng", False), BankChoice("Sai", True)]
    assert [c.correct for c in multiple.choices] == [True, False, True]
    assert multiple.choices[2].text == "=1+1"
    assert (multiple.difficulty, multiple.lesson, multiple.tags) == ("hard", "bai-hai", ["a", "b"])
    assert {p.line for p in result.errors} == {5, 6}
    messages = [p.message for p in result.errors if p.line == 6]
    assert any("without gaps" in m for m in messages)
    assert any("rất khó" in m for m in messages)


def test_xlsx_without_the_required_columns_is_refused(session, sample_course):
    with pytest.raises(UnreadableFile, match="Câu hỏi"):
        services.plan_import(session, sample_course, sheet([["Tên", "Tuổi"], ["a", "1"]]), "xlsx")


# --- CLI ------------------------------------------------------------------------------------


def test_cli_dry_run_lists_problems_and_writes_nothing(runner, session, sample_course, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = runner.invoke(
        args=["questions", "import", str(path), "--course", "khoa-thu", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "2 read, 1 skipped, 1 rejected" in result.output
    assert "line 12: skipped: essay" in result.output
    assert "line 14: error:" in result.output
    assert "line 10: warning: " + NO_SOURCE in result.output
    assert session.scalar(select(Question).where(Question.key == "tv-01")) is None


def test_cli_import_refuses_errors_unless_only_valid(runner, session, sample_course, tmp_path):
    path = tmp_path / "bank.txt"
    path.write_text(GIFT, encoding="utf-8")
    args = ["questions", "import", str(path), "--course", "khoa-thu"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "nothing imported" in refused.output
    assert session.scalar(select(Question).where(Question.key == "tv-01")) is None
    done = runner.invoke(args=[*args, "--only-valid"])
    assert done.exit_code == 0, done.output
    assert "2 questions imported" in done.output
    session.expire_all()
    assert session.scalar(select(Question).where(Question.key == "tv-01")).status is (
        ContentStatus.DRAFT
    )
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "questions.import"))
    assert entry.after["created"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--course", "khong-co"], "no course with the slug 'khong-co'"),
        (["--course", "khoa-thu", "--format", "docx"], "Invalid value for '--format'"),
    ],
)
def test_cli_bad_arguments_exit_non_zero(runner, sample_course, tmp_path, args, message):
    path = tmp_path / "bank.gift"
    path.write_text("Câu?{=a ~b}", encoding="utf-8")
    result = runner.invoke(args=["questions", "import", str(path), *args])
    assert result.exit_code != 0
    assert message in result.output


def test_cli_unreadable_file(runner, sample_course, tmp_path):
    missing = runner.invoke(
        args=["questions", "import", str(tmp_path / "none.gift"), "--course", "khoa-thu"]
    )
    assert missing.exit_code != 0 and "cannot read" in missing.output
    binary = tmp_path / "x.gift"
    binary.write_bytes(b"\x00\x01\x02")
    result = runner.invoke(args=["questions", "import", str(binary), "--course", "khoa-thu"])
    assert result.exit_code != 0 and "not a question file" in result.output


def test_cli_export_writes_the_bank(runner, session, sample_course, tmp_path):
    output = tmp_path / "bank.xml"
    result = runner.invoke(
        args=[
            "questions",
            "export",
            "--course",
            "khoa-thu",
            "--format",
            "moodlexml",
            "-o",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "3 questions written" in result.output
    assert output.read_bytes().count(b"<question type=") == 3
    bad = runner.invoke(
        args=[
            "questions",
            "export",
            "--course",
            "nope",
            "--format",
            "gift",
            "-o",
            str(tmp_path / "x"),
        ]
    )
    assert bad.exit_code != 0 and not (tmp_path / "x").exists()


def test_bank_questions_round_trip_through_every_format(session, sample_course):
    bank = services.bank_questions(session, sample_course)
    assert [q.key for q in bank] == ["q-001", "q-002", "q-003"]
    for fmt in ("gift", "moodlexml", "xlsx"):
        data = services.dump_questions(bank, fmt).data
        converted, skipped, errors = services.read_file(data, fmt)
        assert (skipped, errors) == ([], [])
        assert [item.question for item in converted] == bank, fmt
    aiken = services.dump_questions(bank, "aiken")
    assert [key for key, _ in aiken.left_out] == ["q-002", "q-003"]


def question(**changes):
    base = BankQuestion(
        key="k", type="single", text="T?", choices=[BankChoice("a", True), BankChoice("b", False)]
    )
    return base.__class__(**{**base.__dict__, **changes})


def test_gift_with_bom_crlf_and_decomposed_vietnamese_reads_as_nfc(session, sample_course):
    import unicodedata

    text = (
        "\ufeff// chú thích\r\n"
        + unicodedata.normalize("NFD", "Quyền của người lao động?")
        + ("{=Được thành lập công đoàn ~Không có quyền}\r\n")
    )
    result = plan(session, sample_course, text.encode("utf-8"))
    question = result.questions[0]
    assert question.line == 2
    assert question.question.text == "Quyền của người lao động?"
    assert unicodedata.is_normalized("NFC", question.question.choices[0].text)


def test_an_xlsx_formula_without_a_saved_value_is_an_error_on_its_row(session, sample_course):
    data = template_rows(
        row(**{"Câu hỏi": "=A1", "Loại câu hỏi": "đúng/sai", "Đáp án đúng": "Đúng"}),
    )
    result = services.plan_import(session, sample_course, data, "xlsx")
    assert result.questions == []
    assert {p.line for p in result.errors} == {2}
    assert "formula" in result.errors[0].message


def test_a_csv_saved_from_the_template_is_read_too(session, sample_course):
    header = ",".join(xlsx.HEADER)
    line = ",".join(
        row(**{"Câu hỏi": "Câu hỏi CSV?", "Loại câu hỏi": "đúng/sai", "Đáp án đúng": "Sai"})
    )
    data = (header + "\r\n" + line + "\r\n").encode("utf-8-sig")
    assert services.guess_format(data, "cau-hoi.csv") == "xlsx"
    result = services.plan_import(session, sample_course, data, "xlsx")
    assert [p.question.text for p in result.questions] == ["Câu hỏi CSV?"]


def test_cli_aiken_export_names_what_it_leaves_out(runner, sample_course, tmp_path):
    output = tmp_path / "bank.txt"
    result = runner.invoke(
        args=["questions", "export", "--course", "khoa-thu", "--format", "aiken", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "1 questions written" in result.output
    assert "left out q-002" in result.output and "left out q-003" in result.output
    assert output.read_text("utf-8").startswith("Hợp đồng lao động có mấy loại?\nA) Hai loại")


def test_cli_xlsx_import_reports_rows(runner, session, sample_course, tmp_path):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(
        template_rows(
            row(
                **{
                    "Câu hỏi": "Đúng?",
                    "Loại câu hỏi": "đúng/sai",
                    "Đáp án đúng": "Đúng",
                    "Văn bản nguồn": "blld-2019",
                    "Điều, khoản": "Điều 5",
                    "Giải thích": "Vì.",
                }
            ),
            row(**{"Câu hỏi": "Sai?", "Loại câu hỏi": "đúng/sai", "Đáp án đúng": "Có lẽ"}),
        )
    )
    result = runner.invoke(args=["questions", "import", str(path), "--course", "khoa-thu"])
    assert result.exit_code != 0
    assert "1 read, 0 skipped, 1 rejected" in result.output
    assert "row 3: error: the answer of a true/false question is Đúng or Sai" in result.output


def test_an_xlsx_key_must_be_a_plain_key(session, sample_course):
    data = template_rows(
        row(
            **{
                "Mã câu hỏi": "câu 1",
                "Câu hỏi": "A?",
                "Loại câu hỏi": "đúng/sai",
                "Đáp án đúng": "Đúng",
            }
        ),
        row(
            **{
                "Mã câu hỏi": "k" * 101,
                "Câu hỏi": "B?",
                "Loại câu hỏi": "đúng/sai",
                "Đáp án đúng": "Sai",
            }
        ),
        row(
            **{
                "Mã câu hỏi": "cau-1.b_2",
                "Câu hỏi": "C?",
                "Loại câu hỏi": "đúng/sai",
                "Đáp án đúng": "Sai",
            }
        ),
    )
    result = services.plan_import(session, sample_course, data, "xlsx")
    assert [p.line for p in result.errors] == [2, 3]
    assert [p.question.key for p in result.questions] == ["cau-1.b_2"]


def test_a_gift_or_xml_category_becomes_a_tag(session, sample_course):
    text = (
        "$CATEGORY: $course$/top/Pháp luật/Hợp đồng lao động\n\n"
        "// [tag:thử việc]\nCâu một?{=a ~b}\n\n"
        "// [tag:Hợp đồng lao động]\nCâu hai?{=a ~b}\n\n"
        "$CATEGORY: $course$/top\n\nCâu ba?{=a ~b}\n"
    )
    result = plan(session, sample_course, text)
    assert [p.question.tags for p in result.questions] == [
        ["thử việc", "Hợp đồng lao động"],
        ["Hợp đồng lao động"],
        [],
    ]


def test_an_imported_question_goes_through_review_and_its_importer_cannot_approve_it(
    session, make, sample_course
):
    importer, reviewer = make.user(role=Role.ADMIN), make.user(role=Role.ADMIN)
    result = plan(session, sample_course, GIFT)
    (first, _second) = services.apply_import(
        session, sample_course, result, only_valid=True, author_id=importer.id
    )
    version = session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == first.id))
    assert (version.status, version.author_id) == (ContentStatus.DRAFT, importer.id)
    QUESTIONS.submit(session, importer, first)
    with pytest.raises(FourEyes):
        QUESTIONS.approve(session, importer, first, four_eyes=True)
    QUESTIONS.approve(session, reviewer, first, four_eyes=True)
    assert first.status is ContentStatus.PUBLISHED


def test_penalties_markdown_and_names_are_kept_not_only_named(session, sample_course):
    """Finding 2: penalties other than the platform's, a Markdown text and a question name
    were changed silently; the bank now keeps each, so the preview has nothing to warn."""
    text = (
        "// [tag:source:blld-2019:Điều 20]\n"
        "::Phạt::Chọn các loại hợp đồng.{~%50%Không xác định thời hạn ~%50%Xác định thời hạn"
        " ~%-100%Thời vụ ~%-100%Miệng}\n\n"
        "// [tag:source:blld-2019:Điều 20]\n"
        "[markdown]Hợp đồng **bằng văn bản**?{TRUE}\n"
    )
    result = plan(session, sample_course, text)
    first, second = result.questions
    assert first.line == 2 and second.line == 5
    assert [c.weight for c in first.question.choices] == [
        Fraction(1, 2),
        Fraction(1, 2),
        Fraction(-1),
        Fraction(-1),
    ]
    assert first.question.name == "Phạt" and second.question.text_format == "markdown"
    assert first.warnings == [str(NO_EXPLANATION)] and second.warnings == [str(NO_EXPLANATION)]


def test_a_category_is_said_to_become_a_tag(session, sample_course):
    result = plan(session, sample_course, "$CATEGORY: $course$/top/Luật\n\nCâu?{=a ~b}\n")
    assert (
        result.questions[0].warnings[0]
        == "the category '$course$/top/Luật' is kept as the tag 'Luật'"
    )


def test_what_moodle_xml_has_and_the_bank_cannot_hold_is_named_on_its_line(session, sample_course):
    """Finding 2: combined feedback, hints, embedded files and another mark were dropped
    silently; the preview now names each on the question's line."""
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Câu 1</text></name>
    <questiontext format="html"><text><![CDATA[<p>Ảnh <img src="@@PLUGINFILE@@/a.png"></p>]]></text>
      <file name="a.png" path="/" encoding="base64">iVBORw0KGgo=</file></questiontext>
    <defaultgrade>2.0000000</defaultgrade>
    <single>true</single>
    <correctfeedback format="html"><text>Giỏi lắm</text></correctfeedback>
    <answer fraction="100" format="plain_text"><text>Một</text></answer>
    <answer fraction="0"><text>Hai</text></answer>
    <hint format="html"><text>Xem Điều 20</text></hint>
  </question>
</quiz>
"""
    result = plan(session, sample_course, xml, "moodlexml")
    (planned,) = result.questions
    assert planned.line == 3
    notes = " | ".join(planned.warnings)
    for expected in (
        "1 hint(s)",
        "<file>",
        "mark 2.0000000",
        "<correctfeedback>",
        "another text format",
    ):
        assert expected in notes


def test_a_bank_written_as_moodle_xml_reads_back_without_warnings(session, sample_course):
    data = services.export_bank(session, sample_course, "moodlexml").data
    result = plan(session, sample_course, data.replace(b"q-00", b"x-00"), "moodlexml")
    assert [w for p in result.questions for w in p.warnings if "kept" in w] == []
