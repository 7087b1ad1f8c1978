"""Units: an officer's subtree (an admin's whole tree), created, renamed, moved, merged,
deactivated, and the join link members register through."""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from learning import db
from learning.audit.queries import entries_for
from learning.auth.scope import (
    manageable_units,
    may_restructure_unit,
    require_restructure,
    require_unit,
    scope_root_id,
    staff_required,
)
from learning.enrollment.services import transfer_assignments
from learning.errors import DomainError, NotFound
from learning.forms import choices
from learning.i18n import gettext as _
from learning.org import queries, services
from learning.org.forms import JoinLinkForm, RenameForm, TargetForm, UnitForm, UnitImportForm
from learning.org.models import Unit, UnitKind
from learning.org.services import UNIT_LIST
from learning.uploads.services import confirm_upload, open_upload
from learning.uploads.web import receive_upload, uploaded_bytes

bp = Blueprint("org", __name__)


def _unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound()
    require_unit(db.session, current_user, unit.id)
    return unit


def _choices(exclude: Unit | None = None) -> list[SelectChoice]:
    units = manageable_units(db.session, current_user)
    return choices(
        (u.id, f"{u.name} ({u.code})") for u in units if exclude is None or u.id != exclude.id
    )


@bp.get("/units")
@login_required
@staff_required
def index() -> str:
    root_id = scope_root_id(current_user)
    roots = queries.roots(db.session) if root_id is None else [db.session.get_one(Unit, root_id)]
    rows = [
        (unit, depth)
        for root in roots
        for unit, depth in queries.subtree_with_depth(db.session, root.id)
    ]
    return render_template("org/index.html", rows=rows)


@bp.get("/units/new")
@login_required
@staff_required
def new() -> str:
    form = UnitForm()
    form.parent.choices = _choices()
    return render_template("org/new.html", form=form)


@bp.post("/units/new")
@login_required
@staff_required
def create() -> BaseResponse | tuple[str, int]:
    form = UnitForm()
    form.parent.choices = _choices()
    if not form.validate():
        return render_template("org/new.html", form=form), 400
    parent = _unit(form.parent.data)
    try:
        unit = services.create_unit(
            db.session,
            code=form.code.data,
            name=form.name.data,
            kind=UnitKind(form.kind.data),
            parent=parent,
            actor=current_user,
        )
    except DomainError as error:
        db.session.rollback()
        return render_template("org/new.html", form=form, error=str(error)), 400
    db.session.commit()
    flash(_("Unit %(name)s created.", name=unit.name), "success")
    return redirect(url_for("org.show", unit_id=unit.id))


def _show_page(unit: Unit, rename: RenameForm | None = None) -> str:
    rename = rename or RenameForm(name=unit.name, kind=unit.kind.value)
    move, merge = TargetForm(prefix="move"), TargetForm(prefix="merge")
    move.target.choices = merge.target.choices = _choices(exclude=unit)
    join = JoinLinkForm(
        enabled=unit.join_token is not None, automatic=unit.approves_joins_automatically
    )
    return render_template(
        "org/show.html",
        unit=unit,
        rename=rename,
        move=move,
        merge=merge,
        join=join,
        ancestors=queries.ancestors(db.session, unit.id),
        history=entries_for(db.session, "unit", unit.id)[:20],
        can_restructure=may_restructure_unit(current_user, unit),
    )


@bp.get("/units/<int:unit_id>")
@login_required
@staff_required
def show(unit_id: int) -> str:
    return _show_page(_unit(unit_id))


@bp.post("/units/<int:unit_id>/rename")
@login_required
@staff_required
def rename(unit_id: int) -> BaseResponse | tuple[str, int]:
    unit = _unit(unit_id)
    form = RenameForm()
    if not form.validate():
        return _show_page(unit, rename=form), 400
    services.rename_unit(db.session, current_user, unit, form.name.data, UnitKind(form.kind.data))
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("org.show", unit_id=unit.id))


def _restructurable(unit_id: int) -> Unit:
    unit = _unit(unit_id)
    require_restructure(db.session, current_user, unit)
    return unit


