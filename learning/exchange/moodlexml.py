"""Moodle XML, multichoice and truefalse, read and written the way Moodle does it.

Follows `question/format/xml/format.php` in moodle/moodle: import_headers, import_answer,
import_multichoice, import_truefalse, import_category, import_question_tags, and on the way
out writequestion, write_answer and xml_escape. What that means here:

- the root is `<quiz>`; each `<question type="…">` is read by its type; `category` sets the
  category of the questions after it; every other type goes to `skipped`;
- every text is trimmed; a missing `format` attribute means `html` for the question text and
  the question's format for feedback; an unknown format name means `html`;
- `<single>` defaults to true and is false only for "false", "0" or empty;
- an answer's `fraction` is a percentage ("33.33333"); answers with a blank text are dropped,
  as multichoice's save_question_options drops them;
- a truefalse answer is recognised by its text "true"/"false" (else by position, true
  first), and the answer read last decides which is correct, as in Moodle;
- text with &, <, >, " or ' is written in CDATA, split around any "]]>".

The XML is read with defusedxml: DTDs, entities and external references are refused and
reported in `errors`, so an entity bomb costs nothing. Characters XML 1.0 cannot hold (most
control characters) are dropped when writing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from learning.exchange.model import (
    ExchangeChoice,
    ExchangeQuestion,
    ImportResult,
    TextFormat,
    Unfit,
    classify_choices,
    default_title,
    fraction_from_percent,
    percent_text,
    php_trim,
)
from learning.i18n import gettext as _

__all__ = ["dump", "parse"]

_FORMAT_BY_NAME: dict[str, TextFormat] = {
    "moodle_auto_format": "moodle",
    "html": "html",
    "plain_text": "plain",
    "markdown": "markdown",
    # FORMAT_WIKI is long retired in Moodle; markdown is its nearest living relative.
    "wiki_like": "markdown",
}
_NAME_BY_FORMAT = {
    "moodle": "moodle_auto_format",
    "html": "html",
    "plain": "plain_text",
    "markdown": "markdown",
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _Problem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Unsupported(Exception):
    """A Moodle multichoice question that is valid but cannot be graded here."""


class _LineTreeBuilder(TreeBuilder):
    """A TreeBuilder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def current_line(self) -> int:
        # defusedxml runs the pure-Python XMLParser, whose expat parser is `.parser`.
        expat = getattr(self.parser, "parser", None)
        return getattr(expat, "CurrentLineNumber", 0)

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        self.lines[element] = self.current_line()
        return element


def parse(data: bytes) -> ImportResult:
    """Read a Moodle XML file into questions; other types go to `skipped`, broken questions
    and unreadable or unsafe XML to `errors`, each with its line. Never raises on bad input."""
    result = ImportResult()
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        result.errors.append(
            (error.position[0], _("the file is not well-formed XML: %(error)s", error=error))
        )
        return result
    except DefusedXmlException as error:
        result.errors.append(
            (
                builder.current_line(),
                _("refused for safety: %(reason)s", reason=type(error).__name__),
            )
        )
        return result
    except (LookupError, ValueError) as error:
        # Python decodes for expat, so a bad encoding="…" fails in the codec machinery.
        result.errors.append((1, _("the declared encoding cannot be read: %(error)s", error=error)))
        return result
    if root.tag != "quiz":
        result.errors.append(
            (builder.lines.get(root, 1), _("the root is <%(tag)s>, not <quiz>", tag=root.tag))
        )
        return result

    category: str | None = None
    for element in root.findall("question"):
        line = builder.lines.get(element, 0)
        kind = element.get("type")
        try:
            if kind == "category":
                category = _text(element.find("category")) or None
            elif kind == "multichoice":
                result.questions.append(_multichoice(element, category, line))
            elif kind == "truefalse":
                result.questions.append(_true_false(element, category, line))
            elif kind is None:
                result.errors.append((line, _("a <question> without a type")))
            else:
                result.skipped.append(
                    (line, _("%(kind)s: not a question type this platform has", kind=kind))
                )
        except _Problem as problem:
            result.errors.append((line, problem.message))
        except _Unsupported as unsupported:
            result.skipped.append((line, str(unsupported)))
    return result


