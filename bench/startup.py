"""Startup: from `streamlit run` to the first rendered page, NN Studio vs hello-world.

What it measures, for each app, in alternating rounds on the same machine:

* ``health``: seconds from launching ``streamlit run APP --server.headless true
  --server.fileWatcherType none`` on a free port until ``/_stcore/health`` answers;
* ``title``: seconds from the launch until the page's title is visible in Chromium
  (NN Studio: the Data screen's "Data" heading, opened at ``/data``, since the
  default page is Home; hello-world: "Hello");
* ``chart`` (NN Studio only): seconds from the launch until the first Plotly chart
  of the Data screen (the default built-in dataset's profile) is drawn.

The hello-world app (``st.title("Hello")``) is generated into a temporary folder.
Chromium is started once, before the first round; each round opens a fresh browser
context (no cache, no cookies), so browser start-up is not counted for either app.
One warm-up launch of each app comes first and is not counted (the very first start
compiles .pyc files and fills the file cache, which would favour the app run second).
Streamlit's own import cost is paid by both apps, so the ratio app/hello-world shows
what NN Studio adds. Goal: title ratio <= 1.3.

Usage:
    python bench/startup.py [--rounds N] [--timeout SECONDS] [--app FILE]

``--app FILE`` measures another entry script with a "Data" page (e.g. a variant of
app.py in a copy of the repository) instead of this repository's app.py.

Every server started here is stopped (its whole process group) when the round ends,
also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from serving import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    free_port,
    start_server,
    stop_all,
    stop_server,
    wait_health,
)

GOAL_RATIO = 1.3
HELLO = 'import streamlit as st\n\nst.title("Hello")\n'


def measure(
    browser, script: Path, title: str, chart: bool, timeout: float, path: str = ""
) -> dict:
    """One round for one app: launch, wait for health, open the page, wait."""
    port = free_port()
    started = time.perf_counter()
    server = start_server(script, port)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        times = {"health": wait_health(server, port, started, timeout)}
        page = context.new_page()
        left = max(1.0, timeout - (time.perf_counter() - started)) * 1000
        page.goto(f"http://127.0.0.1:{port}/{path}", wait_until="commit", timeout=left)
        heading = page.get_by_role("heading", name=re.compile(rf"^{title}$"))
        heading.first.wait_for(state="visible", timeout=left)
        times["title"] = time.perf_counter() - started
        if chart:
            left = max(1.0, timeout - (time.perf_counter() - started)) * 1000
            drawn = page.locator("[data-testid='stPlotlyChart'] .main-svg")
            drawn.first.wait_for(state="visible", timeout=left)
            times["chart"] = time.perf_counter() - started
        return times
    finally:
        context.close()
        stop_server(server)


def shown(times: dict) -> str:
    return "  ".join(f"{key} {value:5.2f} s" for key, value in times.items())


def run_rounds(browser, apps: dict, rounds: int, timeout: float) -> dict:
    """A warm-up launch of each app, then ``rounds`` alternating rounds."""
    results: dict[str, list[dict]] = {name: [] for name in apps}
    # The first start after installing pays for compiling .pyc files and filling
    # the OS file cache, which would favour whichever app runs second.
    for name, (script, title, chart, path) in apps.items():
        times = measure(browser, script, title, chart, timeout, path)
        print(f"warm-up  {name:<5}  {shown(times)}  (not counted)", flush=True)
    for number in range(1, rounds + 1):
        order = list(apps) if number % 2 else list(reversed(apps))
        for name in order:
            script, title, chart, path = apps[name]
            times = measure(browser, script, title, chart, timeout, path)
            results[name].append(times)
            print(f"round {number}  {name:<5}  {shown(times)}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per app (3)")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds allowed per launch (120)"
    )
    parser.add_argument(
        "--app", type=Path, default=ROOT / "app.py", help="entry script (app.py)"
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="nn-startup-") as folder:
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO)
        apps = {
            "hello": (hello, "Hello", False, ""),
            "app": (args.app.resolve(), "Data", True, "data"),
        }
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                try:
                    results = run_rounds(browser, apps, args.rounds, args.timeout)
                finally:
                    browser.close()
        finally:
            stop_all()

    def median(name: str, key: str) -> float:
        return statistics.median(times[key] for times in results[name])

    print()
    print(f"medians over {args.rounds} round(s):")
    hello_health, hello_title = median("hello", "health"), median("hello", "title")
    app_health, app_title = median("app", "health"), median("app", "title")
    app_chart = median("app", "chart")
    print(f"  hello-world  health {hello_health:5.2f} s  title {hello_title:5.2f} s")
    print(
        f"  NN Studio    health {app_health:5.2f} s  title {app_title:5.2f} s  "
        f"first chart {app_chart:5.2f} s"
    )
    ratio = app_title / hello_title
    print(
        f"ratio app/hello-world, first rendered page (title): {ratio:.2f}   "
        f"(goal <= {GOAL_RATIO}: {'met' if ratio <= GOAL_RATIO else 'MISSED'})"
    )
    print(f"ratio app first chart / hello-world title: {app_chart / hello_title:.2f}")
    print(f"ratio server ready (health): {app_health / hello_health:.2f}")
    return 0 if ratio <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
