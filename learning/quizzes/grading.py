"""Grading as pure functions: a question's key and a worker's answer in, exact marks out.

Marks are Fractions, so 1/3 + 1/3 + 1/3 is exactly 1 and a pass mark of 70% is compared
exactly; they are rounded only to be stored and shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

SINGLE, MULTIPLE, TRUE_FALSE = "single", "multiple", "true_false"
PARTIAL, ALL_OR_NOTHING = "partial", "all_or_nothing"


@dataclass(frozen=True)
class Key:
    """What grading needs of a question version."""

    type: str
    correct: frozenset[int]
    choices: frozenset[int]
    scoring: str = PARTIAL
    # Choice id -> exact weight (Moodle's answer fraction), for a version that stores them
    # (imported from Moodle files); None: the weights follow from `correct` as always.
    weights: tuple[tuple[int, Fraction], ...] | None = None


def mark(key: Key, selected: Iterable[int]) -> Fraction:
    """The mark (0 to 1) for `selected` choice ids.

    Single choice and true/false: 1 for the right choice alone, else 0. Multiple choice,
    partial credit: each right choice adds 1/(number right), each wrong one subtracts
    1/(number wrong), floored at 0; all-or-nothing: 1 only for exactly the right set.
    Choice ids that are not the question's are ignored (the service refuses them earlier).

    A version with stored weights is marked as Moodle marks it: single choice, the chosen
    choice's weight floored at 0; multiple, the sum of the chosen weights clamped to 0..1
    (all-or-nothing still asks for exactly the right set). The weights a question without
    them implies (bank.implied_weights) give the same marks as the rules above.
    """
    chosen = frozenset(selected) & key.choices
    if key.weights is not None and key.type != TRUE_FALSE and key.scoring != ALL_OR_NOTHING:
        weights = dict(key.weights)
        if key.type == SINGLE:
            if len(chosen) != 1:
                return Fraction(0)
            return max(Fraction(0), weights.get(next(iter(chosen)), Fraction(0)))
        total = sum((weights.get(choice, Fraction(0)) for choice in chosen), Fraction(0))
        return max(Fraction(0), min(Fraction(1), total))
    if key.type in (SINGLE, TRUE_FALSE):
        return Fraction(1) if len(chosen) == 1 and chosen == key.correct else Fraction(0)
    if key.scoring == ALL_OR_NOTHING:
        return Fraction(1) if chosen == key.correct else Fraction(0)
    wrong = key.choices - key.correct
    gained = Fraction(len(chosen & key.correct), len(key.correct))
    lost = Fraction(len(chosen & wrong), len(wrong)) if wrong else Fraction(0)
    return max(Fraction(0), min(Fraction(1), gained - lost))


@dataclass(frozen=True)
class Result:
    score: Fraction
    max_score: int

    @property
    def percent(self) -> Fraction:
        return Fraction(100) * self.score / self.max_score if self.max_score else Fraction(0)

    def passed(self, pass_percent: int) -> bool:
        return self.percent >= pass_percent


def grade(keys_and_answers: Sequence[tuple[Key, Iterable[int]]]) -> tuple[list[Fraction], Result]:
    """Marks per question and the total, each question worth one mark."""
    marks = [mark(key, selected) for key, selected in keys_and_answers]
    return marks, Result(score=sum(marks, Fraction(0)), max_score=len(marks))


def quiz_grade(percents: Sequence[float], method: str) -> float | None:
    """The quiz grade from the graded attempts' percents in the order they were taken."""
    if not percents:
        return None
    if method == "highest":
        return max(percents)
    if method == "last":
        return percents[-1]
    if method == "first":
        return percents[0]
    if method == "average":
        return float(sum(Fraction(str(p)) for p in percents) / len(percents))
    raise ValueError(f"unknown grading method {method!r}")


def as_stored(value: Fraction, places: int = 6) -> float:
    """A Fraction rounded for a NUMERIC column."""
    return round(float(value), places)
