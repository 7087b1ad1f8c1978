"""Unit: a node of the union hierarchy, with a closure table for one-statement subtree queries."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from learning.db import Base, UTCDateTime, utcnow
from learning.i18n import lazy_gettext as _l


class UnitKind(enum.StrEnum):
    """What kind of union organisation a unit is; labels only, never a fixed level."""

    FEDERATION = "federation"
    SECTOR_UNION = "sector_union"
    COMMUNE_UNION = "commune_union"
    ZONE_UNION = "zone_union"
    GRASSROOTS = "grassroots"
    UNION_GROUP = "union_group"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(UNIT_KIND_LABELS[self])


UNIT_KIND_LABELS = {
    UnitKind.FEDERATION: _l("Federation of labour"),
    UnitKind.SECTOR_UNION: _l("Sector union"),
    UnitKind.COMMUNE_UNION: _l("Commune or ward union"),
    UnitKind.ZONE_UNION: _l("Industrial or economic zone union"),
    UnitKind.GRASSROOTS: _l("Grassroots union"),
    UnitKind.UNION_GROUP: _l("Union group"),
    UnitKind.OTHER: _l("Other unit"),
}


def enum_column(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """A portable enum column stored as its string value (no native PostgreSQL type)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Unit(Base):
    """A union organisation; `parent_id` makes the tree, `unit_closure` indexes it."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_folded: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set when the unit was merged into another: its history stays, its people moved.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The secret of the unit's join link (self-registration); None: no link.
    join_token: Mapped[str | None] = mapped_column(String(43), unique=True)
    approves_joins_automatically: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class UnitClosure(Base):
    """One row per (ancestor, descendant) pair, the unit itself included at depth 0."""

    __tablename__ = "unit_closure"
    __table_args__ = (Index("ix_unit_closure_descendant_id", "descendant_id"),)

    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    depth: Mapped[int] = mapped_column(Integer)


class UnitLink(Base):
    """Where a unit hung in the tree over time: reports over past dates use the parent a
    unit had then."""

    __tablename__ = "unit_links"
    __table_args__ = (Index("ix_unit_links_unit_id_started_at", "unit_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
