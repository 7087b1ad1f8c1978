"""The fault run at full size (its code, shared with the suite, is tests/faults.py).

    python -m bench.faults [--operations 10000] [--users 24] [--databases sqlite,postgres]

`make bench-faults` runs it on both databases; tests/test_live_server.py runs a short version
in the suite. PostgreSQL is taken from TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1/test), in a schema of its own dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys

from bench.databases import LABELS, database
from tests.faults import fault_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--databases", default="sqlite,postgres")
    args = parser.parse_args()
    if args.operations < 1 or args.users < 1:
        parser.error("--operations and --users must be at least 1")
    failed = False
    for kind in args.databases.split(","):
        if kind not in LABELS:
            parser.error(f"unknown database {kind!r}: use sqlite and/or postgres")
        with database(kind, "bench-faults") as url:
            report = fault_run(LABELS[kind], url, operations=args.operations, users=args.users)
        print("\n".join(report.lines()), flush=True)
        failed = failed or not report.ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
