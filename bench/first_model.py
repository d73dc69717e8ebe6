"""First model: clicks and seconds from opening NN Studio to an evaluated network.

What a newcomer does, measured in a real browser. Each round starts
``streamlit run app.py`` on a free port with a fresh, empty runs folder (a cold
server: TensorFlow is imported by the first training, as for a first visitor), opens
the app's address in a fresh Chromium context and clicks "Run the demo" on the Home
screen. Every click the script performs is counted. The clock stops when an evaluated
network is on screen: the demo's confusion matrix and its last words ("The demo is
done").

Figures per round:

* ``health``: seconds from launching the server until ``/_stcore/health`` answers;
* ``home``: seconds from opening the page until the "Run the demo" button shows;
* ``evaluated``: seconds from opening the page until the evaluation is on screen
  (goal: <= 60 s), and the same counted from the server's launch;
* ``clicks``: clicks until then (goal: <= 3).

It prints a table, the medians, PASS/MISS against the goals and the machine's load
average before and after (the figures depend on what else the machine runs), and
exits 0. The browser is Debian's Chromium (``/usr/bin/chromium``), started once.

Usage:
    python bench/first_model.py [--repeat N] [--timeout SECONDS]

Every server started here is stopped (its whole process group) when its round ends,
also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from serving import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    VIEWPORT,
    free_port,
    start_server,
    stop_all,
    stop_server,
    wait_health,
)

GOAL_CLICKS = 3
GOAL_SECONDS = 60.0
BUTTON = "Run the demo"
DONE = "The demo is done"
EVALUATED = ".st-key-home_demo_confusion .js-plotly-plot"


class Clicks:
    """Clicks a locator and counts it: every click of the round goes through here."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


def one_round(browser, timeout: float) -> dict:
    """Start a cold server, open the app, click until a network is evaluated."""
    runs = Path(tempfile.mkdtemp(prefix="nnstudio-first-model-"))
    port = free_port()
    launched = time.perf_counter()
    server = start_server(ROOT / "app.py", port, {"NNSTUDIO_RUNS_DIR": str(runs)})
    context = None
    try:
        health = wait_health(server, port, launched, timeout)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        click = Clicks()
        opened = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/", timeout=timeout * 1000)
        button = page.get_by_role("button", name=BUTTON)
        button.wait_for(state="visible", timeout=timeout * 1000)
        home = time.perf_counter() - opened
        click(button)
        left = max(timeout - (time.perf_counter() - opened), 1.0)
        page.locator(EVALUATED).first.wait_for(state="visible", timeout=left * 1000)
        page.get_by_text(DONE).first.wait_for(state="visible", timeout=left * 1000)
        done = time.perf_counter()
        return {
            "health": health,
            "home": home,
            "evaluated": done - opened,
            "from_launch": done - launched,
            "clicks": click.count,
        }
    finally:
        if context is not None:
            context.close()
        stop_server(server)
        shutil.rmtree(runs, ignore_errors=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds (default 1)")
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="seconds per round (180)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"--repeat must be 1 or more. Got {args.repeat}.")
    if not Path(CHROMIUM).is_file():
        print(f"error: Chromium is not at {CHROMIUM}: apt-get install -y chromium")
        return 2
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    rows: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            for number in range(1, args.repeat + 1):
                try:
                    row = one_round(browser, args.timeout)
                except (PlaywrightError, RuntimeError, TimeoutError) as error:
                    print(f"round {number}: no evaluated network ({error})")
                    continue
                rows.append(row)
                print(
                    f"round {number}: {row['clicks']} click(s), evaluated "
                    f"{row['evaluated']:.1f} s after opening the page",
                    flush=True,
                )
        finally:
            browser.close()
            stop_all()
    load_after = os.getloadavg()

    print()
    print("round  health  home page  evaluated  from launch  clicks")
    for number, row in enumerate(rows, start=1):
        print(
            f"{number:>5}  {row['health']:5.1f} s  {row['home']:7.1f} s  "
            f"{row['evaluated']:7.1f} s  {row['from_launch']:9.1f} s  "
            f"{row['clicks']:>6}"
        )
    print(
        f"load average (1 min) before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f} on {os.cpu_count()} cores"
    )
    if not rows:
        print(f"MISS  no round reached an evaluated network ({args.repeat} tried)")
        return 0
    seconds = statistics.median(row["evaluated"] for row in rows)
    launch = statistics.median(row["from_launch"] for row in rows)
    clicks = max(row["clicks"] for row in rows)
    print(
        f"{verdict(clicks <= GOAL_CLICKS)}  clicks to an evaluated network: {clicks} "
        f"(goal <= {GOAL_CLICKS})"
    )
    print(
        f"{verdict(seconds <= GOAL_SECONDS)}  seconds from opening the page "
        f"(median of {len(rows)}): {seconds:.1f} s (goal <= {GOAL_SECONDS:.0f} s); "
        f"from the server's launch {launch:.1f} s"
    )
    if len(rows) < args.repeat:
        print(f"MISS  {args.repeat - len(rows)} round(s) did not finish")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
