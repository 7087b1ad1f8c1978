"""Garbage posted to every form (found by walking the URL map) gets a 4xx, never a 500."""

import re

import pytest

GARBAGE = {
    "empty": {},
    "overlong": {"login": "x" * 100_000, "password": "y" * 100_000, "next": "/" * 5000,
                 "current_password": "z" * 100_000, "new_password": "z" * 100_000,
                 "confirm": "q" * 100_000},
    "wrong types": {"login": ["a", "b"], "password": "", "birth_year": "nineteen",
                    "new_password": "\x00\x01", "confirm": "\x00"},
    "control characters": {"login": "\x00\u202e0912", "password": "\ud7ff\x07"},
}  # fmt: skip

ARGUMENTS = {"lang": "vi"}


def post_routes(app):
    """Every URL that accepts POST, with its placeholders filled in (1 for numbers)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/_"):
            path = re.sub(r"<int:\w+>", "1", rule.rule)
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ARGUMENTS.get(m.group(1), "x"), path)
            routes.append(path)
    return sorted(routes)


@pytest.fixture
def logged_in_client(app, make, auth, client):
    worker = make.user()
    auth.login(worker.phone)
    return client


def test_there_are_forms_to_test(app):
    assert {"/login", "/logout", "/password", "/language/vi"} <= set(post_routes(app))


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_to_every_form_is_refused_cleanly(app, logged_in_client, kind):
    for route in post_routes(app):
        response = logged_in_client.post(route, data=GARBAGE[kind])
        assert response.status_code < 500, (route, kind, response.status_code)
        assert "Traceback" not in response.text
        if route == "/logout":
            break  # the rest of the routes were already posted while logged in


def test_invalid_utf8_is_refused_cleanly(app, logged_in_client):
    body = b"login=\xff\xfe\xfa&password=\xc3&current_password=\xe2\x82&next=%FF"
    for route in post_routes(app):
        if route == "/logout":
            continue
        response = logged_in_client.post(
            route, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, route


def test_login_form_garbage_is_a_400_with_a_message(client):
    response = client.post("/login", data=GARBAGE["overlong"])
    assert response.status_code == 400
    assert '<ul class="errors"' in response.text


def test_password_form_garbage_is_a_400_with_a_message(logged_in_client):
    response = logged_in_client.post("/password", data=GARBAGE["wrong types"])
    assert response.status_code == 400
    assert '<ul class="errors"' in response.text
