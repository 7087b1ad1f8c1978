"""GIFT, read and written the way Moodle's own importer does it.

Follows `question/format/gift/format.php` (qformat_gift::readquestion, writequestion,
extract_idnumber_and_tags_from_comment) and the block splitting of
`question/format.php` (qformat_default::readquestions) in moodle/moodle:

- questions are separated by blank lines; every line is trimmed first;
- a line starting `//` is a comment; `[id:…]` and `[tag:…]` inside the comments of a block
  set the question's idnumber and tags (a `]` inside them is written `\\]`);
- a block starting `$CATEGORY:` sets the category of the questions after it;
- `::name::` is the title, `[html]`, `[moodle]`, `[markdown]`, `[plain]` before a text set
  its format (answers and feedback default to the question's format);
- `\\~ \\= \\# \\{ \\} \\: \\n \\\\` are escapes; the first `{` and the first `}` delimit the
  answers; text after the `}` makes a missing-word question, "before _____ after";
- the type is decided in Moodle's order: no braces = description, `{}` = essay, `{#` =
  numerical, any `~` = multichoice, `=` with `->` = matching, `T`/`TRUE`/`F`/`FALSE`
  (exactly these, upper case) = true/false, anything else = short answer;
- multichoice is one-answer when an `=` is present, else multi-answer with `~%50%` weights;
  `=` takes no `%weight%` (Moodle keeps `=%50%a` as the text "%50%a");
- true/false feedback is `{T#shown for a wrong response#shown for a right response}`.

Description, essay, numerical, matching and short-answer questions go to `skipped`. Where
Moodle would import nonsense (a `}` before the `{`, a second answer block) this reports an
error instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import cast

from learning.exchange.model import (
    PHP_WHITESPACE,
    TEXT_FORMATS,
    ExchangeChoice,
    ExchangeQuestion,
    ImportResult,
    TextFormat,
    Unfit,
    classify_choices,
    fraction_from_percent,
    percent_text,
    php_trim,
)
from learning.i18n import gettext as _

__all__ = ["dump", "parse"]

_ESCAPES = {"\\": "\\", ":": ":", "#": "#", "=": "=", "{": "{", "}": "}", "~": "~", "n": "\n"}
# Stands in the mask for an escaped character: not a GIFT syntax character and not
# whitespace, so neither a search nor a trim ever sees the character behind it.
_HIDDEN = "\x01"
_WEIGHT = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_ID = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")
_NOT_IN_TAG = re.compile(r"[<>`\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class _Chunk:
    """GIFT text after escapes: `real` has the characters, `mask` the same with every
    escaped character replaced by _HIDDEN, so syntax is searched for in `mask` only."""

    real: str
    mask: str

    def __getitem__(self, index: slice) -> _Chunk:
        return _Chunk(self.real[index], self.mask[index])

    def __add__(self, other: _Chunk) -> _Chunk:
        return _Chunk(self.real + other.real, self.mask + other.mask)

    def trim(self) -> _Chunk:
        # Moodle trims before it restores escaped characters, so an escaped \n survives.
        stripped = self.mask.lstrip(PHP_WHITESPACE)
        start = len(self.mask) - len(stripped)
        end = start + len(stripped.rstrip(PHP_WHITESPACE))
        return self[start:end]


def _decode(raw: str) -> _Chunk:
    real: list[str] = []
    mask: list[str] = []
    position = 0
    while position < len(raw):
        char = raw[position]
        following = raw[position + 1 : position + 2]
        if char == "\\" and following in _ESCAPES:
            real.append(_ESCAPES[following])
            mask.append(_HIDDEN)
            position += 2
        else:
            # A backslash before any other character is kept, as Moodle does.
            real.append(char)
            mask.append(char)
            position += 1
    return _Chunk("".join(real), "".join(mask))


class _Problem(Exception):
    def __init__(self, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.unsupported = unsupported


def parse(text: str) -> ImportResult:
    """Read GIFT text into questions; unsupported types go to `skipped`, broken ones to
    `errors`, each with the line where the question starts. Never raises on bad input."""
    result = ImportResult()
    category: str | None = None
    block: list[tuple[int, str]] = []
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate([*lines, ""], start=1):
        line = php_trim(line)
        if line:
            block.append((number, line))
        elif block:
            category = _read_block(block, category, result)
            block = []
    return result


def _read_block(
    block: list[tuple[int, str]], category: str | None, result: ImportResult
) -> str | None:
    """Read one blank-line separated block; return the category in force after it."""
    comments = "".join(line + "\n" for _, line in block if line.startswith("//"))
    body = [(number, line) for number, line in block if not line.startswith("//")]
    if not body:
        return category
    start = body[0][0]
    # Moodle turns comment lines into a space and joins the block with newlines.
    raw = php_trim("\n".join(" " if line.startswith("//") else line for _, line in block))
    if raw.startswith("$CATEGORY:"):
        # Moodle never unescapes a category (it keeps its internal placeholders) and its
        # exporter writes the path raw, so it is taken verbatim here.
        return php_trim(raw.removeprefix("$CATEGORY:")) or None
    try:
        question = _read_question(_decode(raw), start)
    except _Problem as problem:
        (result.skipped if problem.unsupported else result.errors).append((start, problem.message))
        return category
    idnumber, tags = _idnumber_and_tags(comments)
    result.questions.append(replace(question, tags=tags, idnumber=idnumber, category=category))
    return category


def _idnumber_and_tags(comments: str) -> tuple[str | None, list[str]]:
    """Moodle's extract_idnumber_and_tags_from_comment: the first [id:], every [tag:]."""
    found = _ID.search(comments)
    idnumber = php_trim(found.group(1)).replace("\\]", "]") if found else None
    tags = [php_trim(raw).replace("\\]", "]") for raw in _TAG_TOKEN.findall(comments)]
    return idnumber or None, [tag for tag in tags if tag]