def _text(holder: Element | None) -> str:
    """The trimmed <text> of an element, as Moodle's getpath(..., istext=true)."""
    if holder is None:
        return ""
    text = holder.find("text")
    if text is None:
        return ""
    if len(text):
        raise _Problem(
            _(
                "<%(tag)s> has XML elements inside <text>; HTML must be in CDATA or escaped",
                tag=holder.tag,
            )
        )
    return php_trim(text.text or "")


def _format(holder: Element | None, default: TextFormat) -> TextFormat:
    name = holder.get("format") if holder is not None else None
    if name is None:
        return default
    # Moodle's trans_format: an unknown name is taken as HTML.
    return _FORMAT_BY_NAME.get(php_trim(name), "html")


def _headers(element: Element, category: str | None, line: int) -> ExchangeQuestion:
    question_text = element.find("questiontext")
    text_format = _format(question_text, "html")
    text = _text(question_text)
    if not text:
        raise _Problem(_("the question has no text"))
    idnumber_element = element.find("idnumber")
    idnumber = php_trim(idnumber_element.text or "") if idnumber_element is not None else ""
    tags = [_text(tag) for tag in element.findall("tags/tag")]
    notes: list[str] = []
    hints = [hint for hint in element.findall("hint") if _text(hint)]
    if hints:
        notes.append(_("%(count)d hint(s) not kept: this platform has no hints", count=len(hints)))
    if element.find(".//file") is not None:
        notes.append(_("embedded files (<file>) are not kept: upload images as course media"))
    grade = php_trim(element.findtext("defaultgrade") or "1")
    try:
        other_grade = Decimal(grade) != 1
    except InvalidOperation:
        other_grade = True
    if other_grade:
        notes.append(
            _("the default mark %(grade)s is not kept: every question is worth 1", grade=grade)
        )
    return ExchangeQuestion(
        title=_text(element.find("name")) or None,
        text=text,
        text_format=text_format,
        type="single",
        general_feedback=_text(element.find("generalfeedback")) or None,
        tags=[tag for tag in tags if tag],
        idnumber=idnumber or None,
        category=category,
        line=line,
        not_carried=tuple(notes),
    )


def _multichoice(element: Element, category: str | None, line: int) -> ExchangeQuestion:
    question = _headers(element, category, line)
    single_text = element.findtext("single")
    single_text = "true" if single_text is None else php_trim(single_text)
    # Moodle's trans_single: "false" and PHP-falsy strings ("", "0") mean multiple answers.
    single = single_text not in ("false", "", "0")
    choices: list[ExchangeChoice] = []
    for answer in element.findall("answer"):
        raw = answer.get("fraction", "0")
        try:
            fraction = fraction_from_percent(raw)
        except ValueError:
            raise _Problem(
                _("the answer fraction '%(value)s' is not a number", value=raw)
            ) from None
        text = _text(answer)
        if text:
            choices.append(ExchangeChoice(text, fraction, _text(answer.find("feedback")) or None))
    kind = classify_choices(choices, single=single)
    if isinstance(kind, Unfit):
        if kind.unsupported:
            raise _Unsupported(kind.message)
        raise _Problem(kind.message)
    notes = list(question.not_carried)
    for name in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        if _text(element.find(name)):
            notes.append(
                _("<%(tag)s> is not kept: this platform shows per-choice feedback", tag=name)
            )
    if any(
        _format(answer, question.text_format) != question.text_format
        for answer in element.findall("answer")
        if _text(answer)
    ):
        notes.append(
            _("an answer in another text format than the question's is stored in the question's")
        )
    return replace(question, type=kind, choices=choices, not_carried=tuple(notes))


