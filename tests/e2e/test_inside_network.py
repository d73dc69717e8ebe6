"""Inside the network in a real browser: the neurons over the plane as they are
after training, the time machine scrubbing back to the starting weights, and one
batch at a time (the README's screenshots ``inside-neurons`` and ``step-mode``)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from nncore.spec import default_spec, validate_spec
from nncore.spec.sharing import encode_spec

from .conftest import (
    EXCEPTION,
    MAIN,
    SCREENSHOTS,
    VIEWPORT,
    go_to,
    rerun,
    screenshot,
    wait_for_app,
)
from .test_train_screen import TRAINING_TIMEOUT_MS, status_line

pytestmark = pytest.mark.e2e

# The inside figure's traces: how many heatmaps, and the first one's values.
_MAPS_JS = """() => {
  const chart = document.querySelector('.st-key-train_inside_figure .js-plotly-plot');
  if (!chart || !chart.data) return null;
  const maps = chart.data.filter((trace) => trace.type === 'heatmap');
  return {count: maps.length, first: JSON.stringify(maps.length ? maps[0].z : null),
          title: (chart.layout.title || {}).text || ''};
}"""

# The annotations on the learning curves (the marks: best, shown epoch).
_MARKS_JS = """() => {
  const chart = document.querySelector('.st-key-train_curves .js-plotly-plot');
  return chart ? (chart.layout.annotations || []).map((a) => a.text) : [];
}"""


def part(page: Page, key: str, name: str) -> None:
    """Save the element with widget key ``key`` alone as NAME.png (for the
    README, docs/images/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(f".st-key-{key}").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def small_circle_experiment() -> dict:
    """Circle data, one hidden layer of 4 neurons (17 weights), 20 epochs."""
    spec = default_spec()
    spec["data"]["source"] = "builtin:circle"
    spec["model"]["layers"] = [{"type": "dense", "units": 4, "activation": "tanh"}]
    spec["train"].update(epochs=20, batch_size=16)
    spec["train"]["early_stopping"]["enabled"] = False
    return validate_spec(spec)


@pytest.fixture
def circle_page(chromium, app_url):
    """A fresh session opened from a share link of the small circle experiment."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(45_000)
    page = context.new_page()
    page.goto(f"{app_url}/?experiment={encode_spec(small_circle_experiment())}")
    wait_for_app(page)
    yield page
    context.close()


def test_neurons_over_the_plane_and_the_time_machine(circle_page: Page):
    page = circle_page
    main = page.locator(MAIN)
    go_to(page, "Train")
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    expect(status_line(page)).to_contain_text("Finished", timeout=TRAINING_TIMEOUT_MS)
    wait_for_app(page)
    expect(main.get_by_role("heading", name="Inside the network")).to_be_visible()
    page.wait_for_function(f"() => !!({_MAPS_JS})()", timeout=30_000)
    trained = page.evaluate(_MAPS_JS)
    assert trained["count"] == 5, trained  # 4 hidden neurons and the output
    assert "after epoch 20" in trained["title"]
    screenshot(page, "inside-neurons")
    part(page, "train_inside_figure", "readme-inside-neurons")

    # Back to the starting weights: the slider's Home key, then the maps change
    # and the curves mark the start.
    slider = (
        main.locator('[data-testid="stSlider"]')
        .filter(has=page.get_by_text("Epoch shown", exact=True))
        .get_by_role("slider")
    )
    rerun(page, lambda: slider.press("Home"))
    page.wait_for_function(
        f"() => (({_MAPS_JS})() || {{}}).title.includes('starting weights')",
        timeout=30_000,
    )
    start = page.evaluate(_MAPS_JS)
    assert start["first"] != trained["first"]
    assert "shown: start" in page.evaluate(_MARKS_JS)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "inside-time-machine")
    part(page, "train_curves", "readme-inside-curves")


def test_one_batch_at_a_time_shows_the_numbers_and_moves_on(circle_page: Page):
    page = circle_page
    main = page.locator(MAIN)
    go_to(page, "Train")
    # The whole screen first: Streamlit's browser code loads the number inputs'
    # part on first use, and a click before they are drawn reruns the script
    # without their values (they fall back to their minimum).
    expect(main.get_by_text("No training yet: press Train.")).to_be_visible()
    epochs = main.locator('[data-testid="stNumberInput"]').filter(
        has=page.get_by_text("Epochs", exact=True)
    )
    expect(epochs.locator("input")).to_have_value("20")
    wait_for_app(page)
    label = main.get_by_text("Step through the training", exact=True)
    rerun(page, lambda: label.click(), timeout=90_000)
    expect(main.get_by_role("switch", name="Step through the training")).to_be_checked()
    next_batch = main.get_by_role("button", name="Next batch")
    rerun(page, lambda: next_batch.click(), timeout=90_000)
    metrics = main.locator('[data-testid="stMetric"]')
    batch = metrics.filter(has=page.get_by_text("Batch", exact=True))
    loss = metrics.filter(has=page.get_by_text("Loss of the batch", exact=True))
    expect(batch).to_contain_text(re.compile(r"Batch\s*1 / \d+"))
    # The forward pass, predictions, gradients and update, drawn with numbers.
    expect(main.locator(".st-key-step_gradients_chart .js-plotly-plot")).to_be_visible()
    expect(main.locator(".st-key-step_update_chart .js-plotly-plot")).to_be_visible()
    before = loss.inner_text()
    rerun(page, lambda: next_batch.click(), timeout=90_000)
    expect(batch).to_contain_text(re.compile(r"Batch\s*2 / \d+"))
    assert loss.inner_text() != before
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "step-mode")
    part(page, "step_update_chart", "readme-step-update")
