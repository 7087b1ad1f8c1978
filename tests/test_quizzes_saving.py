"""Answers are saved as given, stale pages are refused, submits grade once, deadlines hold."""

import datetime as dt

import pytest
from sqlalchemy import select

from learning.quizzes import services
from learning.quizzes.errors import AttemptClosed, InvalidAnswer, NotYourAttempt
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus

NOW = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)
A = services.Answer


@pytest.fixture
def worker(make):
    return make.user()


@pytest.fixture
def attempt(session, worker, final_quiz):
    final_quiz.time_limit_seconds = 600
    return services.start_attempt(session, worker, final_quiz, NOW)


def selected(session, attempt, position):
    session.expire_all()
    return session.scalar(
        select(AttemptSlot.selected).where(
            AttemptSlot.attempt_id == attempt.id, AttemptSlot.position == position
        )
    )


def test_saved_answers_survive_and_resume(session, worker, attempt, final_quiz):
    result = services.save_answers(
        session, worker, attempt.id, [A(1, (1,), 0), A(3, (1, 2), 0)], NOW
    )
    assert result.saved == [1, 3] and result.stale == []
    session.commit()
    resumed = services.start_attempt(session, worker, final_quiz, NOW + dt.timedelta(minutes=2))
    assert resumed.id == attempt.id
    order = session.scalar(
        select(AttemptSlot.choice_order).where(
            AttemptSlot.attempt_id == attempt.id, AttemptSlot.position == 3
        )
    )
    assert selected(session, attempt, 1) != []
    assert sorted(selected(session, attempt, 3)) == sorted(order[:2])


def test_a_stale_page_is_refused_and_the_newer_answer_kept(session, worker, attempt):
    services.save_answers(session, worker, attempt.id, [A(1, (1,), 0)], NOW)  # revision 0 -> 1
    newer = selected(session, attempt, 1)
    # The back button shows the page rendered at revision 0 and sends another choice.
    result = services.save_answers(session, worker, attempt.id, [A(1, (2,), 0)], NOW)
    assert result.stale == [1] and result.saved == []
    assert selected(session, attempt, 1) == newer
    # A page that knows the current revision may change it.
    assert services.save_answers(session, worker, attempt.id, [A(1, (2,), 1)], NOW).saved == [1]


def test_the_same_answer_from_a_page_behind_its_background_save_is_no_conflict(
    session, worker, attempt
):
    # The background save took revision 0 to 1; the page's form still says 0 when the
    # person taps "save and next" with the same choice.
    services.save_answers(session, worker, attempt.id, [A(1, (1,), 0)], NOW)
    result = services.save_answers(session, worker, attempt.id, [A(1, (1,), 0)], NOW)
    assert result.stale == [] and result.saved == [] and result.revisions == {1: 1}


def test_bad_answers_are_refused_and_change_nothing(session, worker, attempt):
    for bad in ([A(9, (1,), 0)], [A(1, (3,), 0)], [A(1, (1, 2), 0)], [A(2, (0,), 0)]):
        with pytest.raises(InvalidAnswer):
            services.save_answers(session, worker, attempt.id, bad, NOW)
    assert [selected(session, attempt, p) for p in (1, 2, 3)] == [[], [], []]


def test_another_users_attempt_is_refused(session, make, attempt):
    with pytest.raises(NotYourAttempt):
        services.save_answers(session, make.user(), attempt.id, [A(1, (1,), 0)], NOW)
    with pytest.raises(NotYourAttempt):
        services.submit_attempt(session, make.user(), attempt.id, NOW)
    assert selected(session, attempt, 1) == []


def test_submit_grades_once_and_again_returns_the_same(session, worker, attempt):
    services.save_answers(session, worker, attempt.id, [A(1, (1,), 0), A(2, (1,), 0)], NOW)
    graded, _ = services.submit_attempt(session, worker, attempt.id, NOW + dt.timedelta(minutes=1))
    assert graded.status is AttemptStatus.SUBMITTED
    assert (graded.score, graded.max_score) == (2, 3)
    again, _ = services.submit_attempt(session, worker, attempt.id, NOW + dt.timedelta(minutes=2))
    assert again.submitted_at == NOW + dt.timedelta(minutes=1)
    assert again.score == 2


def test_submit_within_grace_is_accepted_later_is_refused(session, worker, final_quiz):
    final_quiz.time_limit_seconds = 60
    on_time = services.start_attempt(session, worker, final_quiz, NOW)
    graded, _ = services.submit_attempt(
        session, worker, on_time.id, NOW + dt.timedelta(seconds=60 + 50), [A(1, (1,), 0)]
    )
    assert graded.score == 1 and not graded.is_auto_submitted

    late = services.start_attempt(session, worker, final_quiz, NOW + dt.timedelta(hours=1))
    start = NOW + dt.timedelta(hours=1)
    services.save_answers(session, worker, late.id, [A(2, (1,), 0)], start)
    with pytest.raises(AttemptClosed):
        services.submit_attempt(
            session, worker, late.id, start + dt.timedelta(seconds=60 + 61), [A(1, (1,), 0)]
        )
    session.refresh(late)
    # Graded from what was saved by the deadline: q-002 right, the late q-001 not counted.
    assert late.status is AttemptStatus.SUBMITTED and late.is_auto_submitted
    assert late.score == 1
    with pytest.raises(AttemptClosed):
        services.save_answers(
            session, worker, late.id, [A(3, (1,), 0)], start + dt.timedelta(hours=1)
        )


def test_sweep_grades_abandoned_attempts(runner, session, worker, final_quiz):
    final_quiz.time_limit_seconds = 60
    abandoned = services.start_attempt(session, worker, final_quiz, NOW - dt.timedelta(hours=2))
    services.save_answers(
        session, worker, abandoned.id, [A(1, (1,), 0)], NOW - dt.timedelta(hours=2)
    )
    session.commit()
    result = runner.invoke(args=["quizzes", "sweep"])
    assert "1 overdue attempt(s) graded." in result.output
    session.expire_all()
    swept = session.get(Attempt, abandoned.id)
    assert swept.status is AttemptStatus.SUBMITTED and swept.is_auto_submitted and swept.score == 1
