"""The one flow of an upload, for every kind of import: store the file once its kind has read
it, open it again (the uploader's own, of that kind, not expired, the kind's scope check, the
plan read afresh), confirm it once in the caller's transaction, and give its rejected rows
back as a file.

Nothing here knows a kind. Member lists (members/services.py), unit lists
(org/services.py) and question files (exchange/services.py) each pass an `UploadKind`: their
reader (file -> what it goes into and the plan) and their apply step (the plan written).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from learning.audit.services import record
from learning.auth.models import User
from learning.db import utcnow
from learning.errors import DomainError, NotFound
from learning.exports import xlsx_bytes
from learning.i18n import lazy_gettext as _l
from learning.uploads.models import ImportBatch
from learning.uploads.queries import own_batch

Plan = TypeVar("Plan")

# An upload not confirmed within a week is gone: its list (personal data) is not acted on so
# long after, when the accounts it was checked against may have changed many times.
MAX_AGE = dt.timedelta(days=7)


class UploadExpired(DomainError):
    """An upload left unconfirmed longer than MAX_AGE."""

    status = 410
    default_message = _l("This upload has expired: upload the file again.")


@dataclass(frozen=True)
class Applied:
    """What confirming wrote: `counts` (the batch and the audit entry keep them), `kept` (what
    the batch keeps besides: new accounts' ids, new questions' keys), `detail` (the kind's
    own result, for the view's message)."""

    counts: dict[str, int]
    kept: dict[str, Any] = field(default_factory=dict)
    detail: Any = None


@dataclass(frozen=True)
class RejectedRow:
    """A row that cannot be imported, with its cells, for the file the uploader fixes."""

    row: int
    cells: Sequence[str]
    reason: str


@dataclass
class Upload(Generic[Plan]):
    """An opened batch: what it goes into (a unit, a course), its plan, and after
    `confirm_upload` what was written (None: it had been confirmed before)."""

    batch: ImportBatch
    subject: Any
    plan: Plan
    applied: Applied | None = None


@dataclass(frozen=True)
class UploadKind(Generic[Plan]):
    """What a kind of import plugs into the flow."""

    name: str  # ImportBatch.kind, and the audit action "<name>.import"
    file_name: str  # the batch's file name when the browser sent none
    # (session, actor, batch) -> (subject, plan): the kind's scope check, then the file read
    # and checked against the database as it is now. Raises a DomainError (InvalidInput for
    # a file that cannot be read); writes nothing.
    read: Callable[[Session, User, ImportBatch], tuple[Any, Plan]]
    # (session, upload, actor, **options) -> Applied: the plan written, with its audit entry.
    apply: Callable[..., Applied]
    # The plan's header and rejected rows, for kinds that give them back as a file.
    rejected: Callable[[Plan], tuple[Sequence[str], list[RejectedRow]]] | None = None


def store_upload(
    session: Session,
    kind: UploadKind[Plan],
    actor: User,
    data: bytes,
    filename: str | None,
    *,
    unit_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> ImportBatch:
    """Keep an uploaded file once its kind has read it: a file that cannot be read raises
    and nothing is kept. `context` (a question file's course and format) stays in the
    batch's result until confirmation."""
    batch = ImportBatch(
        kind=kind.name,
        actor_id=actor.id,
        unit_id=unit_id,
        filename=(filename or kind.file_name)[:255],
        data=data,
        created_at=utcnow(),
        result=context,
    )
    kind.read(session, actor, batch)
    session.add(batch)
    session.flush()
    return batch


def open_upload(
    session: Session, kind: UploadKind[Plan], batch_id: int, actor: User
) -> Upload[Plan]:
    """The actor's own batch of this kind, its plan read again (the database may have changed
    since the upload). Anyone else's batch is not found; an unconfirmed one older than
    MAX_AGE has expired."""
    batch = own_batch(session, batch_id, actor, kind.name)
    if batch is None:
        raise NotFound()
    if batch.confirmed_at is None and batch.created_at < utcnow() - MAX_AGE:
        raise UploadExpired()
    subject, plan = kind.read(session, actor, batch)
    return Upload(batch, subject, plan)


def confirm_upload(
    session: Session, kind: UploadKind[Plan], upload: Upload[Plan], actor: User, **options: Any
) -> Upload[Plan]:
    """Write an opened upload's plan, once: the batch is marked confirmed first, by one
    conditional UPDATE, so that a second confirmation (a double click, two tabs, two
    servers) waits for the first and then writes nothing (`upload.applied` stays None).
    Everything happens in the caller's transaction: an error in the apply step rolls back
    the mark with the rows, and no import is ever half done."""
    batch = upload.batch
    if not _claim(session, batch):
        return upload
    context = dict(batch.result or {})
    upload.applied = kind.apply(session, upload, actor, **options)
    batch.result = {**context, **upload.applied.counts, **upload.applied.kept}
    session.flush()
    return upload


def _claim(session: Session, batch: ImportBatch) -> bool:
    """Mark the batch confirmed unless it already is; False when it was (the batch is
    then read again, so that its page shows the result)."""
    if batch.confirmed_at is not None:
        return False
    now = utcnow()
    result = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.confirmed_at.is_(None))
        .values(confirmed_at=now),
        execution_options={"synchronize_session": False},
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        session.refresh(batch)
        return False
    set_committed_value(batch, "confirmed_at", now)
    return True


def import_audit(
    kind: str, counts: Mapping[str, int], source: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The audit entry of an import, the same for every kind and both ways in (a confirmed
    upload: `source` names its batch and file; the command line: its file):
    `record(session, actor_id, **import_audit(...))` inside the apply step's transaction."""
    source = dict(source or {})
    return {
        "action": f"{kind}.import",
        "object_type": "import_batch",
        "object_id": source.pop("batch", None),
        "after": {**source, **counts},
    }


def upload_source(upload: Upload[Any]) -> dict[str, Any]:
    """What an audit entry says a confirmed upload came from."""
    return {"batch": upload.batch.id, "file": upload.batch.filename, **(upload.batch.result or {})}


def rejected_file(
    session: Session, kind: UploadKind[Plan], upload: Upload[Plan], actor: User
) -> bytes:
    """The rejected rows as an XLSX to fix and upload again: the file's own columns, then
    the problem. Its download is audited (the rows are personal data)."""
    if kind.rejected is None:
        raise NotFound()
    header, rows = kind.rejected(upload.plan)
    data = xlsx_bytes(
        "Dòng bị từ chối",
        [*header, "Lỗi (xóa cột này trước khi nhập lại)"],
        [[*row.cells, f"Dòng {row.row}: {row.reason}"] for row in rows],
        title_lines=[f"Các dòng chưa nhập được từ {upload.batch.filename}"],
    )
    after = {"rows": len(rows)}
    record(session, actor.id, "export", "import_batch", upload.batch.id, after=after)
    return data


def purge_expired(session: Session, now: dt.datetime) -> int:
    """Delete the uploads left unconfirmed past MAX_AGE: they can no longer be confirmed, and
    the lists they hold are personal data. Confirmed ones stay (their slips and rejected rows
    are still asked for). Returns how many went."""
    gone = cast(
        CursorResult[Any],
        session.execute(
            delete(ImportBatch).where(
                ImportBatch.confirmed_at.is_(None), ImportBatch.created_at < now - MAX_AGE
            )
        ),
    )
    return gone.rowcount
