"""Reads for contests: contests and rounds to show, live counters, rankings, prize lists,
unit awards, suspicious attempts and registrations, entrants an officer may confirm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, ScalarSelect, Select, Subquery, case, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from learning.auth.models import Gender, Role, User
from learning.auth.scope import unit_filter
from learning.contests import cache
from learning.contests.models import Category, Contest, ContestUnit, Entrant, Round, RoundResult
from learning.courses.models import ContentStatus, Course
from learning.db import utcnow
from learning.i18n import gettext as _
from learning.org.models import Unit, UnitClosure, UnitKind
from learning.org.queries import ancestors, search_units
from learning.quizzes.models import (
    Attempt,
    AttemptStatus,
    Quiz,
    QuizKind,
    ReviewDetail,
    ReviewTiming,
)
from learning.text import format_phone

COUNTER_TTL_SECONDS = 15


def published_contests(session: Session) -> Sequence[Contest]:
    """Contests open to view, newest first."""
    return session.scalars(
        select(Contest).where(Contest.is_published).order_by(Contest.id.desc())
    ).all()


def all_contests(session: Session) -> Sequence[Contest]:
    """Every contest (admins), newest first."""
    return session.scalars(select(Contest).order_by(Contest.id.desc())).all()


def get_contest(session: Session, contest_id: int) -> Contest | None:
    """A contest by its id (published or not: the caller asks scope who may see it)."""
    return session.get(Contest, contest_id)


def contest_units(session: Session, contest_id: int) -> Sequence[Unit]:
    """The units a contest is open to (none: everyone)."""
    return session.scalars(
        select(Unit)
        .join(ContestUnit, ContestUnit.unit_id == Unit.id)
        .where(ContestUnit.contest_id == contest_id)
        .order_by(Unit.name)
    ).all()


def get_round(session: Session, round_id: int) -> Round | None:
    """A round with its contest and quiz, in one query: every round page shows the three."""
    return session.get(Round, round_id, options=[joinedload(Round.contest)])


def round_of_quiz(session: Session, quiz_id: int) -> Round | None:
    """The round whose quiz this is."""
    return session.scalar(select(Round).where(Round.quiz_id == quiz_id))


def contest_attempt(session: Session, attempt_id: int) -> Attempt | None:
    """An attempt alone, without its slots or questions: the submit page lists what is
    answered from its slots, loaded only when the page shows them."""
    return session.get(Attempt, attempt_id)


def entrant_of(session: Session, contest_id: int, user_id: int) -> Entrant | None:
    """The user's entry in the contest, if they entered."""
    return session.scalar(
        select(Entrant).where(Entrant.contest_id == contest_id, Entrant.user_id == user_id)
    )


def get_entrant(session: Session, contest_id: int, entrant_id: int) -> Entrant | None:
    """An entry of this contest by its id (None if it is another contest's)."""
    entrant = session.get(Entrant, entrant_id)
    return entrant if entrant is not None and entrant.contest_id == contest_id else None


def registration_units(
    session: Session, text: str, chosen: int | None
) -> list[tuple[Unit, list[str]]]:
    """Units matching a registration's search (and the one already chosen), each with the
    names of its parents, so that the right one of two same-named unions is picked."""
    found = list(search_units(session, text, limit=15)) if text.strip() else []
    if chosen and all(u.id != chosen for u in found):
        unit = session.get(Unit, chosen)
        if unit is not None and unit.is_active:
            found.insert(0, unit)
    return [(u, [a.name for a in ancestors(session, u.id)]) for u in found]


def round_state(round_: Round, now: dt.datetime) -> str:
    """ "upcoming", "open", "closed" (not ranked yet) or "ranked"."""
    if round_.ranked_at is not None:
        return "ranked"
    quiz = round_.quiz
    if quiz.opens_at and now < quiz.opens_at:
        return "upcoming"
    if quiz.closes_at and now >= quiz.closes_at:
        return "closed"
    return "open"


def open_round(contest: Contest, now: dt.datetime) -> Round | None:
    """The round open now, if any."""
    return next((r for r in contest.rounds if round_state(r, now) == "open"), None)


def rankable_after(round_: Round) -> dt.datetime | None:
    """When the round can be ranked: its close, plus the grace that saves may still take."""
    closes = round_.quiz.closes_at
    return closes + dt.timedelta(seconds=round_.quiz.grace_seconds) if closes else None


def rank_due(round_: Round, now: dt.datetime) -> bool:
    """Whether a round nobody has ranked yet may be ranked now (its close and grace passed)."""
    after = rankable_after(round_)
    return round_.ranked_at is None and after is not None and now >= after


