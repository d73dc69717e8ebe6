"""Startup to a usable screen: from `streamlit run` to the first chart drawn,
NN Studio's Data screen vs a hello-world app that draws one Plotly chart.

What it measures, for each app, in alternating rounds on the same machine (the same
number of rounds each):

* ``health``: seconds from launching ``streamlit run APP --server.headless true
  --server.fileWatcherType none`` on a free port until ``/_stcore/health`` answers;
* ``title``: seconds from the launch until the page's title is visible in Chromium
  (NN Studio: the Data screen's "Data" heading, opened at ``/data``, since the
  default page is Home; hello-world: "Hello");
* ``chart``: seconds from the launch until the page's first Plotly chart is drawn
  (NN Studio: the Data screen's overview charts of the default built-in dataset,
  class balance and feature relation, drawn from the table's outline before the
  data is split, scaled and profiled; hello-world: its one small figure). This is
  the goal's measure: a title alone is not a usable screen.

The title and chart times are those of the frame that first showed each, stamped
in the page (``DRAWN_JS``; the browser and this script share the clock): Playwright
confirms them, but its waits poll up to half a second apart, which blurred the
measure by as much (more for the app that draws later).

Where the browser's time goes, for each app (medians, printed after the goal's
figures; seconds from the launch, as the measures above): when the page asked for
the Plotly element's code (``PlotlyChart.*.js``, 4.7 MB), when it had arrived, and
when the browser began and ended running it (the long-animation-frame entry whose
script is that file; about a second on a small machine, during which the page
draws nothing else). A chart is drawn only after that code has run, so these say
whether an app's first chart waits for the server, for the code's download, or for
the browser's main thread.

The hello-world app (``st.title("Hello")`` and ``st.plotly_chart`` of a small
figure) is generated into a temporary folder. Chromium is started once, before the
first round; each round opens a fresh browser context (no cache, no cookies), so
browser start-up is not counted for either app. One warm-up launch of each app
comes first and is not counted (the very first start compiles .pyc files and fills
the file cache, which would favour the app run second). Streamlit's and Plotly's
own costs are paid by both apps, so the ratio app/hello-world shows what NN Studio
adds. The medians (and the minimums) over the rounds are printed with the load
average, since a loaded machine inflates both apps unevenly.

Goal: median first-chart ratio NN Studio / hello-world <= 1.3, printed PASS or
MISS; the script exits 1 on a miss.

Usage:
    python bench/startup.py [--rounds N] [--timeout SECONDS] [--app FILE]

``--app FILE`` measures another entry script with a "Data" page (e.g. a variant of
app.py in a copy of the repository) instead of this repository's app.py.

Every server started here is stopped (its whole process group) when the round ends,
also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from serving import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    add_app_option,
    begin,
    free_port,
    load_average,
    start_server,
    stop_all,
    stop_server,
    wait_health,
)

GOAL_RATIO = 1.3
HELLO = """\
import plotly.graph_objects as go
import streamlit as st

