"""The federation's calendar, for tests: pages give dates where the federation is
(`BABEL_DEFAULT_TIMEZONE`, Asia/Ho_Chi_Minh), which is already tomorrow from 17:00 UTC. A test
that expects a date computes it the same way, so that it passes at any hour of the day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from learning.enrollment.deadlines import local_today

TIMEZONE = "Asia/Ho_Chi_Minh"  # learning.config's default


def federation_today() -> dt.date:
    """Today, where the federation is (as `local_today` gives the pages)."""
    return local_today(TIMEZONE)


def local_day(moment: dt.datetime) -> str:
    """The calendar day of a stored moment as the pages write it (dd/mm/yyyy)."""
    return moment.astimezone(ZoneInfo(TIMEZONE)).strftime("%d/%m/%Y")