# --- live counters -------------------------------------------------------------------------


def _count_participants(session: Session, round_: Round) -> dict[str, Any]:
    total = session.scalar(
        select(func.count(func.distinct(Attempt.user_id))).where(Attempt.quiz_id == round_.quiz_id)
    )
    by_unit = session.execute(
        select(Unit.name, func.count(func.distinct(Attempt.user_id)).label("n"))
        .join(
            Entrant,
            (Entrant.user_id == Attempt.user_id) & (Entrant.contest_id == round_.contest_id),
        )
        .join(Unit, Unit.id == Entrant.unit_id)
        .where(Attempt.quiz_id == round_.quiz_id)
        .group_by(Unit.id, Unit.name)
        .order_by(func.count(func.distinct(Attempt.user_id)).desc(), Unit.name)
        .limit(20)
    ).all()
    return {"total": total or 0, "by_unit": [[name, n] for name, n in by_unit]}


def _counters_key(round_id: int) -> str:
    return f"contests:round:{round_id}:counters"


def live_counters(session: Session, round_: Round) -> dict[str, Any]:
    """Participants so far in a round, in all and for the 20 units with most: counted at
    most once per few seconds, however many pages show them."""
    return cache.cached(
        _counters_key(round_.id),
        COUNTER_TTL_SECONDS,
        lambda: _count_participants(session, round_),
    )


def forget_live_counters(contest: Contest) -> None:
    """Drop the cached counters of the contest's rounds (an entrant's unit was corrected),
    so that every app server counts again on the next page."""
    for round_ in contest.rounds:
        cache.forget(_counters_key(round_.id))


@dataclass(frozen=True)
class DailyCount:
    day: dt.date
    unit: str
    entrants: int


def daily_entrants(session: Session, contest_id: int) -> list[DailyCount]:
    """New entrants per day and unit (the daily report organisers send up)."""
    rows = session.execute(
        select(Entrant.created_at, Unit.name)
        .join(Unit, Unit.id == Entrant.unit_id)
        .where(Entrant.contest_id == contest_id)
    ).all()
    counts: dict[tuple[dt.date, str], int] = {}
    for created_at, unit in rows:
        key = (created_at.date(), unit)
        counts[key] = counts.get(key, 0) + 1
    return [DailyCount(day, unit, n) for (day, unit), n in sorted(counts.items())]


# --- rankings and prizes -------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRow:
    rank: int
    full_name: str
    unit: str
    parent: str
    category: Category
    score: float
    max_score: float
    milliseconds_used: int
    prediction: int | None
    distance: int | None
    submitted_at: dt.datetime
    birth_year: int | None
    gender: str | None
    phone: str | None
    user_id: int


def ranking(
    session: Session,
    round_: Round,
    *,
    category: Category | None = None,
    limit: int | None = 100,
    offset: int = 0,
) -> list[RankingRow]:
    """The stored ranking of a round, optionally of one category only (results are reported
    separately for officials, members and non-members; ranks stay the overall ones)."""
    parent = aliased(Unit)
    query = (
        select(RoundResult, User, Entrant, Unit.name, parent.name)
        .join(User, User.id == RoundResult.user_id)
        .join(
            Entrant,
            (Entrant.user_id == RoundResult.user_id) & (Entrant.contest_id == round_.contest_id),
        )
        .join(Unit, Unit.id == Entrant.unit_id)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(RoundResult.round_id == round_.id)
        .order_by(RoundResult.rank, User.full_name)
        .offset(offset)
    )
    if category is not None:
        query = query.where(Entrant.category == category)
    if limit is not None:
        query = query.limit(limit)
    return [
        RankingRow(
            rank=result.rank,
            full_name=user.full_name,
            unit=unit,
            parent=parent_name or "",
            category=entrant.category,
            score=result.score,
            max_score=result.max_score,
            milliseconds_used=result.milliseconds_used,
            prediction=result.prediction,
            distance=result.distance,
            submitted_at=result.submitted_at,
            birth_year=entrant.birth_year,
            gender=entrant.gender.value if entrant.gender else None,
            phone=user.phone,
            user_id=user.id,
        )
        for result, user, entrant, unit, parent_name in session.execute(query).all()
    ]


def prize_list(session: Session, round_: Round, top: int) -> list[RankingRow]:
    """The top `top` of a round, with everyone tied at the last prize rank."""
    return [row for row in ranking(session, round_, limit=None) if row.rank <= top]


@dataclass(frozen=True)
class PrizeTable:
    """A round's prize list as it is exported: the column names, then a row a winner."""

    header: list[str]
    rows: list[list[object]]


