"""A small valid course folder written to disk, for loader and learning-path tests."""

from __future__ import annotations

from pathlib import Path

COURSE_YAML = """\
slug: {slug}
title: "Khóa học thử"
summary: "Một khóa học nhỏ để kiểm thử."
sources:
  - blld-2019
lessons:
  - slug: bai-mot
    title: "Bài một: Hợp đồng"
    file: lessons/01-bai-mot.md
    sources:
      - document: blld-2019
        section: "Điều 20"
  - slug: bai-hai
    title: "Bài hai: Thử việc"
    file: lessons/02-bai-hai.md
    sources:
      - document: blld-2019
        section: "Điều 24"
final_quiz:
  question_count: 2
  time_limit_minutes: 10
  pass_percent: 70
"""

QUESTIONS_YAML = """\
questions:
  - key: q-001
    lesson: bai-mot
    type: single
    difficulty: easy
    text: "Hợp đồng lao động có mấy loại?"
    choices:
      - text: "Hai loại"
        correct: true
      - text: "Ba loại"
    explanation: "Điều 20: hai loại hợp đồng."
    source: {document: blld-2019, article: "Điều 20"}
    tags: [hop-dong]
  - key: q-002
    lesson: bai-hai
    type: true_false
    difficulty: medium
    text: "Hợp đồng dưới 01 tháng không thử việc."
    answer: true
    explanation: "Điều 24 khoản 3."
    source: {document: blld-2019, article: "Điều 24"}
  - key: q-003
    lesson: bai-hai
    type: multiple
    difficulty: hard
    text: "Chọn các ý đúng về thử việc."
    choices:
      - text: "Thời gian thử việc có giới hạn"
        correct: true
      - text: "Tiền lương thử việc do hai bên thỏa thuận"
        correct: true
      - text: "Mọi hợp đồng đều phải thử việc"
    explanation: "Điều 24, 25, 26."
    source: {document: blld-2019, article: "Điều 25"}
"""

LESSON_ONE = (
    "## Hai loại hợp đồng\n\nHợp đồng **không xác định thời hạn** và hợp đồng xác định thời hạn.\n"
)
LESSON_TWO = (
    "## Thử việc\n\nThời gian thử việc do hai bên thỏa thuận.\n\n![Sơ đồ](media/so-do.png)\n"
)
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def write_course(root: Path, slug: str = "khoa-thu") -> Path:
    """Write the sample course under root/slug and return its folder."""
    folder = root / slug
    (folder / "lessons" / "media").mkdir(parents=True)
    (folder / "course.yaml").write_text(COURSE_YAML.format(slug=slug), encoding="utf-8")
    (folder / "questions.yaml").write_text(QUESTIONS_YAML, encoding="utf-8")
    (folder / "lessons" / "01-bai-mot.md").write_text(LESSON_ONE, encoding="utf-8")
    (folder / "lessons" / "02-bai-hai.md").write_text(LESSON_TWO, encoding="utf-8")
    (folder / "lessons" / "media" / "so-do.png").write_bytes(PNG_BYTES)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (which must be there) by `new` in a file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
