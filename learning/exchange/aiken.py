"""Aiken, read and written the way Moodle's own importer does it.

Follows `question/format/aiken/format.php` (qformat_aiken::readquestions, writequestion) in
moodle/moodle. Aiken holds one-answer multiple choice only, with no feedback:

    Theo Bộ luật Lao động 2019, thời gian thử việc tối đa là bao nhiêu ngày?
    A) 30 ngày
    B. 180 ngày
    ANSWER: B

- every line is trimmed and lines shorter than 2 bytes are ignored;
- a choice line is a capital A-Z, then `)` or `.`, then optionally a space or tab (Moodle's
  pattern is `/^[A-Z][).][ \\t]?/`, so "A.B" is a choice with text "B");
- `ANSWER:` in capitals ends the question; the letter is counted by position (A = first
  choice), not matched against the labels;
- any other line starts a new question, so question text is one line.

Moodle stores the text as HTML-escaped HTML; here it is the same text as `plain`. Stricter
than Moodle: choices must be labelled A, B, C... in order (Moodle would silently count
positions), an answer letter past the last choice and a question still open at the end of
the file are errors (Moodle drops the last one without a word), and "Answer: B" where an
ANSWER line is due gets a hint about the capitals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from learning.exchange.model import (
    ExchangeChoice,
    ExchangeQuestion,
    ImportResult,
    php_trim,
    plain_text,
)
from learning.i18n import gettext as _

__all__ = ["dump", "parse"]

_CHOICE = re.compile(r"[A-Z][).][ \t]?")
_LOWER_ANSWER = re.compile(r"answer\s*:", re.IGNORECASE)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class _Open:
    line: int
    text: str
    labels: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)


def parse(text: str) -> ImportResult:
    """Read Aiken text into single-choice questions; problems go to `errors` with the line
    they were found on. Never raises on bad input."""
    result = ImportResult()
    current: _Open | None = None
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        line = php_trim(raw)
        if len(line.encode()) < 2:
            continue
        if _CHOICE.match(line):
            if current is None:
                result.errors.append((number, _("a choice line before any question text")))
                continue
            current.labels.append(line[0])
            current.choices.append(php_trim(line[2:]))
        elif line.startswith("ANSWER:"):
            if current is None:
                result.errors.append((number, _("an ANSWER line before any question text")))
                continue
            _finish(current, php_trim(line[len("ANSWER:") :]), number, result)
            current = None
        elif current is not None and current.choices and _LOWER_ANSWER.match(line):
            result.errors.append(
                (number, _("write the answer line as 'ANSWER: X', in capitals, as Moodle needs"))
            )
            current = None
        else:
            if current is not None:
                result.errors.append(
                    (
                        current.line,
                        _(
                            "no 'ANSWER:' line before the next question (line %(line)d)",
                            line=number,
                        ),
                    )
                )
            current = _Open(number, line)
    if current is not None:
        result.errors.append((current.line, _("no 'ANSWER:' line before the end of the file")))
    return result


def _finish(question: _Open, letter: str, number: int, result: ImportResult) -> None:
    count = len(question.choices)
    if count < 2:
        result.errors.append(
            (
                question.line,
                _("a question needs at least two choices, found %(count)d", count=count),
            )
        )
        return
    expected = _LETTERS[:count]
    if "".join(question.labels) != expected:
        result.errors.append(
            (
                question.line,
                _(
                    "choices are labelled %(labels)s; label them %(expected)s in order "
                    "(Moodle counts positions, not labels)",
                    labels=", ".join(question.labels),
                    expected=", ".join(expected),
                ),
            )
        )
        return
    if len(letter) != 1 or letter not in _LETTERS:
        result.errors.append(
            (number, _("'ANSWER: %(letter)s' should name one capital letter", letter=letter))
        )
        return
    if letter not in expected:
        result.errors.append(
            (
                number,
                _(
                    "the answer %(letter)s is not among the choices %(expected)s",
                    letter=letter,
                    expected=", ".join(expected),
                ),
            )
        )
        return
    right = _LETTERS.index(letter)
    result.questions.append(
        ExchangeQuestion(
            text=question.text,
            text_format="plain",
            type="single",
            choices=[
                ExchangeChoice(text, Fraction(1 if index == right else 0))
                for index, text in enumerate(question.choices)
            ],
            line=question.line,
        )
    )


def dump(questions: Iterable[ExchangeQuestion]) -> tuple[str, list[tuple[ExchangeQuestion, str]]]:
    """Write the questions Aiken can hold; return the text and (question, reason) for the rest.

    Aiken keeps only the question text and the choices, each on one line: title, feedback,
    general feedback, tags, idnumber, category and the text format are dropped (HTML is
    reduced to its text, line breaks to spaces, as Moodle's exporter does). Skipped: other
    types than single, negative marks (Aiken has none), more than 26 choices, and texts that
    would read back as something else (a question starting "A)" or "ANSWER:").
    """
    blocks: list[str] = []
    skipped: list[tuple[ExchangeQuestion, str]] = []
    for question in questions:
        reason = _unfit(question)
        if reason:
            skipped.append((question, reason))
            continue
        lines = [plain_text(question.text, question.text_format)]
        for letter, choice in zip(_LETTERS, question.choices, strict=False):
            lines.append(f"{letter}) {plain_text(choice.text, question.text_format)}")
        right = next(i for i, choice in enumerate(question.choices) if choice.fraction == 1)
        lines.append(f"ANSWER: {_LETTERS[right]}")
        blocks.append("\n".join(lines))
    return "".join(block + "\n\n" for block in blocks), skipped


def _unfit(question: ExchangeQuestion) -> str | None:
    if question.type != "single":
        return f"Aiken holds single-choice questions only, not {question.type}"
    if any(choice.fraction < 0 for choice in question.choices):
        return "Aiken cannot hold negative marks for wrong choices"
    if any(0 < choice.fraction < 1 for choice in question.choices):
        return "Aiken cannot hold partial credit"
    if len(question.choices) > len(_LETTERS):
        return "Aiken cannot hold more than 26 choices"
    text = plain_text(question.text, question.text_format)
    if len(text.encode()) < 2 or _CHOICE.match(text) or text.startswith("ANSWER:"):
        return "the question text would be read back as a choice or an answer line"
    if any(not plain_text(choice.text, question.text_format) for choice in question.choices):
        return "a choice has no text"
    return None
