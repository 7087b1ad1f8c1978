"""The ranking rule on hand-built ties: score, then time used, then the prediction's
distance, then submission time; what stays tied shares a rank."""

import datetime as dt

from learning.contests.ranking import Candidate, best_attempts, rank, true_number

T0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)


def c(user, score, ms, minute=0, attempt=None, max_score=20):
    return Candidate(user, attempt or user, score, max_score, ms, T0 + dt.timedelta(minutes=minute))


def ranks(ranked):
    return [(r.user_id, r.rank) for r in ranked]


def test_score_first_then_time_used():
    ranked = rank([c(1, 18, 600_000), c(2, 19, 900_000), c(3, 18, 300_000)], {}, None)
    assert ranks(ranked) == [(2, 1), (3, 2), (1, 3)]


def test_equal_score_and_time_fall_to_the_prediction_then_the_submission():
    best = [c(1, 20, 500_000, minute=3), c(2, 20, 500_000, minute=1), c(3, 20, 500_000, minute=2)]
    ranked = rank(best, {1: 100, 2: 90, 3: 100}, truth=101)
    # 1 and 3 are 1 away, 2 is 11 away; between 1 and 3 the earlier submission wins.
    assert ranks(ranked) == [(3, 1), (1, 2), (2, 3)]
    assert [r.distance for r in ranked] == [1, 1, 11]


def test_no_prediction_ranks_after_any_prediction():
    ranked = rank([c(1, 20, 500_000), c(2, 20, 500_000)], {2: 10_000}, truth=3)
    assert ranks(ranked) == [(2, 1), (1, 2)]


def test_what_stays_tied_is_shown_as_a_tie_and_the_next_rank_skips():
    best = [c(1, 20, 500_000), c(2, 20, 500_000), c(3, 19, 1)]
    ranked = rank(best, {1: 5, 2: 7}, truth=6)
    assert ranks(ranked) == [(1, 1), (2, 1), (3, 3)]


def test_without_a_prediction_question_predictions_break_no_tie():
    ranked = rank([c(1, 20, 500_000), c(2, 20, 500_000)], {1: 1}, truth=None)
    assert [r.rank for r in ranked] == [1, 1]
    assert ranked[0].prediction is None


def test_the_best_attempt_of_each_participant_ranks():
    best = best_attempts(
        [c(1, 15, 100, attempt=10), c(1, 18, 900, attempt=11), c(1, 18, 800, attempt=12),
         c(2, 12, 50, attempt=20)]
    )  # fmt: skip
    assert sorted((b.user_id, b.attempt_id) for b in best) == [(1, 12), (2, 20)]


def test_true_number_counts_participants_with_every_question_right():
    best = [c(1, 20, 1), c(2, 19.5, 1), c(3, 20, 1), c(4, 0, 1, max_score=0)]
    assert true_number(best) == 2
