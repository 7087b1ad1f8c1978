"""Closing a round ranks in the database: on random rounds full of ties (equal scores, equal
times to the microsecond, equal predictions, no prediction, several attempts each, some left
unfinished without a deadline, which do not rank), the
stored ranks are exactly those of the ranking rule's pure functions
(learning/contests/ranking.py), and the true number is theirs too."""

import datetime as dt
import random

import pytest
from sqlalchemy import select

from learning.contests import ranking, services
from learning.contests.models import Prediction, Round, RoundResult
from learning.db import utcnow
from learning.quizzes import services as quiz_services
from learning.quizzes.marking import answer_keys
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus
from tests.contest_helpers import enter, make_contest


def expected(session, round_):
    """The ranking computed by the pure functions, as close_round used to."""
    rows = session.execute(
        select(Attempt).where(
            Attempt.quiz_id == round_.quiz_id, Attempt.status == AttemptStatus.SUBMITTED
        )
    ).scalars()
    best = ranking.best_attempts(ranking.Candidate.of_attempt(a) for a in rows)
    truth = ranking.true_number(best) if round_.has_prediction else None
    predictions = dict(
        session.execute(
            select(Prediction.user_id, Prediction.value).where(Prediction.round_id == round_.id)
        ).all()
    )
    return truth, ranking.rank(best, predictions, truth)


