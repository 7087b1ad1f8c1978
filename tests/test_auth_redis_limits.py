"""With REDIS_URL, login limits are counted in Redis, where every app server reads them.
(Two real gunicorn servers sharing the count are issue 9's multi-server test.)"""

import os
import uuid

import pytest

from learning import create_app
from learning.extensions import limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must start it", pytrace=False)
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return client


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The attempts of a test fall in one window however slowly the machine runs."""
    from learning.auth import limits

    monkeypatch.setattr(limits, "clock", lambda: 1_800_000_030.0)


def test_failed_logins_are_counted_in_redis(app_config, connection, redis_client, make):
    prefix = f"test-{uuid.uuid4().hex}"
    app = create_app({**app_config, "REDIS_URL": REDIS_URL, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
                      "RATELIMIT_KEY_PREFIX": prefix})  # fmt: skip
    app.extensions["database"].bind_to(connection)
    user = make.user()
    client = app.test_client()
    try:
        for _ in range(3):
            assert (
                client.post("/login", data={"login": user.phone, "password": "x"}).status_code
                == 401
            )
        keys = [key.decode() for key in redis_client.scan_iter(f"*{prefix}*")]
        # The account's bucket: its id, whatever identifier was typed.
        account_keys = [key for key in keys if f"login-failures:user:{user.id}:60:" in key]
        assert account_keys, keys
        assert int(redis_client.get(account_keys[0])) == 3
        assert (
            client.post("/login", data={"login": user.phone, "password": "password123"}).status_code
            == 429
        )
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
        limiter.reset()


def test_with_redis_unreachable_the_database_counts(app_config, connection, make, session):
    from sqlalchemy import func, select

    from learning.auth.models import LoginFailure

    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0",
                      "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"})  # fmt: skip
    app.extensions["database"].bind_to(connection)
    user = make.user()
    client = app.test_client()
    answers = [
        client.post("/login", data={"login": user.phone, "password": "x"}).status_code
        for _ in range(4)
    ]
    assert answers == [401, 401, 401, 429]
    bucket = f"user:{user.id}"
    assert session.scalar(select(func.max(LoginFailure.hits)).where(LoginFailure.bucket == bucket))
