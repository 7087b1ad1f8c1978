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


def test_the_kept_catalog_follows_the_language_of_the_moment(app):
    """The catalog is looked up once per request: a file made in another language
    (`force_locale`) is still in that language, in code and in templates, and the page's
    own language comes back after it."""
    from flask import render_template_string
    from flask_babel import force_locale

    from learning.i18n import gettext, ngettext

    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert gettext("Saved") == "Saved"
        with force_locale("vi"):
            assert gettext("Saved") == "Đã lưu"
            assert render_template_string("{{ _('Saved') }}") == "Đã lưu"
        assert render_template_string("{{ _('Saved') }}") == "Saved"
        assert gettext("Question %(n)d", n=3) == "Question 3"
    with app.test_request_context("/"):
        assert gettext("Question %(n)d", n=3) == "Câu 3"
        assert ngettext("%(num)d day left", "%(num)d days left", 2) == "còn 2 ngày"


def test_templates_translate_in_one_call_and_escape_what_they_are_given(app):
    """The templates' `_()` is one function (not Jinja's three nested calls): the page's
    translation, safe as written, with each value escaped; `%%` reads `%` as in Jinja's."""
    from flask import render_template_string

    from learning.i18n import template_gettext

    assert app.jinja_env.globals["_"] is template_gettext
    assert app.jinja_env.globals["gettext"] is template_gettext
    with app.test_request_context("/"):
        assert render_template_string("{{ _('Question %(n)d', n=3) }}") == "Câu 3"
        assert render_template_string("{{ _('answered') }}") == "đã trả lời"
        given = render_template_string("{{ _('%(answered)s', answered=v) }}", v="<b>")
        assert given == "&lt;b&gt;"
        assert render_template_string("{{ _('100%%') }}") == "100%"
        # Without autoescaping (a text template) nothing is escaped.
        plain = app.jinja_env.from_string(
            "{% autoescape false %}{{ _('%(v)s', v=v) }}{% endautoescape %}"
        )
        assert plain.render(v="<b>") == "<b>"
