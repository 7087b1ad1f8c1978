"""Integrity under concurrency and load: a round is ranked once however many processes try
at the same moment; per-account rate limits; live counters shared through Redis."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from learning import create_app
from learning.contests import cache, queries, services
from learning.contests.models import RoundResult
from learning.courses.loader import read_course
from learning.courses.models import Course
from learning.courses.services import load_course
from learning.db import build_engine, utcnow
from learning.extensions import limiter
from learning.migrate import upgrade
from tests.contest_helpers import enter, make_contest, take
from tests.course_files import write_course
from tests.factories import Factory
from tests.test_auth_redis_limits import REDIS_URL, redis_client  # noqa: F401 - a fixture
from tests.test_quizzes_concurrency import run_together


def test_simultaneous_closes_rank_once(scratch_database_url, tmp_path):
    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            load_course(session, read_course(write_course(tmp_path)))
            course = session.scalar(select(Course))
            make = Factory(session)
            contest, round_, _admin = make_contest(session, make, course)
            start = utcnow() - dt.timedelta(minutes=30)
            unit = make.unit()
            for right in range(4):
                person = make.user(unit=unit)
                enter(session, contest, person)
                take(session, person, round_, right=right, started=start, seconds=60)
            after_close = round_.quiz.closes_at + dt.timedelta(minutes=2)

        def close(_index):
            with Session(engine, expire_on_commit=False) as session:
                ranked = services.close_round(session, round_.id, after_close)
                session.commit()
                return ranked

        outcomes = run_together(6, close)
        assert sorted(outcomes, key=str) == [False] * 5 + [True], outcomes
        with Session(engine) as session:
            assert session.scalar(select(func.count(RoundResult.id))) == 4
    finally:
        engine.dispose()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "CONTEST_LIMIT_PER_ACCOUNT": "2 per minute"}


def test_each_account_is_rate_limited(client, auth, session, make, sample_course):
    contest, round_, _admin = make_contest(session, make, sample_course, attempts=5)
    unit = make.unit()
    worker = make.user(unit=unit)
    enter(session, contest, worker)
    auth.login(worker.phone)
    assert client.post(f"/rounds/{round_.id}/start").status_code == 302
    assert client.post(f"/rounds/{round_.id}/start").status_code == 302  # resumes
    assert client.post(f"/rounds/{round_.id}/start").status_code == 429
    other = make.user(unit=unit)
    enter(session, contest, other)
    auth.logout()
    auth.login(other.phone)
    assert client.post(f"/rounds/{round_.id}/start").status_code == 302  # another account


def test_live_counters_are_shared_through_redis(
    app_config,
    connection,
    redis_client,  # noqa: F811
    session,
    make,
    sample_course,
):
    app = create_app({**app_config, "REDIS_URL": REDIS_URL})
    app.extensions["database"].bind_to(connection)
    limiter.reset()
    contest, round_, _admin = make_contest(session, make, sample_course)
    key = f"contests:round:{round_.id}:counters"
    redis_client.delete(key)
    worker = make.user(unit=make.unit())
    enter(session, contest, worker)
    try:
        with app.app_context():
            assert queries.live_counters(session, round_)["total"] == 0
            services.start(session, worker, round_, utcnow())
            session.commit()
            cache.clear()  # another process: nothing cached in memory, Redis answers
            assert queries.live_counters(session, round_)["total"] == 0
            assert redis_client.ttl(key) > 0
            redis_client.delete(key)
            assert queries.live_counters(session, round_)["total"] == 1
    finally:
        redis_client.delete(key)
