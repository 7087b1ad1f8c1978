"""Contest services: registration without duplicates, entering, predictions, the refusals
of bad input, closing a round (true number, ranks, once), unit awards and officers' scope."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from learning.auth.models import Role, User
from learning.contests import queries, services
from learning.contests.errors import (
    InvalidPrediction,
    NotEntered,
    NotOpenToYou,
    UnknownUnit,
)
from learning.contests.models import Category, Entrant, Prediction, RoundResult
from learning.db import utcnow
from learning.errors import NotInScope
from learning.quizzes.errors import NoAttemptsLeft, QuizClosed
from learning.quizzes.models import Attempt, AttemptStatus
from tests.contest_helpers import HOUR, enter, make_contest, take
from tests.statements import StatementCounter


def registration(unit_id, phone="0912 000 111", **changes):
    data = dict(
        full_name="  Nguyễn   Thị Lan ",
        phone=phone,
        password="mat-khau-dai",
        unit_id=unit_id,
        category=Category.MEMBER,
        birth_year=1994,
        gender=None,
    )
    data.update(changes)
    return services.Registration(**data)


def test_registration_creates_one_account_and_the_entry(session, make, sample_course):
    tree = make.tree()
    contest, _round, _admin = make_contest(session, make, sample_course)
    user, entrant = services.register(
        session, contest, registration(tree.grassroots_a.id), "10.0.0.1"
    )
    session.commit()
    assert user.phone == "+84912000111" and user.full_name == "Nguyễn Thị Lan"
    assert user.unit_id is None  # the unit is the entrant's, for officers to confirm
    assert (entrant.unit_id, entrant.declared_unit_id) == (tree.grassroots_a.id,) * 2
    assert entrant.category is Category.MEMBER and entrant.birth_year == 1994


def test_registering_an_existing_phone_is_refused_and_changes_nothing(session, make, sample_course):
    tree = make.tree()
    existing = make.user(unit=tree.grassroots_b, phone="0912000111")
    contest, _round, _admin = make_contest(session, make, sample_course)
    users = session.scalar(select(func.count(User.id)))
    refused = services.register(
        session, contest, registration(tree.grassroots_a.id, "+84 912 000 111"), None
    )
    session.commit()
    assert refused is None
    assert session.scalar(select(func.count(User.id))) == users
    assert session.scalar(select(func.count(Entrant.id))) == 0
    session.refresh(existing)
    assert existing.full_name != "Nguyễn Thị Lan"  # no take-over of the account


@pytest.mark.parametrize("unit", [None, 999_999])
def test_a_unit_that_does_not_exist_is_refused(session, make, sample_course, unit):
    contest, _round, _admin = make_contest(session, make, sample_course)
    with pytest.raises(UnknownUnit):
        services.register(session, contest, registration(unit), None)
    session.rollback()
    assert session.scalar(select(func.count(User.id)).where(User.phone == "+84912000111")) == 0


def test_a_contest_for_some_units_refuses_others(session, make, sample_course):
    tree = make.tree()
    contest, _round, _admin = make_contest(
        session, make, sample_course, unit_ids=[tree.district_a.id]
    )
    services.register(session, contest, registration(tree.grassroots_a.id), None)
    with pytest.raises(NotOpenToYou):
        services.register(session, contest, registration(tree.grassroots_b.id, "0912000222"), None)


def test_entering_twice_keeps_one_entry(session, make, sample_course):
    tree = make.tree()
    worker = make.user(unit=tree.grassroots_a)
    contest, _round, _admin = make_contest(session, make, sample_course)
    first = enter(session, contest, worker)
    again = enter(session, contest, worker, Category.OFFICIAL)
    assert first.id == again.id and again.category is Category.MEMBER


@pytest.mark.parametrize("raw", ["-1", "1.5e3", "abc", "12a", "٣", "1234567890123"])
def test_a_prediction_that_is_not_a_whole_number_from_zero_is_refused(raw):
    with pytest.raises(InvalidPrediction):
        services.parse_prediction(raw)


def test_predictions_as_people_type_them():
    assert services.parse_prediction(" 1.234 ") == 1234
    assert services.parse_prediction("0") == 0
    assert services.parse_prediction("") is None


def test_starting_needs_an_entry_and_respects_close_and_attempts(session, make, sample_course):
    tree = make.tree()
    worker = make.user(unit=tree.grassroots_a)
    contest, round_, _admin = make_contest(session, make, sample_course)
    with pytest.raises(NotEntered):
        services.start(session, worker, round_, utcnow())
    enter(session, contest, worker)
    take(session, worker, round_, right=3, started=utcnow(), seconds=60)
    with pytest.raises(NoAttemptsLeft):
        services.start(session, worker, round_, utcnow())
    other = make.user(unit=tree.grassroots_a)
    enter(session, contest, other)
    with pytest.raises(QuizClosed):
        services.start(session, other, round_, utcnow() + 2 * HOUR)
    assert session.scalar(select(func.count(Attempt.id))) == 1


def test_closing_ranks_once_with_the_true_number(session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    people = [make.user(unit=tree.grassroots_a) for _ in range(4)]
    for person in people:
        enter(session, contest, person)
    start = utcnow() - dt.timedelta(minutes=30)
    take(session, people[0], round_, right=3, started=start, seconds=200, prediction=2)
    take(session, people[1], round_, right=3, started=start, seconds=200, prediction=5)
    take(session, people[2], round_, right=3, started=start, seconds=100, prediction=9)
    take(session, people[3], round_, right=2, started=start, seconds=50, prediction=2)
    assert not services.close_round(session, round_.id, utcnow())  # still open: nothing
    after_close = round_.quiz.closes_at + dt.timedelta(minutes=2)
    assert services.close_round(session, round_.id, after_close)
    session.commit()
    assert round_.true_number == 3
    rows = queries.ranking(session, round_)
    assert [(r.user_id, r.rank, r.distance) for r in rows] == [
        (people[2].id, 1, 6),
        (people[0].id, 2, 1),
        (people[1].id, 3, 2),
        (people[3].id, 4, 1),
    ]
    assert not services.close_round(session, round_.id, after_close)
    assert services.close_due(session, after_close) == []
    assert session.scalar(select(func.count(RoundResult.id))) == 4


def test_the_best_of_two_attempts_ranks(session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course, attempts=2)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    start = utcnow() - dt.timedelta(minutes=30)
    take(session, worker, round_, right=1, started=start, seconds=30)
    best = take(
        session, worker, round_, right=3, started=start + dt.timedelta(minutes=5), seconds=90
    )
    services.close_round(session, round_.id, round_.quiz.closes_at + dt.timedelta(minutes=2))
    (row,) = session.scalars(select(RoundResult)).all()
    assert (row.attempt_id, row.score, row.milliseconds_used) == (best.id, 3, 90_000)


def test_an_unfinished_attempt_is_graded_before_ranking(session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    services.start(session, worker, round_, utcnow())
    session.commit()
    assert services.close_round(session, round_.id, round_.quiz.closes_at + dt.timedelta(minutes=2))
    (row,) = session.scalars(select(RoundResult)).all()
    assert row.score == 0


def test_a_prediction_after_submitting_is_refused(session, make, sample_course):
    from learning.quizzes.errors import AttemptClosed

    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    attempt = take(session, worker, round_, right=3, started=utcnow(), seconds=60, prediction=7)
    with pytest.raises(AttemptClosed):
        services.predict(session, worker, round_, attempt.id, 8, utcnow())
    session.rollback()
    assert session.scalar(select(Prediction.value)) == 7


def test_finishing_reads_the_attempt_once_and_grades_it_with_the_prediction(
    session, connection, make, sample_course
):
    # The prediction locks the attempt; the submit grades that attempt (it was read and
    # locked twice: one statement and its ORM rows more in every contest submit).
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    attempt = services.start(session, worker, round_, utcnow())
    session.commit()
    with StatementCounter(connection) as counter:
        finished = services.finish(session, worker, round_, attempt.id, 9, utcnow())
    reads = [s for s in counter.statements if s.startswith("SELECT attempts.id")]
    assert len(reads) == 1, reads
    assert finished.status is AttemptStatus.SUBMITTED and finished.max_score == 3
    session.expire_all()
    assert session.get(Attempt, attempt.id).status is AttemptStatus.SUBMITTED
    assert session.scalar(select(Prediction.value)) == 9


def test_a_new_prediction_replaces_the_last_one(session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    attempt = services.start(session, worker, round_, utcnow())
    services.predict(session, worker, round_, attempt.id, 8, utcnow())
    later = utcnow() + dt.timedelta(seconds=5)
    services.predict(session, worker, round_, attempt.id, 11, later)
    session.commit()
    (kept,) = session.scalars(select(Prediction)).all()
    assert kept.value == 11 and kept.given_at == later and kept.user_id == worker.id


def _confirm_all(session, officer, contest):
    for entrant in session.scalars(select(Entrant).where(Entrant.contest_id == contest.id)):
        services.confirm_entrant(
            session, officer, entrant, unit_id=entrant.unit_id, category=entrant.category
        )
    session.commit()


def test_unit_awards_by_participation_and_by_number(session, make, sample_course):
    tree = make.tree()
    contest, round_, admin = make_contest(session, make, sample_course)
    contest.award_min_members = 3
    a = [make.user(unit=tree.grassroots_a) for _ in range(4)]  # 4 members
    b = [make.user(unit=tree.grassroots_b) for _ in range(2)]  # 2 members: too few to qualify
    start = utcnow() - dt.timedelta(minutes=30)
    for person in a[:2] + b:
        enter(session, contest, person)
        take(session, person, round_, right=1, started=start, seconds=60)
    outsider = make.user(unit=tree.grassroots_a)
    enter(session, contest, outsider)  # entered, never took the round: not a participant
    _confirm_all(session, admin, contest)
    by_rate, by_count, to_confirm = queries.unit_awards(session, contest)
    assert [(r.unit_id, r.members, r.participants) for r in by_rate] == [
        (tree.grassroots_a.id, 5, 2)
    ]
    assert by_rate[0].rate == pytest.approx(0.4)
    assert [(r.unit_id, r.participants) for r in by_count] == [
        (tree.grassroots_a.id, 2),
        (tree.grassroots_b.id, 2),
    ]
    assert to_confirm == []


def test_unit_awards_count_only_confirmed_members_and_never_pass_100_percent(
    session, make, sample_course
):
    """Finding 3: three anonymous registrations declaring a unit of 2 members, with empty
    attempts, made it first with 4 participants / 2 members = 200 %."""
    tree = make.tree()
    contest, round_, admin = make_contest(session, make, sample_course)
    contest.award_min_members = 2
    members = [make.user(unit=tree.grassroots_a) for _ in range(2)]
    rival = [make.user(unit=tree.grassroots_b) for _ in range(2)]
    start = utcnow() - dt.timedelta(minutes=30)
    for person in members[:1] + rival[:1]:
        enter(session, contest, person)
        take(session, person, round_, right=1, started=start, seconds=60)
    for n in range(3):
        user, _entrant = services.register(
            session, contest, registration(tree.grassroots_a.id, phone=f"0912 000 11{n}"), None
        )
        session.commit()
        take(session, user, round_, right=0, started=start, seconds=30)
    by_rate, by_count, to_confirm = queries.unit_awards(session, contest)
    assert by_rate == [] and by_count == []  # nobody is confirmed yet: nothing counts
    assert {(r.unit_id, r.unconfirmed) for r in to_confirm} == {
        (tree.grassroots_a.id, 4),
        (tree.grassroots_b.id, 1),
    }
    _confirm_all(session, admin, contest)
    by_rate, by_count, to_confirm = queries.unit_awards(session, contest)
    rows = {r.unit_id: r for r in by_rate}
    a = rows[tree.grassroots_a.id]
    assert (a.participants, a.members, a.non_members) == (1, 2, 3)
    assert a.rate == pytest.approx(0.5)
    assert all(r.rate <= 1 for r in by_rate)
    assert [(r.unit_id, r.counted) for r in by_count] == [
        (tree.grassroots_a.id, 4),
        (tree.grassroots_b.id, 1),
    ]
    assert to_confirm == []


def test_officers_confirm_entrants_of_their_subtree_only(session, make, sample_course):
    tree = make.tree()
    contest, _round, _admin = make_contest(session, make, sample_course)
    _user, entrant = services.register(session, contest, registration(tree.grassroots_a.id), None)
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    other = make.user(role=Role.OFFICER, unit=tree.district_b)
    assert [e.id for e, _u, _n in queries.entrants_in_scope(session, officer, contest.id)] == [
        entrant.id
    ]
    assert queries.entrants_in_scope(session, other, contest.id) == []
    with pytest.raises(NotInScope):
        services.confirm_entrant(
            session, other, entrant, unit_id=tree.grassroots_b.id, category=Category.NON_MEMBER
        )
    with pytest.raises(NotInScope):  # may not move an entrant out of their own subtree
        services.confirm_entrant(
            session, officer, entrant, unit_id=tree.grassroots_b.id, category=Category.NON_MEMBER
        )
    services.confirm_entrant(
        session, officer, entrant, unit_id=tree.grassroots_a.id, category=Category.NON_MEMBER
    )
    assert entrant.category is Category.NON_MEMBER
    assert entrant.declared_category is Category.MEMBER and entrant.confirmed_by_id == officer.id


def test_suspicious_fast_attempts_and_registration_clusters(session, make, sample_course):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    for n in range(5):
        services.register(
            session, contest, registration(tree.grassroots_a.id, f"0912000{n:03d}"), "10.0.0.9"
        )
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    take(session, worker, round_, right=3, started=utcnow(), seconds=20)  # 20 s of 15 min
    fast = queries.fast_attempts(session, contest)
    assert [f.full_name for f in fast] == [worker.full_name]
    by_prefix, by_address = queries.registration_clusters(session, contest.id)
    assert [(c.key, c.count) for c in by_prefix] == [("+84912000", 5)]
    assert [(c.key, c.count) for c in by_address] == [("10.0.0.9", 5)]


def test_live_counters_are_cached(session, make, sample_course, app):
    from learning.contests import cache

    cache.clear()
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    with app.app_context():
        assert queries.live_counters(session, round_)["total"] == 0
        services.start(session, worker, round_, utcnow())
        session.commit()
        assert queries.live_counters(session, round_)["total"] == 0  # cached
        cache.clear()
        counters = queries.live_counters(session, round_)
    assert counters["total"] == 1 and counters["by_unit"] == [[tree.grassroots_a.name, 1]]


def test_close_due_command_ranks_closed_rounds(session, make, sample_course, runner):
    tree = make.tree()
    contest, round_, _admin = make_contest(session, make, sample_course)
    worker = make.user(unit=tree.grassroots_a)
    enter(session, contest, worker)
    take(session, worker, round_, right=3, started=utcnow() - HOUR, seconds=60, prediction=1)
    assert "0 round(s) ranked." in runner.invoke(args=["contests", "close-due"]).output
    round_.quiz.closes_at = utcnow() - dt.timedelta(minutes=5)
    round_.quiz.opens_at = utcnow() - 2 * HOUR
    session.commit()
    output = runner.invoke(args=["contests", "close-due"]).output
    assert "round 1: ranked (true number 1)" in output
    session.refresh(round_)
    assert round_.ranked_at is not None and round_.true_number == 1


def test_demo_contest_has_an_open_round_once_courses_are_loaded(session, sample_course):
    from learning.contests.models import Contest
    from learning.demo import load_demo, load_demo_contest

    load_demo(session)
    assert load_demo_contest(session)
    assert not load_demo_contest(session)  # idempotent
    (contest,) = session.scalars(select(Contest)).all()
    now = utcnow()
    states = [queries.round_state(r, now) for r in contest.rounds]
    assert states == ["open", "upcoming"]
    assert contest.rounds[0].quiz.bank_course_ids == [sample_course.id]
