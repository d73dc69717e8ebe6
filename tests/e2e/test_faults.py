"""Faults in a real browser: a closed tab, a NaN loss, a stop mid-epoch, a killed
server. No run may be lost.

The tests share one server of their own (``NNSTUDIO_CHECKPOINT_SECONDS=1``, so a
checkpoint exists a second into training) and run in file order: the last one
kills that server with SIGKILL, starts it again on the same runs folder and port,
checks that every run the earlier tests started is still listed, and writes
``artifacts/faults.json``.
"""

from __future__ import annotations

import json
import math
import re
import time

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    EXCEPTION,
    MAIN,
    REPO_ROOT,
    StreamlitServer,
    choose,
    go_to,
    grid_rows,
    open_session,
    rerun,
    screenshot,
    wait_for_app,
)
from .test_train_screen import curve_points, set_number, status_line

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Milliseconds to wait for a training to get somewhere (never asserted on).
TRAINING_TIMEOUT_MS = 180_000
ALERT = '[data-testid="stAlert"]'
FAULTS_FILE = REPO_ROOT / "artifacts" / "faults.json"


@pytest.fixture(scope="module")
def server(chromium_executable, tmp_path_factory):
    """This module's own server; the last test kills and restarts it."""
    work = tmp_path_factory.mktemp("nnstudio-faults")
    server = StreamlitServer(work / "runs", NNSTUDIO_CHECKPOINT_SECONDS="1")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ledger() -> dict:
    """What this module's tests did: the runs they started, the faults survived."""
    return {"started": {}, "survived": []}


# -- helpers -------------------------------------------------------------------------


def stored_runs(server: StreamlitServer) -> dict:
    """The server's runs, read from its runs folder: run id -> ``Run``."""
    from nncore.runs.store import RunStore

    return {run.run_id: run for run in RunStore(server.runs_dir).list_runs()}


def wait_for_run(server, run_id: str, ready, timeout_s: float = 180.0):
    """Poll the runs folder until ``ready(run)``; return the run."""
    deadline = time.monotonic() + timeout_s
    while True:
        run = stored_runs(server).get(run_id)
        if run is not None and ready(run):
            return run
        if time.monotonic() > deadline:
            pytest.fail(
                f"run {run_id} did not get there within {timeout_s:.0f} s: "
                f"{run and (run.status, run.epochs_run)}",
                pytrace=False,
            )
        time.sleep(0.1)


def press_train(page: Page, server, ledger: dict, fault: str) -> str:
    """Press Train; return the id of the run it recorded (and note it down)."""
    before = set(stored_runs(server))
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    new = set(stored_runs(server)) - before
    assert len(new) == 1, f"Train recorded {len(new)} runs: {new}"
    run_id = new.pop()
    ledger["started"][run_id] = fault
    return run_id


def circle_session(chromium, server, epochs: int, batch_size: int):
    """A session on the Train screen: Circle with 2,000 points, no early stop."""
    context, page = open_session(chromium, server.url)
    choose(page, "Dataset", "Circle (2-D, binary)")
    points = page.get_by_role("slider", name="Points")
    rerun(page, lambda: points.press("End"))
    expect(points).to_have_value("2000")
    go_to(page, "Train")
    set_number(page, "Epochs", epochs)
    set_number(page, "Batch size", batch_size)
    main = page.locator(MAIN)
    rerun(page, lambda: main.get_by_text("Early stopping", exact=True).click())
    expect(main.get_by_role("switch", name="Early stopping")).not_to_be_checked()
    return context, page


def runs_screen_rows(page: Page, server) -> dict[str, dict[str, str]]:
    """The Runs screen's table: run id -> its row (column -> text).

    The table names runs (each name unique); the runs folder tells their ids.
    The grid draws only the columns in view: a wide window shows them all."""
    page.set_viewport_size({"width": 3000, "height": 1000})
    go_to(page, "Runs")
    grid = page.locator(MAIN).locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    ids = {run.name: run_id for run_id, run in stored_runs(server).items()}
    return {ids.get(row["run"], row["run"]): row for row in grid_rows(grid)}


# -- the faults ----------------------------------------------------------------------


