"""Pictures in a real browser (issue 14): a small CNN trained on the digits shows
its filters, a confusion-matrix cell opens on its pictures, a digit drawn with the
mouse on the canvas is predicted, and so is a photo from Chromium's fake webcam.
Screenshots: ``image-train-filters``, ``image-train-maps``,
``image-evaluate-cell``, ``image-evaluate-per-class``, ``image-try`` and
``image-try-webcam``."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from nncore.spec import default_spec, validate_spec
from nncore.spec.sharing import encode_spec
from nncore.train.model import IMAGE_PRESETS

from .conftest import (
    CHROMIUM_ARGS,
    EXCEPTION,
    MAIN,
    SCREENSHOTS,
    VIEWPORT,
    go_to,
    rerun,
    wait_for_app,
)
from .test_evaluate_screen import _CELL_JS
from .test_train_screen import TRAINING_TIMEOUT_MS, status_line

pytestmark = pytest.mark.e2e

# A "7": the top bar, then the stroke down to the left, in canvas pixels (240x240).
SEVEN = [(60, 50), (120, 50), (180, 50), (160, 100), (135, 150), (115, 200)]


def digits_experiment() -> dict:
    spec = default_spec()
    spec["data"]["source"] = "builtin:digits_images"
    spec["model"]["layers"] = IMAGE_PRESETS["Small CNN"]
    spec["train"].update(epochs=6, batch_size=32)
    spec["train"]["early_stopping"]["enabled"] = False
    return validate_spec(spec)


# Chromium's own test camera (a moving pattern), used without asking.
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# The camera input's video shows frames: a photo taken before is empty.
_VIDEO_READY_JS = "(video) => video.readyState >= 2 && video.videoWidth > 0"


def camera_ready(camera: Locator) -> Locator:
    """Wait until the camera input's video plays; return its "Take Photo"."""
    take = camera.get_by_role("button", name=re.compile("Take photo", re.I))
    expect(take).to_be_enabled(timeout=20_000)
    video = camera.locator("video")
    expect(video).to_be_visible()
    camera.page.wait_for_function(
        _VIDEO_READY_JS, arg=video.element_handle(), timeout=20_000
    )
    return take


@pytest.fixture
def digits_page(chromium, chromium_executable, app_url):
    """A fresh session, in a Chromium with a fake webcam, opened from a share link
    of the digits experiment."""
    link = f"{app_url}/?experiment={encode_spec(digits_experiment())}"
    with fake_webcam_session(chromium, chromium_executable, link) as page:
        yield page


@contextlib.contextmanager
def fake_webcam_session(chromium, chromium_executable, url: str):
    """A fresh session at ``url`` in its own Chromium, whose webcam is Chromium's
    fake one (allowed without asking); downloads are kept."""
    browser = chromium.browser_type.launch(
        executable_path=chromium_executable, args=CHROMIUM_ARGS + FAKE_CAMERA
    )
    context = browser.new_context(
        viewport=VIEWPORT, permissions=["camera"], accept_downloads=True
    )
    context.set_default_timeout(45_000)
    try:
        page = context.new_page()
        page.goto(url)
        wait_for_app(page)
        yield page
    finally:
        context.close()
        browser.close()


# Whether every Plotly chart inside an element has drawn its plot area.
_DRAWN_JS = """(element) => [...element.querySelectorAll('.js-plotly-plot')]
  .every((chart) => chart._fullLayout && chart.querySelector('.cartesianlayer'))"""


