"""Writes for contests: contests and rounds (each round a quiz of kind CONTEST_ROUND),
registration and entry, predictions, attempts through the quiz engine, closing and ranking
a round (once, whatever the number of processes trying), the prize list's export (logged),
and officers' confirmations. Reads are the queries module's."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import Gender, User
from learning.auth.passwords import hash_password
from learning.auth.scope import require_admin, require_unit
from learning.auth.services import MIN_PASSWORD_LENGTH, create_user
from learning.contests.errors import (
    ExposedBanks,
    InvalidPrediction,
    NotEntered,
    NotOpenToYou,
    RegistrationClosed,
    RoundNotRanked,
    UnknownUnit,
)
from learning.contests.models import (
    Category,
    Contest,
    ContestUnit,
    Entrant,
    Prediction,
    Round,
)
from learning.contests.queries import (
    PrizeTable,
    entrant_of,
    exposed_banks,
    prize_table,
    rankable_after,
)
from learning.courses.models import Course
from learning.db import utcnow
from learning.errors import InvalidInput, NotFound
from learning.i18n import gettext as _
from learning.org.models import Unit, UnitClosure
from learning.quizzes import services as quiz_services
from learning.quizzes.errors import AttemptClosed
from learning.quizzes.models import (
    Attempt,
    AttemptStatus,
    GradingMethod,
    Quiz,
    QuizKind,
    ReviewDetail,
    ReviewTiming,
)
from learning.text import InvalidPhone, nfc, normalise_phone

MAX_PREDICTION = 100_000_000

# --- contests and rounds (admins) ----------------------------------------------------------


@dataclass(frozen=True)
class ContestData:
    title: str
    rules: str
    allows_registration: bool
    is_published: bool
    prize_count: int
    award_min_members: int
    suspicious_percent: int
    unit_ids: Sequence[int] = ()


def save_contest(
    session: Session, actor: User, data: ContestData, contest: Contest | None = None
) -> Contest:
    """Create a contest, or change one; its units replace the earlier ones."""
    require_admin(actor)
    title = nfc(data.title)
    if not title:
        raise InvalidInput(_("A title is required."))
    units = set(data.unit_ids)
    if units and len(set(session.scalars(select(Unit.id).where(Unit.id.in_(units))))) != len(units):
        raise UnknownUnit()
    created = contest is None
    if contest is None:
        contest = Contest()
        session.add(contest)
    contest.title = title
    contest.rules = data.rules.strip()
    contest.allows_registration = data.allows_registration
    contest.is_published = data.is_published
    contest.prize_count = data.prize_count
    contest.award_min_members = data.award_min_members
    contest.suspicious_percent = data.suspicious_percent
    session.flush()
    session.execute(delete(ContestUnit).where(ContestUnit.contest_id == contest.id))
    if units:
        session.execute(
            insert(ContestUnit), [{"contest_id": contest.id, "unit_id": u} for u in sorted(units)]
        )
    record(
        session,
        actor.id,
        "contest.create" if created else "contest.update",
        "contest",
        contest.id,
        after={"title": title, "units": sorted(units)},
    )
    session.flush()
    return contest


@dataclass(frozen=True)
class RoundData:
    opens_at: dt.datetime
    closes_at: dt.datetime
    course_ids: Sequence[int]
    question_count: int = 20
    time_limit_minutes: int = 20
    attempts_allowed: int = 1
    has_prediction: bool = True
    # The admin read the warning that some of the banks are reviewed at once, and goes on.
    confirm_exposed: bool = False


def save_round(
    session: Session,
    actor: User,
    contest: Contest,
    data: RoundData,
    round_: Round | None = None,
) -> Round:
    """Create a round (and its quiz), or change one that has not been ranked yet."""
    require_admin(actor)
    exposed = _check_round(session, data, round_)
    if round_ is None:
        round_ = _new_round(session, contest, data)
    quiz = round_.quiz
    quiz.title = f"{contest.title} – " + _("Round %(n)d", n=round_.number)
    quiz.bank_course_ids = sorted(set(data.course_ids))
    quiz.question_count = data.question_count
    quiz.time_limit_seconds = data.time_limit_minutes * 60
    quiz.opens_at = data.opens_at
    quiz.closes_at = data.closes_at
    quiz.attempts_allowed = data.attempts_allowed
    round_.has_prediction = data.has_prediction
    session.flush()
    record(
        session,
        actor.id,
        "contest.round",
        "contest",
        contest.id,
        after={
            "round": round_.number,
            "closes_at": data.closes_at.isoformat(),
            "exposed_banks_confirmed": [c.id for c in exposed],
        },
    )
    return round_


def _check_round(session: Session, data: RoundData, round_: Round | None) -> list[Course]:
    """Refuse a round that closes before it opens, draws from no bank, is ranked already,
    or draws from exposed banks without the admin's confirmation; the exposed banks."""
    if data.closes_at <= data.opens_at:
        raise InvalidInput(_("A round must close after it opens."))
    if not data.course_ids:
        raise InvalidInput(_("Choose at least one question bank."))
    if round_ is not None and round_.ranked_at is not None:
        raise InvalidInput(_("This round is ranked already; it can no longer be changed."))
    exposed = exposed_banks(session, data.course_ids)
    if exposed and not data.confirm_exposed:
        raise ExposedBanks(
            _(
                "Some of these banks are used by course quizzes that show the answers as soon as "
                "an attempt is submitted, so the round's key can be collected in advance: "
                "%(courses)s. Draw from banks kept for contests, or confirm to go on.",
                courses=", ".join(c.title for c in exposed),
            )
        )
    return exposed


