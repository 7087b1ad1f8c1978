"""The question template for people who write questions in Excel: write it, read it back.

One question a row, Vietnamese headers (matched without case or diacritics, in any order,
below any title rows, as the member lists are): the text, the type, choices A to F, the
right answers as letters, optional feedback per choice, the explanation, the source
document and article, tags, difficulty, lesson and an optional key. Cells are read with
`learning/spreadsheets.py` (zip-bomb checks, formulas without values, NFC), keeping the line
breaks inside a cell. Text that Excel would run as a formula is written with a leading
apostrophe by `learning/exports.py`; the reader takes that apostrophe off again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from learning.exchange.bank import (
    DIFFICULTIES,
    FALSE_LABEL,
    KEY_PATTERN,
    MAX_KEY,
    TRUE_LABEL,
    BankChoice,
    BankQuestion,
    Converted,
    clean_text,
    implied_weights,
)
from learning.exchange.model import (
    TEXT_FORMATS,
    ExchangeChoice,
    Unfit,
    classify_choices,
    fraction_from_percent,
    percent_text,
)
from learning.exports import xlsx_bytes
from learning.i18n import gettext as _
from learning.spreadsheets import Limits, find_header, header_key, read_rows

LETTERS = "ABCDEF"
# Field -> accepted header spellings, the one the template writes first.
COLUMNS: dict[str, list[str]] = {
    "key": ["Mã câu hỏi", "Mã", "Key"],
    "text": ["Câu hỏi", "Nội dung câu hỏi", "Nội dung", "Question"],
    "type": ["Loại câu hỏi", "Loại", "Type"],
    **{f"choice_{x}": [f"Phương án {x}", f"Đáp án {x}", f"PA {x}", x] for x in LETTERS},
    "answer": ["Đáp án đúng", "Đáp án", "Answer"],
    **{f"feedback_{x}": [f"Phản hồi {x}", f"Feedback {x}"] for x in LETTERS},
    "explanation": ["Giải thích", "Lời giải thích", "Explanation"],
    "source_document": ["Văn bản nguồn", "Nguồn", "Văn bản", "Source"],
    "source_article": ["Điều, khoản", "Điều khoản", "Điều", "Article"],
    "tags": ["Thẻ", "Tags"],
    "difficulty": ["Mức độ", "Độ khó", "Difficulty"],
    "lesson": ["Bài học", "Bài", "Lesson"],
    "scoring": ["Cách chấm", "Scoring"],
    # Moodle's fields that the bank keeps (finding 2): name, text format, per-choice weights.
    "name": ["Tên câu hỏi", "Name"],
    "text_format": ["Định dạng", "Format"],
    **{f"weight_{x}": [f"Trọng số {x}", f"Weight {x}"] for x in LETTERS},
}
HEADER = [names[0] for names in COLUMNS.values()]
REQUIRED = ("text", "type", "answer")

TYPES = {
    "single": ["một đáp án", "một lựa chọn", "chọn một", "single"],
    "multiple": ["nhiều đáp án", "nhiều lựa chọn", "chọn nhiều", "multiple"],
    "true_false": ["đúng/sai", "đúng sai", "true/false", "true_false"],
}
TYPE_NAMES = {kind: names[0] for kind, names in TYPES.items()}
DIFFICULTY_WORDS = {
    "easy": ["dễ", "easy"],
    "medium": ["trung bình", "medium"],
    "hard": ["khó", "hard"],
}
DIFFICULTY_NAMES = {level: words[0] for level, words in DIFFICULTY_WORDS.items()}
SCORING_WORDS = {
    "partial": ["từng phần", "partial"],
    "all_or_nothing": ["tất cả hoặc không", "all or nothing", "all_or_nothing"],
}
SCORING_NAMES = {way: words[0] for way, words in SCORING_WORDS.items()}
TRUE_WORDS = {header_key(word) for word in (TRUE_LABEL, "true", "T", "A")}
FALSE_WORDS = {header_key(word) for word in (FALSE_LABEL, "false", "F", "B")}
_FORMULA_STARTS = ("=", "+", "-", "@")

EXAMPLE = BankQuestion(
    key="vd-001",
    type="single",
    text="Theo Bộ luật Lao động 2019, thời gian thử việc tối đa đối với công việc của người "
    "quản lý doanh nghiệp là bao nhiêu ngày?",
    choices=[
        BankChoice("30 ngày", False),
        BankChoice("60 ngày", False),
        BankChoice("180 ngày", True, "Đúng: Điều 25 khoản 1."),
    ],
    explanation="Điều 25 khoản 1 Bộ luật Lao động 2019: không quá 180 ngày đối với công việc "
    "của người quản lý doanh nghiệp.",
    source_document="blld-2019",
    source_article="Điều 25 khoản 1",
    tags=["thử việc"],
    difficulty="medium",
)


def _lookup(words: dict[str, list[str]]) -> dict[str, str]:
    return {header_key(word): value for value, spellings in words.items() for word in spellings}


_TYPE_BY_KEY = _lookup(TYPES)
_DIFFICULTY_BY_KEY = _lookup(DIFFICULTY_WORDS)
_SCORING_BY_KEY = _lookup(SCORING_WORDS)


def to_row(question: BankQuestion) -> list[str]:
    """The question as a row of the template, in HEADER's order."""
    choices = [] if question.type == "true_false" else question.choices
    if question.type == "true_false":
        answer = TRUE_LABEL if question.choices[0].correct else FALSE_LABEL
        feedback = [choice.feedback or "" for choice in question.choices]
    else:
        answer = ", ".join(LETTERS[n] for n, c in enumerate(choices) if c.correct)
        feedback = [choice.feedback or "" for choice in choices]
    return [
        question.key or "",
        question.text,
        TYPE_NAMES[question.type],
        *[choice.text for choice in choices] + [""] * (len(LETTERS) - len(choices)),
        answer,
        *feedback + [""] * (len(LETTERS) - len(feedback)),
        question.explanation,
        question.source_document,
        question.source_article,
        ", ".join(question.tags),
        DIFFICULTY_NAMES[question.difficulty],
        question.lesson or "",
        SCORING_NAMES[question.scoring] if question.type == "multiple" else "",
        question.name or "",
        "" if question.text_format == "plain" else question.text_format,
        *[percent_text(c.weight) if c.weight is not None else "" for c in choices]
        + [""] * (len(LETTERS) - len(choices)),
    ]