@bp.post("/units/<int:unit_id>/move")
@login_required
@staff_required
def move(unit_id: int) -> BaseResponse:
    unit = _restructurable(unit_id)
    form = TargetForm(prefix="move")
    form.target.choices = _choices(exclude=unit)
    if not form.validate():
        raise NotFound()
    services.move_unit(db.session, current_user, unit, _unit(form.target.data))
    db.session.commit()
    flash(_("Unit moved."), "success")
    return redirect(url_for("org.show", unit_id=unit.id))


@bp.post("/units/<int:unit_id>/merge")
@login_required
@staff_required
def merge(unit_id: int) -> BaseResponse:
    unit = _restructurable(unit_id)
    form = TargetForm(prefix="merge")
    form.target.choices = _choices(exclude=unit)
    if not form.validate():
        raise NotFound()
    target = _unit(form.target.data)
    moved = services.merge_units(db.session, current_user, unit, target)
    transfer_assignments(db.session, current_user, unit.id, target.id)
    db.session.commit()
    flash(
        _(
            "%(source)s merged into %(target)s: %(count)d members moved.",
            source=unit.name,
            target=target.name,
            count=moved,
        ),
        "success",
    )
    return redirect(url_for("org.show", unit_id=target.id))


@bp.post("/units/<int:unit_id>/deactivate")
@login_required
@staff_required
def deactivate(unit_id: int) -> BaseResponse:
    unit = _restructurable(unit_id)
    services.deactivate_unit(db.session, current_user, unit)
    db.session.commit()
    flash(_("Unit deactivated."), "success")
    return redirect(url_for("org.index"))


@bp.post("/units/<int:unit_id>/join-link")
@login_required
@staff_required
def join_link(unit_id: int) -> BaseResponse:
    unit = _unit(unit_id)
    form = JoinLinkForm()
    form.validate()
    services.set_join_link(
        db.session,
        current_user,
        unit,
        enabled=bool(form.enabled.data),
        automatic=bool(form.automatic.data),
    )
    db.session.commit()
    return redirect(url_for("org.show", unit_id=unit.id))


@bp.get("/units/<int:unit_id>/join-qr.svg")
@login_required
@staff_required
def join_qr(unit_id: int) -> Response:
    unit = _unit(unit_id)
    if unit.join_token is None:
        raise NotFound()
    url = url_for("members.join_form", token=unit.join_token, _external=True)
    svg = segno.make(url, error="m").svg_inline(scale=6, border=2, title=unit.name)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@bp.get("/units/search")
def search() -> Response:
    """Units by name without diacritics, with their parents (for pickers on public forms)."""
    text = request.args.get("q", "", type=str)[:100]
    found = [
        {
            "id": unit.id,
            "name": unit.name,
            "code": unit.code,
            "parents": [a.name for a in queries.ancestors(db.session, unit.id)],
        }
        for unit in queries.search_units(db.session, text, limit=20)
    ]
    return jsonify(found)


@bp.get("/units/import")
@login_required
@staff_required
def import_form() -> str:
    return render_template("org/import.html", form=UnitImportForm())


@bp.post("/units/import")
@login_required
@staff_required
def import_upload() -> ResponseReturnValue:
    form = UnitImportForm()
    if not form.validate():
        return render_template("org/import.html", form=form), 400
    file = form.file.data
    scope = services.import_scope(db.session, current_user)
    return receive_upload(
        UNIT_LIST,
        uploaded_bytes(file),
        file.filename,
        preview="org.import_preview",
        refuse=lambda error: (render_template("org/import.html", form=form, error=error), 400),
        unit_id=scope.id if scope else None,
    )


@bp.get("/units/import/<int:batch_id>")
@login_required
@staff_required
def import_preview(batch_id: int) -> str:
    upload = open_upload(db.session, UNIT_LIST, batch_id, current_user)
    return render_template("org/import_preview.html", batch=upload.batch, plan=upload.plan)


@bp.post("/units/import/<int:batch_id>/confirm")
@login_required
@staff_required
def import_confirm(batch_id: int) -> BaseResponse:
    upload = open_upload(db.session, UNIT_LIST, batch_id, current_user)
    confirm_upload(db.session, UNIT_LIST, upload, current_user)
    db.session.commit()
    if upload.applied is not None:
        flash(
            _("Units imported: %(created)d created, %(updated)d updated.", **upload.applied.counts),
            "success",
        )
    return redirect(url_for("org.index"))
