"""What the browser benchmarks share: Debian's Chromium and a `streamlit run` server.

The benchmarks are scripts (``python bench/NAME.py``), so this module is imported by
its plain name. It repeats the Chromium flags of tests/e2e/conftest.py on purpose: a
benchmark should not import test code.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# The flags Debian's Chromium needs here (no sandbox as root, no GPU, no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The browser window of every browser benchmark.
VIEWPORT = {"width": 1400, "height": 1000}

_servers: list[subprocess.Popen] = []


def load_average() -> str:
    """The machine's 1, 5 and 15-minute load averages, as the scripts print them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def begin() -> None:
    """Start a benchmark that serves the app: a SIGTERM (a timeout, a kill) exits
    through the ``finally`` blocks that stop every server, and the load average at
    the start is printed."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"load average (1, 5, 15 min) at the start: {load_average()}", flush=True)


def add_app_option(parser) -> None:
    """``--app FILE``: measure another entry script (e.g. app.py in a copy of the
    repository at an older commit) instead of this repository's app.py."""
    parser.add_argument(
        "--app", type=Path, default=ROOT / "app.py", help="entry script (app.py)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    script: Path, port: int, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """``streamlit run SCRIPT`` on ``port`` in its own process group."""
    full_env = dict(os.environ)
    full_env.update(
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_ENABLE_ONEDNN_OPTS="0",
        PYTHONUNBUFFERED="1",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    full_env.update(env or {})
    command = [
        sys.executable, "-m", "streamlit", "run", script.name,
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    server = subprocess.Popen(
        command,
        cwd=script.parent,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, stopped as a whole
    )
    _servers.append(server)
    return server


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    if server.stderr:
        server.stderr.close()
    if server in _servers:
        _servers.remove(server)


def stop_all() -> None:
    """Stop every server this process started (also on errors and Ctrl-C)."""
    for server in list(_servers):
        stop_server(server)


def wait_health(server: subprocess.Popen, port: int, started: float, timeout: float):
    """Seconds from ``started`` until the server answers its health check."""
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            error = server.stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"streamlit exited ({server.returncode}): {error}")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"no answer from {url} within {timeout:.0f} s")
