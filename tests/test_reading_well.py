"""Issue 17, "reading well": what the pages say and offer, checked on the server's HTML
(the browser tests check the layout)."""

import re

import pytest

from learning.auth.models import Role
from tests.test_reports_participation import world  # noqa: F401 - the shared example


def login(app, user):
    client = app.test_client()
    client.post("/login", data={"login": user.phone, "password": "password123"})
    return client


def _breadcrumb_links(page: str) -> list[str]:
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', crumbs.group(0)) if crumbs else []


def test_report_breadcrumb_starts_at_the_officers_own_unit(app, world):  # noqa: F811
    client = login(app, world["officer"])  # officer of Phường Một, below the province
    page = client.get(f"/reports/participation?unit={world['g1'].id}&course=khoa-thu").text
    links = [link.replace("&amp;", "&") for link in _breadcrumb_links(page)]
    assert len(links) == 1 and f"unit={world['d1'].id}" in links[0]
    assert f"unit={world['p'].id}&" not in page.replace("&amp;", "&")
    for link in links:  # every link offered opens
        assert client.get(link).status_code == 200


def test_report_breadcrumb_shows_the_whole_path_to_admins(app, world, make):  # noqa: F811
    client = login(app, make.user(role=Role.ADMIN))
    page = client.get(f"/reports/participation?unit={world['g1'].id}&course=khoa-thu").text
    links = " ".join(_breadcrumb_links(page)).replace("&amp;", "&")
    assert f"unit={world['p'].id}&" in links and f"unit={world['d1'].id}&" in links


@pytest.mark.parametrize("unit", ["d1"])
def test_no_breadcrumb_on_the_officers_own_root(app, world, unit):  # noqa: F811
    client = login(app, world["officer"])
    page = client.get(f"/reports/participation?unit={world[unit].id}&course=khoa-thu").text
    assert _breadcrumb_links(page) == []
