"""Reads about uploads: the batch an actor uploaded."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from learning.auth.models import User
from learning.uploads.models import ImportBatch


def own_batch(session: Session, batch_id: int, actor: User, kind: str) -> ImportBatch | None:
    """A batch of `kind` the actor uploaded (anyone else's looks as if it did not exist)."""
    return session.scalar(
        select(ImportBatch).where(
            ImportBatch.id == batch_id,
            ImportBatch.actor_id == actor.id,
            ImportBatch.kind == kind,
        )
    )
