"""Class weights in a real browser: the imbalance pitfall's one-click fix, then
training with it and seeing the metrics that suit imbalanced classes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import files

from .conftest import EXCEPTION, MAIN, choose, go_to, rerun, screenshot
from .test_data_screen import upload, use_own_file
from .test_train_screen import TRAINING_TIMEOUT_MS, status_line

pytestmark = pytest.mark.e2e


def test_the_imbalance_fix_trains_with_class_weights_and_shows_balanced_accuracy(
    app_page: Page,
):
    page = app_page
    main = page.locator(MAIN)
    use_own_file(page)
    upload(page, "claims.csv", files.csv_bytes(files.imbalanced_frame()))
    choose(page, "Target: the column to predict", "outcome")
    expect(main.get_by_text("Strong class imbalance", exact=False)).to_be_visible()
    fix = main.get_by_role("button", name="Use balanced class weights")
    rerun(page, lambda: fix.click())
    expect(main.get_by_text("Balanced class weights are on")).to_be_visible()
    expect(fix).to_have_count(0)
    screenshot(page, "class-weights-data-fix")

    go_to(page, "Train")
    expect(
        main.get_by_text("Balanced class weights are on (set on the Data")
    ).to_be_visible()
    expect(main.get_by_role("radio", name="Balanced")).to_be_checked()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(status_line(page)).to_contain_text("Finished", timeout=TRAINING_TIMEOUT_MS)

    cards = main.locator('[data-testid="stMetric"]')
    for title in ("Accuracy", "Balanced accuracy", "PR AUC"):
        card = cards.filter(
            has=page.locator('[data-testid="stMetricLabel"]').get_by_text(
                title, exact=True
            )
        )
        expect(card.first).to_be_visible()
        value = card.first.locator('[data-testid="stMetricValue"]').inner_text()
        assert value[:1].isdigit(), (title, value)  # a number, not "—"
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "class-weights-train-results")
