"""One flow for every upload (member lists, unit lists, question files): each confirmed
upload is audited the same way, one left unconfirmed for a week has expired, a confirmation
that fails leaves the upload to confirm again, and a second confirmation writes nothing,
also when it runs at the same time as the first (a committed database of its own)."""

import datetime as dt
import io

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from learning.audit.models import AuditEntry
from learning.auth.models import Role, User
from learning.db import build_engine, utcnow
from learning.members.services import MEMBER_LIST
from learning.migrate import upgrade
from learning.org.importer import TEMPLATE_HEADER as UNIT_HEADER
from learning.uploads.models import ImportBatch
from learning.uploads.services import confirm_upload, open_upload, store_upload
from tests.factories import Factory
from tests.member_files import template, xlsx
from tests.test_quizzes_concurrency import run_together

MEMBER_ROWS = [["Người Một", "", "", "0912 000 001", "", ""]]


def _members(client, tree, rows=MEMBER_ROWS):
    data = {"unit": str(tree.grassroots_a.id), "file": (io.BytesIO(template(rows)), "ds.xlsx")}
    return client.post("/members/import", data=data).headers["Location"]


def _units(client, tree):
    data = xlsx([UNIT_HEADER, ["MOI-1", "CĐCS Mới", "", tree.grassroots_a.code]])
    return client.post("/units/import", data={"file": (io.BytesIO(data), "dv.xlsx")}).headers[
        "Location"
    ]


def _questions(client, _tree):
    gift = "// [id:moi-1] [tag:source:blld-2019:Điều 20]\nCâu hỏi mới?{=Hai loại ~Ba loại}\n"
    data = {"file": (io.BytesIO(gift.encode()), "ch.gift"), "format": ""}
    return client.post("/exchange/khoa-thu/import", data=data).headers["Location"]


# kind -> (upload it, what the confirm form sends)
FLOWS = {
    "members": (_members, {"skip_invalid": "y"}),
    "units": (_units, {}),
    "questions": (_questions, {"only_valid": "y"}),
}


@pytest.fixture
def tree(make):
    return make.tree()


@pytest.fixture
def admin(make, auth, tree, sample_course):
    user = make.user(role=Role.ADMIN, unit=tree.province)
    auth.login(user.phone)
    return user


@pytest.mark.parametrize("kind", FLOWS)
def test_every_confirmed_upload_is_audited_with_its_batch_and_file(
    client, session, admin, tree, kind
):
    """The unit import wrote no entry of its own, and the member import's named neither its
    batch nor its file: the same rule now holds for the three."""
    upload, options = FLOWS[kind]
    location = upload(client, tree)
    assert client.post(location + "/confirm", data=options).status_code == 302
    session.expire_all()
    batch = session.scalar(select(ImportBatch).where(ImportBatch.kind == kind))
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == f"{kind}.import"))
    found = [(e.actor_id, e.object_type, e.object_id, e.after) for e in entries]
    assert [row[:3] for row in found] == [(admin.id, "import_batch", batch.id)]
    assert found[0][3]["file"] == batch.filename and found[0][3]["created"] == 1
    assert batch.confirmed_at is not None


@pytest.mark.parametrize("kind", FLOWS)
def test_an_upload_left_a_week_has_expired(client, session, admin, tree, kind):
    upload, options = FLOWS[kind]
    location = upload(client, tree)
    session.execute(update(ImportBatch).values(created_at=utcnow() - dt.timedelta(days=8)))
    session.commit()
    page = client.get(location)
    assert page.status_code == 410 and "hết hạn" in page.text
    assert client.post(location + "/confirm", data=options).status_code == 410
    session.expire_all()
    assert session.scalar(select(ImportBatch.confirmed_at)) is None


def test_purge_deletes_only_uploads_past_their_week_unconfirmed(runner, session, make, tree):
    owner = make.user(role=Role.ADMIN)
    week_ago = utcnow() - dt.timedelta(days=8)
    kept = {
        "fresh": ImportBatch(actor_id=owner.id, filename="a.xlsx", data=b"1"),
        "confirmed": ImportBatch(
            actor_id=owner.id,
            filename="b.xlsx",
            data=b"2",
            created_at=week_ago,
            confirmed_at=week_ago,
        ),
    }
    stale = ImportBatch(actor_id=owner.id, filename="c.xlsx", data=b"3", created_at=week_ago)
    session.add_all([*kept.values(), stale])
    session.commit()
    result = runner.invoke(args=["uploads", "purge"])
    assert result.exit_code == 0 and "1 expired upload(s) deleted." in result.output
    session.expire_all()
    assert set(session.scalars(select(ImportBatch.filename))) == {"a.xlsx", "b.xlsx"}


def test_a_refused_confirmation_leaves_the_upload_to_confirm_again(client, session, admin, tree):
    rows = [*MEMBER_ROWS, ["Người Hai", "", "", "sai", "", ""]]
    location = _members(client, tree, rows)
    assert client.post(location + "/confirm", data={}).status_code == 400
    session.expire_all()
    assert session.scalar(select(ImportBatch.confirmed_at)) is None
    assert client.post(location + "/confirm", data={"skip_invalid": "y"}).status_code == 302
    assert session.scalar(select(func.count()).where(User.phone == "+84912000001")) == 1


def test_a_confirmation_another_server_made_first_writes_nothing(app, session, tree, make):
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    with app.test_request_context():
        batch = store_upload(
            session,
            MEMBER_LIST,
            officer,
            template(MEMBER_ROWS),
            "ds.xlsx",
            unit_id=tree.grassroots_a.id,
        )
        upload = open_upload(session, MEMBER_LIST, batch.id, officer)
        # Another request confirms it between this one's reading and its writing.
        session.execute(
            update(ImportBatch).where(ImportBatch.id == batch.id).values(confirmed_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        assert upload.batch.confirmed_at is None
        confirm_upload(session, MEMBER_LIST, upload, officer, skip_invalid=False)
    assert upload.applied is None and upload.batch.confirmed_at is not None
    assert session.scalar(select(func.count()).where(User.phone == "+84912000001")) == 0


@pytest.fixture
def committed_upload(scratch_database_url):
    """An officer's member list, uploaded and committed, not yet confirmed."""
    upgrade(scratch_database_url)
    engine = build_engine(scratch_database_url)
    with Session(engine, expire_on_commit=False) as session:
        make = Factory(session)
        unit = make.unit("CĐCS Bấm Hai Lần")
        officer = make.user(role=Role.OFFICER, unit=unit)
        data = template(MEMBER_ROWS)
        batch = store_upload(session, MEMBER_LIST, officer, data, "ds.xlsx", unit_id=unit.id)
        session.commit()
        yield engine, officer.id, batch.id
    engine.dispose()


def test_confirmations_at_the_same_time_import_once(app, committed_upload):
    engine, officer_id, batch_id = committed_upload

    def confirm(_index):
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            officer = session.get_one(User, officer_id)
            upload = open_upload(session, MEMBER_LIST, batch_id, officer)
            confirm_upload(session, MEMBER_LIST, upload, officer, skip_invalid=False)
            session.commit()
            return upload.applied is not None

    outcomes = run_together(4, confirm)
    assert sorted(outcomes, key=str) == [False, False, False, True], outcomes
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(User.phone == "+84912000001")) == 1
        imports = select(func.count()).where(AuditEntry.action == "members.import")
        assert session.scalar(imports) == 1
