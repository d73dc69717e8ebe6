"""Four people train at once on one server: the queue, separate results, the same
numbers as each experiment trained alone, and the server's peak memory.

The server is the test's own (a fresh runs folder), so its memory is this test's.
Its results go to ``artifacts/load-test.json``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from nncore.core.catalog import dataset_title
from nncore.core.metrics import METRIC_TITLES, format_metric
from nncore.runs.store import RunStore

from .conftest import (
    EXCEPTION,
    MAIN,
    REPO_ROOT,
    SIDEBAR,
    choose,
    go_to,
    grid_rows,
    open_session,
    screenshot,
    wait_for_app,
)
from .test_train_screen import curve_points, set_number, status_line

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Milliseconds to wait for the four trainings (never asserted on).
TRAINING_TIMEOUT_MS = 240_000
LOAD_FILE = REPO_ROOT / "artifacts" / "load-test.json"
# A result that differs by more than this from the same experiment trained alone
# is not the same result.
SAME = 1e-6


# Where each chart titled "Decision boundary after epoch" is on the page: the
# chain of Streamlit elements around its title, innermost first.
BOUNDARY_PLACES_JS = """() => [
  ...document.querySelectorAll('[data-testid="stMain"] text')
].filter((t) => t.textContent.startsWith('Decision boundary after epoch'))
  .map((t) => {
    const chain = [];
    for (let x = t; x && x.dataset; x = x.parentElement) {
      const key = [...x.classList].find((c) => c.startsWith('st-key-'));
      if (x.dataset.testid) chain.push(x.dataset.testid + (key ? `.${key}` : ''));
    }
    return `${t.textContent}: ${chain.slice(0, 8).join(' < ')}`;
  })"""


def expect_boundaries(page: Page, count: int) -> None:
    """The page shows ``count`` decision-boundary charts; when not, the failure
    says where each one is (and a screenshot shows the page)."""
    boundary = page.locator(MAIN).get_by_text("Decision boundary after epoch")
    try:
        expect(boundary).to_have_count(count)
    except AssertionError as failure:
        screenshot(page, "load-boundary-count")
        places = page.evaluate(BOUNDARY_PLACES_JS)
        raise AssertionError(f"{failure}\nThe charts: {places}") from None


@dataclass(frozen=True)
class Plan:
    """What one session trains."""

    title: str  # as the Dataset box and the run table name it
    epochs: int


PLANS = [
    Plan("Iris flowers (3 classes)", 20),
    Plan("Wine (3 classes)", 20),
    Plan("Circle (2-D, binary)", 25),
    Plan("Breast cancer (binary)", 15),
]

# Records every queue message that the page shows, however briefly.
_WATCH_QUEUE_JS = """() => {
  window.__nnQueue = [];
  const look = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    const text = main ? main.textContent || '' : '';
    const queued = /Waiting: (next to start|\\d+\\w\\w in the queue)/g;
    for (const m of text.matchAll(queued)) {
      if (!window.__nnQueue.includes(m[0])) window.__nnQueue.push(m[0]);
    }
  };
  new MutationObserver(look).observe(document.body, {
    subtree: true, childList: true, characterData: true,
  });
}"""


def prepare(chromium, url: str, plan: Plan):
    """A session on the Train screen with the plan's data and epochs."""
    context, page = open_session(chromium, url)
    if plan.title != "Breast cancer (binary)":  # the default dataset
        choose(page, "Dataset", plan.title)
    go_to(page, "Train")
    set_number(page, "Epochs", plan.epochs)
    page.evaluate(_WATCH_QUEUE_JS)
    return context, page


def epochs_shown(page: Page) -> int:
    """Epochs trained, from the status line of a finished job."""
    text = status_line(page).inner_text()
    found = re.search(r"Finished: (\d+) epochs|early stopping after epoch (\d+)", text)
    assert found, text
    return int(found.group(1) or found.group(2))


def train_alone(specs: dict[str, dict], folder) -> dict[str, dict]:
    """Train each experiment by itself with the command line (``nncore run``), one
    after the other in one process; return run id -> its result."""
    paths = {}
    for run_id, spec in specs.items():
        paths[run_id] = folder / f"{run_id}.json"
        paths[run_id].write_text(json.dumps(spec))
    code = (
        "import sys\nfrom nncore.cli import main\n"
        "for path in sys.argv[1:]:\n    assert main(['run', path]) == 0\n"
    )
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_ENABLE_ONEDNN_OPTS="0",
        NNSTUDIO_RUNS_DIR=str(folder / "alone-runs"),
        PYTHONPATH=str(REPO_ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths.values())],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line]
    assert len(lines) == len(paths), result.stdout
    return dict(zip(paths, lines, strict=True))


