"""A cookie captured before logout or a password change stops working after it."""

from learning.auth.services import set_password


def _session_cookie(client):
    return client.get_cookie("session").value


def test_cookie_captured_before_logout_no_longer_works(app, auth, client, make):
    user = make.user()
    auth.login(user.phone)
    stolen = _session_cookie(client)
    auth.logout()

    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    response = attacker.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_cookie_captured_before_password_change_no_longer_works(app, auth, client, make):
    user = make.user()
    auth.login(user.phone)
    stolen = _session_cookie(client)
    response = client.post(
        "/password",
        data={
            "current_password": "password123",
            "new_password": "a-new-password",
            "confirm": "a-new-password",
        },
    )
    assert response.status_code == 302
    # The user who changed it stays logged in ...
    assert client.get("/").status_code == 200
    # ... the old cookie does not.
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/").status_code == 302


def test_temporary_password_must_be_changed_first(auth, client, make, session):
    user = make.user()
    set_password(session, user, "temporary-1", temporary=True)
    session.commit()
    response = auth.login(user.phone, "temporary-1")
    assert response.headers["Location"] == "/password"
    # Every other page sends the user back to the change form.
    assert client.get("/").headers["Location"] == "/password"
    assert client.get(f"/users/{user.id}").headers["Location"] == "/password"
    changed = client.post(
        "/password",
        data={
            "current_password": "temporary-1",
            "new_password": "my-own-password",
            "confirm": "my-own-password",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200


def test_change_password_rejects_a_wrong_current_password(auth, client, make):
    user = make.user()
    auth.login(user.phone)
    response = client.post(
        "/password",
        data={"current_password": "nope-nope", "new_password": "abcdefgh1", "confirm": "abcdefgh1"},
    )
    assert response.status_code == 400
    assert "Mật khẩu hiện tại không đúng." in response.text


def test_session_cookie_flags(app, auth, client, make):
    user = make.user()
    response = auth.login(user.phone)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # testing/development only