def _read_question(text: _Chunk, line: int) -> ExchangeQuestion:
    """One question (comment lines blanked, escapes decoded) as Moodle's GIFT importer
    reads it: title, text, the answer block with its general feedback, then the answers."""
    title, text = _title_and_rest(text)
    question_text, answers = _answer_block(text)
    feedback_part = _Chunk("", "")
    separator = answers.mask.rfind("####")
    if separator != -1:
        feedback_part = answers[separator + 4 :]
        answers = answers[:separator].trim()

    text_format, body = _with_format(question_text, "moodle")
    # The general feedback's format defaults to the question's.
    feedback_format, general_feedback = _with_format(feedback_part, text_format)
    if not body:
        raise _Problem(_("the question has no text"))
    question = ExchangeQuestion(
        title=title,
        text=body,
        text_format=text_format,
        type="single",
        general_feedback=general_feedback or None,
        line=line,
    )
    # The general feedback's own format, if it sets one, counts with the answers'.
    marked: list[TextFormat] = [feedback_format] if general_feedback else []
    return _with_answers(question, answers, marked)


def _title_and_rest(text: _Chunk) -> tuple[str | None, _Chunk]:
    """The ::title:: in front of the question, if any, and the text after it."""
    if not text.mask.startswith("::"):
        return None, text
    text = text[2:]
    end = text.mask.find("::")
    if end == -1:
        return None, text
    return php_trim(text[:end].real) or None, text[end + 2 :].trim()


def _answer_block(text: _Chunk) -> tuple[_Chunk, _Chunk]:
    """The question's text and its one {answer block}; a block in the middle of the text
    (missing-word format) leaves a blank where it stood."""
    opening, closing = text.mask.find("{"), text.mask.find("}")
    if opening == -1 and closing == -1:
        raise _Problem(_("description: a text without answers"), unsupported=True)
    if opening == -1:
        raise _Problem(_("a '}' without a '{' (write \\} for a literal brace)"))
    if closing == -1:
        raise _Problem(_("the '{' is never closed with '}'"))
    if closing < opening:
        raise _Problem(_("a '}' comes before the '{' (write \\} for a literal brace)"))
    if "{" in text.mask[closing + 1 :] or "}" in text.mask[closing + 1 :]:
        raise _Problem(_("more than one answer block; escape literal braces as \\{ and \\}"))
    answers = text[opening + 1 : closing].trim()
    if text.mask.endswith("}"):
        return text[:opening], answers
    # Missing-word format: the answers stand where the blank goes.
    return text[:opening] + _Chunk("_____", "_____") + text[closing + 1 :], answers


