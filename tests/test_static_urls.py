"""Static URLs carry their file's digest, so that the reverse proxy may cache them for a year
(deploy/nginx.conf) and a release still reaches every phone at once."""

from __future__ import annotations

import hashlib
import re

from learning import _versioned_static
from learning.config import PROJECT_ROOT


def _digest(name: str) -> str:
    return hashlib.sha256((PROJECT_ROOT / "static" / name).read_bytes()).hexdigest()[:10]


def test_pages_link_static_files_by_their_digest(client):
    page = client.get("/login").text
    css = re.search(r'href="(/static/css/app\.css[^"]*)"', page)
    assert css is not None
    assert css.group(1) == f"/static/css/app.css?v={_digest('css/app.css')}"
    script = re.search(r'src="(/static/js/offline\.js[^"]*)"', page)
    assert script is not None and script.group(1).endswith(f"?v={_digest('js/offline.js')}")
    served = client.get(css.group(1))
    assert served.status_code == 200
    assert served.data == (PROJECT_ROOT / "static" / "css" / "app.css").read_bytes()


def test_a_changed_file_gets_a_new_url(tmp_path):
    (tmp_path / "a.css").write_text("body { color: red }", "utf-8")
    add_version = _versioned_static(str(tmp_path))
    first: dict[str, str] = {"filename": "a.css"}
    add_version("static", first)
    (tmp_path / "a.css").write_text("body { color: blue; }", "utf-8")
    second: dict[str, str] = {"filename": "a.css"}
    add_version("static", second)
    assert first["v"] != second["v"]
    missing: dict[str, str] = {"filename": "nope.css"}
    add_version("static", missing)
    assert "v" not in missing
    other: dict[str, str] = {"filename": "a.css"}
    add_version("main.home", other)
    assert "v" not in other
