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

__all__ = [
    "Base",
    "Certificate",
    "Choice",
    "Course",
    "Lesson",
    "LessonProgress",
    "MediaFile",
    "Question",
    "QuestionVersion",
    "Source",
    "Unit",
    "UnitClosure",
    "User",
]