def _with_answers(
    question: ExchangeQuestion, answers: _Chunk, marked: list[TextFormat]
) -> ExchangeQuestion:
    """The question with its answers, read by their kind: multiple choice or true/false;
    the kinds the bank does not hold are refused by name."""
    mask = answers.mask
    if not mask:
        raise _Problem(_("essay: no answers between the braces"), unsupported=True)
    if mask.startswith("#"):
        raise _Problem(_("numerical: answers starting with '#'"), unsupported=True)
    if "~" in mask:
        return _multichoice(question, answers, marked)
    if "=" in mask and "->" in mask:
        raise _Problem(_("matching: answers of the form =a -> b"), unsupported=True)
    check = answers
    if mask.find("#") > 0:
        check = answers[: mask.find("#")].trim()
    if check.mask in _TRUE_FALSE:
        return _true_false(question, answers, marked)
    raise _Problem(_("shortanswer: answers without any '~' wrong answer"), unsupported=True)


def _other_formats(text_format: TextFormat, formats: list[TextFormat]) -> tuple[str, ...]:
    """A note when an answer or feedback sets another format than its question's: the bank
    keeps one format per question."""
    others = sorted(set(formats) - {text_format})
    if not others:
        return ()
    return (
        _(
            "a text marked [%(formats)s] is stored in the question's format [%(format)s]",
            formats=", ".join(others),
            format=text_format,
        ),
    )


def _with_format(chunk: _Chunk, default: TextFormat) -> tuple[TextFormat, str]:
    """Moodle's parse_text_with_format: a leading [html] etc. sets the format."""
    chunk = chunk.trim()
    text_format = default
    if chunk.mask.startswith("["):
        end = chunk.mask.find("]")
        name = chunk.mask[1:end]
        if end != -1 and name in TEXT_FORMATS:
            text_format = cast(TextFormat, name)
            chunk = chunk[end + 1 :]
    return text_format, php_trim(chunk.real)


def _multichoice(
    question: ExchangeQuestion, answers: _Chunk, formats: list[TextFormat]
) -> ExchangeQuestion:
    single = "=" in answers.mask
    # Moodle: str_replace('=', '~=') then explode('~'); '=' stays at the head of its answer.
    pieces: list[_Chunk] = []
    start = 0
    for position, char in enumerate(answers.mask):
        if char in "~=":
            pieces.append(answers[start:position])
            start = position + 1 if char == "~" else position
    pieces.append(answers[start:])
    # Text before the first marker is an answer too, unless blank. (PHP's empty() would
    # also drop an answer "0"; that accident is not copied.)
    if not pieces[0].trim().mask:
        pieces.pop(0)
    if len(pieces) < 2:
        raise _Problem(
            _("a choice question needs at least two answers, found %(count)d", count=len(pieces))
        )

    choices: list[ExchangeChoice] = []
    formats = list(formats)
    for piece in pieces:
        answer = piece.trim()
        weight = Fraction(0)
        if answer.mask.startswith("="):
            weight = Fraction(1)
            answer = answer[1:]
        elif _WEIGHT.match(answer.mask):
            end = answer.mask.index("%", 1)
            try:
                weight = fraction_from_percent(answer.real[1:end])
            except ValueError:
                raise _Problem(
                    _("the weight %%%(weight)s%% is not a number", weight=answer.real[1:end])
                ) from None
            answer = answer[end + 1 :]
        feedback_at = answer.mask.find("#")
        feedback = None
        if feedback_at != -1:
            feedback_format, feedback_text = _with_format(
                answer[feedback_at + 1 :], question.text_format
            )
            feedback = feedback_text or None
            if feedback:
                formats.append(feedback_format)
            answer = answer[:feedback_at]
        choice_format, choice_text = _with_format(answer, question.text_format)
        # Moodle's multichoice save_question_options skips answers with a blank text.
        if choice_text:
            choices.append(ExchangeChoice(choice_text, weight, feedback))
            formats.append(choice_format)

    kind = classify_choices(choices, single=single)
    if isinstance(kind, Unfit):
        raise _Problem(kind.message, unsupported=kind.unsupported)
    notes = _other_formats(question.text_format, formats)
    return replace(question, type=kind, choices=choices, not_carried=notes)


