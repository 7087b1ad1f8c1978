"""Round trips over generated banks: a bank exported in a format and imported again gives
back the same questions (GIFT, Moodle XML and XLSX fully; Aiken for what it can hold), with
Vietnamese text and the characters GIFT has to escape, every weight Moodle accepts, the
four text formats, names and feedback (finding 2)."""

from __future__ import annotations

import unicodedata
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from learning.courses.models import Question
from learning.exchange import services
from learning.exchange.bank import BankChoice, BankQuestion, implied_weights, to_exchange
from learning.exchange.model import default_title

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyÁÀẢÃẠẰẴỆỄỮỸĐđỳỹữựờởợốồổỗộ"
SPECIAL = "~=#{}:\\'\"<>&%[]()/.,;-+@!?_*"
WORD = st.text(st.sampled_from(VIETNAMESE + "0123456789" + SPECIAL), min_size=1, max_size=8)
# A GIFT tag cannot end in a backslash (it would escape the closing bracket), nor hold < > `.
ARTICLE_WORD = WORD.filter(lambda word: not set(word) & set("[]<>`\\"))
TAG_WORD = st.text(st.sampled_from(VIETNAMESE + "0123456789-"), min_size=1, max_size=8)
SLUG = st.lists(
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=5),
    min_size=1,
    max_size=2,
).map("-".join)
# The machine is shared with other test runs: generation may be slow, never flaky.
ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The weights Moodle's GIFT importer accepts (question/format/gift/format.php and
# question_bank::fraction_options_full), as percentages, and their negatives.
MOODLE_PERCENTS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40",
                   "33.33333", "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111",
                   "10", "5")  # fmt: skip
WEIGHTS = {
    p: Fraction(round(float(p) * 1000), 100000).limit_denominator(10) for p in MOODLE_PERCENTS
}
PARTIAL_WEIGHTS = sorted(w for w in WEIGHTS.values() if w < 1)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def lines(words: st.SearchStrategy[str], *, multiline: bool) -> st.SearchStrategy[str]:
    """Words joined by single spaces, and by line breaks when `multiline`."""
    line = st.lists(words, min_size=1, max_size=5).map(" ".join)
    if not multiline:
        return line.map(nfc)
    return st.lists(line, min_size=1, max_size=3).map("\n".join).map(nfc)


def weighted(draw, kind: str, right: set[int], count: int, *, plain: bool) -> list[Fraction | None]:
    """Weights for the choices as a Moodle file may give them: the right ones sharing 100%
    (single: 100%; or, drawn, positive shares adding to 100%), the wrong ones 0 or any
    accepted negative, and a single question's wrong ones possibly partial credit. None
    for all when they are what the right answers imply (the bank stores no weights then)."""
    if plain or not draw(st.booleans()):
        return [None] * count
    if kind == "single":
        weights = [
            Fraction(1)
            if n in right
            else draw(
                st.just(Fraction(0))
                | st.sampled_from(PARTIAL_WEIGHTS)
                | st.sampled_from([-w for w in WEIGHTS.values()])
            )
            for n in range(count)
        ]
    else:
        share = Fraction(1, len(right))
        weights = [
            share
            if n in right
            else draw(st.just(Fraction(0)) | st.sampled_from([-w for w in WEIGHTS.values()]))
            for n in range(count)
        ]
    if weights == implied_weights(kind, [n in right for n in range(count)]):
        return [None] * count
    return weights  # type: ignore[return-value]


