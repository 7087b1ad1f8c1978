"""The register of source documents (`courses/sources.yaml`): every law, resolution and
directive the courses cite, with its current state (amended by …, replaced by …, from …).

Reading the register is pure (schema and checks, errors with their line, as for the course
files); `load_register` writes it to the `source_documents` table, which the review queue
("Cần rà soát") compares with the dates content was last reviewed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.auth.scope import require_admin
from learning.config import PROJECT_ROOT
from learning.courses.models import ContentReview, Lesson, Question, SourceDocument
from learning.courses.queries import due_for_review
from learning.courses.schema import (
    ContentError,
    ShortText,
    Slug,
    Strict,
    Text,
    YamlProblem,
    line_of,
    load_yaml,
    validate,
)
from learning.db import utcnow

REGISTER_FILE = "sources.yaml"
DEFAULT_REGISTER = PROJECT_ROOT / "courses" / REGISTER_FILE


class ChangeSpec(Strict):
    """One recorded change of a document's state: amended or replaced by another document."""

    kind: Literal["amended", "replaced"]
    # A register key when the amending document is in the register, else its number.
    by: ShortText
    # The date the change applies from; omitted only while the change is pending.
    from_: dt.date | None = Field(default=None, alias="from")
    # True while the change is ordered or drafted but not yet adopted: it is shown, but
    # puts nothing in the review queue until it is recorded with its date.
    pending: bool = False
    provisions: ShortText | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _dated_unless_pending(self) -> ChangeSpec:
        if not self.pending and self.from_ is None:
            raise ValueError("a change needs 'from' (the date it applies from) unless pending")
        return self


class DocumentSpec(Strict):
    """One document of the register."""

    key: Slug
    title: ShortText
    number: ShortText
    issuer: ShortText
    issued_on: dt.date
    in_force_on: dt.date | None = None
    note: Text | None = None
    # Other keys course files written before the register used for this document.
    aliases: list[Slug] = Field(default_factory=list)
    changes: list[ChangeSpec] = Field(default_factory=list)


class RegisterSpec(Strict):
    documents: list[DocumentSpec] = Field(min_length=1)


class RegisterInvalid(Exception):
    """The register file has errors; `errors` lists each with its line."""

    def __init__(self, path: Path, errors: list[ContentError]) -> None:
        super().__init__(f"{path}: {len(errors)} error(s)")
        self.path = path
        self.errors = errors


@dataclass(frozen=True)
class Register:
    """The checked register: documents by key, and every key or alias that names one."""

    path: Path
    documents: tuple[DocumentSpec, ...]

    def resolve(self, key: str) -> DocumentSpec | None:
        """The document a course file's key names (its key or one of its aliases)."""
        for document in self.documents:
            if key == document.key or key in document.aliases:
                return document
        return None

    def get(self, key: str) -> DocumentSpec | None:
        """The document whose register key is `key`."""
        return next((d for d in self.documents if d.key == key), None)


def register_for(folder: Path) -> Path:
    """The register that applies to a course folder: `sources.yaml` next to the course
    folders, else the project's `courses/sources.yaml` (e.g. for an exported course)."""
    beside = folder.parent / REGISTER_FILE
    return beside if beside.is_file() else DEFAULT_REGISTER


def read_register(path: Path) -> Register:
    """Read and check the register file; raise RegisterInvalid listing every error."""
    name = path.name
    errors: list[ContentError] = []
    if not path.is_file():
        raise RegisterInvalid(path, [ContentError(name, None, "file not found")])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegisterInvalid(path, [ContentError(name, None, "not UTF-8 text")]) from None
    try:
        data, lines = load_yaml(text)
    except YamlProblem as problem:
        raise RegisterInvalid(path, [ContentError(name, problem.line, problem.message)]) from None
    spec, errors = validate(RegisterSpec, data, lines, name)
    if spec is not None:
        errors += _check_register(spec, lines, name)
    if errors or spec is None:
        raise RegisterInvalid(path, errors)
    return Register(path=path, documents=tuple(spec.documents))