def dump(questions: Iterable[BankQuestion], *, title: str = "Ngân hàng câu hỏi") -> bytes:
    """An XLSX workbook of the questions, one a row, that `parse` reads back."""
    return xlsx_bytes(
        "Câu hỏi",
        HEADER,
        [[_quote(cell) for cell in to_row(question)] for question in questions],
        title_lines=[title, *INSTRUCTIONS],
    )


INSTRUCTIONS = [
    "Loại câu hỏi: một đáp án, nhiều đáp án, đúng/sai. Đáp án đúng: chữ cái (A hoặc A, C); "
    "câu đúng/sai ghi Đúng hoặc Sai, không ghi phương án.",
    "Văn bản nguồn: mã văn bản của chuyên đề; Điều, khoản: điều, khoản được trích dẫn. "
    "Mức độ: dễ, trung bình, khó. Thẻ: cách nhau bằng dấu phẩy.",
    "Trọng số (không bắt buộc): phần trăm điểm của từng phương án như Moodle (100, 50, "
    "-33.33333); để trống thì chấm theo đáp án đúng. Định dạng: plain, markdown, html, "
    "moodle (để trống: plain).",
]


def template() -> bytes:
    """The empty template with one example row."""
    return dump([EXAMPLE], title="MẪU NGÂN HÀNG CÂU HỎI")


def parse(data: bytes, limits: Limits | None = None) -> tuple[list[Converted], list[int]]:
    """Read the template's rows: a Converted per question row, and the empty rows passed
    over. Raises SpreadsheetError when the file is no spreadsheet or has no header."""
    rows = read_rows(data, limits or Limits(), keep_line_breaks=True)
    _header, columns, remaining = find_header(rows, COLUMNS, REQUIRED)
    found: list[Converted] = []
    empty: list[int] = []
    for row in remaining:
        cells = {
            name: _unquote(row.cells[index]) if index < len(row.cells) else ""
            for name, index in columns.items()
        }
        if not any(cells.values()):
            empty.append(row.number)
            continue
        converted = _read_row(row.number, cells)
        unsaved = {name for name, index in columns.items() if index in row.formula_without_value}
        if unsaved:
            converted.errors.insert(
                0,
                _(
                    "a formula without a saved value: open the file in Excel, save it and "
                    "upload it again"
                ),
            )
        found.append(converted)
    return found, empty


