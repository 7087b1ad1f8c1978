"""The app starts, serves the login page and answers its health check."""


def test_login_page_is_served_in_vietnamese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Đăng nhập" in response.text


def test_healthz_reports_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "up"}


def test_worker_logs_in_and_sees_home(auth, client, make):
    worker = make.user(full_name="Nguyễn Văn An")
    response = auth.login(worker.phone)
    assert response.status_code == 302
    home = client.get("/")
    assert "Xin chào, Nguyễn Văn An" in home.text