def _true_false(element: Element, category: str | None, line: int) -> ExchangeQuestion:
    question = _headers(element, category, line)
    answers = element.findall("answer")
    if not answers:
        raise _Problem(_("a true/false question without <answer> elements"))
    correct: bool | None = None
    feedback: dict[bool, str | None] = {True: None, False: None}
    for position, answer in enumerate(answers):
        text = _text(answer)
        # Old files wrote localised "Đúng"/"Sai"; Moodle then assumes true comes first.
        is_true = text == "true" if text in ("true", "false") else position == 0
        raw = answer.get("fraction", "0")
        try:
            full = Decimal(php_trim(raw)) == 100
        except InvalidOperation:
            raise _Problem(
                _("the answer fraction '%(value)s' is not a number", value=raw)
            ) from None
        correct = full if is_true else not full
        feedback[is_true] = _text(answer.find("feedback")) or None
    return replace(
        question,
        type="true_false",
        true_false_answer=correct,
        true_feedback=feedback[True],
        false_feedback=feedback[False],
    )


# --- writing -------------------------------------------------------------------------------


def dump(questions: Iterable[ExchangeQuestion]) -> bytes:
    """Write questions as a Moodle XML file (UTF-8) that Moodle and `parse` read back.

    A category question is written whenever the category changes; XML cannot go back to
    "no category" either. Moodle requires a name, so a question without a title gets one
    made from its text (`default_title`), as Moodle's GIFT importer would make it.
    """
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    category: str | None = None
    for question in questions:
        if question.category is not None and question.category != category:
            category = question.category
            out.append(
                '  <question type="category">\n'
                f"    <category>\n      {_write_text(category)}    </category>\n"
                '    <info format="moodle_auto_format">\n      <text></text>\n    </info>\n'
                "  </question>\n"
            )
        out.append(_write_question(question))
    out.append("</quiz>\n")
    return "".join(out).encode("utf-8")


def _write_question(question: ExchangeQuestion) -> str:
    fmt = _NAME_BY_FORMAT[question.text_format]
    true_false = question.type == "true_false"
    out = [
        f'  <question type="{"truefalse" if true_false else "multichoice"}">\n',
        f"    <name>\n      {_write_text(question.title or default_title(question))}    </name>\n",
        f'    <questiontext format="{fmt}">\n      {_write_text(question.text)}',
        "    </questiontext>\n",
        f'    <generalfeedback format="{fmt}">\n',
        f"      {_write_text(question.general_feedback or '')}    </generalfeedback>\n",
        "    <defaultgrade>1</defaultgrade>\n",
        f"    <penalty>{'1' if true_false else '0.3333333'}</penalty>\n",
        "    <hidden>0</hidden>\n",
        f"    <idnumber>{_escape(question.idnumber or '')}</idnumber>\n",
    ]
    if true_false:
        answer = bool(question.true_false_answer)
        out.append(_write_answer("true", 100 if answer else 0, question.true_feedback, fmt))
        out.append(_write_answer("false", 0 if answer else 100, question.false_feedback, fmt))
    else:
        single = "true" if question.type == "single" else "false"
        out.append(f"    <single>{single}</single>\n")
        out.append("    <shuffleanswers>true</shuffleanswers>\n")
        out.append("    <answernumbering>abc</answernumbering>\n")
        out.append("    <showstandardinstruction>0</showstandardinstruction>\n")
        for field in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            out.append(f'    <{field} format="{fmt}">\n      <text></text>\n    </{field}>\n')
        for choice in question.choices:
            percent = percent_text(choice.fraction)
            out.append(_write_answer(choice.text, percent, choice.feedback, fmt))
    if question.tags:
        out.append("    <tags>\n")
        out.extend(f"      <tag>{_write_text(tag).strip()}</tag>\n" for tag in question.tags)
        out.append("    </tags>\n")
    out.append("  </question>\n")
    return "".join(out)


def _write_answer(text: str, percent: int | str, feedback: str | None, fmt: str) -> str:
    return (
        f'    <answer fraction="{percent}" format="{fmt}">\n'
        f"      {_write_text(text)}"
        f'      <feedback format="{fmt}">\n'
        f"        {_write_text(feedback or '')}"
        "      </feedback>\n"
        "    </answer>\n"
    )


def _write_text(raw: str) -> str:
    return f"<text>{_escape(raw)}</text>\n"


def _escape(raw: str) -> str:
    """Moodle's xml_escape: CDATA when the text has a character XML treats specially."""
    raw = _NOT_XML.sub("", raw)
    if any(char in raw for char in "&<>\"'"):
        return "<![CDATA[" + raw.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return raw
