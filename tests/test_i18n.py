"""Both catalogs are complete, Vietnamese is the default, English is one click away."""

import pytest

from tools.messages import extract, missing


@pytest.fixture(scope="module")
def template():
    return extract()


def test_code_has_messages_to_translate(template):
    assert len([m for m in template if m.id]) > 50


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalog_translates_every_message(template, lang):
    gaps = missing(lang, template)
    assert gaps == [], f"run `make messages` and translate: {gaps}"


def test_default_language_is_vietnamese(client):
    page = client.get("/login")
    assert '<html lang="vi">' in page.text
    assert "Mật khẩu" in page.text


def test_switching_to_english_and_back(client):
    response = client.post("/language/en", data={"next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text
    assert "Password" in page.text
    client.post("/language/vi", data={"next": "/login"})
    assert "Mật khẩu" in client.get("/login").text


def test_unknown_language_is_a_404(client):
    assert client.post("/language/xx").status_code == 404


def test_dates_read_day_month_year(app):
    import datetime as dt

    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string("{{ when|date }} {{ when|datetime }}").render(
            when=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
        )
    # 03:04 UTC is 10:04 in Hà Nội.
    assert rendered == "02/01/2026 02/01/2026 10:04"
