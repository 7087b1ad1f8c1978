"""The web half of an upload: a view hands over the file and gets the redirect to its
preview, or its form again with the reason the file cannot be read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from learning import db
from learning.errors import InvalidInput
from learning.uploads.services import UploadKind, store_upload


def uploaded_bytes(file: FileStorage) -> bytes:
    """The file's bytes, one more than the upload limit at most (Flask answers 413 then)."""
    return file.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)


def receive_upload(
    kind: UploadKind[Any],
    data: bytes,
    filename: str | None,
    *,
    preview: str,
    refuse: Callable[[str], ResponseReturnValue],
    unit_id: int | None = None,
    context: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    """Keep the current user's upload and redirect to its `preview` endpoint; a file its
    kind cannot read is `refuse`d with the reason (nothing kept)."""
    try:
        batch = store_upload(
            db.session, kind, current_user, data, filename, unit_id=unit_id, context=context
        )
    except InvalidInput as error:
        return refuse(str(error))
    db.session.commit()
    return redirect(url_for(preview, batch_id=batch.id))
