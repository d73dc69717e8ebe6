"""The guided demos and presenter mode in a real browser."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from nncore.report import guide
from nncore.spec.sharing import encode_spec

from .conftest import (
    EXCEPTION,
    MAIN,
    SIDEBAR,
    VIEWPORT,
    rerun,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

# Generous: the machine running the tests may be shared and slow.
DEMO_LIMIT_S = 150
DONE = "The demo is done"


@pytest.fixture
def home(chromium, app_url):
    """A fresh session on the app's address: the Home screen."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(45_000)
    page = context.new_page()
    page.goto(app_url)
    wait_for_app(page)
    yield page
    context.close()


def live_curve_drawn(page: Page) -> bool:
    """Whether the loss curves show epochs while the progress says it is training."""
    return page.evaluate(
        """() => {
          const bar = document.querySelector('[data-testid="stMain"] '
            + '[data-testid="stProgress"]');
          if (!bar || !/Epoch \\d+ of \\d+/.test(bar.textContent || '')) return false;
          const chart = document.querySelector('.st-key-home_demo_curves');
          return !!(chart && chart.querySelector('.scatterlayer .trace path.js-line'));
        }"""
    )


def wait_for_demo(page: Page, live: bool = False) -> bool:
    """Wait for the demo's end; return whether a live curve was seen on the way."""
    seen = False
    deadline = time.monotonic() + DEMO_LIMIT_S
    done = page.locator(MAIN).get_by_text(DONE)
    while not done.count():
        assert time.monotonic() < deadline, "the demo did not finish"
        expect(page.locator(EXCEPTION)).to_have_count(0)
        if live and not seen:
            seen = live_curve_drawn(page)
        page.wait_for_timeout(100)
    wait_for_app(page)
    return seen


def paragraph_font_px(page: Page) -> float:
    size = page.locator(MAIN).locator("[data-testid='stMarkdownContainer'] p").first
    return float(size.evaluate("(p) => getComputedStyle(p).fontSize")[:-2])


def test_one_click_runs_the_demo_to_an_evaluated_network(home: Page):
    page = home
    main = page.locator(MAIN)
    expect(main.get_by_role("heading", name="NN Studio", exact=True)).to_be_visible()
    expect(main.get_by_text("Your progress: 0 of 6 steps done")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("button", name="Run the demo").click()  # the only click
    seen_live = wait_for_demo(page, live=True)
    page.mouse.move(0, 0)  # no tooltip in the screenshot
    assert seen_live, "the loss curves never showed while the network trained"

    for _key, title, _text in guide.LEARNING_STEPS:
        expect(main.get_by_text(title, exact=True)).to_be_visible()
    expect(main.get_by_text("Scored on the", exact=False)).to_be_visible()
    expect(
        main.get_by_text(re.compile(r"^\d+ % accuracy; always guessing"))
    ).to_be_visible()
    accuracy = main.locator('[data-testid="stMetric"]').filter(has_text="Accuracy")
    expect(accuracy.first).to_contain_text("vs naive")
    expect(main.locator(".st-key-home_demo_confusion .js-plotly-plot")).to_be_visible()
    expect(
        main.locator(".st-key-home_demo_final_boundary .js-plotly-plot")
    ).to_be_visible()
    expect(main.get_by_text("Your progress: 5 of 6 steps done")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "demo-finished")


def test_the_overfit_demo_shows_the_doctor_warning_and_its_fix(home: Page):
    page = home
    main = page.locator(MAIN)
    page.get_by_role("button", name="Watch a network overfit").click()
    warning = main.get_by_text(re.compile(r"^Overfitting from epoch \d+"))
    expect(warning.first).to_be_visible(timeout=DEMO_LIMIT_S * 1000)
    fix = main.get_by_role("button", name="Turn on early stopping (patience 5)")
    expect(fix.first).to_be_visible()
    wait_for_demo(page)
    page.mouse.move(0, 0)
    screenshot(page, "demo-overfit")
    rerun(page, lambda: fix.first.click())
    expect(
        main.get_by_text(
            re.compile(r"^Applied “Turn on early stopping \(patience 5\)”: early")
        )
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_link_for_presenting_opens_in_presenter_mode_with_larger_text(
    home: Page, chromium, app_url
):
    normal = paragraph_font_px(home)
    spec = guide.demo_spec("first")
    link = f"{app_url}/?experiment={encode_spec(spec)}&presenter=1"
    context = chromium.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(link)
        wait_for_app(page)
        main = page.locator(MAIN)
        expect(
            main.get_by_text("Experiment restored from the share link.")
        ).to_be_visible()
        expect(main.get_by_text(guide.caption("home"))).to_be_visible()
        toggle = page.locator(SIDEBAR).get_by_role("switch", name="Presenter mode")
        expect(toggle).to_be_checked()
        larger = paragraph_font_px(page)
        assert larger >= normal * 1.2, (normal, larger)
        screenshot(page, "presenter-home")

        nav = page.locator('[data-testid="stSidebarNav"]')
        rerun(page, lambda: nav.get_by_text("Data", exact=True).click())
        expect(main.get_by_text(guide.caption("data"))).to_be_visible()
        assert "presenter=1" in page.url  # kept across screens, so a reload keeps it
        expect(page.locator(EXCEPTION)).to_have_count(0)
        screenshot(page, "presenter-data")
        page.reload()
        wait_for_app(page)
        expect(main.get_by_text(guide.caption("data"))).to_be_visible()

        rerun(page, lambda: toggle.click(force=True))
        expect(main.get_by_text(guide.caption("data"))).to_have_count(0)
        assert "presenter=" not in page.url
        assert paragraph_font_px(page) == normal
    finally:
        context.close()
