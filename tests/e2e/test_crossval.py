"""Cross-validation in a real browser: train once, then estimate the validation
score with k folds and see the fold scores and the sentence."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, choose, go_to, rerun, screenshot
from .test_train_screen import set_number

pytestmark = pytest.mark.e2e

# Milliseconds to wait for the trainings to end (never asserted on).
TRAINING_TIMEOUT_MS = 120_000


def test_estimate_with_cross_validation_shows_the_folds_and_the_spread(
    app_page: Page,
):
    page = app_page
    choose(page, "Dataset", "Iris flowers (3 classes)")
    go_to(page, "Train")
    main = page.locator(MAIN)
    set_number(page, "Epochs", 5)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(main.get_by_text(re.compile(r"^Finished"))).to_be_visible(
        timeout=TRAINING_TIMEOUT_MS
    )

    button = main.get_by_role("button", name="Estimate with 5-fold cross-validation")
    expect(button).to_be_enabled()
    set_number(page, "Folds (k)", 3)
    button = main.get_by_role("button", name="Estimate with 3-fold cross-validation")
    rerun(page, lambda: button.click())
    sentence = main.get_by_text(re.compile(r"^Across 3 splits the validation accuracy"))
    expect(sentence).to_be_visible(timeout=TRAINING_TIMEOUT_MS)
    expect(sentence).to_contain_text("a single split's score can be off by this much")
    chart = main.locator(".js-plotly-plot").filter(
        has_text="Validation accuracy in each fold"
    )
    expect(chart).to_be_visible()
    bars = chart.evaluate("(el) => el.data[0].x")
    assert bars == ["Fold 1", "Fold 2", "Fold 3"]
    expect(
        main.get_by_text("Your trained network's validation accuracy")
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    chart.scroll_into_view_if_needed()
    screenshot(page, "train-crossval")
