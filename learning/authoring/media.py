"""Writes for a course's images and PDFs uploaded in the browser: each upload is a
MediaVersion, reviewed by the workflow of workflow.py (`MEDIA`) when the course is published,
and applied at once when it is not."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.authoring.models import MediaVersion
from learning.authoring.workflow import IN_REVIEW, PUBLISHED, Workflow, mark_submitted
from learning.courses.loader import MAX_MEDIA_BYTES, sniff_media_type
from learning.courses.models import Course, MediaFile
from learning.db import utcnow
from learning.errors import InvalidInput
from learning.i18n import gettext as _
from learning.text import fold

__all__ = ["MAX_MEDIA_BYTES", "MEDIA", "approve_media", "upload_media"]

_EXTENSIONS = {
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
}
_MEDIA_NAME = re.compile(r"[^a-z0-9._-]+")


def upload_media(
    session: Session, actor: User, course: Course, filename: str, data: bytes
) -> MediaVersion:
    """Store an image or PDF for the course's lessons. Its type is judged by its bytes: a
    file whose name says one thing and whose content another is refused, as is one too big.
    For a published course the upload waits for a second admin's approval (workers keep
    the file they had); for an unpublished one it applies at once. Each upload is kept."""
    if len(data) > MAX_MEDIA_BYTES:
        raise InvalidInput(
            _("The file is larger than %(size)d MiB.", size=MAX_MEDIA_BYTES // 2**20)
        )
    kind = sniff_media_type(data)
    if kind is None:
        raise InvalidInput(_("Only PNG, JPEG or WebP images and PDF files can be uploaded."))
    name = _MEDIA_NAME.sub("-", fold(filename)).strip("-.")[:100]
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in _EXTENSIONS[kind]:
        raise InvalidInput(_("The file's name does not match its content (%(kind)s).", kind=kind))
    version = MediaVersion(
        course_id=course.id,
        name=name,
        content_type=kind,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        author_id=actor.id,
        created_at=utcnow(),
        status=IN_REVIEW if course.status is PUBLISHED else PUBLISHED,
    )
    mark_submitted(version, actor)  # an upload is its own submission
    session.add(version)
    session.flush()
    record(
        session,
        actor.id,
        "media.edit",
        "media",
        version.id,
        after={
            "course": course.id,
            "name": name,
            "type": kind,
            "bytes": len(data),
            "status": str(version.status),
        },
    )
    if version.status is PUBLISHED:
        # Nobody but admins sees an unpublished course: its files apply at once.
        _publish_media(session, version)
    return version


class MediaWorkflow(Workflow[MediaVersion, MediaVersion]):
    """An upload's review: an upload is its own only version, sent to review as it is
    uploaded; approving it makes it the course's file of that name."""

    name = "media"

    def working(self, session: Session, item: MediaVersion) -> MediaVersion:
        return item

    def publish(self, session: Session, item: MediaVersion, version: MediaVersion) -> None:
        _publish_media(session, version)

    def facts(self, item: MediaVersion, version: MediaVersion) -> dict[str, Any]:
        return {"course": version.course_id, "name": version.name}


MEDIA = MediaWorkflow()


def approve_media(
    session: Session, actor: User, version: MediaVersion, *, four_eyes: bool
) -> MediaVersion:
    """A second admin approves an uploaded file of a published course: from now on workers
    get it (it replaces the file of the same name)."""
    return MEDIA.approve(session, actor, version, four_eyes=four_eyes)


def _publish_media(session: Session, version: MediaVersion) -> None:
    media = session.scalar(
        select(MediaFile).where(
            MediaFile.course_id == version.course_id, MediaFile.name == version.name
        )
    )
    if media is None:
        media = MediaFile(course_id=version.course_id, name=version.name)
        session.add(media)
    media.content_type, media.data = version.content_type, version.data
    media.sha256 = version.sha256
    session.flush()
