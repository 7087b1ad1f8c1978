"""The XSS corpus (tests/data/xss_payloads.txt) and the check that rendered output is inert.

The check parses the HTML as a browser would (html.parser) and looks at real tags and
attributes, so a payload that was escaped into harmless text passes, and one that survived
as markup fails.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "data" / "xss_payloads.txt")
    .read_text("utf-8")
    .splitlines()
    if line.strip()
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "style", "link", "meta", "base", "form", "input",
    "svg", "math", "body", "video", "audio", "source", "details", "marquee", "template",
    "noscript", "isindex", "xss", "frame", "frameset", "applet",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "background",
    "data",
    "xlink:href",
    "srcdoc",
}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> tag")
        for name, value in attrs:
            value = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.problems.append(f"{name}= handler on <{tag}>")
            elif name == "style":
                self.problems.append(f"style= on <{tag}>")
            elif name in URL_ATTRIBUTES:
                if value.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{name}={value[:30]} on <{tag}>")
                if tag == "img" and (value.startswith("//") or "://" in value):
                    self.problems.append(f"<img> from another host: {value[:40]}")

    handle_startendtag = handle_starttag


def problems(html: str) -> list[str]:
    """What in `html` could run script, restyle the page or load from another host."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def assert_inert(html: str) -> None:
    found = problems(html)
    assert not found, f"{found} in {html[:300]!r}"


def assert_adds_nothing(page: str, baseline: str) -> None:
    """A page that echoes a payload has no more live markup than the same page echoing
    harmless text (forms and inputs of the page itself are in both)."""
    extra = Counter(problems(page)) - Counter(problems(baseline))
    assert not extra, f"the payload added {sorted(extra)}"
