"""Officers bring members in (import with preview and confirmation, login slips), find and
look after them (reset password, deactivate, move), and approve self-registrations."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from learning import db
from learning.audit.services import record
from learning.auth.models import Gender
from learning.auth.queries import get_user
from learning.auth.scope import manageable_units, require_user, staff_required
from learning.db import utcnow
from learning.errors import DomainError, NotFound
from learning.exports import download, xlsx_bytes
from learning.forms import choices
from learning.i18n import format_date
from learning.i18n import gettext as _
from learning.members import queries, services
from learning.members.forms import (
    ConfirmImportForm,
    ConfirmReissueForm,
    ImportForm,
    MoveMemberForm,
    RegistrationForm,
)
from learning.members.importer import TEMPLATE_HEADER
from learning.members.services import MEMBER_LIST
from learning.members.slips import Slip, slips_pdf, slips_xlsx
from learning.org.models import Unit
from learning.uploads.models import ImportBatch
from learning.uploads.queries import own_batch
from learning.uploads.services import confirm_upload, open_upload, rejected_file
from learning.uploads.web import receive_upload, uploaded_bytes

bp = Blueprint("members", __name__)


def _unit_choices() -> list[SelectChoice]:
    return choices(
        (unit.id, f"{unit.name} ({unit.code})")
        for unit in manageable_units(db.session, current_user)
    )


def _member_or_404(user_id: int):  # type: ignore[no-untyped-def]
    user = get_user(db.session, user_id)
    if user is None:
        raise NotFound()
    require_user(db.session, current_user, user)
    return user


def _send_slips(slips: list[Slip], kind: str, name: str) -> Response:
    federation = current_app.config["FEDERATION_NAME"]
    site = request.host_url.rstrip("/")
    if kind == "xlsx":
        return download(slips_xlsx(slips, federation=federation, site_url=site), f"{name}.xlsx")
    printed_on = format_date(utcnow())
    pdf = slips_pdf(slips, federation=federation, site_url=site, printed_on=printed_on)
    return download(pdf, f"{name}.pdf")


@bp.get("/members")
@login_required
@staff_required
def index() -> str:
    text = request.args.get("q", "", type=str)[:100]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    members = queries.search_members(db.session, current_user, text, page=page)
    # Personal data shown to an officer is logged (Law on Personal Data Protection).
    record(
        db.session,
        current_user.id,
        "members.view",
        "user",
        None,
        after={"q": text, "page": page, "shown": len(members)},
    )
    db.session.commit()
    return render_template(
        "members/index.html",
        members=members,
        q=text,
        page=page,
        pending=len(queries.pending_registrations(db.session, current_user)),
    )


@bp.get("/members/<int:user_id>/manage")
@login_required
@staff_required
def manage(user_id: int) -> str:
    member = _member_or_404(user_id)
    form = MoveMemberForm()
    form.unit.choices = _unit_choices()
    record(db.session, current_user.id, "member.view", "user", member.id)
    db.session.commit()
    return render_template("members/manage.html", member=member, form=form)


@bp.post("/members/<int:user_id>/reset-password")
@login_required
@staff_required
def reset_password(user_id: int) -> Response:
    member = _member_or_404(user_id)
    slip = services.reset_password(db.session, current_user, member)
    db.session.commit()
    return _send_slips([slip], request.form.get("format", "pdf"), f"phieu-dang-nhap-{member.id}")


@bp.post("/members/<int:user_id>/deactivate")
@login_required
@staff_required
def deactivate(user_id: int) -> Response:
    member = _member_or_404(user_id)
    services.deactivate_member(db.session, current_user, member)
    db.session.commit()
    flash(_("%(name)s can no longer log in.", name=member.full_name), "success")
    return redirect(url_for("members.index"))


@bp.post("/members/<int:user_id>/move")
@login_required
@staff_required
def move(user_id: int) -> Response | tuple[str, int]:
    member = _member_or_404(user_id)
    form = MoveMemberForm()
    form.unit.choices = _unit_choices()
    if not form.validate():
        return render_template("members/manage.html", member=member, form=form), 400
    unit = db.session.get(Unit, form.unit.data)
    if unit is None:
        raise NotFound()
    services.move_member(db.session, current_user, member, unit)
    db.session.commit()
    flash(_("%(name)s now belongs to %(unit)s.", name=member.full_name, unit=unit.name), "success")
    return redirect(url_for("members.manage", user_id=member.id))


@bp.get("/members/import")
@login_required
@staff_required
def import_form() -> str:
    form = ImportForm()
    form.unit.choices = _unit_choices()
    return render_template("members/import.html", form=form)


@bp.get("/members/import/template.xlsx")
@login_required
@staff_required
def import_template() -> Response:
    data = xlsx_bytes(
        "Danh sách đoàn viên",
        TEMPLATE_HEADER,
        [["Nguyễn Văn An", "15/03/1990", "Nam", "0912 345 678", "LC-000123", ""]],
        title_lines=[
            "DANH SÁCH ĐOÀN VIÊN",
            "Cột Đơn vị: để trống để nhập vào đơn vị đã chọn, hoặc ghi mã đơn vị trực thuộc.",
        ],
    )
    return download(data, "mau-danh-sach-doan-vien.xlsx")


@bp.post("/members/import")
@login_required
@staff_required
def upload() -> ResponseReturnValue:
    form = ImportForm()
    form.unit.choices = _unit_choices()
    if not form.validate():
        return render_template("members/import.html", form=form), 400
    file = form.file.data
    return receive_upload(
        MEMBER_LIST,
        uploaded_bytes(file),
        file.filename,
        preview="members.preview",
        refuse=lambda error: (render_template("members/import.html", form=form, error=error), 400),
        unit_id=form.unit.data,
    )


@bp.get("/members/import/<int:batch_id>")
@login_required
@staff_required
def preview(batch_id: int) -> str:
    upload = open_upload(db.session, MEMBER_LIST, batch_id, current_user)
    return render_template(
        "members/preview.html",
        batch=upload.batch,
        unit=upload.subject,
        plan=upload.plan,
        form=ConfirmImportForm(),
    )


@bp.post("/members/import/<int:batch_id>/confirm")
@login_required
@staff_required
def confirm(batch_id: int) -> Response | tuple[str, int]:
    upload = open_upload(db.session, MEMBER_LIST, batch_id, current_user)
    form = ConfirmImportForm()
    # One choice per held row ("held-<row>"): "take_over:<key>", "confirm:<key>", or nothing.
    choices_made = [v for k, v in request.form.items(multi=True) if k.startswith("held-")]
    confirm_upload(
        db.session,
        MEMBER_LIST,
        upload,
        current_user,
        skip_invalid=bool(form.skip_invalid.data),
        take_over={
            v.removeprefix("take_over:") for v in choices_made if v.startswith("take_over:")
        },
        confirm={v.removeprefix("confirm:") for v in choices_made if v.startswith("confirm:")},
    )
    db.session.commit()
    if upload.applied is not None:
        flash(_imported_message(upload.applied.detail), "success")
    return redirect(url_for("members.preview", batch_id=batch_id))


def _imported_message(result: services.ImportResult) -> str:
    return _(
        "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
        "%(rejected)d rejected, %(left_out)d left out.",
        created=len(result.created),
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        left_out=result.left_out,
    )


@bp.get("/members/import/<int:batch_id>/rejected.xlsx")
@login_required
@staff_required
def rejected_rows(batch_id: int) -> Response:
    upload = open_upload(db.session, MEMBER_LIST, batch_id, current_user)
    data = rejected_file(db.session, MEMBER_LIST, upload, current_user)
    db.session.commit()
    return download(data, "dong-bi-tu-choi.xlsx")


def _confirmed_batch(batch_id: int) -> ImportBatch:
    batch = own_batch(db.session, batch_id, current_user, MEMBER_LIST.name)
    if batch is None or not batch.result:
        raise NotFound()
    return batch


@bp.post("/members/import/<int:batch_id>/slips")
@login_required
@staff_required
def batch_slips(batch_id: int) -> Response:
    batch = _confirmed_batch(batch_id)
    if batch.slip_key is None and services.slip_members(db.session, current_user, batch):
        # An import confirmed before slips were issued at confirmation: issue them first.
        return redirect(url_for("members.reissue_form", batch_id=batch.id))
    slips = services.batch_slips(db.session, current_user, batch)
    db.session.commit()
    return _send_slips(slips, request.form.get("format", "pdf"), f"phieu-dang-nhap-dot-{batch.id}")


@bp.get("/members/import/<int:batch_id>/slips/new-passwords")
@login_required
@staff_required
def reissue_form(batch_id: int) -> str:
    batch = _confirmed_batch(batch_id)
    waiting = services.slip_members(db.session, current_user, batch)
    return render_template(
        "members/reissue.html", batch=batch, waiting=len(waiting), form=ConfirmReissueForm()
    )


@bp.post("/members/import/<int:batch_id>/slips/new-passwords")
@login_required
@staff_required
def reissue(batch_id: int) -> Response | tuple[str, int]:
    batch = _confirmed_batch(batch_id)
    form = ConfirmReissueForm()
    if not form.validate():
        waiting = services.slip_members(db.session, current_user, batch)
        return render_template(
            "members/reissue.html", batch=batch, waiting=len(waiting), form=form
        ), 400
    count = services.reissue_slips(db.session, current_user, batch)
    db.session.commit()
    flash(
        _(
            "New passwords issued to %(count)d members: the earlier slips no longer work.",
            count=count,
        ),
        "success",
    )
    return redirect(url_for("members.preview", batch_id=batch.id))


@bp.get("/members/pending")
@login_required
@staff_required
def pending() -> str:
    people = queries.pending_registrations(db.session, current_user)
    if people:
        record(
            db.session,
            current_user.id,
            "members.view",
            "user",
            None,
            after={"list": "pending", "shown": len(people)},
        )
        db.session.commit()
    return render_template("members/pending.html", people=people)


@bp.post("/members/<int:user_id>/decide")
@login_required
@staff_required
def decide(user_id: int) -> Response:
    member = _member_or_404(user_id)
    services.decide_registration(
        db.session, current_user, member, approve=request.form.get("approve") == "1"
    )
    db.session.commit()
    return redirect(url_for("members.pending"))


@bp.get("/join/<token>")
def join_form(token: str) -> str:
    unit = queries.unit_by_join_token(db.session, token)
    if unit is None:
        raise NotFound(_("This join link is no longer valid."))
    return render_template("members/join.html", unit=unit, form=RegistrationForm(), token=token)


@bp.post("/join/<token>")
def join(token: str) -> str | tuple[str, int]:
    unit = queries.unit_by_join_token(db.session, token)
    if unit is None:
        raise NotFound(_("This join link is no longer valid."))
    form = RegistrationForm()
    if not form.validate():
        return render_template("members/join.html", unit=unit, form=form, token=token), 400
    registration = services.Registration(
        full_name=form.full_name.data,
        phone=form.phone.data,
        member_code=form.member_code.data or None,
        password=form.password.data,
        gender=Gender(form.gender.data) if form.gender.data else None,
        birth_year=form.birth_year.data,
    )
    try:
        services.register_via_link(db.session, unit, registration)
    except DomainError as error:
        db.session.rollback()
        return render_template(
            "members/join.html", unit=unit, form=form, token=token, error=str(error)
        ), 400
    db.session.commit()
    # A phone that already had an account (user is None) reads the same page.
    pending = not unit.approves_joins_automatically
    return render_template("members/joined.html", unit=unit, pending=pending)
