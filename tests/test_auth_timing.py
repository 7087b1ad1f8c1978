"""A login costs the same work whatever the account: missing, imported without a password
yet, holding a temporary password, or with its own password typed wrong (one argon2id
verification each), so the answer's time does not tell these accounts apart."""

from __future__ import annotations

import statistics
import time

import pytest

from learning.auth.passwords import hash_temporary_password
from learning.members.services import NO_PASSWORD_YET

ROUNDS = 7  # interleaved, so that a busy moment of the machine touches every path alike


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "1000 per minute"}


def test_every_login_path_costs_the_same(app, client, make, session):
    normal = make.user(phone="0912000001")
    no_password = make.user(phone="0912000002")
    temporary = make.user(phone="0912000003")
    no_password.password_hash = NO_PASSWORD_YET
    with app.app_context():
        temporary.password_hash = hash_temporary_password("Ab3dEf5hJk")
    session.commit()
    paths = {
        "missing account": "0912999999",
        "no password yet": no_password.phone,
        "temporary password": temporary.phone,
        "wrong password": normal.phone,
    }
    timings: dict[str, list[float]] = {name: [] for name in paths}
    for _round in range(ROUNDS):
        for name, login in paths.items():
            started = time.perf_counter()
            response = client.post("/login", data={"login": login, "password": "wrong-pass-1"})
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 401
    medians = {name: statistics.median(values) for name, values in timings.items()}
    fastest, slowest = min(medians.values()), max(medians.values())
    # Without the fix the fast paths answered in well under a tenth of the argon2 ones.
    assert slowest < 2 * fastest, {k: f"{v * 1000:.1f} ms" for k, v in medians.items()}
