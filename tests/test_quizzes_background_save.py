"""The background save's replies in the field: a real conflict names the answer kept (so the
page can show it without reloading), a late answer is named as refused, and the pages carry
what attempt.js needs to show each question's save state in words."""

import datetime as dt

import pytest
from sqlalchemy import update

from learning.quizzes.models import Attempt
from tests.statements import StatementCounter

JSON = {"Accept": "application/json"}


@pytest.fixture
def worker(make):
    return make.user(unit=make.unit("CĐCS Thử"))


@pytest.fixture
def logged_in(auth, client, worker):
    auth.login(worker.phone)
    return client


def start(client, quiz):
    response = client.post(f"/quizzes/{quiz.id}/start")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save(client, attempt_id, position, choices, revision):
    data = {"shown": str(position), f"answer-{position}": [str(c) for c in choices],
            f"revision-{position}": str(revision)}  # fmt: skip
    return client.post(f"/attempts/{attempt_id}/save", data=data, headers=JSON)


def test_a_real_conflict_names_the_answer_kept(logged_in, final_quiz):
    attempt_id = start(logged_in, final_quiz)
    assert save(logged_in, attempt_id, 1, [1], 0).status_code == 200  # another tab
    stale = save(logged_in, attempt_id, 1, [2], 0)
    assert stale.status_code == 409
    assert stale.json == {"saved": [], "stale": [1], "revisions": {"1": 1}, "kept": {"1": [1]}}
    # The page chose again on the revision the reply gave: saved.
    again = save(logged_in, attempt_id, 1, [2], 1)
    assert again.status_code == 200 and again.json["revisions"] == {"1": 2}


def test_a_repeated_request_is_no_conflict_and_changes_nothing(logged_in, final_quiz):
    attempt_id = start(logged_in, final_quiz)
    save(logged_in, attempt_id, 3, [1, 2], 0)
    repeated = save(logged_in, attempt_id, 3, [2, 1], 0)  # its reply was lost; sent again
    assert repeated.status_code == 200 and repeated.json["saved"] == []


def test_answers_after_the_deadline_and_grace_are_refused_by_name(logged_in, final_quiz, session):
    attempt_id = start(logged_in, final_quiz)
    save(logged_in, attempt_id, 1, [1], 0)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=final_quiz.grace_seconds + 60)
    session.execute(update(Attempt).where(Attempt.id == attempt_id).values(deadline_at=past))
    session.commit()
    data = {"shown": ["2", "3"], "answer-2": "1", "revision-2": "0", "answer-3": "1",
            "revision-3": "0"}  # fmt: skip
    late = logged_in.post(f"/attempts/{attempt_id}/save", data=data, headers=JSON)
    assert late.status_code == 409
    assert late.json == {
        "closed": True,
        "refused": [2, 3],
        "result": f"/attempts/{attempt_id}/result",
    }


def test_pages_carry_the_save_states_in_words(logged_in, final_quiz):
    attempt_id = start(logged_in, final_quiz)
    page = logged_in.get(f"/attempts/{attempt_id}").text
    assert 'class="q-status" aria-live="polite"' in page
    assert 'data-msg-unsent="Chưa gửi được' in page
    assert 'data-position="2"' in page  # the question map marks unsent answers
    summary = logged_in.get(f"/attempts/{attempt_id}/summary").text
    assert "data-attempt-sync" in summary and 'li data-position="1"' in summary
    assert "js/attempt.js" in summary


def test_answers_far_apart_save_only_themselves_with_one_statement_text(
    logged_in, final_quiz, connection
):
    attempt_id = start(logged_in, final_quiz)
    with StatementCounter(connection) as one:
        assert save(logged_in, attempt_id, 2, [1], 0).json["saved"] == [2]
    data = {"shown": ["1", "3"], "answer-1": "1", "revision-1": "0", "answer-3": "2",
            "revision-3": "0"}  # fmt: skip
    with StatementCounter(connection) as two:
        both = logged_in.post(f"/attempts/{attempt_id}/save", data=data, headers=JSON)
    assert both.json["saved"] == [1, 3] and both.json["revisions"] == {"1": 1, "3": 1}
    # Question 2, between them, was read and passed over: its answer stands.
    again = save(logged_in, attempt_id, 2, [2], 0)
    assert again.status_code == 409 and again.json["kept"] == {"2": [1]}
    # The same SQL for one answer and for two (a list of positions rendered it anew).
    select_one = [s for s in one.statements if s.startswith("SELECT")]
    select_two = [s for s in two.statements if s.startswith("SELECT")]
    assert select_one == select_two
