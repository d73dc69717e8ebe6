"""Browser end-to-end fixtures: a real ``streamlit run app.py`` and Debian's Chromium.

Playwright drives the system Chromium (``/usr/bin/chromium``); ``playwright install``
cannot download a browser here. Without Chromium the e2e tests are skipped, unless
``NNSTUDIO_REQUIRE_BROWSER=1`` (set in CI), which turns the skip into a failure.

The fixture names avoid ``page``, ``browser`` and ``context``: pytest-playwright is
installed and owns those.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
E2E_DIR = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MISSING_CHROMIUM = "Debian's chromium is not installed: apt-get install -y chromium"
SERVER_START_TIMEOUT_S = 60
VIEWPORT = {"width": 1400, "height": 1000}
# How long a single Streamlit rerun may take before a test gives up (ms).
RUN_TIMEOUT_MS = 45_000
# How long an ``expect`` waits unless it says otherwise (Playwright's own is 5 s):
# on a slow machine, with a network training on the shared server, opening a screen
# took longer than that (the Data screen's heading came just after 5 s in CI).
EXPECT_TIMEOUT_MS = 20_000
# The longest a screenshot of a live screen waits for a pause between its runs.
LIVE_IDLE_MS = 10_000
# How often the helpers below look at the page while they wait (ms). Playwright's
# default looks at every animation frame, which keeps Chromium drawing frames
# for the whole wait.
POLL_MS = 50


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/e2e as ``e2e`` (also set by ``pytestmark``)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _browser_required() -> bool:
    return os.environ.get("NNSTUDIO_REQUIRE_BROWSER", "").strip() not in ("", "0")


def _unavailable(reason: str):
    """Skip, or fail when CI requires the browser tests to run."""
    if _browser_required():
        pytest.fail(f"{reason} (NNSTUDIO_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The system Chromium, checked before anything expensive starts."""
    path = chromium_path()
    if path is None:
        _unavailable(MISSING_CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed: pip install -r requirements-dev.txt")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server output)"
    return "\n".join(text.splitlines()[-lines:]) or "(no server output)"


@pytest.fixture(scope="session")
def app_url(chromium_executable, tmp_path_factory) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free port; yield its base URL."""
    server = StreamlitServer(tmp_path_factory.mktemp("nnstudio-e2e") / "runs")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(chromium_executable):
    """One headless Chromium for the whole session (sync Playwright API)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS
        )
    except Exception as error:
        playwright.stop()
        _unavailable(f"Chromium at {chromium_executable} did not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def app_page(request, chromium, app_url):
    """A fresh browser context (a new Streamlit session) with the app open."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{app_url}/data")
    wait_for_app(page)
    yield page
    if request.node.stash.get(FAILED, False):
        stop_what_it_started(page)
    context.close()


def stop_what_it_started(page) -> None:
    """After a failed test, press Stop on the Train and Tune screens where this
    session still trains. Closing the tab keeps a job running (as users expect), and
    the shared server's one worker would train it on while the next tests' jobs
    queue behind it: one failure became two in CI (a 1000-epoch training left
    running kept the Tune screen's speed measurement queued)."""
    from playwright.sync_api import expect

    for screen in ("Train", "Tune"):
        try:
            go_to(page, screen, live=True)
            stop = page.locator(MAIN).get_by_role("button", name="Stop", exact=True)
            if stop.count() and stop.is_enabled():
                stop.click()
                expect(stop).to_be_disabled(timeout=RUN_TIMEOUT_MS)
        except Exception as error:  # the report already says why the test failed
            print(f"could not stop what the failed test started on {screen}: {error}")


# -- helpers the tests import -------------------------------------------------------

MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
EXCEPTION = '[data-testid="stException"]'


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (a combobox)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    box = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    box.locator('[role="combobox"]').click()
    choice = page.locator('[role="option"]').filter(
        has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")
    )
    try:
        choice.first.wait_for(timeout=3_000)
    except PlaywrightTimeout:
        # After the guided demos the first click only focused the box (seen in
        # Chromium since the Data screen took pictures); the arrow key opens it.
        box.locator('[role="combobox"]').press("ArrowDown")
    rerun(page, lambda: choice.first.click())
    expect(box.locator('[role="combobox"]')).to_have_value(option)


# Counts the script runs that started since it was installed. The observer sees
# every change of the attribute, so a run that starts and ends between two polls
# still counts.
_WATCH_RUNS_JS = """() => {
  window.__nnRuns = 0;
  if (window.__nnObserver) return;
  window.__nnObserver = new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.getAttribute('data-test-script-state') === 'running') {
        window.__nnRuns += 1;
      }
    }
  });
  window.__nnObserver.observe(document.body, {
    subtree: true, attributes: true, attributeFilter: ['data-test-script-state'],
  });
}"""

_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  return !(status && /Running/i.test(status.textContent || ''));
}"""


def wait_for_app(page, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Wait until the app is connected and its script is not running."""
    page.wait_for_function(_IDLE_JS, timeout=timeout, polling=POLL_MS)


def rerun(page, action: Callable[[], object], timeout: float = RUN_TIMEOUT_MS) -> None:
    """Do ``action`` (a click, an upload) and wait for the rerun it causes to end.

    Waits up to 5 s for the run to start (an action may cause none), then for the
    app to be idle again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(_WATCH_RUNS_JS)
    action()
    with contextlib.suppress(PlaywrightTimeout):  # no run started: idle decides
        page.wait_for_function(
            "() => window.__nnRuns > 0", timeout=5_000, polling=POLL_MS
        )
    wait_for_app(page, timeout)


def go_to(page, title: str, *, live: bool = False) -> None:
    """Open a screen from the sidebar navigation. ``live``: while a job trains,
    whose live parts may rerun without a pause in between, the screen's heading
    alone says it is there."""
    from playwright.sync_api import expect

    link = page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True)
    if live:
        link.click()
    else:
        rerun(page, lambda: link.click())
    expect(
        page.locator(MAIN).get_by_role("heading", name=title, exact=True)
    ).to_be_visible()


def screenshot(page, name: str, *, live: bool = False) -> Path:
    """Save a screenshot of the whole app (not only the viewport) as NAME.png.

    Streamlit scrolls inside its main container, so Playwright's ``full_page``
    sees only the viewport: the viewport is made as tall as the content first.
    ``live``: a screen whose live parts rerun every half second while a job
    trains; on a slow machine one run follows another without a pause, so the
    picture is taken after at most ``LIVE_IDLE_MS`` even if no pause came.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight,
          ...['stMain', 'stAppViewContainer', 'stSidebarContent'].map((id) => {
            const el = document.querySelector(`[data-testid="${id}"]`);
            return el ? el.scrollHeight : 0;
          }))"""
    )
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": size["width"], "height": max(height, 600)})
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        if live:
            with contextlib.suppress(PlaywrightTimeout):
                wait_for_app(page, LIVE_IDLE_MS)
        else:
            wait_for_app(page)
        page.wait_for_timeout(400)  # let Plotly finish its resize
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


# -- private servers (load and fault tests) -----------------------------------------


def pytest_configure(config):
    """``slow``: tests that train several networks; they run by default."""
    config.addinivalue_line(
        "markers", "slow: long browser tests (several trainings); run by default"
    )


# Every server the tests started (the session's and the private ones).
_SERVERS: list[StreamlitServer] = []


# Set on a test's item when its call failed (``app_page`` then stops its training).
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report ends with each running server's threads: a
    page that stopped changing shows where the server waits."""
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    if report.when == "call" and report.failed:
        for server in _SERVERS:
            try:
                stacks = server.thread_stacks()
            except OSError as error:
                stacks = f"(no stacks: {error})"
            if stacks:
                report.sections.append((f"server {server.port} threads", stacks))
    return report


