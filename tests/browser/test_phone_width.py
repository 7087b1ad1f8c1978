"""Every page people use fits a 360 px screen: nothing scrolls sideways."""

import pytest

from tests.browser.layout import page_width
from tests.browser.test_login_browser import log_in

OFFICER_PAGES = ["/", "/officer", "/members", "/members/import", "/members/pending", "/units",
                 "/units/new", "/units/import"]  # fmt: skip
WORKER_PAGES = ["/", "/courses/phap-luat-lao-dong", "/courses/phap-luat-lao-dong/lessons/hop-dong-lao-dong",
                "/search?q=hop dong", "/password"]  # fmt: skip
ADMIN_PAGES = ["/exchange", "/exchange/phap-luat-lao-dong"]


ADMIN_PAGES = ["/admin/courses", "/admin/questions", "/admin/questions?status=published&q=hop dong",
               "/admin/courses/1", "/admin/courses/1/lessons/new", "/admin/lessons/1",
               "/admin/lessons/1/history", "/admin/questions/new?course=1", "/admin/questions/1",
               "/admin/questions/1/history"]  # fmt: skip


@pytest.mark.parametrize(
    ("phone", "password", "pages"),
    [
        ("0900000001", "demo-admin-2026", ADMIN_PAGES),
        ("0900000002", "demo-officer-2026", OFFICER_PAGES),
        ("0900000014", "demo-worker-2026", WORKER_PAGES),
        ("0900000001", "demo-admin-2026", ADMIN_PAGES),
    ],
)
def test_pages_fit_a_phone(page, phone, password, pages):
    log_in(page, phone=phone, password=password)
    too_wide = {}
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        width = page_width(page)
        if width > 360:
            too_wide[url] = width
    assert too_wide == {}
