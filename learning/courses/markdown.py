"""Lesson Markdown to safe HTML: markdown-it (raw HTML off) and then nh3 (Ammonia).

Raw HTML in a lesson shows as text; links are limited to http, https and mailto; images only
from the lesson's own files (no request to another host).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def _is_local(url: str) -> bool:
    lowered = url.strip().lower()
    return not (lowered.startswith(("//", "\\")) or ":" in lowered.split("/", 1)[0])


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not _is_local(value):
        return None
    return value


# Question texts from Moodle also use the old inline tags.
QUESTION_TAGS = ALLOWED_TAGS | {"b", "i", "u", "sub", "sup", "span", "div"}


def sanitize_html(html: str, tags: set[str] = ALLOWED_TAGS) -> str:
    """Keep only the tags and attributes lessons need; drop scripts, handlers, styles."""
    return nh3.clean(
        html,
        tags=tags,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Lesson Markdown as sanitized HTML. The top heading level is h2: the page has the h1."""
    html = _md.render(text)
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitize_html(html)


def plain_text(html: str) -> str:
    """The text of sanitized HTML, for search."""
    return nh3.clean(html, tags=set())


_PARAGRAPH = re.compile(r"\A<p>((?:(?!</?p>).)*)</p>\s*\Z", re.DOTALL)


def render_text(text: str | None, text_format: str = "plain") -> Markup:
    """A question's text (or a choice, feedback, explanation) as what its format says:
    `plain` escaped as typed; `markdown` through the lesson pipeline; `html` sanitized as
    every authored HTML; `moodle` as Moodle's format_text shows it (HTML with each line
    break made a <br>, then cleaned). A single paragraph loses its <p>, so that the text
    sits in a heading or a label as plain text does."""
    text = text or ""
    if text_format == "markdown":
        html = render_markdown(text).strip()
    elif text_format == "html":
        html = sanitize_html(text, QUESTION_TAGS).strip()
    elif text_format == "moodle":
        # Moodle's text_to_html: no white space between tags, a line break next to a tag
        # is a space, every other line break a <br>; then cleaned like any HTML.
        html = re.sub(r">\s+<", "><", text)
        html = re.sub(r"[\n\r]<", " <", html)
        html = re.sub(r">[\n\r]", "> ", html)
        html = re.sub(r"\r\n|\n|\r", "<br>\n", html)
        html = sanitize_html(html, QUESTION_TAGS).strip()
    else:
        return escape(text)
    match = _PARAGRAPH.match(html)
    # Sanitized by nh3 above.
    return Markup(match.group(1) if match else html)  # noqa: S704