def prize_header() -> list[str]:
    """The prize list's column names, in the reader's language."""
    return [_("Rank"), _("Full name"), _("Year of birth"), _("Gender"), _("Phone number"),
            _("Unit"), _("Parent unit"), _("Category"), _("Score"), _("Questions"),
            _("Time used (seconds)"), _("Prediction"), _("Distance"), _("Submitted")]  # fmt: skip


def prize_table(session: Session, round_: Round) -> PrizeTable:
    """The prize list of a ranked round as organisers send it up: its contest's top
    `prize_count` (everyone tied at the last prize rank) with what prizes are paid against
    (year of birth, gender, phone, unit and its parent)."""
    genders = {g.value: g.label for g in Gender}
    rows: list[list[object]] = [
        [
            r.rank,
            r.full_name,
            r.birth_year,
            genders.get(r.gender or "", ""),
            format_phone(r.phone),
            r.unit,
            r.parent,
            r.category.label,
            r.score,
            r.max_score,
            round(r.milliseconds_used / 1000, 1),
            r.prediction,
            r.distance,
            r.submitted_at,
        ]
        for r in prize_list(session, round_, round_.contest.prize_count)
    ]
    return PrizeTable(prize_header(), rows)


def own_result(session: Session, round_id: int, user_id: int) -> RoundResult | None:
    """A participant's line of a ranked round."""
    return session.scalar(
        select(RoundResult).where(RoundResult.round_id == round_id, RoundResult.user_id == user_id)
    )


# --- unit awards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitAward:
    """A grassroots union's line of the awards. `participants` are confirmed participants
    who are its members (so the rate never passes 100 %); `non_members` confirmed
    participants entered for it who are not its members (registered without an account in
    it, or members elsewhere); `unconfirmed` participants no officer has confirmed yet: they
    count for nothing until one does."""

    unit_id: int
    unit: str
    parent: str
    members: int
    participants: int
    non_members: int = 0
    unconfirmed: int = 0

    @property
    def rate(self) -> float:
        return self.participants / self.members if self.members else 0.0

    @property
    def counted(self) -> int:
        """Everyone confirmed who took part for the unit (the number-of-participants award)."""
        return self.participants + self.non_members


def unit_awards(
    session: Session, contest: Contest, round_id: int | None = None
) -> tuple[list[UnitAward], list[UnitAward], list[UnitAward]]:
    """Grassroots unions ranked by participation (member participants / members), by number
    of confirmed participants, and those with participants still to confirm; each over its
    subtree (its union groups count in it).

    Participants: entrants of the unit with a submitted attempt (in the round, or in any
    round). Only entrants whose unit and category an officer confirmed count: anyone can
    register declaring a unit. A participant is a member of the unit when their account is
    an active worker of its subtree; members: active worker accounts. Units with fewer
    members than the contest's minimum do not qualify for the participation award (a unit of
    3 with 3 entrants is not 100% of much)."""
    quiz_ids = [r.quiz_id for r in contest.rounds if round_id is None or r.id == round_id]
    if not quiz_ids:
        return [], [], []
    figures = _participation_by_unit(session, _participants(contest.id, quiz_ids))
    members = _members_by_unit(session)
    rows = [
        UnitAward(uid, name, parent_name or "", members.get(uid, 0), *figures[uid])
        for uid, name, parent_name in _grassroots_names(session, list(figures))
    ]
    return _award_lists(rows, contest.award_min_members)


def _participants(contest_id: int, quiz_ids: list[int]) -> Subquery:
    """The contest's entrants with a submitted attempt at one of the quizzes: their declared
    unit, whether it is confirmed, their account's own unit and whether it is an active
    worker's."""
    return (
        select(
            Entrant.user_id,
            Entrant.unit_id,
            Entrant.confirmed_at,
            User.unit_id.label("home_unit_id"),
            (User.is_active & (User.role == Role.WORKER)).label("is_worker"),
        )
        .join(User, User.id == Entrant.user_id)
        .where(
            Entrant.contest_id == contest_id,
            Entrant.user_id.in_(
                select(Attempt.user_id).where(
                    Attempt.quiz_id.in_(quiz_ids), Attempt.status == AttemptStatus.SUBMITTED
                )
            ),
        )
        .subquery()
    )


