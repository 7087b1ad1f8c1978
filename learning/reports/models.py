"""Participation snapshots: each unit's figures for a course or a contest round at one
moment, written by `flask report refresh` on a schedule so that a national report reads
10,000 rows instead of ten million (see learning/reports/participation.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learning.db import Base, UTCDateTime


class ParticipationSnapshot(Base):
    """One subject's snapshot (one at a time: a refresh replaces it). The quiz and its
    grading method and pass mark are those it was computed with; a snapshot whose quiz
    settings have changed since is not used."""

    __tablename__ = "report_snapshots"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # "course" or "round"
    subject_id: Mapped[int] = mapped_column(Integer)
    quiz_id: Mapped[int | None] = mapped_column(Integer)
    grading_method: Mapped[str] = mapped_column(String(10))
    pass_percent: Mapped[int] = mapped_column(Integer)
    # The report's end date T the figures are computed for.
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    seconds: Mapped[float] = mapped_column(Float)


class SnapshotUnit(Base):
    """A unit's figures in a snapshot (sums over its subtree as it stood then, as the
    report's rows show them) and its parent then, to follow a subtree down."""

    __tablename__ = "report_snapshot_units"
    __table_args__ = (
        Index("ix_report_snapshot_units_snapshot_id_parent_id", "snapshot_id", "parent_id"),
    )

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("report_snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[int | None] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    started: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(Integer)
    # Exact on PostgreSQL (NUMERIC), like the sums the report makes of attempts' percents.
    grade_sum: Mapped[float] = mapped_column(Numeric(asdecimal=False))
    passed: Mapped[int] = mapped_column(Integer)
