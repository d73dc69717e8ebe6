"""The Train screen in a real browser: live curves, other screens, reload, stop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    EXCEPTION,
    MAIN,
    SIDEBAR,
    choose,
    go_to,
    rerun,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

# Milliseconds to wait for training to get somewhere (never asserted on).
TRAINING_TIMEOUT_MS = 90_000

# Epochs drawn on the learning-curve chart: the length of its "training" line.
_CURVE_POINTS_JS = """() => {
  const charts = document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot');
  for (const chart of charts) {
    const line = (chart.data || []).find((trace) => trace.name === 'training');
    if (line) return line.x.length;
  }
  return 0;
}"""


def curve_points(page: Page) -> int:
    return page.evaluate(_CURVE_POINTS_JS)


def wait_for_more_points(page: Page, than: int) -> int:
    """Wait until the curves show more epochs than ``than``; return how many."""
    page.wait_for_function(
        f"() => ({_CURVE_POINTS_JS})() > {than}", timeout=TRAINING_TIMEOUT_MS
    )
    return curve_points(page)


def set_number(page: Page, label: str, value: int) -> None:
    box = (
        page.locator(MAIN)
        .locator('[data-testid="stNumberInput"]')
        .filter(has=page.get_by_text(label, exact=True))
    )
    field = box.locator("input")
    # A run still going (the one that follows a finished training) would draw
    # the field again over what was typed.
    wait_for_app(page)
    field.fill(str(value))
    rerun(page, lambda: field.press("Enter"))
    expect(field).to_have_value(str(value))


def status_line(page: Page):
    """The progress bar's text on the Train screen (the job's one-line status)."""
    return page.locator(MAIN).locator('[data-testid="stProgress"]').first


def test_train_live_leave_and_come_back_reload_stop_and_continue(app_page: Page):
    page = app_page
    choose(page, "Dataset", "Circle (2-D, binary)")
    # The most points, batches of one row and 1000 epochs: still training whenever
    # the test looks, however fast the machine, until the test stops it.
    points = page.locator('[data-testid="stSlider"]').filter(
        has=page.get_by_text("Points", exact=True)
    )
    rerun(page, lambda: points.get_by_role("slider").press("End"))
    expect(points.get_by_role("slider")).to_have_value("2000")
    go_to(page, "Train")
    main = page.locator(MAIN)
    expect(main.get_by_text("No training yet: press Train.")).to_be_visible()
    set_number(page, "Epochs", 1000)
    set_number(page, "Batch size", 1)
    rerun(page, lambda: main.get_by_text("Early stopping", exact=True).click())
    expect(main.get_by_role("switch", name="Early stopping")).not_to_be_checked()

    page.get_by_role("button", name="Train", exact=True).click()
    expect(status_line(page)).to_contain_text(
        re.compile(r"Epoch \d+ of 1000"), timeout=TRAINING_TIMEOUT_MS
    )
    first = wait_for_more_points(page, 0)
    second = wait_for_more_points(page, first)  # the chart redraws by itself
    assert second > first
    assert "job=" in page.url
    expect(main.get_by_text("Decision boundary after epoch").first).to_be_visible()
    screenshot(page, "train-live", live=True)

    # Another screen: the sidebar shows the training; coming back, it has gone on.
    go_to(page, "Data", live=True)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_text("Training", exact=True)).to_be_visible()
    expect(sidebar.get_by_text(re.compile(r"Epoch \d+ of 1000"))).to_be_visible()
    assert "job=" in page.url
    go_to(page, "Train", live=True)
    wait_for_more_points(page, second)
    screenshot(page, "train-back-from-data", live=True)

    # A reload is a new session: it re-attaches to the job in the URL.
    before = curve_points(page)
    page.reload()
    # Not waiting for a pause between the live runs: the status line says when
    # the new session has attached to the job.
    expect(status_line(page)).to_contain_text(
        re.compile(r"Epoch \d+ of 1000"), timeout=TRAINING_TIMEOUT_MS
    )
    assert wait_for_more_points(page, before) > before
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_enabled()

    page.get_by_role("button", name="Stop", exact=True).click()
    expect(status_line(page)).to_contain_text(
        "Stopped by you after epoch", timeout=TRAINING_TIMEOUT_MS
    )
    stopped_at = int(
        re.search(r"after epoch (\d+)", status_line(page).inner_text()).group(1)
    )
    wait_for_app(page)
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled()
    screenshot(page, "train-stopped")

    set_number(page, "More epochs", 2)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(status_line(page)).to_contain_text(
        f"Finished: {stopped_at + 2} epochs", timeout=TRAINING_TIMEOUT_MS
    )
    wait_for_app(page)
    assert curve_points(page) == stopped_at + 2
    expect(main.get_by_text("Validation results")).to_be_visible()
    expect(
        page.get_by_role("button", name="Model (.keras)", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("button", name="History (.csv)")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "train-finished")

    rerun(page, lambda: page.get_by_role("button", name="Reset", exact=True).click())
    expect(main.get_by_text("No training yet: press Train.")).to_be_visible()
    assert "job=" not in page.url
