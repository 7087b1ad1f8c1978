"""Every state-changing route refuses a request without a valid CSRF token (found by walking
the URL map)."""

import pytest

from tests.test_bad_input import post_routes


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_every_post_route_refuses_a_missing_csrf_token(app, make):
    worker = make.user()
    client = app.test_client()
    # Log in with a real token taken from the form, as a browser would.
    login_page = client.get("/login").text
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert (
        client.post(
            "/login", data={"login": worker.phone, "password": "password123", "csrf_token": token}
        ).status_code
        == 302
    )
    for route in post_routes(app):
        response = client.post(route, data={"login": worker.phone, "password": "password123"})
        if route.startswith("/attempts/"):
            # A long quiz outlives its form: refused, and sent back to the attempt, whose
            # saved answers are on the server.
            assert response.status_code == 302, route
            assert response.headers["Location"] == "/attempts/1"
            continue
        assert response.status_code == 400, route
        assert "Biểu mẫu đã hết hạn" in response.text
    assert client.get("/").status_code == 200  # still logged in: nothing was done


def test_refused_attempt_posts_change_nothing(app, make, final_quiz, session):
    from sqlalchemy import select

    from learning.db import utcnow
    from learning.quizzes.models import Attempt, AttemptSlot, AttemptStatus
    from learning.quizzes.services import start_attempt

    worker = make.user()
    attempt = start_attempt(session, worker, final_quiz, utcnow())
    session.commit()
    client = app.test_client()
    token = (
        client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    )
    client.post(
        "/login", data={"login": worker.phone, "password": "password123", "csrf_token": token}
    )
    forged = {"shown": "1", "answer-1": "1", "revision-1": "0"}
    client.post(f"/attempts/{attempt.id}/save", data=forged)
    client.post(f"/attempts/{attempt.id}/submit", data=forged)
    session.expire_all()
    assert session.get(Attempt, attempt.id).status is AttemptStatus.IN_PROGRESS
    assert (
        session.scalar(
            select(AttemptSlot.selected).where(
                AttemptSlot.attempt_id == attempt.id, AttemptSlot.position == 1
            )
        )
        == []
    )


def test_the_walk_covers_every_state_changing_route(app):
    # The walk above posts to every POST rule; a route taking PUT, PATCH or DELETE would
    # escape it, so there must be none (or the walk must learn to send them).
    other_methods = [
        rule.rule for rule in app.url_map.iter_rules() if rule.methods & {"PUT", "PATCH", "DELETE"}
    ]
    assert other_methods == []
    posted = set(post_routes(app))
    assert len(posted) == sum(1 for r in app.url_map.iter_rules() if "POST" in r.methods)
