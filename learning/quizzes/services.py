"""Writes for quizzes: quiz settings from course files, starting, saving, submitting and
sweeping overdue attempts (drawing questions: drawing.py; marking an attempt and recording
its grade: marking.py; regrading: regrading.py).

Saving and submitting lock the attempt row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
write transactions are IMMEDIATE), so a save racing a submit is either in the grade or
refused, never lost after being acknowledged, and any number of submits grade once.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Row,
    TextClause,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from learning.auth.models import User
from learning.auth.sessions import STANDING_COLUMNS, USERS, SessionClaim, require_standing
from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    Question,
    QuestionType,
    QuestionVersion,
)
from learning.db import lock_for_write
from learning.errors import NotFound
from learning.quizzes import grading
from learning.quizzes.drawing import draw_questions
from learning.quizzes.errors import (
    AttemptClosed,
    ContestPathOnly,
    InvalidAnswer,
    NoAttemptsLeft,
    NotYourAttempt,
    QuizClosed,
    QuizNotOpen,
    WaitBeforeRetry,
)
from learning.quizzes.marking import (
    answer_keys,
    expire_held_slots,
    grade_attempt,
    grade_columns,
    mark_attempt,
    write_grade,
)
from learning.quizzes.models import (
    Attempt,
    AttemptSlot,
    AttemptStatus,
    GradingMethod,
    Quiz,
    QuizKind,
)

LESSON_CHECK_QUESTIONS = 3


def upsert_course_quizzes(
    session: Session, course: Course, final: Mapping[str, Any], lessons: Sequence[Lesson]
) -> Quiz:
    """Create or update the course's final quiz (from the course file's settings) and a short
    check for each lesson that has questions."""
    quiz = session.scalar(
        select(Quiz).where(Quiz.kind == QuizKind.COURSE_FINAL, Quiz.course_id == course.id)
    )
    if quiz is None:
        quiz = Quiz(kind=QuizKind.COURSE_FINAL, course_id=course.id)
        session.add(quiz)
    quiz.title = course.title
    quiz.question_count = final["question_count"]
    quiz.time_limit_seconds = final["time_limit_minutes"] * 60
    quiz.pass_percent = final["pass_percent"]
    quiz.attempts_allowed = final.get("attempts_allowed", 0)
    quiz.grading_method = GradingMethod(final.get("grading_method", "highest"))
    # A bank kept for contests is in no course quiz: no attempt, no review shows its key.
    quiz.is_active = not course.is_contest_bank
    counts = dict(
        session.execute(
            select(Question.lesson_id, func.count())
            .where(Question.course_id == course.id, Question.status == ContentStatus.PUBLISHED)
            .group_by(Question.lesson_id)
        ).all()
    )
    checks = {
        check.lesson_id: check
        for check in session.scalars(
            select(Quiz).where(Quiz.kind == QuizKind.LESSON_CHECK, Quiz.course_id == course.id)
        )
    }
    for lesson in lessons:
        available = counts.get(lesson.id, 0)
        check = checks.get(lesson.id)
        if check is None and available and not course.is_contest_bank:
            check = Quiz(kind=QuizKind.LESSON_CHECK, course_id=course.id, lesson_id=lesson.id)
            session.add(check)
        if check is not None:
            check.title = lesson.title
            check.question_count = min(LESSON_CHECK_QUESTIONS, available)
            check.is_active = available > 0 and not course.is_contest_bank
            check.pass_percent = 0  # a short check teaches; answering it completes the lesson
            check.one_question_per_page = False
    session.flush()
    return quiz


# --- starting ----------------------------------------------------------------------------


def _ensure_open(quiz: Quiz, now: dt.datetime) -> None:
    if not quiz.is_active:
        raise QuizClosed()
    if quiz.opens_at and now < quiz.opens_at:
        raise QuizNotOpen()
    if quiz.closes_at and now >= quiz.closes_at:
        raise QuizClosed()


def in_progress_attempt(session: Session, user_id: int, quiz_id: int) -> Attempt | None:
    """The user's unfinished attempt at this quiz, if any."""
    return session.scalar(
        select(Attempt).where(
            Attempt.user_id == user_id,
            Attempt.quiz_id == quiz_id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
        )
    )