def _true_false(
    question: ExchangeQuestion, answers: _Chunk, formats: list[TextFormat]
) -> ExchangeQuestion:
    # Moodle's split_truefalse_comment: explode('#', $answer, 3) -> answer, wrong, right.
    bits: list[_Chunk] = []
    rest = answers
    while len(bits) < 2 and "#" in rest.mask:
        at = rest.mask.index("#")
        bits.append(rest[:at])
        rest = rest[at + 1 :]
    bits.append(rest)
    answer = _TRUE_FALSE[bits[0].trim().mask]
    marked = [_with_format(bit, question.text_format) for bit in bits[1:]]
    feedback = [text or None for _format, text in marked]
    notes = _other_formats(question.text_format, formats + [f for f, text in marked if text])
    wrong = feedback[0] if len(feedback) > 0 else None
    right = feedback[1] if len(feedback) > 1 else None
    return replace(
        question,
        type="true_false",
        true_false_answer=answer,
        true_feedback=right if answer else wrong,
        false_feedback=wrong if answer else right,
        not_carried=notes,
    )


# --- writing -------------------------------------------------------------------------------

_ESCAPE_TABLE = str.maketrans(
    {
        "\\": "\\\\",
        "#": "\\#",
        "=": "\\=",
        "~": "\\~",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
        "\r": "",
    }
)


def dump(questions: Iterable[ExchangeQuestion]) -> str:
    """Write questions as GIFT that Moodle (and `parse`) read back to the same questions.

    Tags and idnumber go in a `// [id:…] [tag:…]` comment line, the category in a
    `$CATEGORY:` block whenever it changes. GIFT cannot switch back to "no category", so a
    question without one after one with a category is read back in that category.
    """
    blocks: list[str] = []
    category: str | None = None
    for question in questions:
        if question.category is not None and question.category != category:
            category = question.category
            blocks.append("$CATEGORY: " + " ".join(category.splitlines()))
        blocks.append(_write_question(question))
    return "".join(block + "\n\n" for block in blocks)


def _write_question(question: ExchangeQuestion) -> str:
    lines: list[str] = []
    meta: list[str] = []
    if question.idnumber:
        meta.append("[id:" + _CONTROL.sub("", question.idnumber).replace("]", "\\]") + "]")
    for tag in question.tags:
        # Moodle's tag syntax cannot hold <, >, ` or control characters (nor can PARAM_TAG).
        meta.append("[tag:" + _NOT_IN_TAG.sub("", tag).replace("]", "\\]") + "]")
    if meta:
        lines.append("// " + " ".join(meta))

    head = ""
    if question.title is not None:
        head = "::" + question.title.translate(_ESCAPE_TABLE) + "::"
    # Without a title, a text starting // would make the whole line a comment.
    guard = question.title is None and question.text.startswith("//")
    head += _write_text(question.text, question.text_format, "moodle", always=guard)
    fmt = question.text_format

    if question.type == "true_false":
        answer = bool(question.true_false_answer)
        right = question.true_feedback if answer else question.false_feedback
        wrong = question.false_feedback if answer else question.true_feedback
        block = "TRUE" if answer else "FALSE"
        if wrong:
            block += "#" + _write_text(wrong, fmt, fmt)
        elif right:
            block += "#"
        if right:
            block += "#" + _write_text(right, fmt, fmt)
        if question.general_feedback:
            block += "####" + _write_text(question.general_feedback, fmt, fmt)
        lines.append(head + "{" + block + "}")
        return "\n".join(lines)

    lines.append(head + "{")
    for choice in question.choices:
        text = _write_text(choice.text, fmt, fmt)
        if question.type == "single" and choice.fraction == 1:
            marker = "="
        elif choice.fraction == 0:
            # A text that itself starts like %50% would be read as a weight.
            marker = "~%0%" if _WEIGHT.match(text) else "~"
        else:
            marker = f"~%{percent_text(choice.fraction)}%"
        line = "\t" + marker + text
        if choice.feedback:
            line += "#" + _write_text(choice.feedback, fmt, fmt)
        lines.append(line)
    if question.general_feedback:
        lines.append("\t####" + _write_text(question.general_feedback, fmt, fmt))
    lines.append("}")
    return "\n".join(lines)


def _write_text(
    text: str, text_format: TextFormat, default: TextFormat, *, always: bool = False
) -> str:
    """Escape a text; prefix its format when it differs from the default, or when the
    text itself starts like a format marker ("[html]…") and would be misread."""
    end = text.find("]")
    looks_marked = text.startswith("[") and end != -1 and text[1:end] in TEXT_FORMATS
    prefix = f"[{text_format}]" if always or looks_marked or text_format != default else ""
    return prefix + text.translate(_ESCAPE_TABLE)