st.title("Hello")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2])))
"""


# Recorded in the page at each frame (epoch milliseconds): when the title heading
# and the first Plotly chart's SVG first have a size on screen. Playwright's waits
# poll at growing intervals (up to 0.5 s apart), which would add up to half a second
# to a measure; these stamps say when the frame that showed them was drawn.
DRAWN_JS = """
window.__drawn = {};
const stamp = () => {
  const drawn = window.__drawn, now = performance.timeOrigin + performance.now();
  const shown = (el) => el && el.getBoundingClientRect().width > 0;
  if (!drawn.title) {
    const title = [...document.querySelectorAll('h1')]
      .find((h) => h.textContent.trim() === %s);
    if (shown(title)) drawn.title = now;
  }
  const chart = document.querySelector("[data-testid='stPlotlyChart'] .main-svg");
  if (!drawn.chart && shown(chart)) drawn.chart = now;
  if (!drawn.chart) requestAnimationFrame(stamp);
};
requestAnimationFrame(stamp);
"""
# Recorded in the page: when the Plotly element's code ran (its long-animation-frame
# script entry; Chromium 123 and later), and how to read when it was fetched; both
# know the file by ``window.__isCode``.
CODE = "PlotlyChart."
CODE_JS = """
window.__code = {};
window.__isCode = (url) => (url || '').split('/').pop().startsWith(%s);
try {
  new PerformanceObserver((list) => {
    for (const frame of list.getEntries()) {
      for (const script of frame.scripts || []) {
        if (!window.__code.ran && window.__isCode(script.sourceURL)) {
          window.__code.ran = performance.timeOrigin + script.startTime;
          window.__code.done = window.__code.ran + script.duration;
        }
      }
    }
  }).observe({type: 'long-animation-frame', buffered: true});
} catch (error) {}
"""
FETCHED_JS = """() => {
  const entry = performance.getEntriesByType('resource')
    .find((e) => window.__isCode(e.name));
  return entry ? {asked: performance.timeOrigin + entry.startTime,
                  arrived: performance.timeOrigin + entry.responseEnd} : {};
}"""
CODE_KEYS = ("asked", "arrived", "ran", "done")
# The measures of the goal's table, in the order printed, and the apps' names.
MEASURES = ("health", "title", "chart")
LABELS = {"hello": "hello-world", "app": "NN Studio"}


def measure(browser, script: Path, title: str, timeout: float, path: str = "") -> dict:
    """One round for one app: launch, wait for health, open the page, wait for its
    title and then for its first Plotly chart to be drawn."""
    port = free_port()
    started, launched = time.perf_counter(), time.time()
    server = start_server(script, port)
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(DRAWN_JS % json.dumps(title))
    context.add_init_script(CODE_JS % json.dumps(CODE))
    try:
        times = {"health": wait_health(server, port, started, timeout)}
        page = context.new_page()
        left = max(1.0, timeout - (time.perf_counter() - started)) * 1000
        page.goto(f"http://127.0.0.1:{port}/{path}", wait_until="commit", timeout=left)
        heading = page.get_by_role("heading", name=re.compile(rf"^{title}$"))
        heading.first.wait_for(state="visible", timeout=left)
        times["title"] = time.perf_counter() - started
        left = max(1.0, timeout - (time.perf_counter() - started)) * 1000
        drawn = page.locator("[data-testid='stPlotlyChart'] .main-svg")
        drawn.first.wait_for(state="visible", timeout=left)
        times["chart"] = time.perf_counter() - started
        # The frames that showed them, when the page recorded them (it always
        # should; Playwright's times, a little later, are the fallback).
        stamps = page.evaluate("window.__drawn || {}")
        for key in ("title", "chart"):
            if stamps.get(key):
                times[key] = min(times[key], stamps[key] / 1000 - launched)
        code = {**page.evaluate(FETCHED_JS), **page.evaluate("window.__code")}
        times["code"] = {key: code[key] / 1000 - launched for key in code}
        return times
    finally:
        context.close()
        stop_server(server)


def shown(times: dict) -> str:
    return "  ".join(f"{key} {times[key]:5.2f} s" for key in MEASURES if key in times)


def run_rounds(browser, apps: dict, rounds: int, timeout: float) -> dict:
    """A warm-up launch of each app, then ``rounds`` alternating rounds."""
    results: dict[str, list[dict]] = {name: [] for name in apps}
    # The first start after installing pays for compiling .pyc files and filling
    # the OS file cache, which would favour whichever app runs second.
    for name, (script, title, path) in apps.items():
        times = measure(browser, script, title, timeout, path)
        print(f"warm-up  {name:<5}  {shown(times)}  (not counted)", flush=True)
    for number in range(1, rounds + 1):
        order = list(apps) if number % 2 else list(reversed(apps))
        for name in order:
            script, title, path = apps[name]
            times = measure(browser, script, title, timeout, path)
            results[name].append(times)
            print(f"round {number}  {name:<5}  {shown(times)}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per app (5)")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds allowed per launch (120)"
    )
    add_app_option(parser)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    begin()
    with tempfile.TemporaryDirectory(prefix="nn-startup-") as folder:
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO)
        apps = {
            "hello": (hello, "Hello", ""),
            "app": (args.app.resolve(), "Data", "data"),
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

    print()
    ratio = report(results, args.rounds)["chart"]
    report_code(results)
    passed = ratio <= GOAL_RATIO
    print(
        f"goal: first chart, NN Studio / hello-world {ratio:.2f} <= {GOAL_RATIO}: "
        f"{'PASS' if passed else 'MISS'}"
    )
    return 0 if passed else 1


def report(results: dict, rounds: int) -> dict:
    """Print the medians and minimums of each measure, their ratios and the load;
    return the ratios of the medians."""
    print(f"over {rounds} round(s) each; load average at the end: {load_average()}")
    ratios_of = {}
    for statistic in (statistics.median, min):
        print(f"{statistic.__name__}s:")
        values = {}
        for name, label in LABELS.items():
            values[name] = {
                key: statistic(times[key] for times in results[name])
                for key in MEASURES
            }
            print(f"  {label:<12} {shown(values[name])}")
        ratios = ratios_of[statistic] = {
            key: values["app"][key] / values["hello"][key] for key in MEASURES
        }
        print(
            "  ratio app/hello-world  "
            + "  ".join(f"{key} {value:.2f}" for key, value in ratios.items())
        )
    return ratios_of[statistics.median]


def report_code(results: dict) -> None:
    """The medians of when each app's Plotly code was asked for, arrived, and ran."""
    print("Plotly's code in the browser (medians, seconds from the launch):")
    for name, label in LABELS.items():
        parts = []
        for key in CODE_KEYS:
            values = [t["code"][key] for t in results[name] if key in t["code"]]
            parts.append(
                f"{key} {statistics.median(values):5.2f}" if values else f"{key}   n/a"
            )
        chart = statistics.median(t["chart"] for t in results[name])
        print(f"  {label:<12} {'  '.join(parts)}  chart {chart:5.2f}")


if __name__ == "__main__":
    sys.exit(main())
