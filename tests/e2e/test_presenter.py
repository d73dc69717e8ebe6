"""Presenter mode on a projector's 1280 × 720 screen (issue 18, items 11 and 12)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from nncore.report import guide
from ui.presenter import CHART_FONT_PX

from .conftest import EXCEPTION, MAIN, RUN_TIMEOUT_MS, SCREENSHOTS, wait_for_app

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1280, "height": 720}
DEMO_LIMIT_S = 150

# Tracker labels whose text does not fit their box (cut or with an ellipsis).
_CUT_LABELS_JS = """(keys) => keys.map((key) => {
  const card = document.querySelector(`.st-key-home_step_${key}`);
  const link = card && card.querySelector('[data-testid="stPageLink"]');
  if (!link) return `${key}: no link`;
  const cut = [link, ...link.querySelectorAll('*')].filter(
    (el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0);
  return cut.length ? `${key}: "${link.innerText}" cut` : null;
}).filter(Boolean)"""

# Counts, until stopped, the most copies of the demo cards on the page at once.
_COUNT_CARDS_JS = """() => {
  window.__nnCards = 0;
  window.__nnCounter = setInterval(() => {
    const n = document.querySelectorAll('.st-key-home_demo_overfit').length;
    window.__nnCards = Math.max(window.__nnCards, n);
  }, 10);
}"""

_HEADING_IN_VIEW_JS = """() => {
  const heading = document.getElementById('demo');
  if (!heading) return false;
  const box = heading.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= window.innerHeight;
}"""


@pytest.fixture
def projector(chromium, app_url):
    """A fresh session on Home in presenter mode, in a 1280 × 720 window."""
    context = chromium.new_context(viewport=PROJECTOR)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{app_url}/?presenter=1")
    wait_for_app(page)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    """The window as the audience sees it (not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_presenter_mode_fits_a_projector_and_the_demo_comes_into_view(
    projector: Page,
):
    page = projector
    main = page.locator(MAIN)
    expect(main.get_by_text(guide.caption("home"))).to_be_visible()
    keys = [step.key for step in guide.STEPS]
    for step in guide.STEPS:
        card = main.locator(f".st-key-home_step_{step.key}")
        expect(card.get_by_role("link", name=step.title, exact=True)).to_be_visible()
    assert page.evaluate(_CUT_LABELS_JS, keys) == []
    shot(page, "presenter-1280-home")

    page.evaluate(_COUNT_CARDS_JS)
    page.get_by_role("button", name="Run the demo").click()
    page.wait_for_function(_HEADING_IN_VIEW_JS, timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    assert page.evaluate(_HEADING_IN_VIEW_JS)  # the tour is where the class looks
    assert page.evaluate("() => window.__nnCards") == 1  # no ghost copy of the cards
    shot(page, "presenter-1280-demo-started")

    deadline = time.monotonic() + DEMO_LIMIT_S
    done = main.get_by_text("The demo is done")
    while not done.count():
        assert time.monotonic() < deadline, "the demo did not finish"
        expect(page.locator(EXCEPTION)).to_have_count(0)
        page.wait_for_timeout(200)
    wait_for_app(page)
    matrix = main.locator(".st-key-home_demo_confusion .js-plotly-plot")
    matrix.scroll_into_view_if_needed()
    texts = matrix.evaluate(
        """(plot) => [...plot.querySelectorAll('text')]
          .filter((t) => (t.textContent || '').trim())
          .map((t) => [t.getAttribute('class'), t.textContent,
                       parseFloat(getComputedStyle(t).fontSize)])"""
    )
    small = [text for text in texts if text[2] < CHART_FONT_PX]
    assert texts and not small, small  # cell numbers, ticks, axis titles
    shot(page, "presenter-1280-confusion")
