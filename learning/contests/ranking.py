"""The ranking rule as pure functions: no database, so hand-built ties can be tested.

A round ranks each participant's best attempt: score (highest first), then time used
(shortest first), then distance of the prediction from the true number (smallest first; no
prediction ranks after every prediction), then submission time (earliest first). Entries
equal on all four share a rank, and the next rank skips (1, 1, 3): ties are shown as ties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Candidate:
    """One submitted attempt of one participant."""

    user_id: int
    attempt_id: int
    score: float
    max_score: float
    milliseconds_used: int
    submitted_at: dt.datetime

    @classmethod
    def of_attempt(cls, attempt: Any) -> Candidate:
        """The candidate a submitted attempt (an `Attempt`, or a row with its `id`, `user_id`,
        `score`, `max_score`, `started_at` and `submitted_at`) makes: time used in whole
        milliseconds, never negative."""
        used = (attempt.submitted_at - attempt.started_at).total_seconds() * 1000
        return cls(
            user_id=attempt.user_id,
            attempt_id=attempt.id,
            score=float(attempt.score or 0),
            max_score=float(attempt.max_score or 0),
            milliseconds_used=max(0, int(used)),
            submitted_at=attempt.submitted_at,
        )


@dataclass(frozen=True)
class Ranked:
    """A participant's ranked attempt, their prediction and its distance, and their rank."""

    user_id: int
    attempt_id: int
    score: float
    max_score: float
    milliseconds_used: int
    submitted_at: dt.datetime
    prediction: int | None
    distance: int | None
    rank: int = 0


def best_attempts(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Each participant's best attempt (with several allowed, the best one ranks): by the
    same order as the ranking, without the prediction, which is the same for all of them."""
    best: dict[int, Candidate] = {}
    for candidate in candidates:
        current = best.get(candidate.user_id)
        if current is None or _attempt_key(candidate) < _attempt_key(current):
            best[candidate.user_id] = candidate
    return list(best.values())


def _attempt_key(c: Candidate) -> tuple[float, int, dt.datetime, int]:
    return (-c.score, c.milliseconds_used, c.submitted_at, c.attempt_id)


def is_perfect(candidate: Candidate) -> bool:
    """Every question answered right (a partly right question is not right)."""
    return candidate.max_score > 0 and candidate.score >= candidate.max_score


def true_number(best: Sequence[Candidate]) -> int:
    """The answer to the prediction question: participants who answered every question of
    the round right."""
    return sum(1 for candidate in best if is_perfect(candidate))


def _rank_key(entry: Ranked) -> tuple[float, int, float, dt.datetime]:
    distance = float("inf") if entry.distance is None else float(entry.distance)
    return (-entry.score, entry.milliseconds_used, distance, entry.submitted_at)


def rank(best: Sequence[Candidate], predictions: dict[int, int], truth: int | None) -> list[Ranked]:
    """The ranking of the participants' best attempts, given their predictions and the true
    number (None: the round asks no prediction, so it breaks no tie)."""
    entries = []
    for c in best:
        prediction = predictions.get(c.user_id) if truth is not None else None
        entries.append(
            Ranked(
                user_id=c.user_id,
                attempt_id=c.attempt_id,
                score=c.score,
                max_score=c.max_score,
                milliseconds_used=c.milliseconds_used,
                submitted_at=c.submitted_at,
                prediction=prediction,
                distance=None if prediction is None or truth is None else abs(prediction - truth),
            )
        )
    entries.sort(key=lambda e: (_rank_key(e), e.user_id))
    ranked: list[Ranked] = []
    for position, entry in enumerate(entries, start=1):
        if ranked and _rank_key(ranked[-1]) == _rank_key(entry):
            ranked.append(replace(entry, rank=ranked[-1].rank))
        else:
            ranked.append(replace(entry, rank=position))
    return ranked
