"""Error pages in the site layout, the health check, and the security headers."""

import pytest
from flask import abort
from sqlalchemy.exc import OperationalError

from learning import create_app


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "Yêu cầu không hợp lệ"),
        (403, "Không có quyền truy cập"),
        (404, "Không tìm thấy trang"),
        (413, "Tệp quá lớn"),
        (429, "Quá nhiều lần thử"),
        (500, "Đã có lỗi xảy ra"),
    ],
)
def test_error_pages_use_the_layout(app, status, title):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get(f"/_fail/{status}")
    def fail():  # type: ignore[no-untyped-def]
        if status == 500:
            raise RuntimeError("boom")
        abort(status)

    response = app.test_client().get(f"/_fail/{status}")
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in response.text
    assert 'class="site-header"' in response.text
    assert "Traceback" not in response.text


def test_database_down_gives_503_and_healthz_says_so(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "x",
            "DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
        }
    )
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "database": "down"}


def test_database_error_in_a_view_is_a_503_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_db_gone")
    def gone():  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    response = app.test_client().get("/_db_gone")
    assert response.status_code == 503
    assert "Dịch vụ tạm thời gián đoạn" in response.text


def test_security_headers_on_every_response(client):
    for path in ("/login", "/healthz", "/nope", "/static/css/app.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_another_host(client):
    page = client.get("/login").text
    assert "http://" not in page
    assert "https://" not in page
