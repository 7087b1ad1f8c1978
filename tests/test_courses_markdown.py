"""Lesson Markdown renders to HTML in which no XSS payload survives."""

import pytest

from learning.courses.markdown import plain_text, render_markdown
from tests.xss import PAYLOADS, assert_inert


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 50


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert(payload):
    assert_inert(render_markdown(payload))
    assert_inert(render_markdown(f"## Tiêu đề\n\nĐoạn văn {payload} tiếp theo.\n\n- {payload}"))


def test_the_check_itself_catches_live_markup():
    with pytest.raises(AssertionError):
        assert_inert('<img src=x onerror="alert(1)">')
    with pytest.raises(AssertionError):
        assert_inert('<a href="javascript:alert(1)">x</a>')


def test_ordinary_markdown_survives():
    html = render_markdown(
        "# Tiêu đề\n\n**Đậm** và *nghiêng*, [liên kết](https://thuvienphapluat.vn/) và "
        "![Sơ đồ](media/so-do.png)\n\n| Cột | Giá trị |\n|---|---|\n| A | 1 |\n"
    )
    assert "<h2>Tiêu đề</h2>" in html
    assert "<strong>Đậm</strong>" in html
    assert 'href="https://thuvienphapluat.vn/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert '<img src="media/so-do.png" alt="Sơ đồ">' in html
    assert "<table>" in html


def test_raw_html_shows_as_text():
    html = render_markdown("<b>đậm</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;đậm&lt;/b&gt;" in html


def test_plain_text_for_search():
    assert plain_text("<p>Điều <strong>24</strong></p>") == "Điều 24"
