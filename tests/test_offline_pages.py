"""What makes the app installable and readable offline, through HTTP: the manifest, the
service worker at the site's root (allowed by the CSP), the offline page, the course's
download offer, a download that does not count as reading, and logout clearing the
browser's stored data."""

from sqlalchemy import select

from learning.courses.models import LessonProgress
from learning.courses.queries import published_lessons


def test_manifest_is_vietnamese_with_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["name"] == "Học tập Công đoàn"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_service_worker_is_served_from_the_root_and_never_stores_attempts(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp  # registering /sw.js from a page is allowed
    source = response.text
    assert 'request.method !== "GET"' in source
    # The allow-list names the worker's reading only.
    allowed = source.split("var STORABLE = [", 1)[1].split("];", 1)[0]
    assert "courses" in allowed
    for never in ("attempts", "quizzes", "reports", "members", "admin", "export"):
        assert never not in allowed


def test_offline_page_is_plain_and_personal_free(client, auth, make):
    auth.login(make.user(full_name="Trần Thị Bình").phone)
    page = client.get("/offline").text
    assert "Không có mạng" in page
    assert "Trần Thị Bình" not in page and "Đăng xuất" not in page and "data-user" not in page


def test_course_page_offers_the_download_with_its_size(client, auth, make, sample_course):
    auth.login(make.user().phone)
    page = client.get(f"/courses/{sample_course.slug}").text
    assert "Tải chuyên đề để đọc khi không có mạng" in page
    assert "data-offline-course hidden" in page  # shown by the script only
    assert f"/courses/{sample_course.slug}/lessons/" in page
    assert "Khoảng " in page and " KB: " in page


def test_downloading_a_lesson_is_not_reading_it(client, auth, make, sample_course, session):
    worker = make.user()
    auth.login(worker.phone)
    lesson = published_lessons(session, sample_course.id)[0]
    url = f"/courses/{sample_course.slug}/lessons/{lesson.slug}"
    assert client.get(url, headers={"X-Offline-Download": "1"}).status_code == 200
    assert session.scalar(select(LessonProgress).where(LessonProgress.user_id == worker.id)) is None
    assert client.get(url).status_code == 200
    assert session.scalar(select(LessonProgress).where(LessonProgress.user_id == worker.id))


def test_logout_clears_what_the_browser_stored(client, auth, make):
    auth.login(make.user().phone)
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
