"""What a load of course files did, and what the loader remembers of each item.

`LoadedItems` holds the hashes of each item's file and of its state in the database as the
last load left them (LoadedItem rows): a file that changed since is loaded, unless the item
changed in the browser too, which is a `Conflict` in the `LoadReport` (with both sides)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.courses.loader import CourseBundle
from learning.courses.models import (
    ContentStatus,
    Course,
    Lesson,
    LoadedItem,
    Question,
)
from learning.db import utcnow


@dataclass(frozen=True)
class Conflict:
    """An item changed both in its file and in the browser since the last load: left as the
    browser made it (or, with prefer_files, the file's version made a draft for review).
    `browser` and `file` hold the fields that differ, as each side has them."""

    kind: str  # "course", "quiz", "lesson" or "question"
    key: str
    reason: str
    browser: dict[str, str]
    file: dict[str, str]
    resolved: str = ""  # with prefer_files: what was done with the file's version


@dataclass
class LoadReport:
    """What loading one course did."""

    slug: str
    course_created: bool = False
    lessons: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "retired": 0}
    )
    questions: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "new_version": 0, "updated": 0, "retired": 0}
    )
    media: int = 0
    settings_updated: bool = False
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            self.course_created
            or any(self.lessons.values())
            or any(self.questions.values())
            or self.media > 0
            or self.settings_updated
            or bool(self.conflicts)
        )

    @property
    def unresolved(self) -> list[Conflict]:
        """Conflicts left as the browser made them (the command exits 1 for these)."""
        return [c for c in self.conflicts if not c.resolved]


def digest(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class LoadedItems:
    """The course's LoadedItem rows by (kind, key), and the writes of this load."""

    session: Session
    course: Course
    rows: dict[tuple[str, str], LoadedItem]

    def get(self, kind: str, key: str) -> LoadedItem | None:
        return self.rows.get((kind, key))

    def decide(self, kind: str, key: str, file_hash: str, state: str, clean: bool) -> str:
        """ "same": the item's file has not changed since the last load (whatever the browser
        did stands); "apply": the file changed and the database did not, so load it as
        before; "conflict": both changed. `clean` answers for items loaded before these
        records existed: True when nothing shows a browser change."""
        snapshot = self.get(kind, key)
        if snapshot is None:
            return "apply" if clean else "conflict"
        if snapshot.file_hash == file_hash:
            return "same"
        return "apply" if snapshot.state_hash == state else "conflict"

    def record(self, kind: str, key: str, file_hash: str, state: str) -> None:
        snapshot = self.get(kind, key)
        if snapshot is None:
            snapshot = LoadedItem(course_id=self.course.id, kind=kind, key=key)
            self.session.add(snapshot)
            self.rows[(kind, key)] = snapshot
        snapshot.file_hash, snapshot.state_hash, snapshot.loaded_at = file_hash, state, utcnow()


def loaded_items(session: Session, course: Course) -> LoadedItems:
    rows = session.scalars(select(LoadedItem).where(LoadedItem.course_id == course.id))
    return LoadedItems(session, course, {(row.kind, row.key): row for row in rows})


def _sides(browser: dict[str, object], file: dict[str, object]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """The fields where the two sides differ, as short texts."""

    def short(value: object) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        text = " ".join(str(text).split())
        return text if len(text) <= 120 else text[:117] + "..."

    keys = [k for k in browser if browser[k] != file.get(k)]
    return {k: short(browser[k]) for k in keys}, {k: short(file.get(k)) for k in keys}


def conflict_of(kind: str, key: str, reason: str, browser: dict, file: dict) -> Conflict | None:  # type: ignore[type-arg]
    """The conflict, or None when both sides already say the same (the files were written
    from the database by `courses export`): then the files simply catch up."""
    mine, theirs = _sides(browser, file)
    return Conflict(kind, key, reason, mine, theirs) if mine else None


CHANGED = "changed in the browser since the last load, and in the files"


_REMOVED = "removed from the files, and changed in the browser since the last load"


@dataclass
class CourseLoad:
    """One load of a course's files: what every step reads (the bundle; whether the files
    win a conflict) and writes (the course, the report, the records of each item)."""

    session: Session
    course: Course
    bundle: CourseBundle
    report: LoadReport
    items: LoadedItems
    prefer_files: bool

    def settle(self, conflict: Conflict | None, done: str) -> str:
        """The decision on an item whose file is applied whole (title, quiz settings) when
        both sides changed: "apply" when they already say the same (the record catches up)
        or with `prefer_files` (the conflict reported with what was `done`); otherwise
        "conflict"."""
        if conflict is None:
            return "apply"
        if self.prefer_files:
            self.report.conflicts.append(replace(conflict, resolved=done))
            return "apply"
        self.report.conflicts.append(conflict)
        return "conflict"

    def retire_gone(
        self,
        kind: str,
        item: Lesson | Question,
        key: str,
        state: Callable[[], str],
        from_browser: bool,
        counts: dict[str, int],
    ) -> None:
        """A lesson or question no longer in the files: archived if it came from them and
        nobody changed it since; one written in the browser or imported is not the files' to
        retire, and one changed in the browser since the last load is a conflict, kept."""
        if item.status is ContentStatus.ARCHIVED:
            return
        snapshot = self.items.get(kind, key)
        if snapshot is None:
            if from_browser or item.status is not ContentStatus.PUBLISHED:
                return
        elif snapshot.state_hash != state():
            if snapshot.file_hash != "":
                browser, files = {"status": item.status.value}, {"status": "(not in the files)"}
                self.report.conflicts.append(Conflict(kind, key, _REMOVED, browser, files))
            return
        item.status = ContentStatus.ARCHIVED
        counts["retired"] += 1
        self.items.record(kind, key, "", state())


def describe_report(report: LoadReport) -> str:
    """What loading a course did, for the CLI: one line, then each conflict with both sides
    (the fields that differ, as the browser and as the files have them)."""
    if not report.changed:
        return f"{report.slug}: unchanged"
    lessons, questions = report.lessons, report.questions
    lines = [
        f"{report.slug}: {'created' if report.course_created else 'updated'}; "
        f"lessons {lessons['created']} created, {lessons['updated']} updated, "
        f"{lessons['retired']} retired; questions {questions['created']} created, "
        f"{questions['new_version']} new versions, {questions['updated']} updated, "
        f"{questions['retired']} retired; {report.media} media files"
        + ("; quiz settings updated" if report.settings_updated else "")
    ]
    for conflict in report.conflicts:
        label = "course" if conflict.kind == "course" else conflict.kind
        name = "final quiz settings" if conflict.kind == "quiz" else f"{label} {conflict.key}"
        lines.append(f"  CONFLICT {name}: {conflict.reason}")
        for key in conflict.browser:
            lines.append(f"    {key}:")
            lines.append(f"      browser: {conflict.browser[key]}")
            lines.append(f"      files:   {conflict.file[key]}")
        if conflict.resolved:
            lines.append(f"    --prefer-files: {conflict.resolved}")
        else:
            lines.append("    kept as in the browser")
    return "\n".join(lines)