def test_closing_the_tab_mid_training_keeps_the_run(chromium, server, ledger):
    context, page = circle_session(chromium, server, epochs=60, batch_size=8)
    run_id = press_train(page, server, ledger, "tab closed mid-training")
    expect(status_line(page)).to_contain_text(
        re.compile(r"Epoch \d+ of 60"), timeout=TRAINING_TIMEOUT_MS
    )
    running = stored_runs(server)[run_id]
    context.close()
    assert running.status == "running" and running.epochs_run < 60, (
        f"the tab closed after training ended ({running.status}, "
        f"{running.epochs_run} epochs): make the run longer"
    )

    wait_for_run(server, run_id, lambda run: run.status != "running")
    context, page = open_session(chromium, server.url)
    try:
        row = runs_screen_rows(page, server)[run_id]
        assert row["status"] == "finished", row
        assert row["epochs"] == "60", row
        assert row["dataset"] == "Circle (2-D, binary)", row
        expect(page.locator(EXCEPTION)).to_have_count(0)
    finally:
        context.close()
    ledger["survived"].append("browser tab closed mid-training")


def test_a_nan_loss_stops_training_and_says_what_to_do(chromium, server, ledger):
    context, page = open_session(chromium, server.url)
    try:
        choose(page, "Dataset", "Diabetes progression (regression)")
        go_to(page, "Compile")
        choose(page, "Optimiser", "SGD (stochastic gradient descent)")
        rate = page.get_by_role("slider", name="Learning rate")
        rerun(page, lambda: rate.press("End"))
        expect(rate).to_have_attribute("aria-valuetext", "1")
        go_to(page, "Train")
        set_number(page, "Epochs", 30)
        run_id = press_train(page, server, ledger, "NaN loss")
        expect(status_line(page)).to_contain_text(
            re.compile(r"Failed: Training stopped at epoch \d+: the loss became NaN"),
            timeout=TRAINING_TIMEOUT_MS,
        )
        wait_for_app(page)
        main = page.locator(MAIN)
        error = main.locator(ALERT).filter(has_text="the loss became NaN")
        expect(error).to_be_visible()
        expect(error).to_contain_text(
            re.compile(r"halve the learning rate on the Compile screen", re.I)
        )
        expect(
            page.get_by_role("button", name="Halve the learning rate")
        ).to_be_visible()
        expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
        expect(page.get_by_role("button", name="Continue", exact=True)).to_be_disabled()
        expect(page.locator(EXCEPTION)).to_have_count(0)
        assert "Traceback" not in main.inner_text()
        screenshot(page, "faults-nan")
        run = stored_runs(server)[run_id]
        assert run.status == "failed" and "NaN" in (run.error or ""), run
        # The doctor's one-click fix changes the experiment as it says.
        rerun(
            page,
            lambda: page.get_by_role("button", name="Halve the learning rate").click(),
        )
        expect(main.get_by_text(re.compile(r"learning rate 1 → 0\.5"))).to_be_visible()
    finally:
        context.close()
    ledger["survived"].append("NaN loss (SGD, learning rate 1)")


def test_stop_mid_epoch_records_the_completed_epochs(chromium, server, ledger):
    # Batches of one row: 1,400 batches an epoch, so Stop lands inside one.
    context, page = circle_session(chromium, server, epochs=50, batch_size=1)
    try:
        run_id = press_train(page, server, ledger, "stopped mid-epoch")
        expect(status_line(page)).to_contain_text(
            re.compile(r"Epoch ([2-9]|\d\d) of 50 · batch \d+ of 1400"),
            timeout=TRAINING_TIMEOUT_MS,
        )
        page.get_by_role("button", name="Stop", exact=True).click()
        expect(status_line(page)).to_contain_text(
            re.compile(r"Stopped by you after epoch \d+ of 50"),
            timeout=TRAINING_TIMEOUT_MS,
        )
        wait_for_app(page)
        done = int(
            re.search(r"after epoch (\d+)", status_line(page).inner_text()).group(1)
        )
        assert 1 <= done < 50
        assert curve_points(page) == done  # the unfinished epoch is not drawn
        row = runs_screen_rows(page, server)[run_id]
        assert row["status"] == "stopped", row
        assert row["epochs"] == str(done), row
        run = stored_runs(server)[run_id]
        assert len(run.history["loss"]) == done  # nor recorded
        assert run.model_path is not None and run.model_path.exists()
        expect(page.locator(EXCEPTION)).to_have_count(0)
    finally:
        context.close()
    ledger["survived"].append("Stop pressed mid-epoch")


def test_a_server_asked_where_it_waits_answers_and_keeps_serving(chromium, server):
    # `kill -USR1 <pid>` (an admin's, or a failed browser test's report): every
    # thread's stack goes to the server's log, and the server goes on.
    context, page = open_session(chromium, server.url)
    try:
        stacks = server.thread_stacks()
        assert re.search(r"Thread 0x[0-9a-f]+", stacks), stacks[-2000:]
        assert "streamlit" in stacks  # the server's own threads, named by file
        page.reload()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    finally:
        context.close()


