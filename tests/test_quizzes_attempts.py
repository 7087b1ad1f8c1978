"""Starting attempts: fixed questions, versions and orders, deadlines, limits, quotas."""

import datetime as dt
import random

import pytest
from sqlalchemy import select

from learning.courses.models import Lesson, Question, QuestionVersion
from learning.quizzes import services
from learning.quizzes.errors import (
    BankTooSmall,
    NoAttemptsLeft,
    QuizClosed,
    QuizNotOpen,
    WaitBeforeRetry,
)
from learning.quizzes.models import AttemptSlot, AttemptStatus

NOW = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)


def slots_of(session, attempt):
    return session.scalars(
        select(AttemptSlot)
        .where(AttemptSlot.attempt_id == attempt.id)
        .order_by(AttemptSlot.position)
    ).all()


def test_start_fixes_questions_versions_and_orders(session, make, final_quiz):
    final_quiz.shuffle_questions = final_quiz.shuffle_choices = True
    worker = make.user()
    attempt = services.start_attempt(session, worker, final_quiz, NOW, random.Random(7))
    first = [(s.question_version_id, s.choice_order) for s in slots_of(session, attempt)]
    assert len(first) == 3
    # Reopening ("refresh") resumes the same attempt: nothing is redrawn.
    again = services.start_attempt(session, worker, final_quiz, NOW, random.Random(99))
    assert again.id == attempt.id
    assert [(s.question_version_id, s.choice_order) for s in slots_of(session, again)] == first


def test_stable_order_when_not_shuffled(session, make, final_quiz):
    attempt = services.start_attempt(session, make.user(), final_quiz, NOW)
    keys = session.scalars(
        select(Question.key)
        .join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .join(AttemptSlot, AttemptSlot.question_version_id == QuestionVersion.id)
        .where(AttemptSlot.attempt_id == attempt.id)
        .order_by(AttemptSlot.position)
    ).all()
    assert keys == ["q-001", "q-002", "q-003"]
    for slot in slots_of(session, attempt):
        assert slot.choice_order == sorted(slot.choice_order)


def test_shuffling_varies_the_order(session, make, final_quiz):
    final_quiz.shuffle_questions = final_quiz.shuffle_choices = True
    orders = set()
    for seed in range(12):
        attempt = services.start_attempt(session, make.user(), final_quiz, NOW, random.Random(seed))
        orders.add(tuple(s.question_version_id for s in slots_of(session, attempt)))
    assert len(orders) > 1


def test_true_false_keeps_its_two_words_in_order(session, make, final_quiz):
    final_quiz.shuffle_choices = True
    for seed in range(6):
        attempt = services.start_attempt(session, make.user(), final_quiz, NOW, random.Random(seed))
        tf = slots_of(session, attempt)[1]
        assert tf.choice_order == sorted(tf.choice_order)


def test_deadline_is_start_plus_limit_capped_by_close(session, make, final_quiz):
    final_quiz.time_limit_seconds = 600
    attempt = services.start_attempt(session, make.user(), final_quiz, NOW)
    assert attempt.deadline_at == NOW + dt.timedelta(minutes=10)
    final_quiz.closes_at = NOW + dt.timedelta(minutes=4)
    late = services.start_attempt(session, make.user(), final_quiz, NOW)
    assert late.deadline_at == NOW + dt.timedelta(minutes=4)


def test_open_and_close_times(session, make, final_quiz):
    final_quiz.opens_at = NOW + dt.timedelta(hours=1)
    with pytest.raises(QuizNotOpen):
        services.start_attempt(session, make.user(), final_quiz, NOW)
    final_quiz.opens_at = None
    final_quiz.closes_at = NOW
    with pytest.raises(QuizClosed):
        services.start_attempt(session, make.user(), final_quiz, NOW)


