"""Servers the tests and benchmarks start (gunicorn, nginx) run in process groups of their
own; this ends one: SIGTERM to the group, then SIGKILL if it has not ended in time."""

from __future__ import annotations

import os
import signal
import subprocess


def end_group(process: subprocess.Popen, grace_seconds: float) -> None:
    """End `process` and its children (started with `start_new_session=True`)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_seconds)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
