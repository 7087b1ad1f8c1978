"""Lesson Markdown to safe HTML: markdown-it (raw HTML off) and then nh3 (Ammonia).

Raw HTML in a lesson shows as text; links are limited to http, https and mailto; images only
from the lesson's own files (no request to another host).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

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


def sanitize_html(html: str) -> str:
    """Keep only the tags and attributes lessons need; drop scripts, handlers, styles."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
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