def start_attempt(
    session: Session, user: User, quiz: Quiz, now: dt.datetime, rng: random.Random | None = None
) -> Attempt:
    """Resume the user's unfinished attempt, or start one: draw its questions, fix their
    versions and the order of questions and choices, and compute its deadline."""
    # Two taps on "start" (two tabs) must meet: lock the person's row first. Without it, on
    # PostgreSQL one request can miss the other's attempt in its first query and see it in
    # the next, number its own attempt after it, and leave the person two unfinished
    # attempts. (SQLite's write transactions are serialized already; FOR UPDATE is a no-op.)
    session.connection().execute(_LOCK_PERSON, {"user_id": user.id})
    current = in_progress_attempt(session, user.id, quiz.id)
    if current is not None:
        current = finish_if_overdue(session, current, now)
        if current.status is AttemptStatus.IN_PROGRESS:
            return current
    _ensure_open(quiz, now)
    number = _next_number(session, user, quiz, now)
    rng = rng or random.SystemRandom()
    drawn = draw_questions(session, quiz, rng)
    values = _attempt_values(quiz, user, number, now)
    # Read without the write lock (SQLite, a request that reads first), the attempt is numbered
    # after the last one read: one started since takes that number, and the unique constraint
    # refuses this one. Then start again under the lock, which resumes that one (or refuses).
    unlocked = lock_for_write(session)
    try:
        with session.begin_nested():
            # A Core INSERT, not the ORM's flush (about a millisecond of CPU, inside the lock).
            attempt_id = session.connection().execute(_INSERT_ATTEMPT, values).scalar_one()
    except IntegrityError:
        if unlocked:
            return start_attempt(session, user, quiz, now, rng)
        # A second tap on "start" raced this one: use the attempt it created.
        current = in_progress_attempt(session, user.id, quiz.id)
        if current is None:
            raise
        return current
    _write_slots(session, attempt_id, drawn)
    # The session holds the attempt as written, every column known: no query to read it back.
    attempt = Attempt(id=attempt_id, **values)
    make_transient_to_detached(attempt)
    session.add(attempt)
    return attempt


def _next_number(session: Session, user: User, quiz: Quiz, now: dt.datetime) -> int:
    """The number of the person's next attempt at the quiz; refused when they have no
    attempt left, or must wait longer after their last one."""
    taken, last_number, last_finished = (
        session.connection().execute(_HISTORY, {"user_id": user.id, "quiz_id": quiz.id}).one()
    )
    if quiz.attempts_allowed and taken >= quiz.attempts_allowed:
        raise NoAttemptsLeft()
    if quiz.min_wait_seconds and last_finished is not None:
        last_finished = (
            last_finished if last_finished.tzinfo else last_finished.replace(tzinfo=dt.UTC)
        )
        if now < last_finished + dt.timedelta(seconds=quiz.min_wait_seconds):
            raise WaitBeforeRetry()
    return (last_number or 0) + 1


def _attempt_values(quiz: Quiz, user: User, number: int, now: dt.datetime) -> dict[str, Any]:
    """Every column of a new attempt: started now, due at the time limit or when the quiz
    closes, whichever comes first."""
    deadline = None
    if quiz.time_limit_seconds:
        deadline = now + dt.timedelta(seconds=quiz.time_limit_seconds)
    if quiz.closes_at and (deadline is None or deadline > quiz.closes_at):
        deadline = quiz.closes_at
    return {
        "quiz_id": quiz.id,
        "user_id": user.id,
        "number": number,
        "status": AttemptStatus.IN_PROGRESS,
        "started_at": now,
        "deadline_at": deadline,
        "submitted_at": None,
        "is_auto_submitted": False,
        "score": None,
        "max_score": None,
        "percent": None,
        "is_passed": None,
    }


