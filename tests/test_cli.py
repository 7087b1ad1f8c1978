"""The `flask --app learning` commands, including what they say to bad arguments."""

from sqlalchemy import func, select

from learning.auth.models import Role, User
from learning.demo import DEMO_ACCOUNTS, DEMO_UNITS
from learning.org.models import Unit, UnitKind


def test_help_lists_the_commands(runner):
    result = runner.invoke(args=["--help"])
    for command in ("db", "create-admin", "demo"):
        assert command in result.output


def test_demo_loads_once_and_is_idempotent(runner, session):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert f"{len(DEMO_UNITS)} units and {len(DEMO_ACCOUNTS)} accounts created" in first.output
    assert "0900000011  demo-worker-2026" in first.output
    second = runner.invoke(args=["demo"])
    assert "0 units and 0 accounts created" in second.output
    assert session.scalar(select(func.count()).select_from(Unit)) == len(DEMO_UNITS)
    assert session.scalar(select(func.count()).select_from(User)) == len(DEMO_ACCOUNTS)


def test_demo_models_the_reorganised_province(runner, session):
    runner.invoke(args=["demo"])
    kinds = set(session.scalars(select(Unit.kind)))
    assert {
        UnitKind.FEDERATION,
        UnitKind.COMMUNE_UNION,
        UnitKind.SECTOR_UNION,
        UnitKind.ZONE_UNION,
        UnitKind.GRASSROOTS,
        UnitKind.UNION_GROUP,
    } <= kinds
    names = set(session.scalars(select(Unit.name)))
    assert "Công đoàn phường Sa Pa" in names
    assert "Công đoàn ngành Y tế tỉnh Lào Cai" in names


def test_create_admin(runner, session):
    result = runner.invoke(
        args=["create-admin", "--name", "Nguyễn Thị Hoa", "--phone", "0912 000 111"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    admin = session.scalar(select(User).where(User.phone == "+84912000111"))
    assert admin is not None and admin.role is Role.ADMIN


def test_create_admin_refuses_a_bad_phone(runner):
    result = runner.invoke(
        args=["create-admin", "--name", "A", "--phone", "12ab", "--password", "longenough"]
    )
    assert result.exit_code == 2
    assert "is not a Vietnamese phone number" in result.output


def test_create_admin_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["create-admin", "--name", "A", "--phone", "0912000111", "--password", "short"]
    )
    assert result.exit_code == 2
    assert "at least 8 characters" in result.output


def test_create_admin_refuses_an_existing_phone(runner, make):
    make.user(phone="0912000111")
    result = runner.invoke(
        args=["create-admin", "--name", "A", "--phone", "+84912000111", "--password", "longenough"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
