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
    ContentReview,
    Course,
    Lesson,
    LessonProgress,
    MediaFile,
    Question,
    QuestionVersion,
    Source,
    SourceDocument,
)
from learning.db import Base
from learning.enrollment.models import Assignment
from learning.notices.models import Notice, OutboxMessage, Reminder
from learning.org.models import Unit, UnitClosure, UnitLink
from learning.quizzes.models import Attempt, AttemptSlot, Quiz, Regrade
from learning.reports.models import ParticipationSnapshot, SnapshotUnit
from learning.uploads.models import ImportBatch

__all__ = [
    "Assignment",
    "Attempt",
    "AttemptSlot",
    "AuditEntry",
    "Base",
    "Certificate",
    "Choice",
    "ContentReview",
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
    "Notice",
    "OutboxMessage",
    "ParticipationSnapshot",
    "Prediction",
    "Question",
    "QuestionVersion",
    "Quiz",
    "Regrade",
    "Reminder",
    "Round",
    "RoundResult",
    "SnapshotUnit",
    "Source",
    "SourceDocument",
    "Unit",
    "UnitClosure",
    "UnitLink",
    "UnitMembership",
    "User",
]
