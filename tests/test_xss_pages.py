"""The XSS corpus (tests/data/xss_payloads.txt) through every page that echoes user or
authored text: member and unit names on the officer, member and report pages, search terms,
and lesson bodies and question text loaded from course files.

Each page is fetched once with harmless text and once with the payloads in place; the
payloads may add no live markup (tests/xss.py parses the HTML as a browser would).
"""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from learning.auth.models import Role
from learning.courses.loader import read_course
from learning.courses.services import load_course
from learning.db import utcnow
from learning.enrollment.services import assign_course
from learning.quizzes.models import Quiz, QuizKind
from learning.quizzes.services import start_attempt, submit_attempt
from learning.text import fold
from tests.course_files import QUESTIONS_YAML, write_course
from tests.xss import PAYLOADS, assert_adds_nothing


def test_the_corpus_is_large_enough():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.fixture
def people_world(make, session, final_quiz):
    """One grassroots union per payload under district A, each with one member (pending
    or not, with and without an attempt), all under the officer."""
    tree = make.tree()
    officer = make.user(role=Role.OFFICER, unit=tree.district_a)
    admin = make.user(role=Role.ADMIN, unit=tree.province)
    units, members = [], []
    for n in range(len(PAYLOADS)):
        unit = make.unit(f"CĐCS số {n}", parent=tree.district_a)
        member = make.user(unit=unit, full_name=f"Người thử {n}")
        member.is_pending = n % 3 == 0
        units.append(unit)
        members.append(member)
    assign_course(session, admin, final_quiz.course_id, unit_id=tree.district_a.id)
    for member in members[1::3]:
        attempt = start_attempt(session, member, final_quiz, utcnow())
        submit_attempt(session, member, attempt.id, utcnow())
    session.commit()
    return tree, officer, admin, units, members


def _pages(tree, members, quiz_id) -> list[str]:
    unit = tree.district_a.id
    return [
        "/members",
        "/members?page=2",
        "/members/pending",
        f"/members/{members[1].id}/manage",
        f"/users/{members[1].id}",
        f"/transcript/{members[1].id}",
        "/units",
        f"/units/{unit}",
        f"/units/{members[1].unit_id}",
        f"/officer?unit={unit}",
        f"/reports/participation?unit={unit}&course=khoa-thu",
        f"/reports/participation/members?unit={unit}&course=khoa-thu",
        f"/reports/activity?unit={unit}&course=khoa-thu",
        f"/quizzes/{quiz_id}/attempts",
    ]


def test_member_and_unit_names_are_echoed_inert(app, people_world, session, final_quiz):
    tree, officer, admin, units, members = people_world
    readers = {}
    for role, person in (("officer", officer), ("admin", admin)):
        readers[role] = app.test_client()
        readers[role].post("/login", data={"login": person.phone, "password": "password123"})
    pages = _pages(tree, members, final_quiz.id)
    baseline = {(r, p): readers[r].get(p) for r in readers for p in pages}
    for payload, unit, member in zip(PAYLOADS, units, members, strict=True):
        unit.name, unit.name_folded = payload, fold(payload)
        member.full_name, member.name_folded = payload, fold(payload)
    session.commit()
    for (role, page), before in baseline.items():
        assert before.status_code == 200, (role, page, before.status_code)
        after = readers[role].get(page)
        assert after.status_code == 200, (role, page)
        assert_adds_nothing(after.text, before.text)
    # Every payload reached at least one page (the pages really echo the names).
    shown = "".join(readers["admin"].get(page).text for page in pages[:3])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    # The member sees their own name in the page header.
    member = members[1]
    own = app.test_client()
    own.post("/login", data={"login": member.phone, "password": "password123"})
    assert_adds_nothing(own.get("/").text, readers["officer"].get("/").text)


def test_search_terms_are_echoed_inert_on_every_search(auth, client, make):
    officer = make.user(role=Role.OFFICER, unit=make.tree().district_a)
    auth.login(officer.phone)
    for path in ("/members", "/units/search", "/search"):
        baseline = client.get(path, query_string={"q": "nguyen van an"}).text
        for payload in PAYLOADS:
            response = client.get(path, query_string={"q": payload})
            assert response.status_code == 200, (path, payload)
            assert_adds_nothing(response.text, baseline)


def _hostile_course(root):
    """The sample course again, as 'khoa-xss', with the payloads in its lesson body and in
    every question's text, choices and explanation."""
    folder = write_course(root, slug="khoa-xss")
    (folder / "lessons" / "01-bai-mot.md").write_text(
        "## Bài\n\n" + "\n\n".join(PAYLOADS) + "\n", encoding="utf-8"
    )
    questions = yaml.safe_load(QUESTIONS_YAML)
    chunks = iter([PAYLOADS[n::8] for n in range(8)])
    for question in questions["questions"]:
        question["text"] = " ".join(next(chunks))
        question["explanation"] = " ".join(next(chunks))
        for choice in question.get("choices", [])[:1]:
            choice["text"] = " ".join(next(chunks))
    (folder / "questions.yaml").write_text(
        yaml.safe_dump(questions, allow_unicode=True), encoding="utf-8"
    )
    return folder


def _quiz_pages(client, session, slug: str) -> list[str]:
    from learning.courses.models import Course

    course_id = session.scalar(select(Course.id).where(Course.slug == slug))
    quiz = session.scalar(
        select(Quiz).where(Quiz.course_id == course_id, Quiz.kind == QuizKind.COURSE_FINAL)
    )
    quiz.question_count, quiz.shuffle_questions, quiz.shuffle_choices = 3, False, False
    session.commit()
    pages = [
        client.get(f"/courses/{slug}").text,
        client.get(f"/courses/{slug}/lessons/bai-mot").text,
        client.get(f"/quizzes/{quiz.id}").text,
    ]
    attempt_url = client.post(f"/quizzes/{quiz.id}/start").headers["Location"]
    pages.append(client.get(attempt_url).text)
    pages.append(client.get(attempt_url + "/summary").text)
    client.post(attempt_url + "/submit", data={"shown": "1", "answer-1": "1", "revision-1": "0"})
    pages.append(client.get(attempt_url + "/result").text)
    return pages


def test_lesson_bodies_and_question_text_from_files_are_inert(
    app, auth, client, make, session, sample_course, tmp_path
):
    load_course(session, read_course(_hostile_course(tmp_path / "hostile")))
    session.commit()
    auth.login(make.user().phone)
    baseline = _quiz_pages(client, session, "khoa-thu")
    hostile = _quiz_pages(client, session, "khoa-xss")
    assert "alert(1)" in hostile[1] and "alert(1)" in hostile[3] and "alert(1)" in hostile[5]
    for before, after in zip(baseline, hostile, strict=True):
        assert_adds_nothing(after, before)
