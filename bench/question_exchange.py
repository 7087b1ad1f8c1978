"""Question exchange benchmark: a bank of N questions written and read in every format, and
imported into a course.

    python -m bench.question_exchange [--questions 2000] [--databases sqlite,postgres]

Prints, per format, the seconds to write the bank and to read it back (pure functions), and
per database the seconds to check the GIFT file against a course (`plan_import`) and to
write it as drafts (`apply_import`), with questions per second.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.databases import LABELS, database
from learning import create_app
from learning.courses.loader import read_course
from learning.courses.models import Course
from learning.courses.services import load_course
from learning.db import build_engine
from learning.exchange import services
from learning.exchange.bank import BankChoice, BankQuestion
from learning.migrate import upgrade
from tests.course_files import write_course


def make_bank(count: int) -> list[BankQuestion]:
    """Questions as the real courses have them: Vietnamese, 4 choices, a source and tags."""
    bank = []
    for n in range(count):
        kind = ("single", "multiple", "true_false")[n % 3]
        if kind == "true_false":
            choices = [BankChoice("Đúng", n % 2 == 0), BankChoice("Sai", n % 2 == 1)]
        else:
            choices = [
                BankChoice(f"Phương án {x} của câu {n}: người lao động {{có}} quyền", x in (0, 2))
                if kind == "multiple"
                else BankChoice(f"Phương án {x} của câu {n}", x == 1, f"Phản hồi {x}")
                for x in range(4)
            ]
        bank.append(
            BankQuestion(
                key=f"b-{n:05d}",
                type=kind,
                text=f"Theo Bộ luật Lao động 2019, câu hỏi số {n} về hợp đồng: điều gì đúng?",
                choices=choices,
                explanation=f"Điều {20 + n % 30} Bộ luật Lao động 2019.",
                source_document="blld-2019",
                source_article=f"Điều {20 + n % 30}",
                tags=["hợp đồng", f"nhóm {n % 7}"],
                difficulty=("easy", "medium", "hard")[n % 3],
                lesson="bai-mot",
            )
        )
    return bank


def timed(action):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    bank = make_bank(args.questions)
    count = len(bank)
    print(f"{count} questions")
    files = {}
    for fmt in services.FORMATS:
        export, write = timed(lambda fmt=fmt: services.dump_questions(bank, fmt))
        (converted, _skipped, errors), read = timed(
            lambda export=export, fmt=fmt: services.read_file(export.data, fmt)
        )
        assert not errors
        files[fmt] = export.data
        print(
            f"{fmt:10} {len(export.data) / 1024:8.0f} KiB  write {write:6.2f} s  "
            f"read {read:6.2f} s ({len(converted) / read:7.0f} questions/s)"
        )
    for kind in args.databases.split(","):
        with database(kind, "exchange-bench") as url:
            upgrade(url)
            app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
            engine = build_engine(url)
            with app.app_context(), Session(engine) as session:
                folder = write_course(Path(tempfile.mkdtemp()) / "content")
                load_course(session, read_course(folder))
                session.commit()
                course = session.scalar(select(Course))
                start = time.perf_counter()
                plan = services.plan_import(session, course, files["gift"], "gift")
                checking = time.perf_counter() - start
                assert not plan.errors, plan.errors[:3]
                start = time.perf_counter()
                services.apply_import(session, course, plan)
                session.commit()
                writing = time.perf_counter() - start
            engine.dispose()
            print(
                f"{LABELS[kind]:10} check {checking:6.2f} s ({count / checking:6.0f}/s)  "
                f"write drafts {writing:6.2f} s ({count / writing:6.0f}/s)"
            )


if __name__ == "__main__":
    main()
