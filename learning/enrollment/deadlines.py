"""Deadlines as a worker reads them: today in the installation's time zone, days left,
due soon (within a week) or overdue. Pure functions, no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SOON_DAYS = 7


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    """The calendar day it is now where the federation is (a deadline ends with that day)."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


def days_left(due_on: dt.date, today: dt.date) -> int:
    """Days until the deadline: 0 on the day itself, negative once it has passed."""
    return (due_on - today).days


def is_overdue(due_on: dt.date | None, today: dt.date) -> bool:
    return due_on is not None and due_on < today


def is_due_soon(due_on: dt.date | None, today: dt.date) -> bool:
    """Due today or within the next week (not yet overdue)."""
    return due_on is not None and 0 <= (due_on - today).days <= SOON_DAYS
