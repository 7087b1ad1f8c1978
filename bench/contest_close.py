"""Closing and ranking a national round: `close_round` on a round of N attempts, next to a bare
SQL ranking with window functions and (with --before) the Python ranking it replaced,
measured in the same run on the same data.

    python -m bench.contest_close [--attempts N] [--unfinished 1000] [--before] [--heap]
        [--databases postgres,sqlite]

For each database: a contest round that closed an hour ago, N attempts by N / 1.1 entrants
(one in ten took it twice), scores and times spread so that ties occur, eight in ten
predictions, and `--unfinished` attempts left in progress past their deadline with 20 saved
answers each (the quiz engine grades them at the close). N defaults to 1,000,000 on
PostgreSQL and 100,000 on SQLite. Then, each in a transaction rolled back afterwards:
- bare: each entrant's best attempt (ROW_NUMBER) and RANK() over score and time, written
  into an unindexed table (no predictions, no unfinished attempts, no constraints);
- close_round: the app's (grades the unfinished attempts, true number, ranks with
  predictions, into contest_results with its indexes);
- before (--before): the same as the app did before issue 20 (every attempt loaded, ranked
  by learning/contests/ranking.py in Python, inserted in one executemany).
Each prints its time and the process's peak RSS (with --heap, close_round runs once more with
the Python heap's peak traced by tracemalloc, which slows it), and the ranks' checksum:
close_round and before must agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from bench import dataset
from bench.databases import LABELS, database
from learning.auth.models import Role, User
from learning.contests import ranking, services
from learning.contests.models import Prediction, Round, RoundResult
from learning.db import build_engine, utcnow
from learning.migrate import upgrade
from learning.quizzes import services as quiz_services
from learning.quizzes.models import Attempt, AttemptStatus

DEFAULT_ATTEMPTS = {"postgres": 1_000_000, "sqlite": 100_000}
QUESTIONS = 20
TABLES: dict[str, tuple[str, ...]] = {
    "users": dataset._STREAMED["users"],
    "attempts": dataset._STREAMED["attempts"],
    "attempt_slots": dataset._STREAMED["attempt_slots"],
    "contest_predictions": ("round_id", "user_id", "value", "given_at"),
}
BARE_RANKING = """
CREATE TABLE bare_ranks AS
SELECT user_id, id, RANK() OVER (ORDER BY score DESC, used, submitted_at) AS rank
FROM (
    SELECT user_id, id, score, USED AS used, submitted_at,
        ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY score DESC, USED, submitted_at, id) AS n
    FROM attempts WHERE quiz_id = :quiz AND status = 'submitted'
) b WHERE n = 1
"""
BARE = {
    "postgres": "EXTRACT(EPOCH FROM (submitted_at - started_at))",
    "sqlite": "(julianday(submitted_at) - julianday(started_at)) * 86400",
}


def make_round(session: Session, rng: random.Random, course_slug: str) -> tuple[int, int, int]:
    """A published contest whose one round closed an hour ago; (round id, quiz id, unit id)."""
    now = utcnow()
    course = dataset._course(session, course_slug)
    counts: dict[str, int] = {}
    root_id, _leaves, _names = dataset._write_units(session, rng, 1, now, counts)
    admin = User(
        full_name="Quản trị thử tải",
        name_folded="quan tri thu tai",
        phone="+84900000001",
        unit_id=root_id,
        role=Role.ADMIN,
        password_hash=dataset.PASSWORD_HASH,
        session_token="bench-admin",  # noqa: S106 (not a secret: no one logs in)
    )
    session.add(admin)
    session.flush()
    contest = services.save_contest(
        session,
        admin,
        services.ContestData(
            title="Cuộc thi toàn quốc (thử tải)",
            rules="",
            allows_registration=True,
            is_published=True,
            prize_count=10,
            award_min_members=10,
            suspicious_percent=20,
        ),
    )
    round_ = services.save_round(
        session,
        admin,
        contest,
        services.RoundData(
            opens_at=now - dt.timedelta(days=7),
            closes_at=now - dt.timedelta(hours=1),
            course_ids=[course.id],
            question_count=QUESTIONS,
            time_limit_minutes=20,
            attempts_allowed=2,
            has_prediction=True,
            confirm_exposed=True,
        ),
    )
    session.commit()
    return round_.id, round_.quiz_id, root_id


def generate(
    session: Session, rng: random.Random, attempts: int, unfinished: int, course_slug: str
) -> tuple[int, int]:
    """The round and its attempts; returns (round id, entrants)."""
    round_id, quiz_id, unit_id = make_round(session, rng, course_slug)
    round_ = session.get_one(Round, round_id)
    quiz = round_.quiz
    bank = dataset._bank(session, dataset._course(session, course_slug).id, shuffle_choices=True)
    entrants = math.ceil(attempts / 1.1)
    first_user = dataset._reserve_ids(session, "users", entrants)
    first_attempt = dataset._reserve_ids(session, "attempts", attempts)
    writer = dataset._Writer(session, TABLES, lambda line: print(f"    {line}", flush=True))
    opens, deadline = quiz.opens_at, dt.timedelta(seconds=quiz.time_limit_seconds or 1200)
    span = (quiz.closes_at - deadline - opens).total_seconds()
    attempt_id, left = first_attempt, attempts
    for n in range(entrants):
        user_id = first_user + n
        writer.add(
            "users",
            (
                user_id,
                f"Thí sinh {n}",
                f"thi sinh {n}",
                f"+8498{n:07d}",
                unit_id,
                "worker",
                dataset.PASSWORD_HASH,
                False,
                True,
                False,
                f"bench-{n}",
                opens,
                opens,
            ),
        )
        takes = 1 if left <= entrants - n else min(2, left)
        for number in range(1, takes + 1):
            left -= 1
            started = opens + dt.timedelta(seconds=rng.random() * span)
            if attempt_id - first_attempt < unfinished:
                slots, _score, _at = dataset._attempt_slots(
                    rng, bank, attempt_id, QUESTIONS, 0.7, started
                )
                writer.add(
                    "attempts",
                    (
                        attempt_id,
                        quiz_id,
                        user_id,
                        number,
                        "in_progress",
                        started,
                        started + deadline,
                        None,
                        False,
                        None,
                        None,
                        None,
                        None,
                    ),
                )
                for slot in slots:
                    writer.add("attempt_slots", slot)
            else:
                score = min(QUESTIONS, int(rng.betavariate(5, 2) * (QUESTIONS + 1)))
                used = dt.timedelta(
                    seconds=rng.randint(60, 1200), microseconds=rng.choice([0, 0, 500_000])
                )
                writer.add(
                    "attempts",
                    (
                        attempt_id,
                        quiz_id,
                        user_id,
                        number,
                        "submitted",
                        started,
                        started + deadline,
                        started + used,
                        False,
                        float(score),
                        float(QUESTIONS),
                        round(100 * score / QUESTIONS, 4),
                        None,
                    ),
                )
            attempt_id += 1
        if rng.random() < 0.8:
            writer.add("contest_predictions", (round_id, user_id, rng.randint(0, 50_000), opens))
    writer.close()
    session.commit()
    return round_id, entrants


def close_round_in_python(session: Session, round_id: int, now: dt.datetime) -> bool:
    """close_round as it was before issue 20: every attempt loaded and ranked in Python."""
    round_ = session.scalar(select(Round).where(Round.id == round_id).with_for_update(of=Round))
    assert round_ is not None
    quiz = round_.quiz
    unfinished = session.scalars(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.IN_PROGRESS
        )
    ).all()
    for attempt in unfinished:
        quiz_services.finish_if_overdue(session, attempt, now)
    rows = session.execute(
        select(
            Attempt.id,
            Attempt.user_id,
            Attempt.score,
            Attempt.max_score,
            Attempt.started_at,
            Attempt.submitted_at,
        ).where(Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.SUBMITTED)
    ).all()
    best = ranking.best_attempts(ranking.Candidate.of_attempt(row) for row in rows)
    truth = ranking.true_number(best) if round_.has_prediction else None
    predictions = dict(
        session.execute(
            select(Prediction.user_id, Prediction.value).where(Prediction.round_id == round_.id)
        ).all()
    )
    ranked = ranking.rank(best, predictions, truth)
    session.execute(
        insert(RoundResult),
        [
            {
                "round_id": round_.id,
                "user_id": r.user_id,
                "attempt_id": r.attempt_id,
                "rank": r.rank,
                "score": r.score,
                "max_score": r.max_score,
                "milliseconds_used": r.milliseconds_used,
                "prediction": r.prediction,
                "distance": r.distance,
                "submitted_at": r.submitted_at,
            }
            for r in ranked
        ],
    )
    round_.true_number = truth
    round_.ranked_at = now
    session.flush()
    return True


def bare(kind: str) -> Callable[[Session, int, dt.datetime], Any]:
    def run(session: Session, round_id: int, now: dt.datetime) -> None:
        quiz_id = session.scalar(select(Round.quiz_id).where(Round.id == round_id))
        sql = BARE_RANKING.replace("USED", BARE[kind])
        session.execute(
            text(sql),
            {"quiz": quiz_id},
        )

    return run


def checksum(session: Session, round_id: int) -> tuple[int, int, int]:
    """Rows, sum of ranks, and a sum of user x rank: equal rankings give equal sums."""
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(RoundResult.rank), 0),
            func.coalesce(func.sum((RoundResult.user_id % 1000) * RoundResult.rank), 0),
        ).where(RoundResult.round_id == round_id)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def timed(
    label: str,
    engine: Engine,
    run: Callable[[Session, int, dt.datetime], Any],
    round_id: int,
    heap: bool = False,
) -> tuple[float, tuple[int, int, int]]:
    """Run `run` in a transaction rolled back afterwards; print time and memory. With `heap`,
    the Python heap's peak is traced too (tracemalloc doubles the time of code that allocates:
    a close of 200,000 attempts took 10 s traced and 5 s not)."""
    now = utcnow()
    with Session(engine) as session:
        if heap:
            tracemalloc.start()
        began = time.perf_counter()
        run(session, round_id, now)
        session.flush()
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if heap else 0
        tracemalloc.stop()
        sums = checksum(session, round_id)
        session.rollback()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    traced = f"Python heap peak {peak / 2**20:8.1f} MiB   " if heap else ""
    print(f"{label:<44} {seconds:8.2f} s   {traced}process peak RSS {rss:7.0f} MiB", flush=True)
    return seconds, sums


def bench(kind: str, url: str, args: argparse.Namespace) -> bool:
    label = LABELS[kind]
    attempts = args.attempts or DEFAULT_ATTEMPTS[kind]
    upgrade(url)
    engine = build_engine(url)
    rng = random.Random(20)
    began = time.perf_counter()
    with Session(engine) as session:
        round_id, entrants = generate(session, rng, attempts, args.unfinished, args.course)
    print(
        f"{label}: a round of {attempts:,} attempts by {entrants:,} entrants "
        f"({args.unfinished:,} unfinished) generated in {time.perf_counter() - began:.0f} s",
        flush=True,
    )
    if kind == "postgres":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    bare_s, _ = timed(f"{label} bare SQL ranking (floor)", engine, bare(kind), round_id)
    after_s, after = timed(f"{label} close_round", engine, services.close_round, round_id)
    print(f"{'':<44} = {after_s / bare_s:5.2f}x the bare ranking; {after[0]:,} ranked")
    if args.heap:
        timed(f"{label} close_round, heap traced", engine, services.close_round, round_id, True)
    agree = True
    if args.before:
        before_s, before = timed(
            f"{label} before: ranked in Python", engine, close_round_in_python, round_id, args.heap
        )
        agree = before == after
        print(
            f"{'':<44} close_round is {before_s / after_s:5.2f}x faster; "
            f"{'same ranks' if agree else 'RANKS DIFFER'} {after} / {before}"
        )
    engine.dispose()
    return agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--attempts", type=int, help="attempts in the round (default: per database)"
    )
    parser.add_argument("--unfinished", type=int, default=1000)
    parser.add_argument("--before", action="store_true", help="also time the Python ranking")
    parser.add_argument(
        "--heap", action="store_true", help="close again with the Python heap traced (slower)"
    )
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--course", default="phap-luat-lao-dong")
    args = parser.parse_args()
    if args.attempts is not None and args.attempts < 1:
        parser.error("--attempts must be at least 1")
    if args.unfinished < 0:
        parser.error("--unfinished cannot be negative")
    agree = True
    for kind in args.databases.split(","):
        if kind not in LABELS:
            parser.error(f"unknown database {kind!r}: use sqlite and/or postgres")
        with database(kind, "bench-close") as url:
            agree = bench(kind, url, args) and agree
    if not agree:
        raise SystemExit("close_round and the Python ranking differ")


if __name__ == "__main__":
    main()