def stored(session, round_):
    results = session.scalars(select(RoundResult).where(RoundResult.round_id == round_.id))
    return sorted(
        (
            r.user_id,
            r.attempt_id,
            r.rank,
            r.score,
            r.max_score,
            r.milliseconds_used,
            r.prediction,
            r.distance,
            r.submitted_at,
        )
        for r in results
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("prediction", [True, False])
def test_the_database_ranks_as_the_rule_says(session, make, sample_course, seed, prediction):
    rng = random.Random(seed)
    _contest, round_, _admin = make_contest(
        session, make, sample_course, attempts=3, prediction=prediction
    )
    quiz = round_.quiz
    base = quiz.opens_at + dt.timedelta(minutes=1)
    users = [make.user() for _ in range(40)]
    for user in users:
        for number in range(1, rng.randint(1, 3) + 1):
            # Fractions of a second near the next second: SQLite's strftime rounds them.
            started = base.replace(microsecond=rng.choice([0, 999_700])) + dt.timedelta(
                seconds=rng.choice([0, 0, 5])
            )
            used = dt.timedelta(
                seconds=rng.choice([30, 30, 31]),
                microseconds=rng.choice([0, 999, 1000, 123_456, 499_900]),
            )
            score = float(rng.choice([0, 1, 2, 3, 3]))
            status = AttemptStatus.SUBMITTED if rng.random() < 0.9 else AttemptStatus.IN_PROGRESS
            session.add(
                Attempt(
                    quiz_id=quiz.id,
                    user_id=user.id,
                    number=number,
                    status=status,
                    started_at=started,
                    deadline_at=None,
                    submitted_at=started + used,
                    score=score,
                    max_score=3.0,
                    percent=round(100 * score / 3, 4),
                )
            )
        if prediction and rng.random() < 0.7:
            session.add(Prediction(round_id=round_.id, user_id=user.id, value=rng.randint(5, 12)))
    session.commit()
    truth, ranks = expected(session, round_)
    assert services.close_round(session, round_.id, quiz.closes_at + dt.timedelta(minutes=2))
    session.commit()
    closed = session.get_one(Round, round_.id)
    assert closed.true_number == truth
    assert stored(session, round_) == sorted(
        (
            r.user_id,
            r.attempt_id,
            r.rank,
            r.score,
            r.max_score,
            r.milliseconds_used,
            r.prediction,
            r.distance,
            r.submitted_at,
        )
        for r in ranks
    )
    # The random round has ties: some rank is shared, and the rank after a tie skips.
    shared = [r.rank for r in ranks]
    assert len(set(shared)) < len(shared)


def graded(session, attempt_id):
    attempt = session.get_one(Attempt, attempt_id)
    marks = session.scalars(
        select(AttemptSlot.mark)
        .where(AttemptSlot.attempt_id == attempt_id)
        .order_by(AttemptSlot.position)
    ).all()
    return (
        attempt.status,
        attempt.submitted_at,
        attempt.is_auto_submitted,
        attempt.score,
        attempt.max_score,
        attempt.percent,
        attempt.is_passed,
        marks,
    )


def test_unfinished_attempts_are_graded_in_batches_as_one_at_a_time(session, make, sample_course):
    rng = random.Random(7)
    contest, round_, _admin = make_contest(session, make, sample_course)
    tree = make.tree()
    ids = []
    for _ in range(12):
        worker = make.user(unit=tree.grassroots_a)
        enter(session, contest, worker)
        attempt = services.start(session, worker, round_, utcnow())
        slots = session.scalars(
            select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
        ).all()
        keys = answer_keys(session, [s.question_version_id for s in slots])
        for slot in slots:
            key = keys[slot.question_version_id]
            slot.selected = rng.choice([[], sorted(key.correct), sorted(key.choices)[:1]])
        ids.append(attempt.id)
    session.commit()
    quiz = session.get_one(Round, round_.id).quiz
    after = quiz.closes_at + dt.timedelta(minutes=2)
    one_at_a_time = {}
    for attempt_id in ids:
        savepoint = session.begin_nested()
        quiz_services.finish_if_overdue(session, session.get_one(Attempt, attempt_id), after)
        session.flush()
        one_at_a_time[attempt_id] = graded(session, attempt_id)
        savepoint.rollback()
        session.expire_all()
    assert quiz_services.finish_overdue_batch(session, quiz, ids, after) == 12
    session.commit()
    session.expire_all()
    assert {i: graded(session, i) for i in ids} == one_at_a_time
    assert {status for status, *_ in one_at_a_time.values()} == {AttemptStatus.SUBMITTED}
    assert len({score for _s, _t, _a, score, *_ in one_at_a_time.values()}) > 1
    # Graded already: a second batch (another server) changes nothing.
    assert quiz_services.finish_overdue_batch(session, quiz, ids, after) == 0


def test_a_ranking_that_names_a_wrong_attempt_is_refused_and_the_round_stays_open(
    session, make, sample_course, monkeypatch
):
    """contest_results keeps user and attempt ids without foreign keys (migration 0017): the
    close checks them as a set, and more than the keys did (the attempt is that person's,
    submitted, in that round). A ranking statement that got it wrong writes nothing."""
    _contest, round_, _admin = make_contest(session, make, sample_course)
    quiz = round_.quiz
    started = quiz.opens_at + dt.timedelta(minutes=1)
    users = [make.user() for _ in range(3)]
    for user in users:
        session.add(
            Attempt(
                quiz_id=quiz.id,
                user_id=user.id,
                number=1,
                status=AttemptStatus.SUBMITTED,
                started_at=started,
                submitted_at=started + dt.timedelta(seconds=30),
                score=1.0,
                max_score=3.0,
                percent=33.3333,
            )
        )
    session.commit()
    # Each result pointed at the next person: every id exists, none is that person's attempt.
    for name, column in (("_RANKS", "b.user_id,"), ("_RANKS_WITH_PREDICTIONS", "user_id,")):
        wrong = getattr(services, name).replace(
            f"SELECT :round, {column}", f"SELECT :round, {column[:-1]} + 1,"
        )
        assert wrong != getattr(services, name)
        monkeypatch.setattr(services, name, wrong)
    with pytest.raises(services.UnsoundRanking):
        services.close_round(session, round_.id, quiz.closes_at + dt.timedelta(minutes=2))
    session.rollback()
    assert session.get_one(Round, round_.id).ranked_at is None
    assert stored(session, round_) == []