@st.composite
def bank_questions(
    draw, *, multiline: bool = True, kinds=("single", "multiple", "true_false"), plain: bool = False
):
    text = lines(WORD, multiline=multiline)
    optional = st.none() | text
    kind = draw(st.sampled_from(kinds))
    if kind == "true_false":
        answer = draw(st.booleans())
        choices = [
            BankChoice("Đúng", answer, draw(optional)),
            BankChoice("Sai", not answer, draw(optional)),
        ]
    else:
        texts = draw(st.lists(text, min_size=2, max_size=6, unique=True))
        if kind == "single":
            right = {draw(st.integers(0, len(texts) - 1))}
        else:
            right = set(draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
        weights = weighted(draw, kind, right, len(texts), plain=plain)
        choices = [
            BankChoice(t, n in right, draw(optional), w)
            for n, (t, w) in enumerate(zip(texts, weights, strict=True))
        ]
    has_source = draw(st.booleans())
    text_format = (
        "plain" if plain else draw(st.sampled_from(("plain", "markdown", "html", "moodle")))
    )
    question = BankQuestion(
        key=draw(SLUG),
        type=kind,
        text=draw(text),
        choices=choices,
        explanation=draw(st.just("") | text),
        source_document=draw(SLUG) if has_source else "",
        source_article=draw(lines(ARTICLE_WORD, multiline=False)) if has_source else "",
        tags=draw(
            st.lists(
                lines(TAG_WORD, multiline=False).filter(lambda t: len(t) <= 50),
                max_size=3,
                unique=True,
            )
        ),
        difficulty=draw(st.sampled_from(("easy", "medium", "hard"))),
        lesson=draw(st.none() | SLUG),
        scoring=draw(st.sampled_from(("partial", "all_or_nothing")))
        if kind == "multiple"
        else "partial",
        text_format=text_format,
    )
    name = None if plain else draw(st.none() | lines(WORD, multiline=False))
    # A name that is what an export makes from the text is not stored (None).
    if name is not None and name != default_title(to_exchange(question)):
        question = BankQuestion(**{**question.__dict__, "name": name})
    return question


def banks(**options):
    return st.lists(bank_questions(**options), min_size=1, max_size=5, unique_by=lambda q: q.key)


def read_back(bank: list[BankQuestion], fmt: str) -> list[BankQuestion]:
    export = services.dump_questions(bank, fmt)
    assert export.left_out == []
    converted, skipped, errors = services.read_file(export.data, fmt)
    assert (skipped, errors) == ([], [])
    assert all(item.errors == [] and item.warnings == [] for item in converted)
    return [item.question for item in converted]


@ROUND_TRIP
@given(banks())
def test_gift_round_trip(bank):
    assert read_back(bank, "gift") == bank


@ROUND_TRIP
@given(banks())
def test_moodle_xml_round_trip(bank):
    assert read_back(bank, "moodlexml") == bank


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_xlsx_round_trip(bank):
    assert read_back(bank, "xlsx") == bank


@ROUND_TRIP
@given(banks())
def test_export_import_export_is_identical(bank):
    """Every field: the file written from the bank read back and written again is the same
    file, byte for byte."""
    for fmt in ("gift", "moodlexml", "xlsx"):
        first = services.dump_questions(bank, fmt).data
        again = services.dump_questions(read_back(bank, fmt), fmt).data
        if fmt == "xlsx":
            first, again = xlsx_cells(first), xlsx_cells(again)
        assert again == first


def xlsx_cells(data: bytes) -> list[list[str]]:
    from learning.spreadsheets import Limits, read_rows

    return [row.cells for row in read_rows(data, Limits(), keep_line_breaks=True)]


@ROUND_TRIP
@given(banks(multiline=False, kinds=("single",), plain=True))
def test_aiken_round_trip_keeps_what_aiken_can_hold(bank):
    export = services.dump_questions(bank, "aiken")
    left_out = {key for key, _ in export.left_out}
    assume(len(left_out) < len(bank))
    converted, skipped, errors = services.read_file(export.data, "aiken")
    assert (skipped, errors) == ([], [])
    left_out = {key for key, _ in export.left_out}
    kept = [q for q in bank if q.key not in left_out]
    assert [
        (c.question.text, [(x.text, x.correct) for x in c.question.choices]) for c in converted
    ] == [(q.text, [(x.text, x.correct) for x in q.choices]) for q in kept]


@ROUND_TRIP
@given(banks())
def test_aiken_leaves_out_only_what_it_cannot_hold(bank):
    export = services.dump_questions(bank, "aiken")
    reasons = dict(export.left_out)
    for question in bank:
        if question.type != "single":
            assert "single-choice" in reasons[question.key]


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bank=banks(), fmt=st.sampled_from(["gift", "moodlexml", "xlsx"]))
def test_through_the_database(session, sample_course, bank, fmt):
    """Imported into a course and read from it again, each question is what was written
    (sources and lessons made to fit the course)."""
    fitted = [
        BankQuestion(
            **{
                **question.__dict__,
                "key": f"x-{question.key}",
                "source_document": "blld-2019" if question.source_document else "",
                "lesson": "bai-hai" if question.lesson else None,
            }
        )
        for question in bank
    ]
    data = services.dump_questions(fitted, fmt).data
    savepoint = session.begin_nested()
    try:
        plan = services.plan_import(session, sample_course, data, fmt)
        assert plan.errors == []
        services.apply_import(session, sample_course, plan)
        imported = [
            q for q in services.bank_questions(session, sample_course) if q.key.startswith("x-")
        ]
        assert imported == sorted(fitted, key=lambda q: q.key)
        assert len(session.scalars(select(Question)).all()) == 3 + len(fitted)
    finally:
        savepoint.rollback()


