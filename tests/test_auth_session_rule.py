"""One session rule on both paths: a page (the account loaded for the request) and the answer
save (the account's columns read in the save's own locked query, no separate user load).
Logging out everywhere, deactivation, a temporary password, someone else's attempt and no
session are refused the same way on each."""

import pytest
from sqlalchemy import select, update

from learning.auth.models import User
from learning.auth.services import end_sessions
from learning.auth.sessions import SessionClaim, Standing, read_claim, standing
from learning.quizzes.models import AttemptSlot
from tests.statements import StatementCounter

JSON = {"Accept": "application/json"}


@pytest.fixture
def worker(make):
    return make.user(unit=make.unit("CĐCS Thử"))


@pytest.fixture
def attempt_id(auth, client, worker, final_quiz):
    auth.login(worker.phone)
    response = client.post(f"/quizzes/{final_quiz.id}/start")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save(client, attempt_id, choice=1):
    data = {"shown": "1", "answer-1": str(choice), "revision-1": "0"}
    return client.post(f"/attempts/{attempt_id}/save", data=data, headers=JSON)


def page(client, attempt_id):
    return client.get(f"/attempts/{attempt_id}")


def first_answer(session, attempt_id):
    session.expire_all()
    return session.scalar(
        select(AttemptSlot.selected).where(
            AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == 1
        )
    )


def change(session, user, **values):
    session.execute(update(User).where(User.id == user.id).values(**values))
    session.commit()


def sent_to_login(response):
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_valid_session_saves(client, attempt_id, session):
    assert save(client, attempt_id).status_code == 200
    assert page(client, attempt_id).status_code == 200
    assert first_answer(session, attempt_id)


def test_logging_out_everywhere_refuses_a_save_and_a_page(client, attempt_id, session, worker):
    end_sessions(session, session.get_one(User, worker.id))  # "log out everywhere"
    session.commit()
    assert sent_to_login(save(client, attempt_id))
    assert sent_to_login(page(client, attempt_id))
    assert not first_answer(session, attempt_id)


def test_a_deactivated_account_is_refused_a_save_and_a_page(client, attempt_id, session, worker):
    change(session, worker, is_active=False)
    assert sent_to_login(save(client, attempt_id))
    assert sent_to_login(page(client, attempt_id))
    assert not first_answer(session, attempt_id)


def test_a_temporary_password_sends_a_save_and_a_page_to_the_form(
    client, attempt_id, session, worker
):
    change(session, worker, must_change_password=True)
    for response in (save(client, attempt_id), page(client, attempt_id)):
        assert response.status_code == 302 and response.headers["Location"] == "/password"
    assert not first_answer(session, attempt_id)
    assert client.get("/password").status_code == 200


def test_someone_elses_attempt_is_refused(app, auth, attempt_id, make, session):
    other = app.test_client()
    intruder = make.user(unit=make.unit("CĐCS Khác"))
    other.post("/login", data={"login": intruder.phone, "password": "password123"})
    assert save(other, attempt_id).status_code == 403
    assert page(other, attempt_id).status_code == 403
    assert not first_answer(session, attempt_id)


def test_a_stale_session_on_someone_elses_attempt_is_sent_to_log_in(app, attempt_id, make, session):
    # Not "forbidden": the session speaks for no one, whoever owns the attempt.
    other = app.test_client()
    intruder = make.user(unit=make.unit("CĐCS Khác"))
    other.post("/login", data={"login": intruder.phone, "password": "password123"})
    end_sessions(session, session.get_one(User, intruder.id))
    session.commit()
    assert sent_to_login(save(other, attempt_id))
    assert sent_to_login(page(other, attempt_id))


def test_a_missing_attempt_is_not_found_for_a_valid_session_only(
    client, attempt_id, session, worker
):
    assert save(client, attempt_id + 1000).status_code == 404
    change(session, worker, must_change_password=True)
    assert save(client, attempt_id + 1000).headers["Location"] == "/password"


def test_no_session_is_sent_to_log_in(app, attempt_id, session):
    anonymous = app.test_client()
    assert sent_to_login(save(anonymous, attempt_id))
    assert sent_to_login(page(anonymous, attempt_id))
    assert not first_answer(session, attempt_id)


def test_a_save_makes_no_separate_user_load(client, connection, attempt_id):
    with StatementCounter(connection) as counter:
        assert save(client, attempt_id).status_code == 200
    reads = [s for s in counter.statements if s.lstrip().startswith("SELECT")]
    assert len(reads) == 1, reads  # the locked attempt, with its owner's session columns
    assert "session_token" in reads[0]


def test_with_a_remember_cookie_flask_login_decides_and_the_rule_holds(
    client, attempt_id, session, worker
):
    # A remember cookie is what Flask-Login would fall back on: the save then loads the
    # account as a page does, and applies the same rule.
    client.set_cookie("remember_token", "not-a-valid-cookie")
    assert save(client, attempt_id).status_code == 200
    change(session, worker, must_change_password=True)
    assert save(client, attempt_id, choice=2).headers["Location"] == "/password"
    change(session, worker, must_change_password=False, is_active=False)
    assert sent_to_login(save(client, attempt_id, choice=2))


class Row:
    def __init__(self, token="t", is_active=True, must_change_password=False):
        self.session_token, self.is_active = token, is_active
        self.must_change_password = must_change_password


@pytest.mark.parametrize(
    ("token", "account", "expected"),
    [
        ("t", Row(), Standing.ACTIVE),
        ("old", Row(), Standing.NOBODY),
        ("t", Row(is_active=False), Standing.NOBODY),
        ("t", Row(must_change_password=True), Standing.MUST_CHANGE_PASSWORD),
        ("old", Row(must_change_password=True), Standing.NOBODY),
        ("t", None, Standing.NOBODY),
    ],
)
def test_the_rule(token, account, expected):
    assert standing(token, account) is expected


def test_a_claim_is_the_cookie_id_and_token():
    assert read_claim("12:abc") == SessionClaim(12, "abc")
    for malformed in ("", None, "12", "12:", "x:abc", "-1:abc"):
        assert read_claim(malformed) is None
