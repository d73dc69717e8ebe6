"""The lab report in a real browser: opened from a file with every network request
refused, its figures drawn, and printed to PDF with a page per section.

Its screenshot, ``artifacts/screenshots/readme-lab-report.png``, is the README's
(docs/images/lab-report.png); the whole page and the PDF go beside it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from nncore.report.lab import SECTIONS, lab_report
from tests.support import experiment, prepared_for, trained_run

from .conftest import REPO_ROOT, SCREENSHOTS

pytestmark = pytest.mark.e2e

NOTES = (
    "Second try: two hidden layers and 25 epochs instead of one layer and 10.\n"
    "Next: compare with balanced class weights."
)
# Every Plotly figure has drawn its axes (a .main-svg) and sized itself.
_DRAWN_JS = """(count) => {
  const figures = document.querySelectorAll('.js-plotly-plot');
  return figures.length === count && Array.from(figures).every(
    (figure) => figure.querySelector('.main-svg') &&
      figure.getBoundingClientRect().height > 100);
}"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    spec = experiment("builtin:breast_cancer", layers=(16, 8), epochs=25)
    prepared = prepared_for(spec)
    folder = tmp_path_factory.mktemp("lab-report")
    run, evaluation = trained_run(spec, prepared, folder / "runs", "test")
    path = folder / "lab-report.html"
    path.write_text(
        lab_report(run, prepared, evaluation=evaluation, notes=NOTES), encoding="utf-8"
    )
    return path


def test_the_report_opens_offline_draws_its_figures_and_prints(chromium, report_file):
    context = chromium.new_context(viewport={"width": 1100, "height": 1000})
    requested = []

    def refuse(route):  # anything but the file itself: the report must not need it
        if not route.request.url.startswith("file://"):
            requested.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", refuse)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(report_file.as_uri())
        count = page.locator(".figure").count()
        assert count >= 5
        page.wait_for_function(_DRAWN_JS, arg=count, timeout=30_000)
        for _, heading in SECTIONS:
            expect(
                page.get_by_role("heading", name=heading, exact=True)
            ).to_be_visible()
        expect(
            page.get_by_text("Next: compare with balanced class weights.")
        ).to_be_visible()
        assert requested == [] and errors == []

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lab-report-full.png"), full_page=True)
        page.locator("#scores").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "readme-lab-report.png"))

        # Printed: no contents list, one page at least per section, figures
        # within the page's width.
        page.emulate_media(media="print")
        expect(page.locator("nav")).to_be_hidden()
        pdf = page.pdf(format="A4", print_background=True)
        (REPO_ROOT / "artifacts" / "lab-report.pdf").write_bytes(pdf)
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pages >= len(SECTIONS)
        widest = page.evaluate(
            "() => Math.max(...Array.from(document.querySelectorAll("
            "'.js-plotly-plot')).map((f) => f.getBoundingClientRect().right))"
        )
        assert widest <= page.evaluate("() => document.body.clientWidth") + 1
    finally:
        context.close()
