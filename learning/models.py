"""Every domain's models, imported so that `Base.metadata` is complete (Alembic, tests)."""

from learning.audit.models import AuditEntry
from learning.auth.models import LoginFailure, UnitMembership, User
from learning.authoring.models import LessonVersion
from learning.contests.models import (
    Contest,
    ContestUnit,
    Entrant,
    Prediction,
    Round,
    RoundResult,
)
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
from learning.enrollment.models import Assignment
from learning.members.models import ImportBatch
from learning.org.models import Unit, UnitClosure, UnitLink
from learning.quizzes.models import Attempt, AttemptSlot, Quiz, Regrade

__all__ = [
    "Assignment",
    "Attempt",
    "AttemptSlot",
    "AuditEntry",
    "Base",
    "Certificate",
    "Choice",
    "Contest",
    "ContestUnit",
    "Course",
    "Entrant",
    "ImportBatch",
    "Lesson",
    "LessonProgress",
    "LessonVersion",
    "LoginFailure",
    "MediaFile",
    "Prediction",
    "Question",
    "QuestionVersion",
    "Quiz",
    "Regrade",
    "Round",
    "RoundResult",
    "Source",
    "Unit",
    "UnitClosure",
    "UnitLink",
    "UnitMembership",
    "User",
]