def _participation_by_unit(
    session: Session, participated: Subquery
) -> dict[int, tuple[int, int, int]]:
    """For every unit above a participant's declared unit: its confirmed participants who
    are its members, the confirmed who are not, and the unconfirmed (each person once)."""
    home = aliased(UnitClosure)
    confirmed = participated.c.confirmed_at.is_not(None)
    is_member = confirmed & participated.c.is_worker & home.ancestor_id.is_not(None)
    user = participated.c.user_id
    rows = session.execute(
        select(
            UnitClosure.ancestor_id,
            func.count(func.distinct(case((is_member, user)))),
            func.count(func.distinct(case((confirmed & ~is_member, user)))),
            func.count(func.distinct(case((~confirmed, user)))),
        )
        .join(participated, participated.c.unit_id == UnitClosure.descendant_id)
        # The participant's own unit, when it lies in the awarded unit's subtree.
        .outerjoin(
            home,
            (home.ancestor_id == UnitClosure.ancestor_id)
            & (home.descendant_id == participated.c.home_unit_id),
        )
        .group_by(UnitClosure.ancestor_id)
    ).all()
    return {
        unit_id: (members, others, unconfirmed) for unit_id, members, others, unconfirmed in rows
    }


def _members_by_unit(session: Session) -> dict[int, int]:
    """Active worker accounts in each unit's subtree."""
    return dict(
        session.execute(
            select(UnitClosure.ancestor_id, func.count(User.id))
            .join(User, User.unit_id == UnitClosure.descendant_id)
            .where(User.is_active, User.role == Role.WORKER)
            .group_by(UnitClosure.ancestor_id)
        ).all()
    )


def _grassroots_names(session: Session, unit_ids: list[int]) -> Sequence[Row[Any]]:
    """The grassroots unions among `unit_ids`: id, name and their parent's name."""
    parent = aliased(Unit)
    return session.execute(
        select(Unit.id, Unit.name, parent.name)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(Unit.kind == UnitKind.GRASSROOTS, Unit.id.in_(unit_ids))
    ).all()


def _award_lists(
    rows: list[UnitAward], min_members: int
) -> tuple[list[UnitAward], list[UnitAward], list[UnitAward]]:
    """The three lists of the awards page: by participation rate (units with at least
    `min_members` members), by number of participants, and those with some to confirm."""
    by_rate = sorted(
        (r for r in rows if r.participants and r.members >= min_members),
        key=lambda r: (-r.rate, -r.participants, r.unit),
    )
    by_count = sorted(
        (r for r in rows if r.counted), key=lambda r: (-r.counted, -r.participants, r.unit)
    )
    to_confirm = sorted((r for r in rows if r.unconfirmed), key=lambda r: (-r.unconfirmed, r.unit))
    return by_rate, by_count, to_confirm


# --- integrity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FastAttempt:
    full_name: str
    phone: str | None
    round_number: int
    seconds_used: float
    percent: float | None


@dataclass(frozen=True)
class Cluster:
    key: str
    started: dt.datetime
    count: int
    names: list[str]


def fast_attempts(session: Session, contest: Contest) -> list[FastAttempt]:
    """Submitted attempts finished in less than the contest's share of the time limit."""
    found = []
    for round_ in contest.rounds:
        limit = round_.quiz.time_limit_seconds
        if not limit:
            continue
        threshold = limit * contest.suspicious_percent / 100
        visible = round_.quiz.results_visible(utcnow())
        rows = session.execute(
            select(Attempt, User.full_name, User.phone)
            .join(User, User.id == Attempt.user_id)
            .where(
                Attempt.quiz_id == round_.quiz_id,
                Attempt.status == AttemptStatus.SUBMITTED,
                Attempt.is_auto_submitted.is_(False),
            )
        ).all()
        for attempt, name, phone in rows:
            used = (attempt.submitted_at - attempt.started_at).total_seconds()
            if used < threshold:
                percent = attempt.percent if visible else None  # hidden until the close
                found.append(FastAttempt(name, phone, round_.number, used, percent))
    return sorted(found, key=lambda f: f.seconds_used)


def registration_clusters(
    session: Session,
    contest_id: int,
    *,
    window: dt.timedelta = dt.timedelta(hours=1),
    at_least: int = 5,
) -> tuple[list[Cluster], list[Cluster]]:
    """Many entrants from one phone prefix (all but the last three digits) or from one
    address, registered within `window` of each other: (by prefix, by address)."""
    rows = session.execute(
        select(Entrant.created_at, Entrant.registered_from, User.phone, User.full_name)
        .join(User, User.id == Entrant.user_id)
        .where(Entrant.contest_id == contest_id)
        .order_by(Entrant.created_at)
    ).all()

    def clusters(keyed: list[tuple[str, dt.datetime, str]]) -> list[Cluster]:
        groups: dict[str, list[tuple[dt.datetime, str]]] = {}
        for key, at, name in keyed:
            groups.setdefault(key, []).append((at, name))
        found = []
        for key, items in groups.items():
            start = 0
            best: tuple[int, int] = (0, 0)
            for end in range(len(items)):
                while items[end][0] - items[start][0] > window:
                    start += 1
                if end - start + 1 > best[1] - best[0]:
                    best = (start, end + 1)
            if best[1] - best[0] >= at_least:
                chosen = items[best[0] : best[1]]
                found.append(Cluster(key, chosen[0][0], len(chosen), [n for _, n in chosen]))
        return sorted(found, key=lambda c: -c.count)

    by_prefix = clusters([(phone[:-3], at, name) for at, _a, phone, name in rows if phone])
    by_address = clusters([(address, at, name) for at, address, _p, name in rows if address])
    return by_prefix, by_address


