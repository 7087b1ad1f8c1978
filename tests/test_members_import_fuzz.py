"""Random member lists through the importer: never a crash, never a partial import."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from learning.auth.models import User
from learning.members.importer import plan_import
from learning.members.services import apply_import
from learning.spreadsheets import SpreadsheetError
from tests.member_files import template, xlsx

cell = st.one_of(
    # Excel cannot hold C0 control characters, so a real file has none.
    st.text(max_size=30).map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.sampled_from(
        [
            "0912 345 678",
            "+84987654321",
            "912000111",
            "Nam",
            "Nữ",
            "01/02/1990",
            "1985",
            "LC-1",
            "=1+1",
            "Tổng cộng",
            "Người lập biểu",
            "",
        ]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=8), max_size=12)


@pytest.fixture
def scope(make):
    return make.unit("CĐCS Thử ngẫu nhiên")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=rows, with_template_header=st.booleans())
def test_random_lists_import_wholly_or_not_at_all(app, session, scope, body, with_template_header):
    data = template(body) if with_template_header else xlsx(body)
    with app.test_request_context():
        before = session.scalar(select(func.count()).select_from(User))
        try:
            plan = plan_import(session, data, scope_unit=scope)
        except SpreadsheetError:
            return  # a clear refusal of the whole file is a valid answer
        savepoint = session.begin_nested()
        try:
            result = apply_import(session, plan, None, skip_invalid=True)
        except Exception:
            savepoint.rollback()
            assert session.scalar(select(func.count()).select_from(User)) == before
            raise
        after = session.scalar(select(func.count()).select_from(User))
        assert after == before + len(result.created) == before + len(plan.to_create)
        savepoint.rollback()
