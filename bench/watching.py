"""Watching a training: the same job with the Train screen open vs another screen.

A browser on the server's machine (a laptop running ``streamlit run app.py``, this
2-core machine) shares its cores with the training. While a job trains, the Train
screen redraws its live part (progress, learning curves, decision boundary) every
``screens.train.LIVE_SECONDS``; each drawing replaces the charts with new ones that
the browser lays out and draws again. This measures what that costs the training.

One ``streamlit run app.py`` server (its own empty runs folder) and one Chromium
(Debian's) serve every round. A round opens a fresh browser context on a share link
of the experiment (Circle, 2-D, binary; the default network; batch size 1, early
stopping off, ``--epochs`` epochs, so that the job is long enough to watch), opens
the Train screen and presses Train. "watching": it stays on the Train screen;
"away": once the job is running it opens the Glossary screen (no live charts; the
sidebar's progress line stays). Timed: from pressing Train until the sidebar says
the job finished. One untimed round of each comes first (TensorFlow's import, the
first tracing), then ``--repeat`` rounds of each, alternating which goes first.

Goal (PASS/MISS, on medians): the job takes at most 1.15 times as long watched as
away (the live view's budget of ``bench/train_speed.py``). The script prints the
load average before and after and exits 1 on a miss.

Usage:
    python bench/watching.py [--repeat N] [--epochs N] [--timeout SECONDS] [--app FILE]

``--app FILE`` measures another entry script (e.g. app.py in a copy of the
repository at an older commit) instead of this repository's app.py.

The server is stopped (its whole process group) when the script ends, also on
errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

from serving import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    VIEWPORT,
    add_app_option,
    begin,
    free_port,
    load_average,
    start_server,
    stop_all,
    wait_health,
)

sys.path.insert(0, str(ROOT))

from nncore.spec import default_spec, validate_spec  # noqa: E402
from nncore.spec.sharing import QUERY_KEY, encode_spec  # noqa: E402

GOAL_RATIO = 1.15
SIDEBAR = '[data-testid="stSidebar"]'
MAIN = '[data-testid="stMain"]'


def experiment(epochs: int) -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:circle"
    spec["train"]["epochs"] = epochs
    spec["train"]["batch_size"] = 1
    spec["train"]["early_stopping"]["enabled"] = False
    return validate_spec(spec)


def open_screen(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    page.locator(MAIN).get_by_role("heading", name=title, exact=True).wait_for()


def one_round(browser, link: str, epochs: int, watching: bool, timeout: float):
    """Seconds from pressing Train until the sidebar says the job finished."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(timeout * 1000)
    try:
        page = context.new_page()
        page.goto(link)
        page.get_by_text("Experiment restored from the share link.").wait_for()
        open_screen(page, "Train")
        # Playwright waits until the button is enabled (the data prepared).
        page.get_by_role("button", name="Train", exact=True).click()
        started = time.perf_counter()
        sidebar = page.locator(SIDEBAR)
        sidebar.get_by_text("Epoch", exact=False).first.wait_for()
        if not watching:
            open_screen(page, "Glossary")
        sidebar.get_by_text(f"Finished: {epochs} epochs").first.wait_for()
        return time.perf_counter() - started
    finally:
        context.close()


def run_rounds(browser, link: str, args) -> dict[str, list[float]]:
    """One untimed round of each, then ``args.repeat`` alternating rounds."""
    times: dict[str, list[float]] = {"watching": [], "away": []}
    for number in range(args.repeat + 1):
        order = (True, False) if number % 2 == 0 else (False, True)
        for watching in order:
            seconds = one_round(browser, link, args.epochs, watching, args.timeout)
            name = "watching" if watching else "away"
            if number:
                times[name].append(seconds)
            label = f"round {number}" if number else "warm-up"
            print(f"{label:<8} {name:<8} {seconds:6.2f} s", flush=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each (3)")
    parser.add_argument("--epochs", type=int, default=150, help="the job's (150)")
    parser.add_argument(
        "--timeout", type=float, default=180, help="seconds allowed per step (180)"
    )
    add_app_option(parser)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    begin()
    with tempfile.TemporaryDirectory(prefix="nn-watching-") as runs:
        port = free_port()
        started = time.perf_counter()
        server = start_server(args.app.resolve(), port, {"NNSTUDIO_RUNS_DIR": runs})
        try:
            wait_health(server, port, started, args.timeout)
            code = encode_spec(experiment(args.epochs))
            link = f"http://127.0.0.1:{port}/data?{QUERY_KEY}={code}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                try:
                    times = run_rounds(browser, link, args)
                finally:
                    browser.close()
        finally:
            stop_all()

    watched, away = (statistics.median(times[k]) for k in ("watching", "away"))
    ratio = watched / away
    print()
    print(f"over {args.repeat} round(s) each; load average now: {load_average()}")
    print(
        f"medians: watching {watched:.2f} s, away {away:.2f} s (mins "
        f"{min(times['watching']):.2f} s, {min(times['away']):.2f} s)"
    )
    passed = ratio <= GOAL_RATIO
    print(
        f"{'PASS' if passed else 'MISS'}  the job watched takes {ratio:.2f}x as long "
        f"as away (goal <= {GOAL_RATIO}x)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
