"""Helpers for contest tests: a published contest with one round on the sample course, and
attempts answered right or wrong at chosen times."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from learning.auth.models import Role
from learning.contests import services
from learning.contests.models import Category, Contest, Round
from learning.db import utcnow
from learning.quizzes.marking import answer_keys
from learning.quizzes.models import AttemptSlot

HOUR = dt.timedelta(hours=1)


def make_contest(session, make, course, *, unit_ids=(), attempts=1, prediction=True):
    """A published contest open now for an hour, one round of the course's 3 questions."""
    admin = make.user(role=Role.ADMIN)
    contest = services.save_contest(
        session,
        admin,
        services.ContestData(
            title="Tìm hiểu pháp luật lao động",
            rules="Mỗi người thi một lần.",
            allows_registration=True,
            is_published=True,
            prize_count=3,
            award_min_members=2,
            suspicious_percent=20,
            unit_ids=unit_ids,
        ),
    )
    now = utcnow()
    round_ = services.save_round(
        session,
        admin,
        contest,
        services.RoundData(
            opens_at=now - HOUR,
            closes_at=now + HOUR,
            course_ids=[course.id],
            question_count=3,
            time_limit_minutes=15,
            attempts_allowed=attempts,
            has_prediction=prediction,
            confirm_exposed=True,  # the sample course's final quiz reviews at once
        ),
    )
    session.commit()
    return contest, round_, admin


def take(session, user, round_: Round, *, right: int, started, seconds, prediction=None):
    """An attempt with `right` questions answered right, started at `started` and submitted
    `seconds` later, with the prediction given."""
    attempt = services.start(session, user, round_, started)
    slots = session.scalars(
        select(AttemptSlot)
        .where(AttemptSlot.attempt_id == attempt.id)
        .order_by(AttemptSlot.position)
    ).all()
    keys = answer_keys(session, [s.question_version_id for s in slots])
    for index, slot in enumerate(slots):
        key = keys[slot.question_version_id]
        slot.selected = (
            sorted(key.correct) if index < right else sorted(key.choices - key.correct)[:1]
        )
    session.flush()
    submitted = started + dt.timedelta(seconds=seconds)
    services.finish(session, user, round_, attempt.id, prediction, submitted)
    session.commit()
    return attempt


def enter(session, contest: Contest, user, category=Category.MEMBER):
    entrant = services.enter(session, contest, user, unit_id=user.unit_id, category=category)
    session.commit()
    return entrant