def _write_slots(session: Session, attempt_id: int, drawn: Sequence[tuple[int, list[int]]]) -> None:
    """The attempt's slots: the drawn versions and their choice orders, by position."""
    # One statement (all rows in one VALUES), not one per question: inside the lock, each
    # statement is a moment the thread may wait for Python's GIL while holding it.
    rows = {}
    for position, (version_id, order) in enumerate(drawn, start=1):
        rows |= {f"version_{position}": version_id, f"order_{position}": order}
    session.connection().execute(_insert_slots(len(drawn)), {"of_attempt": attempt_id, **rows})


_LOCK_PERSON = (
    select(User.__table__.c.id).where(User.__table__.c.id == bindparam("user_id")).with_for_update()
)
# How many attempts the person made at the quiz, the last number and the last submit.
_HISTORY = select(
    func.count(),
    func.max(Attempt.__table__.c.number),
    func.max(Attempt.__table__.c.submitted_at),
).where(
    Attempt.__table__.c.user_id == bindparam("user_id"),
    Attempt.__table__.c.quiz_id == bindparam("quiz_id"),
)
_INSERT_ATTEMPT = insert(Attempt.__table__).returning(Attempt.__table__.c.id)


@functools.cache
def _insert_slots(count: int) -> TextClause:
    """INSERT of an attempt's `count` slots in one statement, written once per count.

    SQLAlchemy compiles a many-row `insert().values([...])` again at every execution (it has
    no cache key): about 9 ms of a start, inside the write lock. This text is compiled once."""
    table = AttemptSlot.__table__
    rows = ", ".join(
        f"(:of_attempt, {n}, :version_{n}, :order_{n}, :nothing, 0)" for n in range(1, count + 1)
    )
    # Only numbers are written into the text; every value is a bound parameter.
    columns = "attempt_id, position, question_version_id, choice_order, selected, revision"
    statement = f"INSERT INTO attempt_slots ({columns}) VALUES {rows}"  # noqa: S608
    return text(statement).bindparams(
        bindparam("of_attempt", type_=table.c.attempt_id.type),
        bindparam("nothing", [], type_=table.c.selected.type),
        *(
            bindparam(f"version_{n}", type_=table.c.question_version_id.type)
            for n in range(1, count + 1)
        ),
        *(bindparam(f"order_{n}", type_=table.c.choice_order.type) for n in range(1, count + 1)),
    )


# --- saving ------------------------------------------------------------------------------


