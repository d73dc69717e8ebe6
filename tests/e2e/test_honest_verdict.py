"""The honest verdict in a browser: after a short training on the default data
(breast cancer), Train and Evaluate show the 95 % intervals and the reference models.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, go_to, screenshot
from .test_evaluate_screen import train

pytestmark = pytest.mark.e2e

INTERVAL = re.compile(r"^\d\.\d{3} \(\d\.\d{3}-\d\.\d{3}\)$")
CHART = "Your network against the naive guess and the reference models"

# The names of the traces of the chart titled ``title`` (none when not drawn).
_TRACES_JS = """(title) => {
  const charts = document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot');
  for (const chart of charts) {
    const text = ((chart.layout || {}).title || {}).text || '';
    if (text.replace(/<[^>]*>/g, '') === title) {
      return chart.data.map((trace) => [trace.name, !!(trace.error_y || {}).array]);
    }
  }
  return [];
}"""


def metric_value(page: Page, label: str):
    card = (
        page.locator(MAIN)
        .locator('[data-testid="stMetric"]')
        .filter(has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    )
    return card.first.locator('[data-testid="stMetricValue"]')


def test_train_and_evaluate_show_reference_models_and_intervals(app_page: Page):
    page = app_page
    main = page.locator(MAIN)
    train(page, 3)

    # Train: the cards carry the intervals, the sentence names the reference models.
    expect(metric_value(page, "Accuracy")).to_have_text(INTERVAL)
    expect(metric_value(page, "ROC AUC")).to_have_text(INTERVAL)
    told = main.get_by_text(re.compile(r"^Your network: \d+ % accuracy on the valid"))
    expect(told).to_be_visible()
    expect(told).to_contain_text(re.compile("gradient boosting", re.IGNORECASE))
    expect(told).to_contain_text(re.compile("logistic regression", re.IGNORECASE))
    expect(page.locator(EXCEPTION)).to_have_count(0)
    main.get_by_role("heading", name="Validation results").scroll_into_view_if_needed()
    screenshot(page, "verdict-train")

    # Evaluate: the same cards and the chart of the four models, error bars on ours.
    go_to(page, "Evaluate")
    expect(metric_value(page, "Accuracy")).to_have_text(INTERVAL)
    title = f"{CHART} (validation rows)"
    page.wait_for_function(
        f"(title) => ({_TRACES_JS})(title).length === 4", arg=title, timeout=30_000
    )
    assert page.evaluate(_TRACES_JS, title) == [
        ["Your network", True],
        ["Naive baseline", False],
        ["Logistic regression", False],
        ["Gradient boosting", False],
    ]
    expect(
        main.get_by_text(re.compile(r"^Your network: .* on the validation rows"))
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    main.locator(".js-plotly-plot").filter(
        has=page.get_by_text(title)
    ).first.scroll_into_view_if_needed()
    screenshot(page, "verdict-evaluate")