def _quote(text: str) -> str:
    """Text that starts with an apostrophe gets one more, so that `_unquote` can tell it from
    the apostrophe exports.safe_cell adds before a formula-like text."""
    return "'" + text if text.startswith("'") else text


def _unquote(text: str) -> str:
    """Take off the apostrophe exports.safe_cell (or `_quote`) put in front of a text."""
    if text.startswith("'") and text[1:].lstrip().startswith((*_FORMULA_STARTS, "'")):
        return text[1:]
    return text


def _read_row(number: int, cells: dict[str, str]) -> Converted:
    """One row of the template as a bank question, with every error it holds (in the order
    of its columns: type, choices and answer, weights, difficulty, marking, key, format)."""
    result = Converted(number, None)
    errors = result.errors
    kind = _read_type(cells, errors)
    if kind == "true_false":
        choices = _true_false_choices(cells, errors)
    else:
        choices = _with_weights(kind, _lettered_choices(cells, errors), cells, errors)
    difficulty = _read_difficulty(cells, errors)
    scoring = _read_scoring(kind, cells, errors)
    key = _read_key(cells, errors)
    result.explicit_key = key is not None
    text_format = _read_text_format(cells, errors)
    tags = [clean_text(tag) for tag in cells.get("tags", "").split(",")]
    result.question = BankQuestion(
        key=key,
        type=kind,
        text=clean_text(cells.get("text")),
        choices=choices,
        explanation=clean_text(cells.get("explanation")),
        source_document=clean_text(cells.get("source_document")),
        source_article=clean_text(cells.get("source_article")),
        tags=[tag for tag in tags if tag],
        difficulty=difficulty if difficulty in DIFFICULTIES else "medium",
        lesson=clean_text(cells.get("lesson")) or None,
        scoring=scoring,
        text_format=text_format,
        name=clean_text(cells.get("name")) or None,
    )
    return result


def _read_type(cells: dict[str, str], errors: list[str]) -> str:
    """The question type of the "Loại câu hỏi" cell; one not known: an error, and "single"
    so that the rest of the row is still checked."""
    kind = _TYPE_BY_KEY.get(header_key(cells.get("type", "")))
    if kind is None:
        errors.append(
            _(
                "the type '%(value)s' is not one of: %(names)s",
                value=cells.get("type", ""),
                names=", ".join(TYPE_NAMES.values()),
            )
        )
        return "single"
    return kind


def _feedback(cells: dict[str, str]) -> list[str | None]:
    """The feedback cells of choices A to F, None where empty."""
    return [cells.get(f"feedback_{x}", "") or None for x in LETTERS]


def _true_false_choices(cells: dict[str, str], errors: list[str]) -> list[BankChoice]:
    """Đúng and Sai, the one the answer names right; the choice columns must be empty."""
    if any(cells.get(f"choice_{x}", "") for x in LETTERS):
        errors.append(_("a true/false question has no choices: write Đúng or Sai as the answer"))
    answer = cells.get("answer", "")
    key = header_key(answer)
    if key not in TRUE_WORDS | FALSE_WORDS:
        errors.append(
            _(
                "the answer of a true/false question is Đúng or Sai, not '%(value)s'",
                value=answer,
            )
        )
    right = key in TRUE_WORDS
    feedback = _feedback(cells)
    return [
        BankChoice(TRUE_LABEL, right, feedback[0]),
        BankChoice(FALSE_LABEL, not right, feedback[1]),
    ]


def _lettered_choices(cells: dict[str, str], errors: list[str]) -> list[BankChoice]:
    """The filled choices from A on, right where the answer names their letter."""
    texts = [cells.get(f"choice_{x}", "") for x in LETTERS]
    feedback = _feedback(cells)
    answer = cells.get("answer", "")
    last = max((n for n, text in enumerate(texts) if text), default=-1)
    if any(not text for text in texts[:last]):
        errors.append(_("the choices must be filled from A on, without gaps"))
    letters = [part.strip().upper() for part in answer.replace(";", ",").split(",")]
    letters = [letter for part in letters for letter in part.split()]
    wrong = [letter for letter in letters if letter not in LETTERS[: last + 1]]
    if not letters or wrong:
        errors.append(
            _(
                "the right answer '%(value)s' must be letters of filled choices (%(letters)s)",
                value=answer,
                letters=", ".join(LETTERS[: last + 1]) or "A, B…",
            )
        )
    for n in range(last + 1, len(LETTERS)):
        if feedback[n]:
            errors.append(_("feedback for choice %(letter)s, which is empty", letter=LETTERS[n]))
    return [BankChoice(texts[n], LETTERS[n] in letters, feedback[n]) for n in range(last + 1)]