@dataclass
class SaveResult:
    """Which questions (by position) were saved, which came from a stale page, and the
    revision each of the questions sent now has (a background save keeps its page current).
    For a stale question, `kept` holds the answer stored (display positions), so that the
    page can say which answer is kept without reloading."""

    saved: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    revisions: dict[int, int] = field(default_factory=dict)
    kept: dict[int, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """An answer to one question of an attempt, as the page sent it: the display positions
    chosen (1-based) and the revision of the question the page was showing."""

    position: int
    choices: tuple[int, ...]
    revision: int


def lock_attempt(session: Session, attempt_id: int, user: User) -> Attempt:
    """Load and lock the user's attempt for a save or a submit, with its quiz (held by
    `attempt.quiz`), so that `submit_attempt(..., locked=attempt)` needs no query for them."""
    return _lock_with_quiz(session, attempt_id, user)[0]


def _lock_with_quiz(session: Session, attempt_id: int, user: User) -> tuple[Attempt, Quiz]:
    attempt, quiz = _locked(session, attempt_id, user, Quiz)
    # Held by the attempt (the session's identity map holds objects weakly): the view that
    # asks for `attempt.quiz` after the write lock is taken does not query for it there.
    set_committed_value(attempt, "quiz", quiz)
    return attempt, quiz


def _locked(session: Session, attempt_id: int, user: User, *also: Any) -> Row[Any]:
    """The user's attempt, locked, with `also` (its quiz, or some of its settings) read in
    the same round trip: a save is the request a quiz's last minutes are made of."""
    # populate_existing: the page may have read the attempt before this lock, and what the
    # lock returns (a submit that won the race) must replace what the page read.
    query = (
        select(Attempt, *also)
        .where(Attempt.id == attempt_id)
        .with_for_update(of=Attempt)
        .execution_options(populate_existing=True)
    )
    if also:
        query = query.join(Quiz, Quiz.id == Attempt.quiz_id)
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound()
    if row[0].user_id != user.id:
        raise NotYourAttempt()
    return row


def _accepts_answers(attempt: Attempt | Row[Any], grace_seconds: int, now: dt.datetime) -> bool:
    """Whether the attempt (an object, or a row with its status and deadline) still takes
    answers: in progress, and not past its deadline plus grace."""
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        return False
    if attempt.deadline_at is None:
        return True
    return now <= attempt.deadline_at + dt.timedelta(seconds=grace_seconds)


def save_answers(
    session: Session,
    user: User | SessionClaim,
    attempt_id: int,
    answers: Sequence[Answer],
    now: dt.datetime,
) -> SaveResult:
    """Store answers as they are given. An answer whose revision is older than the stored
    one comes from a stale page and is refused, leaving the newer answer untouched.

    `user` is the account saving, or a session's claim to be it: the claim is checked
    (`require_standing`, SessionRefused) on the account the locked query reads beside the
    attempt, before anything else, so that a save makes no separate user load."""
    positions = {answer.position for answer in answers}
    span = {"first": min(positions, default=1), "last": max(positions, default=0)}
    rows = session.connection().execute(_SAVE_ROWS, {"attempt_id": attempt_id, **span}).all()
    attempt = rows[0] if rows else None
    if isinstance(user, SessionClaim):
        require_standing(session, user, attempt.user_id if attempt else None, attempt)
        user_id = user.user_id
    else:
        user_id = user.id
    if attempt is None:
        raise NotFound()
    if attempt.user_id != user_id:
        raise NotYourAttempt()
    if not _accepts_answers(attempt, attempt.grace_seconds, now):
        finish_if_overdue(session, session.get_one(Attempt, attempt_id), now)
        raise AttemptClosed()
    slots = {row.position: row for row in rows if row.position in positions}
    result, updates = _plan(answers, now, slots)
    if not updates:
        return result  # nothing new (or only stale answers): no write, no lock
    if not lock_for_write(session):
        _write_answers(session, updates)
        return result
    # The rows were read without the write lock (SQLite, a request that reads first): each
    # answer is written only if its question's revision and the attempt are as read, in one
    # statement inside the lock. An answer that lost a race is saved again from scratch, now
    # under the lock: it is then stale, or the attempt was submitted (AttemptClosed).
    cutoff = now - dt.timedelta(seconds=attempt.grace_seconds)
    lost = []
    for update_ in updates:
        written = session.connection().execute(
            _SAVE_SLOT_IF_UNCHANGED, {**update_, "of_attempt": attempt_id, "cutoff": cutoff}
        )
        if written.rowcount != 1:
            lost.append(update_["position"])
    expire_held_slots(session, [u["slot_id"] for u in updates if u["position"] not in lost])
    if lost:
        again = save_answers(
            session, user, attempt_id, [a for a in answers if a.position in lost], now
        )
        result.saved = sorted(set(result.saved) - set(lost) | set(again.saved))
        result.stale = sorted(set(result.stale) | set(again.stale))
        result.revisions.update(again.revisions)
        result.kept.update(again.kept)
    return result


# Saves are most of a quiz's requests, and of a contest's last minutes: their statements are
# built once, here, and run on the session's connection as plain rows (no ORM objects).
_SLOT_COLUMNS = tuple(
    AttemptSlot.__table__.c[name]
    for name in ("id", "position", "choice_order", "selected", "revision")
)
_SLOT_TABLE = AttemptSlot.__table__
_ATTEMPT_TABLE = Attempt.__table__
# The attempt (locked), the one setting of its quiz a save needs, the slots answered, and
# what the session rule reads of the attempt's owner (not locked).
_SAVE_ROWS = (
    select(
        _ATTEMPT_TABLE.c.user_id,
        _ATTEMPT_TABLE.c.status,
        _ATTEMPT_TABLE.c.deadline_at,
        Quiz.__table__.c.grace_seconds,
        *STANDING_COLUMNS,
        *_SLOT_COLUMNS,
        QuestionVersion.__table__.c.type,
    )
    .select_from(_ATTEMPT_TABLE)
    .join(Quiz.__table__, Quiz.__table__.c.id == _ATTEMPT_TABLE.c.quiz_id)
    .join(USERS, USERS.c.id == _ATTEMPT_TABLE.c.user_id)
    .outerjoin(
        _SLOT_TABLE,
        (_SLOT_TABLE.c.attempt_id == _ATTEMPT_TABLE.c.id)
        # The span of the positions answered, not the list (IN with a list renders the
        # statement again at every save); the rows between are passed over.
        & _SLOT_TABLE.c.position.between(bindparam("first"), bindparam("last")),
    )
    .outerjoin(
        QuestionVersion.__table__,
        QuestionVersion.__table__.c.id == _SLOT_TABLE.c.question_version_id,
    )
    .where(_ATTEMPT_TABLE.c.id == bindparam("attempt_id"))
    .with_for_update(of=_ATTEMPT_TABLE)
)
_SAVE_SLOT = (
    update(_SLOT_TABLE)
    .where(_SLOT_TABLE.c.id == bindparam("slot_id"))
    .values(
        selected=bindparam("new_selected"),
        revision=bindparam("new_revision"),
        answered_at=bindparam("new_answered_at"),
    )
)
# The same, for a save that read without the lock: only if the question still has the
# revision the save read and the attempt still takes answers (in progress, and not past its
# deadline plus grace at `cutoff`). Checked by the statement that writes, inside the lock.
_SAVE_SLOT_IF_UNCHANGED = _SAVE_SLOT.where(
    _SLOT_TABLE.c.revision == bindparam("old_revision"),
    select(_ATTEMPT_TABLE.c.id)
    .where(
        _ATTEMPT_TABLE.c.id == bindparam("of_attempt"),
        _ATTEMPT_TABLE.c.status == AttemptStatus.IN_PROGRESS,
        or_(
            _ATTEMPT_TABLE.c.deadline_at.is_(None),
            _ATTEMPT_TABLE.c.deadline_at >= bindparam("cutoff"),
        ),
    )
    .exists(),
)


def _slots(session: Session, attempt_id: int, answers: Sequence[Answer]) -> dict[int, Row[Any]]:
    """The attempt's slots that `answers` are for, by position, as plain rows."""
    slot_table = AttemptSlot.__table__
    rows = session.execute(
        select(*_SLOT_COLUMNS, QuestionVersion.type)
        .join(QuestionVersion, QuestionVersion.id == slot_table.c.question_version_id)
        .where(
            slot_table.c.attempt_id == attempt_id,
            slot_table.c.position.in_([answer.position for answer in answers]),
        )
    )
    return {row.position: row for row in rows}


def _store(
    session: Session,
    answers: Sequence[Answer],
    now: dt.datetime,
    slots: dict[int, Row[Any]],
) -> SaveResult:
    """Write `answers` into their `slots` (plain rows) with a Core UPDATE, no ORM objects."""
    result, updates = _plan(answers, now, slots)
    _write_answers(session, updates)
    return result


def _plan(
    answers: Sequence[Answer], now: dt.datetime, slots: dict[int, Row[Any]]
) -> tuple[SaveResult, list[dict[str, Any]]]:
    """What saving `answers` into `slots` (as read) gives, and the updates it takes."""
    result = SaveResult()
    updates: list[dict[str, Any]] = []
    if not answers:
        return result, updates
    for answer in answers:
        slot = slots.get(answer.position)
        if slot is None:
            raise InvalidAnswer()
        if any(not 1 <= choice <= len(slot.choice_order) for choice in answer.choices):
            raise InvalidAnswer()
        if slot.type is not QuestionType.MULTIPLE and len(answer.choices) > 1:
            raise InvalidAnswer()
        selected = sorted(slot.choice_order[choice - 1] for choice in set(answer.choices))
        result.revisions[answer.position] = slot.revision
        if selected == sorted(slot.selected or []):
            # Nothing changed: keep the revision, so other open pages stay current. Checked
            # before staleness: a page whose own background save has not come back yet sends
            # the answer again with the old revision, and that is no conflict.
            continue
        if answer.revision != slot.revision:
            result.stale.append(answer.position)
            # In the page's terms (display positions), from the row already read.
            order = list(slot.choice_order)
            result.kept[answer.position] = sorted(
                order.index(choice) + 1 for choice in (slot.selected or []) if choice in order
            )
            continue
        updates.append(
            {
                "slot_id": slot.id,
                "position": answer.position,
                "new_selected": selected,
                "old_revision": slot.revision,
                "new_revision": slot.revision + 1,
                "new_answered_at": now,
            }
        )
        result.saved.append(answer.position)
        result.revisions[answer.position] = slot.revision + 1
    return result, updates


def _write_answers(session: Session, updates: list[dict[str, Any]]) -> None:
    """Run the planned updates (under the lock the caller holds)."""
    if updates:
        session.connection().execute(_SAVE_SLOT, updates)
        expire_held_slots(session, [update_["slot_id"] for update_ in updates])


# --- submitting and grading --------------------------------------------------------------


def submit_attempt(
    session: Session,
    user: User,
    attempt_id: int,
    now: dt.datetime,
    answers: Sequence[Answer] = (),
    *,
    contest: bool = False,
    locked: Attempt | None = None,
) -> tuple[Attempt, SaveResult]:
    """Save the last answers sent with the submit, then grade. Idempotent: a submitted
    attempt is returned as it is. Past the deadline plus grace, the attempt is graded from
    what was saved by the deadline and AttemptClosed is raised. A contest round's attempt is
    submitted only by the contest (`contest=True`): ContestPathOnly otherwise.

    `locked`: the attempt as `lock_attempt` returned it in this transaction, in a request
    that holds the write lock from its first statement (not `reads_first`): it is not read
    and locked a second time."""
    if answers:
        lock_for_write(session)  # saving and grading together: all of it under the lock
    if locked is not None and locked.id == attempt_id:
        attempt, quiz = locked, locked.quiz
    else:
        attempt, quiz = _lock_with_quiz(session, attempt_id, user)
    if quiz.kind is QuizKind.CONTEST_ROUND and not contest:
        # The quiz route would skip the prediction and the contest's per-account limit.
        raise ContestPathOnly()
    if attempt.status is AttemptStatus.SUBMITTED:
        return attempt, SaveResult()
    if not _accepts_answers(attempt, quiz.grace_seconds, now):
        finish_if_overdue(session, attempt, now)
        raise AttemptClosed()
    saved = _store(session, answers, now, _slots(session, attempt.id, answers) if answers else {})
    marking = mark_attempt(session, attempt, quiz, submitted_at=now, automatic=False)
    if not lock_for_write(session):
        write_grade(session, attempt, marking)
        return attempt, saved
    # Graded from a read without the write lock (SQLite, a request that reads first): the
    # grade is written only if, inside the lock, the attempt is still in progress and no
    # answer changed since (revisions only grow, so their sum is unchanged). Otherwise a save
    # or another submit came between: submit again, now under the lock.
    if not write_grade(session, attempt, marking, if_unchanged=True):
        return submit_attempt(session, user, attempt_id, now, contest=contest)
    return attempt, saved


def finish_if_overdue(session: Session, attempt: Attempt, now: dt.datetime) -> Attempt:
    """Grade an unfinished attempt whose deadline and grace have passed, from its saved
    answers, and mark it as submitted by the server."""
    if attempt.status is not AttemptStatus.IN_PROGRESS or attempt.deadline_at is None:
        return attempt
    quiz = session.get_one(Quiz, attempt.quiz_id)
    if now <= attempt.deadline_at + dt.timedelta(seconds=quiz.grace_seconds):
        return attempt
    lock_for_write(session)  # grading writes: what follows is read again under the lock
    locked = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt.id)
        .with_for_update()
        .execution_options(populate_existing=True)  # another server may have graded it
    )
    if locked is not None and locked.status is AttemptStatus.IN_PROGRESS:
        grade_attempt(session, locked, quiz, submitted_at=attempt.deadline_at, automatic=True)
    return locked or attempt