def _new_round(session: Session, contest: Contest, data: RoundData) -> Round:
    """The contest's next round and its quiz (settings the organiser does not choose)."""
    quiz = Quiz(
        kind=QuizKind.CONTEST_ROUND,
        title="",
        question_count=data.question_count,
        draw_rules=[],
        pass_percent=0,
        grading_method=GradingMethod.HIGHEST,
        # Right answers stay hidden while others are still taking the round.
        review_detail=ReviewDetail.SCORE,
        review_timing=ReviewTiming.AFTER_CLOSE,
        one_question_per_page=True,
    )
    session.add(quiz)
    round_ = Round(contest=contest, number=len(contest.rounds) + 1, quiz=quiz)
    session.add(round_)
    return round_


# --- entering ------------------------------------------------------------------------------


def _check_unit(session: Session, contest: Contest, unit_id: int | None) -> Unit:
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.is_active:
        raise UnknownUnit()
    allowed = session.scalars(
        select(ContestUnit.unit_id).where(ContestUnit.contest_id == contest.id)
    ).all()
    if allowed:
        inside = session.scalar(
            select(UnitClosure.ancestor_id).where(
                UnitClosure.ancestor_id.in_(allowed), UnitClosure.descendant_id == unit.id
            )
        )
        if inside is None:
            raise NotOpenToYou()
    return unit


@dataclass(frozen=True)
class Registration:
    full_name: str
    phone: str
    password: str
    unit_id: int | None
    category: Category
    birth_year: int | None
    gender: Gender | None


