"""The authoring blueprint (/admin, admins only) and what its pages share: the labels
templates show, the review-step route of a kind's page, and a history page.
course_views, lesson_views and question_views register their pages on it; views.py
gathers them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from learning import db
from learning.auth.scope import admins_only
from learning.authoring import queries, workflow
from learning.authoring.forms import DIFFICULTIES, QUESTION_TYPES, STATUSES, StepForm
from learning.courses.models import Lesson, Question
from learning.errors import InvalidInput, NotFound
from learning.i18n import lazy_gettext as _l

bp = Blueprint("authoring", __name__, url_prefix="/admin")


bp.before_request(admins_only)  # authoring is for admins only


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_labels": dict(STATUSES),
        "type_labels": dict(QUESTION_TYPES),
        "difficulty_labels": dict(DIFFICULTIES),
    }


# What each review step did, said after it (the bare "Done." left people guessing).
STEP_DONE = {
    "submit": _l("Sent to review."),
    "approve": _l("Approved and published."),
    "return": _l("Sent back to draft."),
    "retire": _l("Retired (archived)."),
}


def four_eyes() -> bool:
    """Must a second admin approve (AUTHORING_FOUR_EYES)?"""
    return bool(current_app.config["AUTHORING_FOUR_EYES"])


def get_or_404(model: type, object_id: int) -> Any:
    """The row of `model` with this id, or NotFound."""
    found = db.session.get(model, object_id)
    if found is None:
        raise NotFound()
    return found


def _review_step(kind: workflow.Workflow[Any, Any], item: Lesson | Question) -> None:
    """Apply the review step the form names (submit, approve, return, retire) to a lesson or
    a question through its workflow, and commit."""
    form = StepForm()
    if not form.validate():
        raise InvalidInput()
    step = form.step.data
    if step == "submit":
        kind.submit(db.session, current_user, item)
    elif step == "approve":
        kind.approve(db.session, current_user, item, four_eyes=four_eyes())
    elif step == "return":
        kind.send_back(db.session, current_user, item, form.comment.data or "")
    elif step == "retire":
        kind.retire(db.session, current_user, item)
    else:
        raise workflow.WrongState()
    db.session.commit()
    flash(str(STEP_DONE[step]), "success")


def item_page(
    template: str, kind: workflow.Workflow[Any, Any], item: Any, status: int, **values: Any
) -> tuple[str, int]:
    """The page of a lesson or question (`item`; None: a new one): `values`, and what it shows
    of its review: state, working version, what stops it from going to review, the step
    form, and whether the reader may approve."""
    working = kind.working(db.session, item) if item is not None else None
    page = render_template(
        template,
        **values,
        state=kind.state(item, working) if item is not None else None,
        working=working,
        problems=kind.problems(working) if working is not None else [],
        step_form=StepForm(),
        can_approve=kind.may_approve(current_user, working, four_eyes=four_eyes()),
    )
    return page, status


def add_step_route(name: str, model: type, kind: workflow.Workflow[Any, Any]) -> None:
    """Register POST /admin/<name>s/<id>/step (endpoint `<name>_step`) for a kind with a page
    of its own: the review step the form names, through `kind`, then back to that page."""

    def step(**ids: int) -> Response:
        item = get_or_404(model, ids[f"{name}_id"])
        _review_step(kind, item)
        return redirect(url_for(f"authoring.{name}", **ids))

    bp.add_url_rule(f"/{name}s/<int:{name}_id>/step", f"{name}_step", step, methods=["POST"])


def history_page(kind: str, item_id: int, title: str, versions: list[Any]) -> str:
    """The history of a lesson or question (`kind`): its versions with diffs, and its
    workflow steps from the audit log."""
    return render_template(
        "authoring/history.html",
        title=title,
        back=url_for(f"authoring.{kind}", **{f"{kind}_id": item_id}),
        versions=versions,
        events=queries.events(db.session, kind, item_id),
    )
