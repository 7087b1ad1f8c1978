"""Every domain's models, imported so that `Base.metadata` is complete (Alembic, tests)."""

from learning.auth.models import User
from learning.courses.models import (
    Certificate,
    Choice,
    Course,
    Lesson,
    LessonProgress,
    MediaFile,
    Question,
    QuestionVersion,
    Source,
)
from learning.db import Base
from learning.org.models import Unit, UnitClosure
from learning.quizzes.models import Attempt, AttemptSlot, Quiz, Regrade

__all__ = [
    "Attempt",
    "AttemptSlot",
    "Base",
    "Certificate",
    "Choice",
    "Course",
    "Lesson",
    "LessonProgress",
    "MediaFile",
    "Question",
    "QuestionVersion",
    "Quiz",
    "Regrade",
    "Source",
    "Unit",
    "UnitClosure",
    "User",
]
