"""Field-conditions benchmark: how long the worker's pages take to become usable, and a
background save to be acknowledged, in Chromium at 360x740 on an emulated mobile network.

    python -m bench.field_network [--runs 3]

Serves the app with gunicorn on a fresh SQLite database (demo data and the four courses), and
drives /usr/bin/chromium through Playwright. The network is emulated through the DevTools
protocol (Network.emulateNetworkConditions): loopback, slow 3G as the issue defines it (400 ms
round trip, 400 kbit/s each way) and a 2,000 ms round trip at the same throughput. Service
workers are blocked, so every page comes from the network as on a first visit.

Prints, per condition and page, the median of --runs loads: the time until the page is usable
(its load event: HTML, stylesheet and script in), on a cold cache (a new browser context) and a
warm one (the page again), the bytes transferred before images, and the time from a tap to
the question's "Đã lưu". Targets: a page usable in under 3 s, a save acknowledged in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from learning.config import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CONDITIONS = [
    ("loopback", {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    ("slow 3G (400 ms, 400 kbit/s)", {"latency": 400, "downloadThroughput": 50_000,
                                       "uploadThroughput": 50_000}),
    ("2,000 ms, 400 kbit/s", {"latency": 2000, "downloadThroughput": 50_000,
                              "uploadThroughput": 50_000}),
]  # fmt: skip
LAW = "Pháp luật lao động cho đoàn viên, người lao động"
PASSWORD = "demo-worker-2026"
TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource")
    .filter(r => r.initiatorType !== "img");
  const bytes = nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0);
  return {usable: nav.loadEventEnd - nav.startTime, bytes};
}"""
SAVE = """async (position) => {
  const label = document.querySelectorAll(`#q${position} label.choice`);
  const status = document.querySelector(`#q${position} .q-status`);
  const checked = [...document.querySelectorAll(`input[name=answer-${position}]`)]
    .findIndex(i => i.checked);
  const target = label[checked === 0 ? 1 : 0];
  const start = performance.now();
  const saved = new Promise(resolve => {
    const watch = new MutationObserver(() => {
      if (status.getAttribute("data-state") === "saved") { watch.disconnect(); resolve(); }
    });
    watch.observe(status, {attributes: true, childList: true, characterData: true, subtree: true});
  });
  target.click();
  await saved;
  return performance.now() - start;
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    for args in (("db", "upgrade"), ("courses", "load"), ("demo",)):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "learning", *args],
            cwd=PROJECT_ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=PROJECT_ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
            return server, base
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.2)


def _log_in(page, phone: str) -> None:
    page.goto("/login")
    page.get_by_label("Số điện thoại hoặc số thẻ đoàn viên").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def _measure(browser, base: str, phone: str, network: dict, runs: int) -> dict[str, list]:
    """Lesson and question pages, cold and warm, and background saves, under `network`."""
    found: dict[str, list] = {}
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        base_url=base,
        locale="vi-VN",
        service_workers="block",
    )
    page = context.new_page()
    page.set_default_timeout(120_000)
    _log_in(page, phone)
    page.get_by_role("link", name=LAW).click()
    lesson_url = page.get_by_role("link", name="Bắt đầu học").get_attribute("href")
    page.get_by_role("link", name="Làm bài kiểm tra cuối").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_load_state()
    attempt_url = page.url.split("?")[0]
    cookies = context.cookies()
    context.close()

    for _run in range(runs):
        for name, url in (("lesson", lesson_url), ("question", attempt_url + "?page=1")):
            # Cold: a new context (no cached stylesheet or script) with the session cookie.
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, base_url=base, service_workers="block"
            )
            context.add_cookies(cookies)
            page = context.new_page()
            page.set_default_timeout(120_000)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", {"offline": False, **network})
            for warmth in ("cold", "warm"):
                page.goto(url, wait_until="load")
                timing = page.evaluate(TIMING)
                found.setdefault(f"{name} {warmth}", []).append(timing["usable"])
                found.setdefault(f"{name} {warmth} bytes", []).append(timing["bytes"])
            if name == "question":
                page.wait_for_load_state()
                found.setdefault("save", []).append(page.evaluate(SAVE, 1))
            context.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(folder) / 'field.sqlite3'}",
               "SECRET_KEY": "field-bench", "LEARNING_INSTANCE_PATH": folder,
               "RATELIMIT_ENABLED": "false"}  # fmt: skip
        server, base = _serve(env)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                print(
                    "| condition | lesson page usable (cold / warm) | question page usable "
                    "(cold / warm) | save acknowledged | bytes before images (lesson / "
                    "question, cold) |"
                )
                print("|---|---|---|---|---|")
                for i, (label, network) in enumerate(CONDITIONS):
                    found = _measure(browser, base, f"090000001{i + 1}", network, args.runs)
                    med = {key: statistics.median(values) for key, values in found.items()}
                    print(
                        f"| {label} | {med['lesson cold'] / 1000:.2f} s / "
                        f"{med['lesson warm'] / 1000:.2f} s | "
                        f"{med['question cold'] / 1000:.2f} s / "
                        f"{med['question warm'] / 1000:.2f} s | {med['save'] / 1000:.2f} s | "
                        f"{med['lesson cold bytes'] / 1024:.0f} KB / "
                        f"{med['question cold bytes'] / 1024:.0f} KB |",
                        flush=True,
                    )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
