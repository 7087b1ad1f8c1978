"""The courses shipped in courses/ load, and meet the content rules of the product."""

from collections import Counter
from pathlib import Path

import pytest

from learning.config import PROJECT_ROOT
from learning.courses.loader import course_folders, read_course

FOLDERS = course_folders(PROJECT_ROOT / "courses")
EXPECTED = {
    "nghi-quyet-dai-hoi-xiii",
    "nghi-quyet-02-nq-tw",
    "chi-thi-05-ct-tw",
    "phap-luat-lao-dong",
}


def test_the_four_courses_are_there():
    assert {folder.name for folder in FOLDERS} == EXPECTED


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_course_meets_the_content_rules(folder: Path):
    bundle = read_course(folder)  # raises with every error if the files are invalid
    course, questions = bundle.course, bundle.questions.questions
    assert len(course.lessons) >= 5
    assert len(questions) >= 60
    assert {q.type for q in questions} == {"single", "multiple", "true_false"}
    assert {q.difficulty for q in questions} == {"easy", "medium", "hard"}
    per_lesson = Counter(q.lesson for q in questions)
    assert set(per_lesson) == {lesson.slug for lesson in course.lessons}  # spread over lessons
    for question in questions:
        assert question.explanation.strip() and question.source.article.strip()
    for lesson in course.lessons:
        assert "## Nguồn" in bundle.lesson_bodies[lesson.slug], lesson.slug
    # Keys do not lean: 40-60 % of true/false answers true, no keyed position over 40 %.
    assert [str(warning) for warning in bundle.warnings] == []