class StreamlitServer:
    """A ``streamlit run app.py`` of a test's own, on a runs folder of its choice.

    Started like the session's ``app_url`` server; ``kill()`` ends it as
    ``kill -9`` would, and ``start()`` brings it back on the same port and runs
    folder. ``peak_memory_kib()`` reads the process's ``VmHWM``.
    """

    def __init__(self, runs_dir: Path, port: int | None = None, **env: str):
        self.runs_dir = Path(runs_dir)
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.log_err: Path | None = None
        _SERVERS.append(self)

    def thread_stacks(self) -> str:
        """Every thread's stack in the running server (``app.py`` dumps them on
        SIGUSR1), for the report of a failed test; "" when it is not running or
        no session has run ``app.py`` yet."""
        if self.process is None or self.process.poll() is not None:
            return ""
        # Only once app.py has run (a session opened): before that, SIGUSR1 would
        # end the server, as it does any process that does not catch it.
        status = Path(f"/proc/{self.pid}/status").read_text()
        caught = int(re.search(r"^SigCgt:\s+([0-9a-f]+)", status, re.M).group(1), 16)
        if not caught >> (signal.SIGUSR1 - 1) & 1:
            return ""
        before = size = self.log_err.stat().st_size
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # until the dump stops growing
            time.sleep(0.2)
            grown, size = size, self.log_err.stat().st_size
            if size > before and size == grown:
                break
        return self.log_err.read_bytes()[before:].decode(errors="replace")

    def start(self) -> str:
        """Start the server and wait until it answers; return its URL."""
        self.starts += 1
        logs = self.runs_dir.parent
        logs.mkdir(parents=True, exist_ok=True)
        log_out = logs / f"server-{self.port}-{self.starts}.out"
        log_err = logs / f"server-{self.port}-{self.starts}.err"
        self.log_err = log_err
        env = dict(
            os.environ,
            TF_CPP_MIN_LOG_LEVEL="2",
            TF_ENABLE_ONEDNN_OPTS="0",
            NNSTUDIO_RUNS_DIR=str(self.runs_dir),
            PYTHONUNBUFFERED="1",
            **self.extra_env,
        )
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ]
        with log_out.open("wb") as out, log_err.open("wb") as err:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=env, stdout=out, stderr=err
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with status {self.process.returncode} before "
                    f"answering. Its stderr ends:\n{_tail(log_err)}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(
                    f"{self.url}/_stcore/health", timeout=2
                ) as answer:
                    if answer.read().decode().strip() == "ok":
                        return self.url
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(
                    f"streamlit did not answer {self.url}/_stcore/health within "
                    f"{SERVER_START_TIMEOUT_S} s. Its stderr ends:\n{_tail(log_err)}",
                    pytrace=False,
                )
            time.sleep(0.25)

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server was never started"
        return self.process.pid

    def peak_memory_kib(self) -> int:
        """The server process's peak resident memory (``VmHWM``), in KiB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))

    def kill(self) -> None:
        """``kill -9`` the server and reap it (a zombie would still look alive)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """End the server politely (SIGTERM), or kill it after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def private_server(chromium_executable, tmp_path) -> Iterator[Callable]:
    """``private_server(runs_dir=None, **env)`` starts a ``StreamlitServer`` of the
    test's own (stopped at the end of the test) and returns it."""
    servers: list[StreamlitServer] = []

    def start(runs_dir: Path | None = None, **env: str) -> StreamlitServer:
        server = StreamlitServer(runs_dir or tmp_path / "runs", **env)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def open_session(chromium, url: str, path: str = "data"):
    """A new browser context (a new Streamlit session) on ``url/path``.

    Returns ``(context, page)``; the caller closes the context.
    """
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    return context, page


# The rows of a Streamlit dataframe, read from the accessible table that its canvas
# grid keeps in the page (the visible rows and columns, header first).
_GRID_ROWS_JS = """(grid) => [...grid.querySelectorAll('table[role="grid"] tr')]
  .map((tr) => [...tr.children].map((cell) => (cell.textContent || '').trim()))"""


def grid_rows(grid, timeout: float = 10_000) -> list[dict[str, str]]:
    """A dataframe's rows as ``{column: text}`` (``grid`` is its locator).

    The grid draws its cells a moment after it appears, and only once in view:
    waits up to ``timeout`` ms for a first row (then returns what there is).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if grid.is_visible():
        grid.scroll_into_view_if_needed()
        with contextlib.suppress(PlaywrightTimeout):
            grid.page.wait_for_function(
                """(g) => g.querySelectorAll('table[role="grid"] tr').length > 1""",
                arg=grid.element_handle(),
                timeout=timeout,
                polling=POLL_MS,
            )
    rows = grid.evaluate(_GRID_ROWS_JS)
    if not rows:
        return []
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body]
