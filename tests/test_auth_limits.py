"""Login limits that hold (OWASP): failures are counted per account whatever identifier is
typed, per address for judged failures only, in the database that every process shares
(without Redis); a full account bucket does not lock the owner out of their usual device."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learning.auth import limits
from learning.auth.models import LoginFailure


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute;20 per hour",
        "LOGIN_LIMIT_PER_ADDRESS": "10 per minute",
    }


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Every attempt of a test falls in the same windows (a minute and an hour), however
    slowly the machine runs: 30 seconds into an hour."""
    monkeypatch.setattr(limits, "clock", lambda: 1_800_000_030.0)


def post_login(app, login, password, address="198.51.100.1", client=None):
    client = client or app.test_client()
    return client.post(
        "/login",
        data={"login": login, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_alternating_phone_and_member_code_share_one_bucket(app, make):
    user = make.user(phone="0912345001", member_code="CD-7781")
    forms = ["0912345001", "cd-7781", "+84 912 345 001", "CD-7781", "84912345001"]
    answers = [
        post_login(app, form, "wrong-guess", f"10.1.0.{n}").status_code
        for n, form in enumerate(forms)
    ]
    assert answers == [401] * 5
    blocked = post_login(app, "cd-7781", "password123", "10.1.9.9")
    assert blocked.status_code == 429
    assert "Quá nhiều lần thử" in blocked.text
    assert blocked.headers["Retry-After"] == "30"  # the minute's window ends in 30 s
    assert user.member_code == "CD-7781"


def test_unknown_logins_are_counted_by_their_normalised_text(app):
    forms = ["0919000000", "+84919000000", "0919 000 000", "84 919 000 000", "0919.000.000"]
    assert [
        post_login(app, f, "x-guess-1", f"10.2.0.{n}").status_code for n, f in enumerate(forms)
    ] == [401] * 5
    assert post_login(app, "0919-000-000", "x-guess-1", "10.2.9.9").status_code == 429


def test_failures_are_counted_in_the_shared_database(app, make, session):
    user = make.user()
    for _ in range(3):
        post_login(app, user.phone, "wrong-guess")
    counted = session.scalar(
        select(func.max(LoginFailure.hits)).where(LoginFailure.bucket == f"user:{user.id}")
    )
    assert counted == 3


def test_malformed_posts_do_not_spend_the_address_budget(app, make):
    worker = make.user()
    client = app.test_client()
    for data in (
        {},
        {"login": "", "password": ""},
        {"login": worker.phone},
        {"login": "x" * 500, "password": "y"},
    ) * 5:
        response = client.post("/login", data=data, environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert response.status_code == 400
    assert post_login(app, worker.phone, "password123", "203.0.113.7").status_code == 302


def test_posts_failing_csrf_do_not_spend_the_address_budget(app_config, connection, make):
    from learning import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.extensions["database"].bind_to(connection)
    worker = make.user()
    client = app.test_client()
    for _ in range(15):
        response = client.post(
            "/login",
            data={"login": worker.phone, "password": "wrong-guess"},
            environ_base={"REMOTE_ADDR": "203.0.113.8"},
        )
        assert response.status_code == 400
    page = client.get("/login", environ_base={"REMOTE_ADDR": "203.0.113.8"}).text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"login": worker.phone, "password": "password123", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "203.0.113.8"},
    )
    assert response.status_code == 302


def test_one_address_with_many_people_behind_it(app, make):
    """A factory behind one address: one worker who keeps getting it wrong, and a device
    posting broken forms, do not keep the others out."""
    address = "203.0.113.50"
    clumsy = make.user()
    for _ in range(6):
        post_login(app, clumsy.phone, "not-my-password", address)
    assert post_login(app, clumsy.phone, "password123", address).status_code == 429
    broken = app.test_client()
    for n in range(40):
        broken.post(
            "/login", data={"login": "", "password": "p"}, environ_base={"REMOTE_ADDR": address}
        )
        if n % 2 == 0:
            colleague = make.user()
            assert post_login(app, colleague.phone, "password123", address).status_code == 302


def test_the_address_limit_counts_judged_failures(app, make):
    users = [make.user() for _ in range(11)]
    answers = [post_login(app, u.phone, "wrong-guess", "192.0.2.1").status_code for u in users]
    assert answers == [401] * 10 + [429]  # a sweep over many accounts from one address
    assert post_login(app, users[0].phone, "password123", "192.0.2.2").status_code == 302


def test_the_owner_is_not_locked_out_of_their_usual_device(app, make):
    owner = make.user()
    device = app.test_client()
    assert post_login(app, owner.phone, "password123", "10.3.0.1", client=device).status_code == 302
    device.post("/logout")
    # A stranger fills the account's bucket from elsewhere.
    for n in range(6):
        post_login(app, owner.phone, "stranger-guess", f"10.4.0.{n}")
    assert post_login(app, owner.phone, "password123", "10.4.1.1").status_code == 429
    # The owner's own device has its own allowance: a typo, then the right password.
    assert post_login(app, owner.phone, "typo-typo", "10.3.0.1", client=device).status_code == 401
    assert post_login(app, owner.phone, "password123", "10.3.0.1", client=device).status_code == 302


def test_a_device_cookie_of_another_account_or_forged_gives_nothing(app, make):
    mine, target = make.user(), make.user()
    device = app.test_client()
    post_login(app, mine.phone, "password123", "10.5.0.1", client=device)
    device.post("/logout")
    for n in range(5):
        post_login(app, target.phone, "guess-guess", f"10.6.0.{n}")
    assert (
        post_login(app, target.phone, "password123", "10.5.0.1", client=device).status_code == 429
    )
    device.set_cookie("login_device", "eyJ1IjoxfQ.forged")
    assert (
        post_login(app, target.phone, "password123", "10.5.0.1", client=device).status_code == 429
    )