# --- finding 2: every field a format carries, and every weight Moodle accepts ----------------

from learning.exchange import gift, moodlexml  # noqa: E402
from learning.exchange.bank import from_exchange  # noqa: E402
from learning.exchange.model import ExchangeChoice, ExchangeQuestion  # noqa: E402

PLAIN_WORD = st.text(st.sampled_from(VIETNAMESE + "0123456789"), min_size=1, max_size=8)


@st.composite
def exchange_questions(draw):
    """A choice question as a Moodle file may hold it: any accepted weight (negative ones
    for wrong answers), any text format, a name, per-choice and general feedback, tags, id."""
    text = lines(PLAIN_WORD, multiline=False)
    texts = draw(st.lists(text, min_size=2, max_size=6, unique=True))
    kind = draw(st.sampled_from(("single", "multiple")))
    if kind == "single":
        right = draw(st.integers(0, len(texts) - 1))
        fractions = [Fraction(1) if n == right else Fraction(0) for n in range(len(texts))]
    else:
        count = draw(st.integers(1, min(len(texts), 10)))
        fractions = [Fraction(1, count)] * count + [Fraction(0)] * (len(texts) - count)
    fractions = [
        -WEIGHTS[draw(st.sampled_from(MOODLE_PERCENTS))] if f == 0 and draw(st.booleans()) else f
        for f in fractions
    ]
    if kind == "single":  # partial credit for a wrong answer, which Moodle allows too
        fractions = [
            draw(st.sampled_from(PARTIAL_WEIGHTS)) if f == 0 and draw(st.booleans()) else f
            for f in fractions
        ]
    return ExchangeQuestion(
        title=draw(text),
        text=draw(text),
        text_format=draw(st.sampled_from(("moodle", "html", "markdown", "plain"))),
        type=kind,
        choices=[
            ExchangeChoice(t, f, draw(st.none() | text))
            for t, f in zip(texts, fractions, strict=True)
        ],
        general_feedback=draw(st.none() | text),
        tags=draw(st.lists(lines(TAG_WORD, multiline=False), max_size=3, unique=True)),
        idnumber=draw(SLUG),
    )


def test_every_moodle_weight_is_exact():
    assert WEIGHTS["83.33333"] == Fraction(5, 6) and WEIGHTS["14.28571"] == Fraction(1, 7)
    assert WEIGHTS["11.11111"] == Fraction(1, 9) and WEIGHTS["12.5"] == Fraction(1, 8)


@ROUND_TRIP
@given(st.lists(exchange_questions(), min_size=1, max_size=4))
def test_gift_and_xml_carry_every_field_unchanged(questions):
    for parsed in (gift.parse(gift.dump(questions)), moodlexml.parse(moodlexml.dump(questions))):
        assert parsed.errors == [] and parsed.skipped == []
        assert parsed.questions == questions


@ROUND_TRIP
@given(exchange_questions())
def test_the_bank_keeps_every_field_a_moodle_file_gives(question):
    """Through the bank a Moodle question comes back as it was: weights, format, name,
    feedback, tags and id, with nothing for the preview to warn about."""
    converted = from_exchange(question)
    assert converted.errors == [] and converted.warnings == []
    back = to_exchange(converted.question)
    assert [c.fraction for c in back.choices] == [c.fraction for c in question.choices]
    assert (back.text_format, back.text, back.general_feedback) == (
        question.text_format,
        question.text,
        question.general_feedback,
    )
    assert [c.feedback for c in back.choices] == [c.feedback for c in question.choices]
    assert (back.tags, back.idnumber) == (question.tags, question.idnumber)
    assert (back.title or default_title(back)) == question.title
