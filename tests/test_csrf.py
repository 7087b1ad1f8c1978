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
        assert response.status_code == 400, route
        assert "Biểu mẫu đã hết hạn" in response.text
    assert client.get("/").status_code == 200  # still logged in: nothing was done
