"""Passing the final quiz says the course is complete on the result page: the certificate
link and the way back come first, the review is folded below, and the breadcrumb names the
course once."""

import re

from tests.test_quizzes_pages import answer, start


def _pass(client, quiz):
    attempt_id = start(client, quiz)
    for position, choices in ((1, [1]), (2, [1]), (3, [1, 2])):
        answer(client, attempt_id, position, choices)
    client.post(f"/attempts/{attempt_id}/submit")
    return client.get(f"/attempts/{attempt_id}/result").text


def test_result_page_says_the_course_is_complete(auth, client, make, final_quiz):
    worker = make.user(unit=make.unit("CĐCS Thử"))
    auth.login(worker.phone)
    client.post("/courses/khoa-thu/lessons/bai-mot/done")
    client.post("/courses/khoa-thu/lessons/bai-hai/done")
    page = _pass(client, final_quiz)
    top, review = page.split('<details class="review-all">')
    assert "Đã hoàn thành chuyên đề" in top
    assert "/courses/khoa-thu/certificate.pdf" in top
    assert 'href="/courses/khoa-thu"' in top
    assert "Hợp đồng lao động có mấy loại?" in review  # the review is still there, folded
    breadcrumb = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S).group(0)
    assert breadcrumb.count("Khóa học thử") == 1
    assert "Bài kiểm tra cuối" in breadcrumb


def test_passing_before_the_lessons_says_what_is_left(auth, client, make, final_quiz):
    worker = make.user(unit=make.unit("CĐCS Thử"))
    auth.login(worker.phone)
    client.post("/courses/khoa-thu/lessons/bai-mot/done")
    page = _pass(client, final_quiz)
    top = page.split('<details class="review-all">')[0]
    assert "certificate.pdf" not in top
    assert "hiện đã xong 1/2 bài" in top
