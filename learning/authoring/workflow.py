"""The review workflow, written once for every kind of reviewed content (questions, lessons,
media uploads): draft -> in review -> published -> archived, four eyes, and who took each step.

Workers see only what is published: an item keeps its published form (a lesson's text, a
question's `current_version`, a course's media file) until a second admin approves a newer
version (four eyes; `AUTHORING_FOUR_EYES` turns that off for one-person installations). Who
wrote a version (`author_id`), sent it to review and approved it are stored on the version
(`ReviewSteps`); the four-eyes rule reads them there. Every step is also written to the audit
log, which tells the story but decides nothing.

A kind of content is a `Workflow` subclass that says what its working version is, what stops
it from going to review and how publishing applies a version; the steps are written once, as
the base class's methods.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy.orm import Session

from learning.audit.services import record
from learning.auth.models import User
from learning.courses.models import ContentStatus, ReviewSteps
from learning.db import utcnow
from learning.errors import DomainError, InvalidInput
from learning.i18n import lazy_gettext as _l
from learning.text import nfc

DRAFT, IN_REVIEW = ContentStatus.DRAFT, ContentStatus.IN_REVIEW
PUBLISHED, ARCHIVED = ContentStatus.PUBLISHED, ContentStatus.ARCHIVED

ItemT = TypeVar("ItemT")
VersionT = TypeVar("VersionT")


class FourEyes(DomainError):
    """The admin who wrote or submitted a version may not approve it."""

    status = 403
    default_message = _l(
        "A second administrator must approve this: you edited it or sent it to review."
    )


class WrongState(DomainError):
    """The workflow step does not apply to the content as it stands now."""

    status = 409
    default_message = _l("This step does not apply to the content as it stands now.")


def may_approve(
    actor: User, editor_id: int | None, steps: ReviewSteps | None, *, four_eyes: bool
) -> bool:
    """Does the four-eyes rule let `actor` approve? Not when they wrote what is reviewed
    (`editor_id`) or sent it to review (`steps.submitted_by_id`). Pages ask it before
    offering "approve", so that nobody is offered a step that then answers 403."""
    if not four_eyes:
        return True
    submitter = steps.submitted_by_id if steps is not None else None
    return actor.id not in (editor_id, submitter)


def require_four_eyes(
    actor: User, editor_id: int | None, steps: ReviewSteps, *, four_eyes: bool
) -> None:
    """Raise FourEyes unless `may_approve`."""
    if not may_approve(actor, editor_id, steps, four_eyes=four_eyes):
        raise FourEyes()


def mark_submitted(steps: ReviewSteps, actor: User) -> None:
    """Store who sent `steps` (a version, a course) to review, and when."""
    steps.submitted_by_id, steps.submitted_at = actor.id, utcnow()


def mark_approved(steps: ReviewSteps, actor: User) -> None:
    """Store who approved `steps` (a version, a course), and when."""
    steps.approved_by_id, steps.approved_at = actor.id, utcnow()


class Workflow(Generic[ItemT, VersionT]):
    """The review steps of one kind of content. A kind says what differs in a subclass:
    its `name` (the audit log's object type), its `working` version and how `publish`
    applies it, and as needed what stops a version from going to review (`problems`), the
    number of the version workers see (`live_number`), what audit entries say of a version
    (`facts`) and what follows publishing or archiving (`after_change`)."""

    name: ClassVar[str]

    def working(self, session: Session, item: ItemT) -> VersionT | None:
        """The newest version: the one authors edit and reviewers judge (None: none yet)."""
        raise NotImplementedError

    def publish(self, session: Session, item: ItemT, version: VersionT) -> None:
        """Make the approved version what workers get."""
        raise NotImplementedError

    def problems(self, version: VersionT) -> list[str]:
        """Why a version cannot go to review (empty: it can)."""
        return []

    def live_number(self, item: ItemT) -> int | None:
        """The number of the version workers see (None: the item is its own only version)."""
        return None

    def facts(self, item: ItemT, version: Any) -> dict[str, Any]:
        """What the audit entries of a step say of the version."""
        return {"version": version.number}

    def after_change(self, session: Session, item: ItemT) -> None:
        """What follows publishing or archiving an item (nothing, unless a kind says)."""

    def state(self, item: ItemT, working: VersionT | None) -> ContentStatus:
        """Where the item stands for its authors: a never-published item carries its state
        itself; a published one with a newer version carries that version's state."""
        live = self.live_number(item)
        if item.status is not PUBLISHED or working is None or live is None:
            return item.status
        if working.number > live:
            return working.status
        return PUBLISHED

    def may_approve(self, actor: User, working: Any, *, four_eyes: bool) -> bool:
        """May `actor` approve this working version (four eyes)?"""
        return working is not None and may_approve(
            actor, working.author_id, working, four_eyes=four_eyes
        )

    def _working_in(self, session: Session, item: Any, wanted: ContentStatus) -> Any:
        working = self.working(session, item)
        if working is None or self.state(item, working) is not wanted:
            raise WrongState()
        return working

    def _check(self, working: Any) -> None:
        problems = self.problems(working)
        if problems:
            raise InvalidInput(" ".join(problems))

    def submit(self, session: Session, actor: User, item: Any) -> None:
        """Send the working version to review, if nothing stops it (`problems`)."""
        working = self._working_in(session, item, DRAFT)
        self._check(working)
        working.status = IN_REVIEW
        mark_submitted(working, actor)
        if item.status is DRAFT:
            item.status = IN_REVIEW
        facts = self.facts(item, working)
        record(session, actor.id, f"{self.name}.submit", self.name, item.id, after=facts)
        session.flush()

    def approve(self, session: Session, actor: User, item: Any, *, four_eyes: bool) -> Any:
        """Publish the version in review (a second admin: four eyes); return it."""
        working = self._working_in(session, item, IN_REVIEW)
        require_four_eyes(actor, working.author_id, working, four_eyes=four_eyes)
        self._check(working)
        before: dict[str, Any] = {"status": str(item.status)}
        if (live := self.live_number(item)) is not None:
            before = {"version": live, **before}
        self.publish(session, item, working)
        working.status = item.status = PUBLISHED
        mark_approved(working, actor)
        after = {**self.facts(item, working), "status": "published"}
        record(
            session,
            actor.id,
            f"{self.name}.approve",
            self.name,
            item.id,
            before=before,
            after=after,
        )
        session.flush()
        self.after_change(session, item)
        return working

    def send_back(self, session: Session, actor: User, item: Any, comment: str) -> None:
        """Send the version in review back to draft (and the item with it, if it was never
        published), with the reviewer's reason."""
        working = self._working_in(session, item, IN_REVIEW)
        working.status = DRAFT
        working.submitted_by_id = working.submitted_at = None
        if item.status is IN_REVIEW:
            item.status = DRAFT
        after = {**self.facts(item, working), "comment": nfc(comment)[:500]}
        record(session, actor.id, f"{self.name}.return", self.name, item.id, after=after)
        session.flush()

    def retire(self, session: Session, actor: User, item: Any) -> None:
        """Archive the item: workers no longer get it; what they did with it stays."""
        if item.status is ARCHIVED:
            return
        before = {"status": str(item.status)}
        item.status = ARCHIVED
        record(
            session,
            actor.id,
            f"{self.name}.retire",
            self.name,
            item.id,
            before=before,
            after={"status": "archived"},
        )
        session.flush()
        self.after_change(session, item)