def _read_difficulty(cells: dict[str, str], errors: list[str]) -> str:
    """The "Mức độ" cell as a level; empty or not known: medium (the latter an error)."""
    if not cells.get("difficulty"):
        return "medium"
    found = _DIFFICULTY_BY_KEY.get(header_key(cells["difficulty"]))
    if found is None:
        errors.append(
            _(
                "the difficulty '%(value)s' is not dễ, trung bình or khó",
                value=cells["difficulty"],
            )
        )
    return found or "medium"


def _read_scoring(kind: str, cells: dict[str, str], errors: list[str]) -> str:
    """The "Cách chấm" cell of a multiple-answer question; otherwise (or not known): partial."""
    if not (cells.get("scoring") and kind == "multiple"):
        return "partial"
    way = _SCORING_BY_KEY.get(header_key(cells["scoring"]))
    if way is None:
        errors.append(
            _(
                "the marking '%(value)s' is not từng phần or tất cả hoặc không",
                value=cells["scoring"],
            )
        )
    return way or "partial"


def _read_key(cells: dict[str, str], errors: list[str]) -> str | None:
    """The "Mã câu hỏi" cell, None where empty; one of the wrong form is an error."""
    key = clean_text(cells.get("key")) or None
    if key is not None and not (KEY_PATTERN.match(key) and len(key) <= MAX_KEY):
        errors.append(
            _(
                "the key '%(key)s' may hold only letters without accents, digits, '.', '_' "
                "and '-' (at most %(max)d)",
                key=key[:30],
                max=MAX_KEY,
            )
        )
    return key


def _read_text_format(cells: dict[str, str], errors: list[str]) -> str:
    """The "Định dạng" cell; empty: plain; one not known: an error, and plain."""
    text_format = header_key(cells.get("text_format", "")) or "plain"
    if text_format not in TEXT_FORMATS:
        errors.append(
            _(
                "the format '%(value)s' is not one of: %(names)s",
                value=cells.get("text_format", ""),
                names=", ".join(TEXT_FORMATS),
            )
        )
        return "plain"
    return text_format


def _with_weights(
    kind: str, choices: list[BankChoice], cells: dict[str, str], errors: list[str]
) -> list[BankChoice]:
    """The choices with the weights of the "Trọng số" columns (percentages, as Moodle
    writes them), checked as Moodle checks them and against the right answers; none given:
    the choices as they are (weights implied by the right answers)."""
    given = [cells.get(f"weight_{x}", "").strip() for x in LETTERS[: len(choices)]]
    if not any(given):
        return choices
    if not all(given):
        errors.append(_("give a weight for every filled choice, or for none"))
        return choices
    try:
        weights = [fraction_from_percent(value.replace(",", ".")) for value in given]
    except ValueError:
        errors.append(_("a weight is not a number: %(values)s", values=", ".join(given)))
        return choices
    verdict = classify_choices(
        [ExchangeChoice(c.text, w) for c, w in zip(choices, weights, strict=True)],
        single=kind == "single",
    )
    if isinstance(verdict, Unfit):
        errors.append(verdict.message)
        return choices
    right = [w == 1 if kind == "single" else w > 0 for w in weights]
    if right != [c.correct for c in choices]:
        errors.append(_("the right answers do not match the weights"))
        return choices
    if weights == implied_weights(kind, right):
        return choices
    return [
        BankChoice(c.text, c.correct, c.feedback, w) for c, w in zip(choices, weights, strict=True)
    ]


def column_names(fields: Sequence[str]) -> list[str]:
    """The template's header for each field, for messages."""
    return [COLUMNS[name][0] for name in fields]


__all__ = ["HEADER", "dump", "parse", "template"]
