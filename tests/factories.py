"""Test data factories. Every object is flushed and its savepoint released, so requests made
by the test client (their own sessions, same connection) see it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from learning.auth.models import Role, User
from learning.auth.passwords import hash_password
from learning.auth.services import create_user
from learning.org.models import Unit, UnitKind
from learning.org.services import create_unit

DEFAULT_PASSWORD = "password123"
_counter = itertools.count(1)


@cache
def default_password_hash() -> str:
    # One argon2id hash (about 20 ms) reused by every factory-made account.
    return hash_password(DEFAULT_PASSWORD)


def next_phone() -> str:
    return f"09{next(_counter) + 10_000_000:08d}"


@dataclass
class Tree:
    """Two districts under a province, each with a grassroots union."""

    province: Unit
    district_a: Unit
    district_b: Unit
    grassroots_a: Unit
    grassroots_b: Unit


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def unit(
        self,
        name: str | None = None,
        *,
        parent: Unit | None = None,
        kind: UnitKind = UnitKind.GRASSROOTS,
        code: str | None = None,
    ) -> Unit:
        n = next(_counter)
        unit = create_unit(
            self.session,
            code=code or f"U{n}",
            name=name or f"Đơn vị thử {n}",
            kind=kind,
            parent=parent,
        )
        self.session.commit()
        return unit

    def user(
        self,
        *,
        unit: Unit | None = None,
        role: Role = Role.WORKER,
        full_name: str | None = None,
        phone: str | None = None,
        member_code: str | None = None,
        password: str | None = None,
        must_change_password: bool = False,
        is_active: bool = True,
    ) -> User:
        user = create_user(
            self.session,
            full_name=full_name or f"Người thử {next(_counter)}",
            phone=phone or next_phone(),
            member_code=member_code,
            password=password or DEFAULT_PASSWORD,
            password_hash=None if password else default_password_hash(),
            role=role,
            unit=unit,
            must_change_password=must_change_password,
        )
        user.is_active = is_active
        self.session.commit()
        return user

    def tree(self) -> Tree:
        province = self.unit("LĐLĐ tỉnh thử", kind=UnitKind.FEDERATION)
        district_a = self.unit("Công đoàn phường A", parent=province, kind=UnitKind.COMMUNE_UNION)
        district_b = self.unit("Công đoàn phường B", parent=province, kind=UnitKind.COMMUNE_UNION)
        return Tree(
            province=province,
            district_a=district_a,
            district_b=district_b,
            grassroots_a=self.unit("CĐCS Công ty A", parent=district_a),
            grassroots_b=self.unit("CĐCS Công ty B", parent=district_b),
        )
