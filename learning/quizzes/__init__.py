"""Quizzes: settings, attempts that lose no answer, exact grading, review and regrading."""