def _check_register(spec: RegisterSpec, lines: dict, name: str) -> list[ContentError]:
    errors: list[ContentError] = []
    seen: dict[str, str] = {}
    for n, document in enumerate(spec.documents):
        for m, key in enumerate([document.key, *document.aliases]):
            path = ("documents", n, "key") if m == 0 else ("documents", n, "aliases", m - 1)
            if key in seen:
                message = f"the key '{key}' already names the document '{seen[key]}'"
                errors.append(ContentError(name, line_of(lines, path), message))
            seen[key] = document.key
    for n, document in enumerate(spec.documents):
        for m, change in enumerate(document.changes):
            if change.by == document.key:
                errors.append(
                    ContentError(
                        name,
                        line_of(lines, ("documents", n, "changes", m, "by")),
                        f"'{document.key}' cannot amend or replace itself",
                    )
                )
    return errors


def change_known_on(register: Register | None, change: ChangeSpec) -> dt.date | None:
    """The day content citing the changed document ought to have been reviewed by: the
    earlier of the date the change applies from and the date the amending document was
    signed (when it is in the register). None for a pending change."""
    if change.pending or change.from_ is None:
        return None
    by = register.get(change.by) if register else None
    return min(change.from_, by.issued_on) if by else change.from_


def describe_change(register: Register | None, change: ChangeSpec) -> str:
    """One Vietnamese line saying what the change is, for pages and notes (content text)."""
    by = register.get(change.by) if register else None
    by_text = f"{by.title} số {by.number}" if by else f"văn bản số {change.by}"
    verb = "sửa đổi" if change.kind == "amended" else "thay thế"
    if change.pending:
        what = f" {change.provisions}" if change.provisions else ""
        text = f"Đang chờ {verb}{what} theo {by_text}"
    else:
        what = f" ({change.provisions})" if change.provisions else ""
        text = f"{verb.capitalize()} bởi {by_text}{what}"
        if change.from_:
            text += f", từ ngày {change.from_:%d/%m/%Y}"
    if change.note:
        text += f": {change.note}"
    return text


def load_register(session: Session, register: Register) -> int:
    """Write the register to `source_documents` (insert or update by key; documents no
    longer listed are deleted, nothing cites them). Each change keeps the time it was first
    loaded (`recorded_at`). Returns the number of documents written."""
    existing = {d.key: d for d in session.scalars(select(SourceDocument))}
    now = utcnow().isoformat()
    changed = 0
    for spec in register.documents:
        document = existing.pop(spec.key, None)
        recorded = {
            _change_identity(old): old.get("recorded_at")
            for old in (document.changes if document is not None else [])
        }
        changes = []
        for change in spec.changes:
            record = _change_record(register, change)
            record["recorded_at"] = recorded.get(_change_identity(record)) or now
            changes.append(record)
        values = {
            "title": spec.title,
            "number": spec.number,
            "issuer": spec.issuer,
            "issued_on": spec.issued_on,
            "in_force_on": spec.in_force_on,
            "note": spec.note,
            "aliases": list(spec.aliases),
            "changes": changes,
        }
        if document is None:
            document = SourceDocument(key=spec.key)
            session.add(document)
        elif all(getattr(document, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(document, name, value)
        document.updated_at = utcnow()
        changed += 1
    for document in existing.values():
        session.delete(document)
        changed += 1
    session.flush()
    return changed


def _change_identity(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record.get("kind"), record.get("by"), record.get("from"), record.get("pending"))


def _change_record(register: Register, change: ChangeSpec) -> dict[str, Any]:
    known_on = change_known_on(register, change)
    return {
        "kind": change.kind,
        "by": change.by,
        "from": change.from_.isoformat() if change.from_ else None,
        "pending": change.pending,
        "provisions": change.provisions,
        "note": change.note,
        "known_on": known_on.isoformat() if known_on else None,
        "text": describe_change(register, change),
    }


def mark_reviewed(session: Session, actor: User, item: Lesson | Question) -> ContentReview:
    """Record that `actor` checked `item` against its sources as the register now stands
    (it leaves the "Cần rà soát" queue until a later change of a document it cites), and
    audit it."""
    require_admin(actor)
    kind = "lesson" if isinstance(item, Lesson) else "question"
    due = next((d for d in due_for_review(session) if (d.kind, d.id) == (kind, item.id)), None)
    changes = [
        {"document": c.document_key, "number": c.number, "text": c.text}
        for c in (due.changes if due else [])
    ]
    review = ContentReview(
        lesson_id=item.id if kind == "lesson" else None,
        question_id=item.id if kind == "question" else None,
        reviewed_by_id=actor.id,
        reviewed_at=utcnow(),
        changes=changes,
    )
    session.add(review)
    record(session, actor.id, "content.reviewed", kind, item.id, after={"changes": changes})
    session.flush()
    return review
