"""Logging in with a phone number or member code, and what a failed login reveals."""

import re

import pytest
from sqlalchemy import select

from learning.auth.models import User


@pytest.mark.parametrize("written", ["0912345678", "0912 345 678", "+84 912345678", "84912345678"])
def test_login_with_the_phone_written_any_common_way(auth, client, make, written):
    make.user(phone="0912345678", full_name="Lò Thị Mai")
    response = auth.login(written)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Xin chào, Lò Thị Mai" in client.get("/").text


def test_login_with_member_code_in_any_case(auth, make):
    make.user(member_code="LC-000123")
    assert auth.login("lc-000123").status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer(auth, make):
    make.user(phone="0912345678")
    wrong = auth.login("0912345678", "not-the-password")
    unknown = auth.login("0987654321", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text
    # The same page but for the login typed and the CSRF token (signed with the second it
    # was made in: two responses a second apart carry different ones).
    assert _without_tokens(wrong.text.replace("0912345678", "")) == _without_tokens(
        unknown.text.replace("0987654321", "")
    )


def _without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def test_inactive_account_cannot_log_in(auth, make):
    make.user(phone="0912345678", is_active=False)
    assert auth.login("0912345678").status_code == 401


def test_empty_form_is_a_400_with_field_messages(client):
    response = client.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 400
    assert "Hãy nhập số điện thoại hoặc số thẻ đoàn viên." in response.text
    assert "Hãy nhập mật khẩu." in response.text


def test_login_records_the_time(auth, make, session):
    user = make.user()
    assert user.last_login_at is None
    auth.login(user.phone)
    session.expire_all()
    assert session.scalar(select(User.last_login_at).where(User.id == user.id)) is not None


def test_next_is_followed_only_inside_the_site(client, make):
    user = make.user()
    inside = client.post(
        "/login", data={"login": user.phone, "password": "password123", "next": "/users/1"}
    )
    assert inside.headers["Location"] == "/users/1"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        response = client.post(
            "/login", data={"login": user.phone, "password": "password123", "next": evil}
        )
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