def part(page: Page, key: str, name: str) -> None:
    """Save the element with key ``key`` alone as NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    element = page.locator(f".st-key-{key}")
    # An element taller than the window is drawn in part: make the window taller.
    height = element.bounding_box()["height"]
    page.set_viewport_size(
        {**VIEWPORT, "height": max(VIEWPORT["height"], int(height) + 200)}
    )
    try:
        element.scroll_into_view_if_needed()
        wait_for_app(page)
        page.wait_for_function(_DRAWN_JS, arg=element.element_handle())
        page.wait_for_timeout(800)  # let Plotly finish its resize
        element.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    finally:
        page.set_viewport_size(VIEWPORT)


def draw(page: Page, points: list[tuple[int, int]]) -> None:
    """One stroke through ``points`` on the drawing canvas, with the mouse."""
    canvas = page.locator(".st-key-evaluate_try_pictures canvas.upper-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x, y0 + y, steps=6)
    page.mouse.up()


def test_train_see_filters_open_a_cell_and_predict_a_drawn_digit(digits_page: Page):
    page = digits_page
    main = page.locator(MAIN)
    go_to(page, "Train")
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    expect(status_line(page)).to_contain_text("Finished", timeout=TRAINING_TIMEOUT_MS)
    wait_for_app(page)
    filters = page.locator(".st-key-train_inside_filters .js-plotly-plot")
    expect(filters).to_be_visible()
    expect(page.locator(".st-key-train_inside_maps .js-plotly-plot")).to_be_visible()
    part(page, "train_inside_filters", "image-train-filters")
    part(page, "train_inside_maps", "image-train-maps")

    go_to(page, "Evaluate")
    expect(main.get_by_text("The most confident mistakes")).to_be_visible()
    # Click the cell of the 7s predicted as 7 on the confusion matrix.
    main.locator(".js-plotly-plot .heatmaplayer").first.scroll_into_view_if_needed()
    cell = page.evaluate(_CELL_JS, ["Confusion matrix (validation pictures)", 7, 7])
    assert cell is not None
    rerun(page, lambda: page.mouse.click(cell["x"], cell["y"]))
    box = main.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_text("Pictures behind a cell", exact=False)
    )
    expect(box.locator('[role="combobox"]')).to_have_value(
        re.compile(r"true '7' predicted as '7'")
    )
    expect(main.get_by_text(re.compile(r"of '7' predicted as '7'"))).to_be_visible()
    thumbnails = main.locator(".st-key-evaluate_cell_pictures img")
    expect(thumbnails.first).to_be_visible()
    assert 1 <= thumbnails.count() <= 24
    part(page, "evaluate_cell_pictures", "image-evaluate-cell")
    part(page, "evaluate_per_class", "image-evaluate-per-class")

    try_it = page.locator(".st-key-evaluate_try_pictures")
    try_it.scroll_into_view_if_needed()
    expect(try_it.locator("canvas.upper-canvas")).to_be_visible()
    rerun(page, lambda: draw(page, SEVEN))
    rerun(page, lambda: try_it.get_by_role("button", name="Predict").click())
    expect(try_it.get_by_text("Predicted class")).to_be_visible()
    expect(try_it.get_by_text(re.compile(r"The network is \d+% sure"))).to_be_visible()
    expect(try_it.get_by_text("What the network sees")).to_be_visible()
    chart_titles = try_it.locator(".js-plotly-plot .gtitle")
    expect(chart_titles.filter(has_text="Class probabilities")).to_be_visible()
    expect(chart_titles.filter(has_text="Feature maps of your picture")).to_be_visible()
    assert page.locator(EXCEPTION).count() == 0
    part(page, "evaluate_try_pictures", "image-try")

    # A photo from the webcam (Chromium's fake one) gets its own answer.
    rerun(page, lambda: try_it.get_by_role("radio", name="Take a photo").click())
    expect(try_it.get_by_text("Predicted class")).to_have_count(0)
    # Only once the video shows frames: a photo taken before is empty and dropped.
    take = camera_ready(try_it.locator('[data-testid="stCameraInput"]'))
    rerun(page, lambda: take.click())
    expect(try_it.get_by_text("Predicted class")).to_be_visible()
    expect(try_it.get_by_text("What the network sees")).to_be_visible()
    assert page.locator(EXCEPTION).count() == 0
    part(page, "evaluate_try_pictures", "image-try-webcam")
