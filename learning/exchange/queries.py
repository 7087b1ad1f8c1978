"""Reads for the exchange pages: the courses whose banks come in and go out."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.courses.models import Course


def course_by_slug(session: Session, slug: str) -> Course | None:
    """Any course (drafts too: an admin fills a bank before publishing it)."""
    return session.scalar(select(Course).where(Course.slug == slug))


def all_courses(session: Session) -> Sequence[Course]:
    """Every course, by title."""
    return session.scalars(select(Course).order_by(Course.title)).all()
