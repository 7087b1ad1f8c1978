"""Real concurrency on a committed database (SQLite file or a PostgreSQL schema of its own):
simultaneous submits grade once; a save racing the submit is either graded or refused."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.courses.loader import read_course
from learning.courses.models import Course
from learning.courses.services import load_course
from learning.db import build_engine
from learning.migrate import upgrade
from learning.quizzes import services
from learning.quizzes.errors import AttemptClosed
from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus, Quiz
from learning.quizzes.queries import course_final_quiz
from tests.course_files import write_course
from tests.factories import Factory

NOW = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(scratch_database_url, tmp_path):
    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    with Session(engine, expire_on_commit=False) as session:
        load_course(session, read_course(write_course(tmp_path)))
        quiz = course_final_quiz(session, session.scalar(select(Course.id)))
        quiz.question_count, quiz.shuffle_questions, quiz.shuffle_choices = 3, False, False
        users = [Factory(session).user() for _ in range(20)]
        session.commit()
        yield engine, quiz.id, [u.id for u in users]
    engine.dispose()


def run_together(count, work):
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def runner(index):
        barrier.wait()
        try:
            outcomes[index] = work(index)
        except Exception as error:
            outcomes[index] = error

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_simultaneous_submits_grade_once(world):
    engine, quiz_id, user_ids = world
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(User, user_ids[0])
        attempt = services.start_attempt(session, user, session.get(Quiz, quiz_id), NOW)
        services.save_answers(session, user, attempt.id, [services.Answer(1, (1,), 0)], NOW)
        session.commit()
        attempt_id = attempt.id

    def submit(index):
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(User, user_ids[0])
            graded, _ = services.submit_attempt(
                session, user, attempt_id, NOW + dt.timedelta(seconds=index + 1)
            )
            session.commit()
            return graded.submitted_at

    outcomes = run_together(8, submit)
    assert all(isinstance(o, dt.datetime) for o in outcomes), outcomes
    assert len(set(outcomes)) == 1  # every caller saw the one grading
    with Session(engine) as session:
        attempt = session.get(Attempt, attempt_id)
        assert attempt.status is AttemptStatus.SUBMITTED and attempt.score == 1


def test_a_save_racing_the_submit_is_graded_or_refused_never_lost(world):
    engine, quiz_id, user_ids = world
    for user_id in user_ids[1:11]:
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(User, user_id)
            attempt = services.start_attempt(session, user, session.get(Quiz, quiz_id), NOW)
            session.commit()
            attempt_id = attempt.id

        def work(index, attempt_id=attempt_id, user_id=user_id):
            with Session(engine, expire_on_commit=False) as session:
                user = session.get(User, user_id)
                if index == 0:
                    result = services.save_answers(
                        session, user, attempt_id, [services.Answer(1, (1,), 0)], NOW
                    )
                else:
                    result = services.submit_attempt(session, user, attempt_id, NOW)
                session.commit()
                return result

        save_outcome, submit_outcome = run_together(2, work)
        assert not isinstance(submit_outcome, Exception), submit_outcome
        with Session(engine) as session:
            slot = session.scalar(
                select(AttemptSlot).where(
                    AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == 1
                )
            )
            attempt = session.get(Attempt, attempt_id)
        assert attempt.status is AttemptStatus.SUBMITTED
        if isinstance(save_outcome, AttemptClosed):
            assert slot.selected == [] and slot.mark == 0
        else:
            assert not isinstance(save_outcome, Exception), save_outcome
            assert save_outcome.saved == [1]
            assert slot.selected != [] and slot.mark == 1  # acknowledged, so graded


def test_simultaneous_starts_of_one_person_make_one_attempt(world):
    engine, quiz_id, user_ids = world

    def start(index):
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(User, user_ids[12])
            attempt = services.start_attempt(session, user, session.get(Quiz, quiz_id), NOW)
            session.commit()
            return attempt.id

    for _ in range(3):
        outcomes = run_together(6, start)
        assert all(isinstance(o, int) for o in outcomes), outcomes
        assert len(set(outcomes)) == 1, outcomes
    with Session(engine) as session:
        assert (
            len(session.scalars(select(Attempt).where(Attempt.user_id == user_ids[12])).all()) == 1
        )


def test_submits_that_read_the_attempt_before_locking_it_grade_once(requires_postgres, world):
    # The contest's submit page reads the attempt before the submit locks it; what the lock
    # returns must replace what was read, or each waiting submit grades again, later. (On
    # SQLite the first read already holds the write lock, so no read can go stale.)
    engine, quiz_id, user_ids = world
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(User, user_ids[0])
        attempt = services.start_attempt(session, user, session.get(Quiz, quiz_id), NOW)
        session.commit()
        attempt_id = attempt.id
    count = 6
    all_have_read = threading.Barrier(count)

    def submit(index):
        with Session(engine, expire_on_commit=False) as session:
            user = session.get(User, user_ids[0])
            read = session.get(Attempt, attempt_id)  # held, as the view holds it
            assert read.status is AttemptStatus.IN_PROGRESS
            all_have_read.wait()
            graded, _ = services.submit_attempt(
                session, user, attempt_id, NOW + dt.timedelta(seconds=index + 1)
            )
            session.commit()
            return graded.submitted_at

    outcomes = run_together(count, submit)
    assert all(isinstance(o, dt.datetime) for o in outcomes), outcomes
    assert len(set(outcomes)) == 1, outcomes
