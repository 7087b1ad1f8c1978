"""Field conditions for browser tests: the network slowed or cut through the DevTools
protocol (Network.emulateNetworkConditions), and what the live server stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from learning.db import build_engine
from learning.quizzes.models import AttemptSlot
from tests.browser.conftest import LIVE_DATABASES

# Slow 3G as the issue measures it: 400 ms round trip, 400 kbit/s each way (bytes/s here).
SLOW_3G = {"latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


class Network:
    """One page's emulated network (CDP session on that page's target)."""

    def __init__(self, page: Any) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")

    def set(
        self, *, latency: float = 0, offline: bool = False, down: float = -1, up: float = -1
    ) -> None:
        self.session.send(
            "Network.emulateNetworkConditions",
            {
                "offline": offline,
                "latency": latency,
                "downloadThroughput": down,
                "uploadThroughput": up,
            },
        )

    def slow_3g(self) -> None:
        self.set(
            latency=SLOW_3G["latency"],
            down=SLOW_3G["downloadThroughput"],
            up=SLOW_3G["uploadThroughput"],
        )

    def normal(self) -> None:
        self.set()


def stored_answers(base_url: str, attempt_id: int) -> dict[int, list[int]]:
    """What the server stored for each question of the attempt, as the page's display
    positions (1-based), which is what a tap chose."""
    engine = build_engine(LIVE_DATABASES[base_url])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(AttemptSlot.position, AttemptSlot.choice_order, AttemptSlot.selected).where(
                    AttemptSlot.attempt_id == attempt_id
                )
            ).all()
    finally:
        engine.dispose()
    return {
        row.position: sorted(list(row.choice_order).index(c) + 1 for c in row.selected or [])
        for row in rows
    }


def graded_marks(base_url: str, attempt_id: int) -> dict[int, object]:
    """Each question's mark once graded (None before grading)."""
    engine = build_engine(LIVE_DATABASES[base_url])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(AttemptSlot.position, AttemptSlot.mark).where(
                    AttemptSlot.attempt_id == attempt_id
                )
            ).all()
    finally:
        engine.dispose()
    return {row.position: row.mark for row in rows}
