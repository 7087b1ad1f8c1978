"""Login limits: strict per account (whatever the address), generous per address (NAT)."""

import pytest


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The attempts of a test fall in one window however slowly the machine runs."""
    from learning.auth import limits

    monkeypatch.setattr(limits, "clock", lambda: 1_800_000_030.0)


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "50 per minute",
    }


def test_account_limit_holds_across_many_addresses(auth, make):
    user = make.user(phone="0912345678")
    for n in range(3):
        response = auth.login("0912345678", "wrong", REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert response.status_code == 401
    # Written another way, from yet another address: the same account, still limited.
    blocked = auth.login("+84 912 345 678", "password123", REMOTE_ADDR="10.0.9.9")
    assert blocked.status_code == 429
    assert "Quá nhiều lần thử" in blocked.text
    assert user.phone == "+84912345678"


def test_many_workers_behind_one_address_can_log_in(app, make):
    workers = [make.user() for _ in range(20)]
    for worker in workers:
        client = app.test_client()
        response = client.post(
            "/login",
            data={"login": worker.phone, "password": "password123"},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        assert response.status_code == 302


def test_successful_logins_do_not_use_up_the_account_limit(app, make):
    user = make.user()
    for _ in range(5):
        client = app.test_client()
        response = client.post("/login", data={"login": user.phone, "password": "password123"})
        assert response.status_code == 302