# --- officers ------------------------------------------------------------------------------


def entrants_in_scope(
    session: Session, actor: User, contest_id: int, *, unconfirmed_only: bool = False
) -> Sequence[tuple[Entrant, User, Unit]]:
    """The entrants whose unit is in the actor's subtree (admins: all)."""
    query = (
        select(Entrant, User, Unit)
        .join(User, User.id == Entrant.user_id)
        .join(Unit, Unit.id == Entrant.unit_id)
        .where(Entrant.contest_id == contest_id, unit_filter(actor, Entrant.unit_id))
        .order_by(Unit.name, User.full_name)
        .limit(500)
    )
    if unconfirmed_only:
        query = query.where(Entrant.confirmed_at.is_(None))
    return session.execute(query).all()


def units_in_scope(session: Session, actor: User) -> Sequence[Unit]:
    """The active units an officer may move an entrant to (admins: all), by name."""
    return session.scalars(
        select(Unit).where(Unit.is_active, unit_filter(actor, Unit.id)).order_by(Unit.name)
    ).all()


def round_banks(session: Session) -> Sequence[Course]:
    """The banks a round may draw from: published courses and banks kept for contests."""
    return session.scalars(
        select(Course)
        .where(or_(Course.status == ContentStatus.PUBLISHED, Course.is_contest_bank))
        .order_by(Course.is_contest_bank.desc(), Course.title)
    ).all()


def exposed_banks(session: Session, course_ids: Sequence[int]) -> list[Course]:
    """The courses among `course_ids` whose questions some active course quiz reviews as soon
    as an attempt is submitted, showing right and wrong answers: their key is public. Banks
    kept for contests never are (they are in no course quiz)."""
    return list(
        session.scalars(
            select(Course)
            .where(
                Course.id.in_(list(course_ids)),
                Course.id.in_(
                    select(Quiz.course_id).where(
                        Quiz.is_active,
                        Quiz.kind != QuizKind.CONTEST_ROUND,
                        Quiz.review_timing == ReviewTiming.IMMEDIATELY,
                        Quiz.review_detail != ReviewDetail.SCORE,
                    )
                ),
            )
            .order_by(Course.title)
        )
    )


def open_rounds_for(session: Session, user: User, now: dt.datetime) -> Sequence[Round]:
    """Rounds open now, of published contests open to the user's unit (or to everyone), in
    which the user has not begun an attempt: what their notices announce."""
    return session.scalars(
        _open_rounds(select(Round), user.id, user.unit_id, now)
        .options(joinedload(Round.contest))
        .order_by(Quiz.closes_at, Round.id)
    ).all()


def open_round_count(user_id: Any, unit_id: Any, now: Any) -> ScalarSelect[int]:
    """How many rounds `open_rounds_for` gives, as a subquery (for the header's count);
    the arguments may be bound parameters (a NULL `unit_id` reaches no unit)."""
    return _open_rounds(select(func.count(Round.id)), user_id, unit_id, now).scalar_subquery()


def _open_rounds(query: Select[Any], user_id: Any, unit_id: Any, now: Any) -> Select[Any]:
    limited = select(ContestUnit.contest_id).where(ContestUnit.contest_id == Contest.id)
    if unit_id is None:
        open_to_user = ~limited.exists()
    else:
        above = select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == unit_id)
        open_to_user = ~limited.exists() | limited.where(ContestUnit.unit_id.in_(above)).exists()
    taken = select(Attempt.id).where(Attempt.quiz_id == Round.quiz_id, Attempt.user_id == user_id)
    return (
        query.select_from(Round)
        .join(Contest, Contest.id == Round.contest_id)
        .join(Quiz, Quiz.id == Round.quiz_id)
        .where(
            Contest.is_published,
            Round.ranked_at.is_(None),
            Quiz.opens_at.is_not(None),
            Quiz.opens_at <= now,
            (Quiz.closes_at.is_(None)) | (Quiz.closes_at > now),
            open_to_user,
            ~taken.exists(),
        )
    )