def test_a_killed_server_leaves_an_interrupted_run_that_resumes(
    chromium, server, ledger
):
    epochs = 80
    context, page = circle_session(chromium, server, epochs=epochs, batch_size=8)
    # The same experiment twice: once to the end, once killed mid-training.
    whole = press_train(page, server, ledger, "reference, uninterrupted")
    expect(status_line(page)).to_contain_text(
        f"Finished: {epochs} epochs", timeout=TRAINING_TIMEOUT_MS
    )
    wait_for_app(page)
    killed = press_train(page, server, ledger, "server killed mid-training")
    checkpoint = server.runs_dir / killed / "checkpoint.json"
    wait_for_run(
        server,
        killed,
        lambda run: run.epochs_run >= 1 and checkpoint.exists(),
    )
    server.kill()
    context.close()
    at_kill = stored_runs(server)[killed]
    assert at_kill.status == "running" and at_kill.epochs_run < epochs, (
        f"the run ended before the kill ({at_kill.status}, {at_kill.epochs_run} "
        "epochs): make it longer"
    )

    server.start()  # the same runs folder and port
    context, page = open_session(chromium, server.url)
    try:
        rows = runs_screen_rows(page, server)
        missing = sorted(set(ledger["started"]) - set(rows))
        assert not missing, f"runs lost: {missing}; listed: {rows}"
        assert rows[whole]["status"] == "finished", rows[whole]
        assert rows[whole]["epochs"] == str(epochs), rows[whole]
        assert rows[killed]["status"] == "interrupted", rows[killed]
        assert int(rows[killed]["epochs"]) == at_kill.epochs_run
        expected = {
            "tab closed mid-training": "finished",
            "NaN loss": "failed",
            "stopped mid-epoch": "stopped",
        }
        for run_id, fault in ledger["started"].items():
            if fault in expected:
                assert rows[run_id]["status"] == expected[fault], (fault, rows[run_id])
        screenshot(page, "faults-runs-after-restart")

        # The newest run is the one chosen for the actions: Resume it.
        picked = page.locator(MAIN).get_by_role("combobox", name="Run", exact=True)
        killed_name = stored_runs(server)[killed].name
        expect(picked).to_have_value(f"{killed_name} (interrupted)")
        rerun(
            page,
            lambda: page.get_by_role("button", name="Resume", exact=True).click(),
        )
        expect(
            page.get_by_text(f"'{killed_name}' resumes from its last checkpoint")
        ).to_be_visible()
        go_to(page, "Train")
        expect(status_line(page)).to_contain_text(
            f"Finished: {epochs} epochs", timeout=TRAINING_TIMEOUT_MS
        )
        wait_for_app(page)
        expect(
            page.get_by_text(re.compile(r"Resumed from the checkpoint after epoch \d+"))
        ).to_be_visible()
        assert curve_points(page) == epochs
        expect(page.locator(EXCEPTION)).to_have_count(0)
        screenshot(page, "faults-resumed")

        rows = runs_screen_rows(page, server)
        assert rows[killed]["status"] == "finished", rows[killed]
        assert rows[killed]["epochs"] == str(epochs), rows[killed]
        resumed_score = float(rows[killed]["validation accuracy"])
        whole_score = float(rows[whole]["validation accuracy"])
        difference = abs(resumed_score - whole_score)
        listed = len(set(ledger["started"]) & set(rows))
    finally:
        context.close()
    ledger["survived"].append("server killed (SIGKILL) mid-training, then resumed")

    runs = stored_runs(server)
    FAULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    FAULTS_FILE.write_text(
        json.dumps(
            {
                "faults_survived": ledger["survived"],
                "runs_started": len(ledger["started"]),
                "runs_listed_at_the_end": listed,
                "runs_lost": len(ledger["started"]) - listed,
                "runs": {
                    run_id: {
                        "fault": fault,
                        "status": runs[run_id].status,
                        "epochs": runs[run_id].epochs_run,
                    }
                    for run_id, fault in ledger["started"].items()
                },
                "killed_at_epoch": at_kill.epochs_run,
                "epochs": epochs,
                "resumed_validation_accuracy": resumed_score,
                "uninterrupted_validation_accuracy": whole_score,
                "resume_difference": difference,
            },
            indent=2,
        )
        + "\n"
    )
    print(
        f"\nfaults: killed at epoch {at_kill.epochs_run} of {epochs}; validation "
        f"accuracy resumed {resumed_score:.4f} vs uninterrupted {whole_score:.4f} "
        f"(difference {difference:.4f}); runs started {len(ledger['started'])}, "
        f"listed {listed}"
    )
    assert listed == len(ledger["started"])
    assert math.isfinite(difference) and difference <= 0.01