def register(
    session: Session, contest: Contest, form: Registration, address: str | None
) -> tuple[User, Entrant] | None:
    """Someone without an account registers: one account per phone, never a second one.

    The account gets no unit of its own (it is not an officer's member list entry) and is
    unconfirmed: an officer's roster naming another person for this phone takes it over.
    The unit and category are the entrant's, for officers to confirm.

    A phone that already has an account gets nothing (None) and costs the same work, so
    that the answer does not tell anyone which phones have accounts; the caller answers both
    the same way (log in with the phone; a forgotten password goes to the officer)."""
    if not contest.is_published or not contest.allows_registration:
        raise RegistrationClosed()
    try:
        phone = normalise_phone(form.phone)
    except InvalidPhone:
        raise InvalidInput(_("This is not a Vietnamese phone number.")) from None
    unit = _check_unit(session, contest, form.unit_id)
    if len(form.password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    holder = session.scalar(select(User.id).where(User.phone == phone))
    if holder is None:
        try:
            # The unique phone decides a race between two registrations of one number.
            with session.begin_nested():
                user = create_user(
                    session,
                    full_name=form.full_name,
                    phone=phone,
                    password=form.password,
                    confirmed=False,
                )
        except IntegrityError:
            holder = session.scalar(select(User.id).where(User.phone == phone))
    if holder is not None:
        hash_password(form.password)  # the same hashing as a new account: time tells nothing
        record(
            session, None, "contest.register_held", "contest", contest.id, after={"user_id": holder}
        )
        return None
    entrant = _add_entrant(
        session, contest, user, unit, form.category, form.birth_year, form.gender, address
    )
    record(
        session,
        None,
        "contest.register",
        "contest",
        contest.id,
        after={"user_id": user.id, "unit_id": unit.id},
    )
    return user, entrant


def _add_entrant(
    session: Session,
    contest: Contest,
    user: User,
    unit: Unit,
    category: Category,
    birth_year: int | None,
    gender: Gender | None,
    address: str | None,
) -> Entrant:
    entrant = Entrant(
        contest_id=contest.id,
        user_id=user.id,
        unit_id=unit.id,
        declared_unit_id=unit.id,
        category=category,
        declared_category=category,
        birth_year=birth_year,
        gender=gender,
        registered_from=(address or "")[:45] or None,
        created_at=utcnow(),
    )
    session.add(entrant)
    session.flush()
    return entrant


def enter(
    session: Session,
    contest: Contest,
    user: User,
    *,
    unit_id: int | None,
    category: Category,
    birth_year: int | None = None,
    gender: Gender | None = None,
    address: str | None = None,
) -> Entrant:
    """Someone with an account enters the contest (again: nothing changes)."""
    if not contest.is_published:
        raise NotFound()
    existing = session.scalar(
        select(Entrant).where(Entrant.contest_id == contest.id, Entrant.user_id == user.id)
    )
    if existing is not None:
        return existing
    unit = _check_unit(session, contest, unit_id or user.unit_id)
    return _add_entrant(
        session,
        contest,
        user,
        unit,
        category,
        birth_year or user.birth_year,
        gender or user.gender,
        address,
    )


# --- taking a round ------------------------------------------------------------------------


def start(
    session: Session, user: User, round_: Round, now: dt.datetime, rng: random.Random | None = None
) -> Attempt:
    """Start (or resume) the user's attempt at a round; the quiz engine times it and keeps
    to the attempts the round allows."""
    if entrant_of(session, round_.contest_id, user.id) is None:
        raise NotEntered()
    return quiz_services.start_attempt(session, user, round_.quiz, now, rng)


def parse_prediction(raw: str | None) -> int | None:
    """A prediction as typed: blank is none; anything but a whole number from 0 is refused."""
    text = (raw or "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidPrediction()
    value = int(text)
    if value > MAX_PREDICTION:
        raise InvalidPrediction()
    return value


def _round_attempt(session: Session, user: User, round_: Round, attempt_id: int) -> Attempt:
    attempt = quiz_services.lock_attempt(session, attempt_id, user)
    if attempt.quiz_id != round_.quiz_id:
        raise NotFound()
    return attempt


def predict(
    session: Session, user: User, round_: Round, attempt_id: int, value: int, now: dt.datetime
) -> Attempt:
    """Store the user's prediction, while their attempt is still open; return the attempt
    (locked)."""
    if not round_.has_prediction:
        raise InvalidPrediction(_("This round asks no prediction."))
    attempt = _round_attempt(session, user, round_, attempt_id)
    if attempt.status is not AttemptStatus.IN_PROGRESS or (
        attempt.deadline_at is not None
        and now > attempt.deadline_at + dt.timedelta(seconds=round_.quiz.grace_seconds)
    ):
        raise AttemptClosed()
    # Plain statements, no Prediction object: the ORM's select and flush of one were a tenth
    # of a contest's submit. The attempt is locked: one finish of this person's at a time.
    given = {"of_round": round_.id, "of_user": user.id, "new_value": value, "new_given_at": now}
    if session.connection().execute(_CHANGE_PREDICTION, given).rowcount == 0:
        session.connection().execute(
            insert(_PREDICTIONS),
            {"round_id": round_.id, "user_id": user.id, "value": value, "given_at": now},
        )
    return attempt


_PREDICTIONS = Prediction.__table__
_CHANGE_PREDICTION = (
    update(_PREDICTIONS)
    .where(
        _PREDICTIONS.c.round_id == bindparam("of_round"),
        _PREDICTIONS.c.user_id == bindparam("of_user"),
    )
    .values(value=bindparam("new_value"), given_at=bindparam("new_given_at"))
)


def finish(
    session: Session,
    user: User,
    round_: Round,
    attempt_id: int,
    prediction: int | None,
    now: dt.datetime,
    answers: Sequence[quiz_services.Answer] = (),
) -> Attempt:
    """Store the prediction (if any), then submit and grade the attempt."""
    if prediction is not None:
        locked = predict(session, user, round_, attempt_id, prediction, now)
    else:
        locked = _round_attempt(session, user, round_, attempt_id)
    # The contest's views hold the write lock from their first statement (no `reads_first`):
    # the attempt locked here is the one to grade, without locking it again.
    attempt, _saved = quiz_services.submit_attempt(
        session, user, attempt_id, now, answers, contest=True, locked=locked
    )
    return attempt


# --- closing and ranking -------------------------------------------------------------------


def close_round(session: Session, round_id: int, now: dt.datetime) -> bool:
    """Rank a round that has closed: grade what is left unfinished, compute the true number,
    store every participant's rank. Done once: the round row is locked (SQLite: the write
    transaction), and a round already ranked is left as it is. True when it ranked now.

    The ranking (learning/contests/ranking.py states the rule) is done by the database: each
    participant's best attempt by ROW_NUMBER, the true number by a COUNT over those, the
    ranks by RANK() written straight into contest_results. Nothing per participant goes
    through Python, so a round of a million attempts closes in bounded memory; unfinished
    attempts are graded a batch at a time."""
    round_ = session.scalar(
        select(Round)
        .where(Round.id == round_id)
        .with_for_update(of=Round)
        .execution_options(populate_existing=True)
    )
    if round_ is None:
        raise NotFound()
    after = rankable_after(round_)
    if round_.ranked_at is not None or after is None or now < after:
        return False
    quiz_id = round_.quiz_id
    _finish_unfinished(session, round_.quiz, now)
    dialect = session.get_bind().dialect.name
    best = _BEST_ATTEMPTS.format(milliseconds=_MILLISECONDS[dialect])
    truth = None
    if round_.has_prediction:
        truth = int(session.scalar(text(best + _TRUE_NUMBER), {"quiz": quiz_id}) or 0)
    written = session.execute(
        text(best + (_RANKS_WITH_PREDICTIONS if truth is not None else _RANKS)),
        {"quiz": quiz_id, "round": round_.id, "truth": truth},
    )
    _check_results(session, round_.id, quiz_id)
    round_.true_number = truth
    round_.ranked_at = now
    summary = {"round": round_.number, "participants": written.rowcount, "true_number": truth}  # type: ignore[attr-defined]
    record(session, None, "contest.rank", "contest", round_.contest_id, after=summary)
    session.flush()
    return True


class UnsoundRanking(RuntimeError):
    """A round's ranking names an attempt that is not a submitted attempt of that person in
    that round: a fault in the ranking's SQL, never something a user can cause."""


def _check_results(session: Session, round_id: int, quiz_id: int) -> None:
    """Check, as one set, what foreign keys checked a row at a time before migration 0017,
    and more: every result is a submitted attempt of the round's quiz by the person ranked.
    Raised, the close's transaction is rolled back and the round stays unranked."""
    unsound = session.scalar(text(_UNSOUND_RESULTS), {"round": round_id, "quiz": quiz_id})
    if unsound:
        raise UnsoundRanking(f"round {round_id}: {unsound} results without their attempt")


_UNSOUND_RESULTS = """
SELECT COUNT(*) FROM contest_results r
LEFT JOIN attempts a ON a.id = r.attempt_id AND a.user_id = r.user_id
    AND a.quiz_id = :quiz AND a.status = 'submitted'
WHERE r.round_id = :round AND a.id IS NULL
"""

FINISH_BATCH = 1000


def _finish_unfinished(session: Session, quiz: Quiz, now: dt.datetime) -> None:
    """Grade the round's attempts still in progress (past their deadline and grace) through
    the quiz engine, a batch of ids at a time (a few statements a batch): the attempts of a
    batch are no longer referenced once it is flushed, so the session lets them go."""
    last_id = 0
    while True:
        ids = session.scalars(
            select(Attempt.id)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.status == AttemptStatus.IN_PROGRESS,
                Attempt.id > last_id,
            )
            .order_by(Attempt.id)
            .limit(FINISH_BATCH)
        ).all()
        if not ids:
            return
        quiz_services.finish_overdue_batch(session, quiz, ids, now)
        last_id = ids[-1]


# Time used, in whole milliseconds (truncated), from the stored start and submission: exact
# on both databases (SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" text, SQLAlchemy's format).
_MILLISECONDS = {
    "postgresql": "GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (a.submitted_at - a.started_at)) * 1000))",
    # strftime works in milliseconds and rounds: whole seconds are taken from the text cut
    # before the fraction, the fraction from the text itself.
    "sqlite": """MAX(0, ((CAST(strftime('%s', substr(a.submitted_at, 1, 19)) AS INTEGER)
        - CAST(strftime('%s', substr(a.started_at, 1, 19)) AS INTEGER)) * 1000000
        + CAST(substr(a.submitted_at, 21, 6) AS INTEGER)
        - CAST(substr(a.started_at, 21, 6) AS INTEGER)) / 1000)""",
}
# Each participant's best submitted attempt: score (highest first), time used (shortest),
# submission (earliest), then the attempt's id, as ranking.best_attempts orders them.
_BEST_ATTEMPTS = """
WITH candidates AS (
    SELECT a.id AS attempt_id, a.user_id, COALESCE(a.score, 0) AS score,
        COALESCE(a.max_score, 0) AS max_score, {milliseconds} AS milliseconds_used,
        a.submitted_at
    FROM attempts a WHERE a.quiz_id = :quiz AND a.status = 'submitted'
),
numbered AS (
    SELECT c.*, ROW_NUMBER() OVER (
        PARTITION BY c.user_id
        ORDER BY c.score DESC, c.milliseconds_used, c.submitted_at, c.attempt_id
    ) AS n
    FROM candidates c
),
best AS (SELECT * FROM numbered WHERE n = 1)
"""
# ranking.true_number: participants whose best attempt answered every question right.
_TRUE_NUMBER = "SELECT COUNT(*) FROM best WHERE max_score > 0 AND score >= max_score"
# ranking.rank: score, time used, distance of the prediction (none ranks after every
# prediction), submission; entries equal on all four share a rank and the next skips.
_RANKS = """
INSERT INTO contest_results (round_id, user_id, attempt_id, rank, score, max_score,
    milliseconds_used, prediction, distance, submitted_at)
SELECT :round, b.user_id, b.attempt_id,
    RANK() OVER (ORDER BY b.score DESC, b.milliseconds_used, b.submitted_at),
    b.score, b.max_score, b.milliseconds_used, NULL, NULL, b.submitted_at
FROM best b
"""
_RANKS_WITH_PREDICTIONS = """
, predicted AS (
    SELECT b.*, p.value AS prediction, ABS(p.value - :truth) AS distance
    FROM best b LEFT JOIN contest_predictions p ON p.round_id = :round AND p.user_id = b.user_id
)
INSERT INTO contest_results (round_id, user_id, attempt_id, rank, score, max_score,
    milliseconds_used, prediction, distance, submitted_at)
SELECT :round, user_id, attempt_id,
    RANK() OVER (ORDER BY score DESC, milliseconds_used,
        CASE WHEN distance IS NULL THEN 1 ELSE 0 END, distance, submitted_at),
    score, max_score, milliseconds_used, prediction, distance, submitted_at
FROM predicted
"""


def close_due(session: Session, now: dt.datetime) -> list[Round]:
    """Rank every round whose close (and grace) has passed and that is not ranked yet."""
    due = session.scalars(
        select(Round)
        .join(Quiz, Quiz.id == Round.quiz_id)
        .where(Round.ranked_at.is_(None), Quiz.closes_at.is_not(None), Quiz.closes_at <= now)
        .order_by(Round.id)
    ).all()
    return [r for r in due if close_round(session, r.id, now)]


def export_prizes(session: Session, actor: User, round_: Round, now: dt.datetime) -> PrizeTable:
    """A round's prize list for an admin to download, and who did (it holds personal data).
    A round whose close has passed is ranked first if nobody has yet (the CLI usually has)."""
    require_admin(actor)
    close_round(session, round_.id, now)
    if round_.ranked_at is None:
        raise RoundNotRanked()
    table = prize_table(session, round_)
    record(
        session,
        actor.id,
        "export",
        "contest",
        round_.contest_id,
        after={"report": "prizes", "round": round_.number, "rows": len(table.rows)},
    )
    return table


# --- officers ------------------------------------------------------------------------------


def confirm_entrant(
    session: Session, actor: User, entrant: Entrant, *, unit_id: int, category: Category
) -> None:
    """An officer confirms (or corrects) an entrant of their subtree: unit and category.
    The new unit must be in their subtree too."""
    require_unit(session, actor, entrant.unit_id)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.is_active:
        raise UnknownUnit()
    require_unit(session, actor, unit.id)
    before = {"unit_id": entrant.unit_id, "category": entrant.category.value}
    entrant.unit_id = unit.id
    entrant.category = category
    entrant.confirmed_by_id = actor.id
    entrant.confirmed_at = utcnow()
    record(
        session,
        actor.id,
        "contest.confirm_entrant",
        "contest",
        entrant.contest_id,
        before=before,
        after={"entrant_id": entrant.id, "unit_id": unit.id, "category": category.value},
    )
    session.flush()
