"""The Tune screen in a real browser: a short search, live trials, promote the best."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, choose, go_to, rerun, screenshot, wait_for_app
from .test_train_screen import set_number, status_line

pytestmark = pytest.mark.e2e

# Milliseconds to wait for the search to get somewhere (never asserted on).
SEARCH_TIMEOUT_MS = 150_000

# Trial lines on the "Learning curves of every trial" chart.
_CURVES_JS = """() => {
  let most = 0;
  for (const chart of document.querySelectorAll(
      '[data-testid="stMain"] .js-plotly-plot')) {
    const title = (chart.layout && chart.layout.title && chart.layout.title.text) || '';
    if (title.includes('Learning curves of every trial')) {
      most = Math.max(most, (chart.data || []).length);
    }
  }
  return most;
}"""


def finished_trials(page: Page) -> int:
    """The "Trials finished" metric: N of "N/6"."""
    metric = (
        page.locator(MAIN)
        .locator('[data-testid="stMetric"]')
        .filter(has=page.get_by_text("Trials finished", exact=True))
    )
    if not metric.count():
        return 0
    text = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return int(text.split("/")[0])


def wait_for_finished_trials(page: Page, more_than: int) -> int:
    page.wait_for_function(
        """(n) => {
          for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
            if ((m.innerText || '').includes('Trials finished')) {
              const v = m.querySelector('[data-testid="stMetricValue"]');
              return v && parseInt(v.innerText.split('/')[0]) > n;
            }
          }
          return false;
        }""",
        arg=more_than,
        timeout=SEARCH_TIMEOUT_MS,
    )
    return finished_trials(page)


def test_tune_live_trials_and_promote_the_best(app_page: Page):
    page = app_page
    choose(page, "Dataset", "Iris flowers (3 classes)")
    go_to(page, "Tune")
    main = page.locator(MAIN)
    expect(main.get_by_text("No search yet: press Start search.")).to_be_visible()
    # The speed is measured in the background; then the estimate has a time.
    expect(main.get_by_text(re.compile("at the measured speed"))).to_be_visible(
        timeout=SEARCH_TIMEOUT_MS
    )
    wait_for_app(page)
    rerun(page, lambda: main.get_by_text("Smart (TPE)", exact=True).click())
    set_number(page, "Trials", 6)
    set_number(page, "Epochs per trial", 8)
    expect(main.get_by_text(re.compile(r"^6 trials × 8 epochs ≈"))).to_be_visible()
    screenshot(page, "tune-configured")

    page.get_by_role("button", name="Start search", exact=True).click()
    expect(status_line(page)).to_contain_text(
        re.compile(r"Trial \d of 6"), timeout=SEARCH_TIMEOUT_MS
    )
    assert "tune=" in page.url
    # Trials appear while the search runs: the count and the curves grow by
    # themselves, without any click.
    first = wait_for_finished_trials(page, 0)
    second = wait_for_finished_trials(page, first)
    assert second > first
    page.wait_for_function(f"() => ({_CURVES_JS})() >= {second}")
    screenshot(page, "tune-live")

    expect(status_line(page)).to_contain_text(
        "Finished · 6 trials", timeout=SEARCH_TIMEOUT_MS
    )
    wait_for_app(page)
    expect(page.get_by_role("button", name="Start search", exact=True)).to_be_enabled()
    expect(page.get_by_role("button", name="Trials (.csv)")).to_be_visible()
    for title in (
        "Learning curves of every trial",
        "Optimisation history",
        "Settings and results of the completed trials",
    ):
        expect(main.locator(".gtitle").filter(has_text=title)).to_have_count(1)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "tune-finished")

    # The study is kept: "Open or watch a study" lists it in the runs folder.
    rerun(page, lambda: main.get_by_text("Open or watch a study").click())
    heading = main.get_by_role("heading", name=re.compile(r"^Study iris-"))
    name = heading.inner_text().removeprefix("Study ").strip()
    picker = main.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text("Study", exact=True)
    )
    expect(picker.locator('[role="combobox"]')).to_have_value(name)
    expect(main.get_by_text(re.compile(r"^6 trials · started "))).to_be_visible()
    screenshot(page, "tune-open-study")

    rerun(page, lambda: page.get_by_role("button", name="Use the best").click())
    notice = main.get_by_text(re.compile("Applied the best settings of trial"))
    expect(notice.first).to_be_visible()
    # The best's network is timed in the background for the estimate; when that
    # ends, the page is drawn again, and the notice is still there to read.
    expect(main.get_by_text(re.compile("at the measured speed"))).to_be_visible(
        timeout=SEARCH_TIMEOUT_MS
    )
    wait_for_app(page)
    expect(notice.first).to_be_visible()
    text = notice.first.inner_text()
    screenshot(page, "tune-promoted")
    # The Compile screen shows the best learning rate (when it changed).
    rate = re.search(r"learning rate \S+ → (\S+?)[;.]?\s", text + " ")
    if rate:
        go_to(page, "Compile")
        expect(main.get_by_text(rate.group(1), exact=True).first).to_be_visible()
        go_to(page, "Tune")

    # Train the best as a normal run: the Train screen opens and trains it.
    rerun(page, lambda: page.get_by_role("button", name="Train the best").click())
    expect(main.get_by_role("heading", name="Train", exact=True)).to_be_visible()
    expect(status_line(page)).to_contain_text(
        re.compile(r"Finished"), timeout=SEARCH_TIMEOUT_MS
    )
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "tune-trained-best")
