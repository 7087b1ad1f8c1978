"""ImportBatch: an uploaded list (members or units) or question file kept between its preview
and its confirmation (learning/uploads/services.py runs that flow for every kind)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from learning.db import Base, UTCDateTime, utcnow


class ImportBatch(Base):
    """The file is kept in the database (every app server can confirm it) and checked again
    on confirmation, since accounts may have changed in between."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "members" | "units" | "questions": the UploadKind that reads and applies it
    kind: Mapped[str] = mapped_column(String(20), default="members")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The unit a member list goes into; for a unit list, the importer's scope (None: all).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # After confirmation: {"created": [user ids], "updated": n, "rejected": n, "slips": [user
    # ids given a slip: created, taken over, returned], ...}. A question
    # file carries {"course_id": id, "format": name} from its upload on, then the keys created.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The random key the login slips' temporary passwords are derived from (members/slips.py):
    # the PDF and the XLSX of one issue carry the same passwords. A new key voids the old slips.
    slip_key: Mapped[str | None] = mapped_column(String(64))
    slips_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
