"""Evaluate and Runs in a browser: train, judge, click a cell, download, compare."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, choose, go_to, rerun, screenshot, wait_for_app
from .test_train_screen import TRAINING_TIMEOUT_MS, set_number, status_line

pytestmark = pytest.mark.e2e

# The titles of the Plotly charts drawn on the page.
_TITLES_JS = """() => Array.from(
  document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot'))
  .map((chart) => (((chart.layout || {}).title || {}).text || '')
    .replace(/<[^>]*>/g, ''))"""

# Where (in page pixels) the centre of a confusion-matrix cell is drawn.
_CELL_JS = """([title, row, column]) => {
  const charts = document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot');
  for (const chart of charts) {
    const text = ((chart.layout || {}).title || {}).text || '';
    if (text.replace(/<[^>]*>/g, '') !== title) continue;
    const full = chart._fullLayout;
    const box = chart.querySelector('.nsewdrag').getBoundingClientRect();
    return {x: box.left + full.xaxis.l2p(column), y: box.top + full.yaxis.l2p(row)};
  }
  return null;
}"""

ROWS = (
    "mean radius,mean texture,mean perimeter,mean area,mean smoothness,"
    "mean compactness,mean concavity,mean concave points,mean symmetry,"
    "mean fractal dimension,radius error,texture error,perimeter error,area error,"
    "smoothness error,compactness error,concavity error,concave points error,"
    "symmetry error,fractal dimension error,worst radius,worst texture,"
    "worst perimeter,worst area,worst smoothness,worst compactness,worst concavity,"
    "worst concave points,worst symmetry,worst fractal dimension,note\n"
    + "17.99,10.38,122.8,1001,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,"
    "0.9053,8.589,153.4,0.006399,0.04904,0.05373,0.01587,0.03003,0.006193,25.38,"
    "17.33,184.6,2019,0.1622,0.6656,0.7119,0.2654,0.4601,0.1189,=HYPERLINK(1)\n"
    + "13.54,14.36,87.46,566.3,0.09779,0.08129,0.06664,0.04781,0.1885,0.05766,"
    "0.2699,0.7886,2.058,23.56,0.008462,0.0146,0.02387,0.01315,0.0198,0.0023,"
    "15.11,19.26,99.7,711.2,0.144,0.1773,0.239,0.1288,0.2977,0.07259,fine\n"
)


def titles(page: Page) -> list[str]:
    return page.evaluate(_TITLES_JS)


def train(page: Page, epochs: int) -> None:
    go_to(page, "Train")
    set_number(page, "Epochs", epochs)
    # After the click's rerun the bar shows the new job, not the last one's end.
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    expect(status_line(page)).to_contain_text("Finished", timeout=TRAINING_TIMEOUT_MS)
    wait_for_app(page)


def test_train_evaluate_click_a_cell_download_predictions_and_compare(
    app_page: Page, tmp_path
):
    page = app_page
    main = page.locator(MAIN)
    train(page, 5)  # the default data: breast cancer, binary
    go_to(page, "Evaluate")
    expect(
        main.get_by_text(re.compile(r"How good it is on the 86 validation"))
    ).to_be_visible()
    expect(
        main.get_by_text(re.compile(r"accuracy; always guessing 'benign'"))
    ).to_be_visible()
    page.wait_for_function(
        f"() => ({_TITLES_JS})().includes('ROC curve')", timeout=30_000
    )
    shown = titles(page)
    assert "Confusion matrix (validation rows)" in shown and "ROC curve" in shown
    expect(main.locator(".js-plotly-plot .heatmaplayer").first).to_be_visible()

    # Clicking a cell of the matrix lists its rows.
    # The matrix may start below the fold: a click must land inside the window.
    main.locator(".js-plotly-plot .heatmaplayer").first.scroll_into_view_if_needed()
    cell = page.evaluate(_CELL_JS, ["Confusion matrix (validation rows)", 1, 1])
    assert cell is not None
    rerun(page, lambda: page.mouse.click(cell["x"], cell["y"]))
    box = main.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text("Rows behind a cell", exact=False)
    )
    expect(box.locator('[role="combobox"]')).to_have_value(
        re.compile(r"true 'malignant' predicted as 'malignant'")
    )
    expect(main.get_by_text(re.compile(r"the most confident first"))).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "evaluate-classification")

    # A table to predict: the download has the predictions, formula-safe.
    field = (
        main.locator('[data-testid="stFileUploader"]')
        .filter(has=page.get_by_text("Table to predict", exact=False))
        .locator('input[type="file"]')
    )
    rerun(
        page,
        lambda: field.set_input_files(
            files=[{"name": "new.csv", "mimeType": "text/csv", "buffer": ROWS.encode()}]
        ),
    )
    button = page.get_by_role("button", name="Download with predictions (.csv)")
    expect(button).to_be_visible()
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "new-predictions.csv"
    saved = tmp_path / "predictions.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2
    assert rows[0]["predicted target"] in ("benign", "malignant")
    assert float(rows[0]["probability malignant"]) >= 0
    assert rows[0]["note"] == "'=HYPERLINK(1)"  # neutralised for spreadsheets
    assert rows[1]["note"] == "fine"

    # The test rows stay held back until asked for.
    rerun(page, lambda: main.get_by_text("Test rows (final check)").click())
    expect(
        main.get_by_text(re.compile("86 test rows have been kept apart"))
    ).to_be_visible()
    rerun(
        page,
        lambda: page.get_by_role("button", name="Evaluate on the test set").click(),
    )
    expect(
        main.get_by_text(re.compile(r"How good it is on the 86 test"))
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "evaluate-test-rows")

    # A second run, and the two side by side.
    go_to(page, "Model")
    rerun(page, lambda: page.get_by_role("button", name="Start simple").click())
    train(page, 5)
    go_to(page, "Runs")
    multiselect = main.locator('[data-testid="stMultiSelect"]')
    for _ in range(2):
        multiselect.locator('[role="combobox"]').click()
        rerun(page, lambda: page.locator('[role="option"]').first.click())
    page.keyboard.press("Escape")
    expect(main.get_by_text(re.compile(r"B .*: validation accuracy"))).to_be_visible()
    # Each run's validation score comes with its 95 % interval.
    expect(
        main.get_by_text(re.compile(r"The 95 % interval is the range"))
    ).to_be_visible()
    page.wait_for_function(
        f"() => ({_TITLES_JS})().includes('Validation scores')", timeout=30_000
    )
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "runs-compare")


def test_evaluate_a_regression_network(app_page: Page):
    page = app_page
    choose(page, "Dataset", "Diabetes progression (regression)")
    train(page, 60)  # the target is in the hundreds: the network needs a while
    go_to(page, "Evaluate")
    main = page.locator(MAIN)
    expect(main.get_by_text(re.compile(r"always guessing the mean"))).to_be_visible()
    page.wait_for_function(
        f"() => ({_TITLES_JS})().includes('Spread of the residuals')", timeout=30_000
    )
    assert {"Predicted against actual", "Residuals against the prediction"} <= set(
        titles(page)
    )
    rerun(
        page,
        lambda: page.get_by_role(
            "button", name="Work out which columns matter"
        ).click(),
    )
    page.wait_for_function(
        f"() => ({_TITLES_JS})().some((t) => t.startsWith('Which columns'))",
        timeout=60_000,
    )
    rerun(page, lambda: page.get_by_role("button", name="Predict", exact=True).click())
    expect(main.get_by_text("Predicted target", exact=True)).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "evaluate-regression")