def test_attempts_allowed_and_wait_between_attempts(session, make, final_quiz):
    final_quiz.attempts_allowed = 2
    final_quiz.min_wait_seconds = 300
    worker = make.user()
    first = services.start_attempt(session, worker, final_quiz, NOW)
    services.submit_attempt(session, worker, first.id, NOW + dt.timedelta(minutes=1))
    with pytest.raises(WaitBeforeRetry):
        services.start_attempt(session, worker, final_quiz, NOW + dt.timedelta(minutes=3))
    second = services.start_attempt(session, worker, final_quiz, NOW + dt.timedelta(minutes=7))
    assert second.number == 2
    services.submit_attempt(session, worker, second.id, NOW + dt.timedelta(minutes=8))
    with pytest.raises(NoAttemptsLeft):
        services.start_attempt(session, worker, final_quiz, NOW + dt.timedelta(hours=1))


def test_quotas_per_lesson_and_tag(session, make, final_quiz):
    final_quiz.question_count = 2
    final_quiz.draw_rules = [
        {"count": 1, "tags": ["hop-dong"]},
        {"count": 1, "lessons": ["bai-hai"]},
    ]
    for seed in range(5):
        attempt = services.start_attempt(session, make.user(), final_quiz, NOW, random.Random(seed))
        keys = set(
            session.scalars(
                select(Question.key)
                .join(QuestionVersion, QuestionVersion.question_id == Question.id)
                .join(AttemptSlot, AttemptSlot.question_version_id == QuestionVersion.id)
                .where(AttemptSlot.attempt_id == attempt.id)
            )
        )
        assert "q-001" in keys  # the only question tagged hop-dong
        assert keys - {"q-001"} <= {"q-002", "q-003"}
        assert len(keys) == 2


def test_a_bank_too_small_for_the_quiz_is_refused(session, make, final_quiz):
    final_quiz.question_count = 4
    with pytest.raises(BankTooSmall):
        services.start_attempt(session, make.user(), final_quiz, NOW)
    final_quiz.question_count = 2
    final_quiz.draw_rules = [{"count": 2, "tags": ["hop-dong"]}]
    with pytest.raises(BankTooSmall):
        services.start_attempt(session, make.user(), final_quiz, NOW)


def test_an_overdue_attempt_is_graded_when_the_worker_comes_back(session, make, final_quiz):
    final_quiz.time_limit_seconds = 60
    worker = make.user()
    attempt = services.start_attempt(session, worker, final_quiz, NOW)
    services.save_answers(session, worker, attempt.id, [services.Answer(1, (1,), 0)], NOW)
    later = NOW + dt.timedelta(minutes=5)
    fresh = services.start_attempt(session, worker, final_quiz, later)
    session.refresh(attempt)
    assert attempt.status is AttemptStatus.SUBMITTED
    assert attempt.is_auto_submitted
    assert attempt.score == 1  # q-001 answered right before the deadline
    assert fresh.id != attempt.id and fresh.number == 2


def test_every_question_of_the_bank_is_equally_likely(session, final_quiz):
    # The pool is read as plain rows and only with the columns the rules need: what is drawn
    # from it must still be uniform, within a rule's quota and for the rest.
    from learning.quizzes.drawing import draw_questions

    final_quiz.question_count = 1
    drawn = [draw_questions(session, final_quiz, random.Random(seed))[0][0] for seed in range(600)]
    counts = sorted(drawn.count(version) for version in set(drawn))
    assert len(counts) == 3 and counts[0] > 150 and counts[-1] < 250, counts  # 200 each
    final_quiz.question_count = 2
    final_quiz.draw_rules = [{"count": 1, "lessons": ["bai-hai"]}]
    lesson = set(
        session.scalars(
            select(QuestionVersion.id)
            .join(Question, Question.id == QuestionVersion.question_id)
            .join(Lesson, Lesson.id == Question.lesson_id)
            .where(Lesson.slug == "bai-hai")
        )
    )
    assert len(lesson) == 2
    picked = []
    for seed in range(600):
        versions = {
            version for version, _order in draw_questions(session, final_quiz, random.Random(seed))
        }
        assert len(versions) == 2 and versions & lesson  # the quota, then one of the rest
        picked += sorted(versions & lesson)[:1] if len(versions & lesson) == 1 else []
    # Each of the lesson's two questions fills the quota about as often as the other.
    first = min(lesson)
    assert 0.4 < picked.count(first) / len(picked) < 0.6, (picked.count(first), len(picked))
