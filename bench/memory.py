"""Server memory on a shared deployment: idle sessions and a session training.

Starts ``streamlit run app.py`` (fresh runs folder), drives Debian's Chromium with
Playwright and reads the server's resident memory (``VmRSS``) and peak
(``VmHWM``) from ``/proc/PID/status`` at each stage:

1. the server alone (no session yet);
2. one session open on the Data screen (no TensorFlow yet);
3. that session training the default experiment (the peak while it trains);
4. TensorFlow loaded and the session idle again (training finished);
5. each further idle session (three more browser tabs on the Data screen).

Streamlit Community Cloud gives an app roughly 2.7 GB at most, shared by all its
users in one process: the figures say how many sessions fit.

Each stage also splits the resident memory into the server's own (anonymous:
Python objects, C++ heaps) and mapped library files (``/proc/PID/smaps_rollup``).
Loading TensorFlow maps about 450 MB of its libraries' pages; the warm-up and the
job manager unmap the ones that are plain copies of the file once nothing trains
(``nncore.core.memory.release_library_pages``), and training reads back ~100 MB.

Measured (2 shared cores, load ~1, Python 3.11, tensorflow-cpu 2.21), idle with
TensorFlow loaded: 822 MB (own 377, files 445) before that release, 492 MB (own
381, files 111) after; peak while training 826 -> 805 MB; each further idle
session +0 to +2 MB.

Run: ``python bench/memory.py [--sessions 3]``. Prints a table in MB.
"""

from __future__ import annotations

import argparse
import os
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
    stop_server,
    wait_health,
)

CLOUD_LIMIT_MB = 2700
GOAL_IDLE_MB = 650  # TensorFlow loaded, one idle session
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning';
}"""


def memory(pid: int) -> tuple[float, float]:
    """(resident MB, peak resident MB) of process ``pid``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value
    return (
        int(fields["VmRSS"].split()[0]) / 1024,
        int(fields["VmHWM"].split()[0]) / 1024,
    )


def made_of(pid: int) -> tuple[float, float]:
    """(anonymous MB, file-backed MB) of the resident memory of process ``pid``.

    Anonymous memory is the process's own (Python objects, C++ heaps, copied
    library pages); file-backed pages are shared library code and data mapped
    from disk, which the kernel can drop and read again.
    """
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0]) / 1024
    return fields["Anonymous"], fields["Rss"] - fields["Anonymous"]


def settle(pid: int, seconds: float = 3.0) -> float:
    """Resident MB once the server has been quiet for a moment."""
    time.sleep(seconds)
    return memory(pid)[0]


def open_session(browser, url: str, path: str = "data"):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(f"{url}/{path}")
    page.wait_for_function(IDLE)
    page.get_by_text("Choose the examples").first.wait_for()
    return page


def train_default(page, pid: int) -> float:
    """Train the default experiment on the Train screen; the peak RSS (MB)."""
    link = page.locator('[data-testid="stSidebarNav"]').get_by_text("Train", exact=True)
    link.click()
    page.get_by_role("button", name="Train", exact=True).wait_for()
    page.wait_for_function(IDLE)
    page.get_by_role("button", name="Train", exact=True).click()
    peak = 0.0
    finished = page.locator('[data-testid="stMain"]').get_by_text("Finished")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        peak = max(peak, memory(pid)[0])
        if finished.count():
            break
        time.sleep(0.2)
    else:
        raise SystemExit("training did not finish within 5 minutes")
    return max(peak, memory(pid)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3, help="further idle tabs")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        server = start_server(
            ROOT / "app.py", port, {"NNSTUDIO_RUNS_DIR": str(Path(work) / "runs")}
        )
        wait_health(server, port, time.perf_counter(), 60)
        url = f"http://127.0.0.1:{port}"
        rows = []

        def stage(name: str, value: float, change: float | None = None) -> None:
            rows.append((name, value, change, made_of(server.pid)))

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                bare = settle(server.pid)
                stage("server alone, no session", bare)
                first = open_session(browser, url)
                one = settle(server.pid)
                stage("+ one session on the Data screen", one, one - bare)
                peak = train_default(first, server.pid)
                stage("  that session training the default network", peak, peak - one)
                idle = settle(server.pid, 5)
                stage("TensorFlow loaded, one idle session", idle)
                previous = idle
                extra = []
                for n in range(args.sessions):
                    open_session(browser, url)
                    now = settle(server.pid)
                    extra.append(now - previous)
                    stage(f"+ idle session {n + 2}", now, now - previous)
                    previous = now
                browser.close()
        finally:
            high = memory(server.pid)[1]
            stop_server(server)
    print(f"{'stage':48} {'RSS MB':>8} {'change':>8} {'own':>6} {'files':>6}")
    for name, value, change, (own, files) in rows:
        shown = "" if change is None else f"{change:+8.0f}"
        print(f"{name:48} {value:8.0f} {shown:>8} {own:6.0f} {files:6.0f}")
    print("own: anonymous memory (objects, heaps); files: mapped library pages")
    per_session = sum(extra) / len(extra) if extra else 0.0
    print(f"peak RSS of the server over the whole run: {high:.0f} MB")
    print(f"each further idle session: {per_session:+.0f} MB on average")
    verdict = "PASS" if high < CLOUD_LIMIT_MB else "MISS"
    print(
        f"within the Cloud's ~{CLOUD_LIMIT_MB} MB: {verdict} "
        f"({CLOUD_LIMIT_MB - high:.0f} MB to spare at the peak)"
    )
    ok_idle = idle <= GOAL_IDLE_MB
    print(
        f"TensorFlow loaded, one idle session: {idle:.0f} MB (goal <= "
        f"{GOAL_IDLE_MB} MB: {'PASS' if ok_idle else 'MISS'})"
    )
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f}")
    return 0 if ok_idle and high < CLOUD_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
