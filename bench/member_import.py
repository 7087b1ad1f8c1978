"""Member import benchmark: a 50,000-row XLSX list read, checked and written.

    python -m bench.member_import [--rows 50000] [--databases sqlite,postgres]

Prints, for each database, the seconds and rows per second of each phase (reading and
checking the file; writing the plan) and the peak Python memory of the run (tracemalloc),
next to the same figures for a list a tenth as long: memory that does not grow with the
file shows as the same peak.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session

from bench.databases import LABELS, database
from learning import create_app
from learning.auth.services import new_slip_key
from learning.db import build_engine
from learning.members.importer import TEMPLATE_HEADER, plan_import
from learning.members.services import apply_import
from learning.migrate import upgrade
from learning.org.models import UnitKind
from learning.org.services import create_unit
from learning.spreadsheets import read_rows

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Lò", "Giàng", "Vàng"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thu", "Hữu", "Thanh"]
GIVEN = ["An", "Bình", "Cúc", "Dũng", "Hà", "Lan", "Mai", "Nam", "Páo", "Sua", "Tuấn", "Yến"]


def name(n: int) -> str:
    return f"{SURNAMES[n % 10]} {MIDDLE[n // 10 % 8]} {GIVEN[n // 80 % 12]}"


def make_list(path: Path, rows: int, start: int = 0) -> None:
    """A list as a grassroots union would keep it: two title rows, the template header."""
    # A normal (not write-only) workbook writes the <dimension> element, as Excel does.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["LIÊN ĐOÀN LAO ĐỘNG TỈNH LÀO CAI"])
    sheet.append(["DANH SÁCH ĐOÀN VIÊN"])
    sheet.append(TEMPLATE_HEADER)
    for n in range(rows):
        sheet.append(
            [
                name(n),
                f"{1 + n % 28:02d}/{1 + n % 12:02d}/{1970 + n % 35}",
                "Nam" if n % 2 else "Nữ",
                f"09{start + n:08d}",
                f"LC-{start + n:07d}",
                "",
            ]
        )
    sheet.append(["Tổng cộng"])
    workbook.save(path)


def run_one(url: str, path: Path) -> tuple[float, float, int]:
    engine = build_engine(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "ENV_NAME": "testing"})
    with app.test_request_context(), Session(engine, expire_on_commit=False) as session:
        unit = create_unit(
            session, code=f"BENCH-{time.time_ns()}", name="CĐCS Thử", kind=UnitKind.GRASSROOTS
        )
        session.commit()
        data = path.read_bytes()
        began = time.perf_counter()
        plan = plan_import(session, data, scope_unit=unit)
        checked = time.perf_counter()
        # As the web import does: the slips' passwords issued at confirmation.
        apply_import(session, plan, None, skip_invalid=False, slip_key=new_slip_key())
        session.commit()
        written = time.perf_counter()
    engine.dispose()
    return checked - began, written - checked, len(plan.to_create)


def bench(label: str, url: str, rows: int, folder: Path) -> None:
    upgrade(url)
    for start, count in ((0, rows // 10), (rows, rows)):  # distinct people in each list
        path = folder / f"list-{count}.xlsx"
        if not path.exists():
            make_list(path, count, start)
        read_s, write_s, created = run_one(url, path)
        tracemalloc.start()
        for _row in read_rows(path.read_bytes()):
            pass
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        total = read_s + write_s
        print(
            f"{label:<10} {count:>7} rows ({path.stat().st_size / 2**20:5.1f} MB): "
            f"read+check {read_s:6.2f} s, write {write_s:6.2f} s, total {total:6.2f} s "
            f"= {count / total:8.0f} rows/s; {created} created; reading peak {peak / 2**20:5.1f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    if args.rows < 10:
        parser.error("--rows must be at least 10")
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    for kind in args.databases.split(","):
        if kind not in LABELS:
            parser.error(f"unknown database {kind!r}: use sqlite and/or postgres")
        with database(kind, "bench-import") as url:
            bench(LABELS[kind], url, args.rows, folder)


if __name__ == "__main__":
    main()