def sweep_overdue(session: Session, now: dt.datetime) -> int:
    """Grade every attempt left unfinished past its deadline and grace; return how many."""
    overdue = session.scalars(
        select(Attempt).where(
            Attempt.status == AttemptStatus.IN_PROGRESS, Attempt.deadline_at < now
        )
    ).all()
    finished = 0
    for attempt in overdue:
        if finish_if_overdue(session, attempt, now).status is AttemptStatus.SUBMITTED:
            finished += 1
    return finished


def finish_overdue_batch(
    session: Session, quiz: Quiz, attempt_ids: Sequence[int], now: dt.datetime
) -> int:
    """finish_if_overdue for many attempts of one quiz in a few statements (closing a round
    with thousands left unfinished): the attempts locked together, their slots and answer
    keys read once, every mark written in one executemany. Graded exactly as one at a time
    would: from the saved answers, submitted at the deadline, by the server. Returns how
    many were graded."""
    grace = dt.timedelta(seconds=quiz.grace_seconds)
    attempts = [
        attempt
        for attempt in session.scalars(
            select(Attempt)
            .where(
                Attempt.id.in_(list(attempt_ids)),
                Attempt.quiz_id == quiz.id,
                Attempt.status == AttemptStatus.IN_PROGRESS,
                Attempt.deadline_at.is_not(None),
            )
            .order_by(Attempt.id)
            .with_for_update()
            .execution_options(populate_existing=True)  # another server may have graded them
        )
        if attempt.deadline_at is not None and now > attempt.deadline_at + grace
    ]
    if not attempts:
        return 0
    slots: dict[int, list[Row[Any]]] = {attempt.id: [] for attempt in attempts}
    for slot in session.execute(
        select(
            AttemptSlot.id,
            AttemptSlot.attempt_id,
            AttemptSlot.question_version_id,
            AttemptSlot.selected,
        )
        .where(AttemptSlot.attempt_id.in_(list(slots)))
        .order_by(AttemptSlot.attempt_id, AttemptSlot.position)
    ):
        slots[slot.attempt_id].append(slot)
    keys = answer_keys(
        session, sorted({s.question_version_id for rows in slots.values() for s in rows})
    )
    marks_written = []
    for attempt in attempts:
        rows = slots[attempt.id]
        marks, result = grading.grade([(keys[s.question_version_id], s.selected) for s in rows])
        marks_written += [
            {"id": s.id, "mark": grading.as_stored(m)} for s, m in zip(rows, marks, strict=True)
        ]
        assert attempt.deadline_at is not None
        columns = grade_columns(result, quiz, submitted_at=attempt.deadline_at, automatic=True)
        for name, value in columns.items():
            setattr(attempt, name, value)
    if marks_written:
        session.execute(update(AttemptSlot), marks_written)
    session.flush()
    return len(attempts)