def test_four_sessions_train_at_once(chromium, private_server, tmp_path):
    server = private_server(tmp_path / "runs")
    sessions = [prepare(chromium, server.url, plan) for plan in PLANS]
    pages = [page for _, page in sessions]
    try:
        # Train in each session in turn, without waiting for any of them.
        started = time.monotonic()
        for page in pages:
            page.get_by_role("button", name="Train", exact=True).click()
        clicked_within_s = time.monotonic() - started
        for page in pages:
            expect(status_line(page)).to_contain_text(
                "Finished", timeout=TRAINING_TIMEOUT_MS
            )
        wall_s = time.monotonic() - started
        peak_kib = server.peak_memory_kib()
        for page in pages:
            wait_for_app(page)

        # Someone waited in the queue and was told where.
        queue_seen = [page.evaluate("window.__nnQueue") for page in pages]
        assert any(
            re.search(r"\d+(nd|rd|th) in the queue", text)
            for seen in queue_seen
            for text in seen
        ), queue_seen

        # Each session shows its own job: its data, its epochs, its chart.
        jobs = set()
        for plan, page in zip(PLANS, pages, strict=True):
            main = page.locator(MAIN)
            jobs.add(re.search(r"job=(\w+)", page.url).group(1))
            expect(main.get_by_text(f"Data: {plan.title} ·")).to_be_visible()
            sidebar = page.locator(SIDEBAR)
            expect(sidebar.get_by_text(plan.title, exact=True)).to_be_visible()
            assert 1 <= epochs_shown(page) <= plan.epochs
            assert curve_points(page) == epochs_shown(page)
            epochs = main.locator('[data-testid="stDataFrame"]').first
            newest = grid_rows(epochs)[0]  # the epoch table, newest epoch first
            assert newest["epoch"] == str(epochs_shown(page)), newest
            expect_boundaries(page, 1 if plan.title.startswith("Circle") else 0)
            expect(page.locator(EXCEPTION)).to_have_count(0)
        assert len(jobs) == len(PLANS)
        for i, page in enumerate(pages):
            screenshot(page, f"load-session-{i + 1}")

        # The Train screen's scores are those of the session's own run.
        stored = {run.run_id: run for run in RunStore(server.runs_dir).list_runs()}
        by_dataset = {run.dataset: run for run in stored.values()}
        assert len(by_dataset) == len(PLANS), by_dataset
        for plan, page in zip(PLANS, pages, strict=True):
            (run,) = [
                r for r in stored.values() if dataset_title(r.dataset) == plan.title
            ]
            assert epochs_shown(page) == run.epochs_run
            metric = (
                page.locator(MAIN)
                .locator('[data-testid="stMetric"]')
                .filter(has=page.get_by_text(METRIC_TITLES["accuracy"], exact=True))
            )
            # The stored accuracy, followed by its 95 % interval.
            shown = format_metric(run.metrics["val"]["accuracy"], "accuracy")
            expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(
                re.compile("^" + re.escape(shown) + r" \(\d\.\d{3}-\d\.\d{3}\)$")
            )

        # Runs are shared: the Runs screen lists all four, finished.
        go_to(pages[0], "Runs")
        grid = pages[0].locator(MAIN).locator('[data-testid="stDataFrame"]').first
        expect(grid).to_be_visible()
        ids = {run.name: run_id for run_id, run in stored.items()}  # names shown
        rows = {ids.get(row["run"], row["run"]): row for row in grid_rows(grid)}
        assert set(rows) == set(stored), rows
        assert {row["dataset"] for row in rows.values()} == {p.title for p in PLANS}
        assert {row["status"] for row in rows.values()} == {"finished"}
        for run_id, row in rows.items():
            assert float(row["validation accuracy"]) == pytest.approx(
                stored[run_id].metrics["val"]["accuracy"], abs=1e-12
            )
        expect(pages[0].locator(EXCEPTION)).to_have_count(0)
    finally:
        for context, _ in sessions:
            context.close()

    # The same experiments, each trained alone with the same seed.
    alone = train_alone({run_id: run.spec for run_id, run in stored.items()}, tmp_path)
    alone_runs = {
        run.dataset: run for run in RunStore(tmp_path / "alone-runs").list_runs()
    }
    spread = 0.0
    per_session = {}
    for run_id, run in stored.items():
        together, single = run.metrics["val"], alone[run_id]["metrics"]["val"]
        assert alone[run_id]["epochs_run"] == run.epochs_run, run_id
        assert set(together) == set(single)
        gaps = {
            name: abs(together[name] - single[name])
            for name in together
            if together[name] is not None
        }
        # Every epoch's losses and scores too, not only the final scores.
        history = alone_runs[run.dataset].history
        assert set(history) == set(run.history), run_id
        for name, values in run.history.items():
            assert len(history[name]) == len(values), (run_id, name)
            gaps[f"history {name}"] = max(
                0.0 if a is None and b is None else abs(a - b)
                for a, b in zip(values, history[name], strict=True)
            )
        spread = max(spread, *gaps.values())
        per_session[run.dataset] = {
            "epochs": run.epochs_run,
            "validation_accuracy": together["accuracy"],
            "validation_accuracy_alone": single["accuracy"],
            "largest_difference": max(gaps.values()),
        }

    LOAD_FILE.parent.mkdir(parents=True, exist_ok=True)
    LOAD_FILE.write_text(
        json.dumps(
            {
                "sessions": len(PLANS),
                "trains_pressed_within_s": round(clicked_within_s, 2),
                "wall_time_s": round(wall_s, 1),
                "server_peak_memory_mib": round(peak_kib / 1024, 1),
                "result_spread": spread,
                "queue_messages_seen": queue_seen,
                "per_session": per_session,
            },
            indent=2,
        )
        + "\n"
    )
    print(
        f"\nload: {len(PLANS)} sessions, Train pressed within "
        f"{clicked_within_s:.1f} s, all finished after {wall_s:.1f} s; server peak "
        f"memory {peak_kib / 1024:.0f} MiB; spread against training alone "
        f"{spread:.2g}; queue messages {queue_seen}"
    )
    assert spread <= SAME, per_session
