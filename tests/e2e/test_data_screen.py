"""The Data screen in a real browser: what a user sees after each step."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from .conftest import EXCEPTION, MAIN, SIDEBAR, choose, rerun, screenshot

pytestmark = pytest.mark.e2e

PLOT = ".js-plotly-plot"
ALERT = '[data-testid="stAlert"]'


# -- helpers -------------------------------------------------------------------------


def main(page: Page):
    return page.locator(MAIN)


def upload(page: Page, name: str, content: bytes, mime: str = "text/csv") -> None:
    """Put one file into the data-file uploader and wait for the rerun."""
    field = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    rerun(
        page,
        lambda: field.set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": content}]
        ),
    )
    expect(
        page.locator('[data-testid="stFileUploader"]').get_by_text(name, exact=True)
    ).to_be_visible()


def use_own_file(page: Page) -> None:
    rerun(page, lambda: page.get_by_text("My own file", exact=True).click())
    expect(page.get_by_text("Upload a file to begin")).to_be_visible()


def expect_visible_chart(page: Page, count: int = 1) -> None:
    """At least ``count`` Plotly charts are drawn (an SVG with a real size)."""
    charts = main(page).locator(f"{PLOT}:visible")
    # The charts are drawn one after the other: wait for the count-th (so the
    # first too), do not count the ones drawn so far.
    expect(charts.nth(count - 1)).to_be_visible()
    box = charts.first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 150, box
    expect(charts.first.locator("svg.main-svg").first).to_be_attached()


def expect_no_traceback(page: Page) -> None:
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert "Traceback" not in main(page).inner_text()


def expect_no_stray_backslashes(page: Page) -> None:
    """Escaped Markdown (``\\(``, ``\\.``) must never show as backslashes."""
    for where in (MAIN, SIDEBAR):
        text = page.locator(where).inner_text()
        assert "\\" not in text, f"a backslash shows in {where}: {text!r}"


# -- data files ----------------------------------------------------------------------


def semicolon_csv() -> bytes:
    """A European-style CSV: semicolons between fields, commas in decimals."""
    lines = ["temperature;humidity;rain"]
    for i in range(60):
        temperature = f"{10 + (i * 7) % 20},{i % 10}"
        humidity = f"0,{20 + (i * 13) % 70}"
        lines.append(f"{temperature};{humidity};{'yes' if i % 3 else 'no'}")
    return ("\n".join(lines) + "\n").encode()


IMG_COLUMN = '<img src=x onerror="window.__xss=1">'
SCRIPT_COLUMN = "<script>window.__xss=2</script>"
PLOTLY_COLUMN = "<b>fat</b><br>col"  # Plotly renders <b> and <br> in labels
MARKDOWN_VALUE = "**bold** :red[red] $x^2$"
EVIL_NAME = "<b>evil</b>.csv"


def hostile_csv() -> bytes:
    """Column names and a category value made of HTML, JavaScript and Markdown."""
    quoted = IMG_COLUMN.replace('"', '""')
    lines = [f'"{quoted}",{SCRIPT_COLUMN},{PLOTLY_COLUMN},label']
    for i in range(40):
        label = MARKDOWN_VALUE if i % 2 else "plain"
        lines.append(f"{(i * 3) % 11}.5,{(i * 5) % 7}.25,{i % 4 + i % 2},{label}")
    return ("\n".join(lines) + "\n").encode()


def good_csv() -> bytes:
    rows = ["size,weight,kind"] + [
        f"{i % 9},{(i * 7) % 13},{'cat' if i % 2 else 'dog'}" for i in range(30)
    ]
    return ("\n".join(rows) + "\n").encode()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inside.csv", "a,b\n1,2\n")
    return buffer.getvalue()


# -- tests ---------------------------------------------------------------------------


def test_opens_with_the_default_builtin_dataset(app_page: Page):
    page = app_page
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(
        "Breast cancer (binary)"
    )
    expect(page.get_by_text("569 rows × 31 columns")).to_be_visible()
    expect(page.get_by_text("Task: binary", exact=True)).to_be_visible()
    expect(
        page.get_by_role("combobox", name="Target: the column to predict")
    ).to_have_value("target")
    expect_visible_chart(page, count=2)  # class balance and feature relation
    expect_no_traceback(page)
    expect_no_stray_backslashes(page)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_text("Active dataset")).to_be_visible()
    screenshot(page, "data-screen")


def test_sidebar_shows_the_active_dataset_at_once(app_page: Page):
    page = app_page
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_text("569 rows", exact=False)).to_be_visible(timeout=3_000)
    choose(page, "Dataset", "Iris flowers (3 classes)")
    expect(sidebar.get_by_text("150 rows", exact=False)).to_be_visible(timeout=3_000)


def test_choosing_another_builtin_dataset(app_page: Page):
    page = app_page
    choose(page, "Dataset", "Iris flowers (3 classes)")
    expect(page.get_by_text("150 rows × 5 columns")).to_be_visible()
    expect(page.get_by_text("Task: multiclass", exact=True)).to_be_visible()
    expect_visible_chart(page)

    choose(page, "Dataset", "XOR (2-D, binary)")
    expect(page.get_by_text("Task: binary", exact=True)).to_be_visible()
    expect(page.get_by_role("slider", name="Points")).to_be_visible()
    tab = page.get_by_role("tab", name="2-D view")
    tab.click()
    scatter = page.locator('[data-testid="stTabPanel"]:visible').locator(PLOT)
    expect(scatter).to_be_visible()
    expect(
        scatter.locator("g.trace.scatter, .scatterlayer .trace").first
    ).to_be_attached()
    expect_no_traceback(page)
    expect_no_stray_backslashes(page)
    screenshot(page, "data-builtin-xor")


def test_upload_semicolon_csv_with_decimal_commas(app_page: Page):
    page = app_page
    use_own_file(page)
    upload(page, "weather.csv", semicolon_csv())
    expect(page.get_by_text("60 rows × 3 columns")).to_be_visible()
    notes = page.get_by_text(re.compile(r"semicolon-separated, decimal comma"))
    expect(notes).to_be_visible()
    expect(page.get_by_text("Choose the target column")).to_be_visible()

    choose(page, "Target: the column to predict", "rain")
    expect(page.get_by_text("Task: binary", exact=True)).to_be_visible()
    # Both decimal-comma columns became numbers: two inputs and a 2-D view.
    inputs = page.locator('[data-testid="stMetric"]').filter(
        has_text="Inputs to the network"
    )
    expect(inputs.locator('[data-testid="stMetricValue"]')).to_have_text("2")
    expect(page.get_by_role("tab", name="2-D view")).to_be_visible()
    expect_visible_chart(page)
    expect_no_traceback(page)
    expect_no_stray_backslashes(page)
    screenshot(page, "data-upload-semicolon")


def test_hostile_names_are_shown_as_text(app_page: Page):
    page = app_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    use_own_file(page)
    upload(page, EVIL_NAME, hostile_csv())
    expect(page.get_by_text("40 rows × 4 columns")).to_be_visible()

    target = page.get_by_role("combobox", name="Target: the column to predict")
    target.click()
    options = page.locator('[role="option"]')
    expect(options.filter(has_text=IMG_COLUMN)).to_have_count(1)
    expect(options.filter(has_text=SCRIPT_COLUMN)).to_have_count(1)
    expect(options.filter(has_text=PLOTLY_COLUMN)).to_have_count(1)
    rerun(page, lambda: options.filter(has_text=re.compile(r"^\s*label\s*$")).click())
    expect(page.get_by_text("Task: binary", exact=True)).to_be_visible()
    expect_visible_chart(page)
    # One more rerun so that the sidebar frame shows this file (it lags one run).
    rerun(page, lambda: page.get_by_text("Min-max (to 0..1)", exact=True).click())

    # The file name, as text, in the uploader and in the sidebar.
    expect(
        page.locator('[data-testid="stFileUploader"]').get_by_text(
            EVIL_NAME, exact=True
        )
    ).to_be_visible()
    expect(page.locator(SIDEBAR).get_by_text(EVIL_NAME, exact=True)).to_be_visible()
    # The Markdown value, literally, in the baseline and task lines.
    baseline = page.get_by_text(re.compile(r"^Baseline: always guessing"))
    expect(baseline).to_contain_text(f"'{MARKDOWN_VALUE}'")
    # Column names, literally, on the relation chart's axis (SVG text, shortened).
    axis = main(page).locator(f"{PLOT} text", has_text="<img src=x onerror=")
    expect(axis.first).to_be_attached()
    expect(
        main(page).locator(f"{PLOT} text", has_text="<script>window")
    ).not_to_have_count(0)

    # Nothing ran and nothing was turned into markup.
    assert dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator('a[href^="javascript"]')).to_have_count(0)
    expect(page.locator("[onerror]")).to_have_count(0)
    injected = page.evaluate(
        "() => [...document.querySelectorAll('script')]"
        ".filter((s) => (s.textContent || '').includes('__xss')).length"
    )
    assert injected == 0
    expect(page.locator("b", has_text="evil")).to_have_count(0)
    expect(main(page).locator("strong", has_text="bold")).to_have_count(0)
    expect(main(page).locator(".katex")).to_have_count(0)
    expect_no_traceback(page)
    expect_no_stray_backslashes(page)
    screenshot(page, "data-upload-hostile")


def test_bad_files_show_a_clear_error(app_page: Page):
    page = app_page
    use_own_file(page)

    upload(page, "empty.csv", b"")
    error = page.locator(ALERT).filter(has_text="is empty (0 bytes)")
    expect(error).to_be_visible()
    expect(error).to_contain_text("'empty.csv'")
    expect(page.get_by_text("Still using the file loaded before")).to_have_count(0)
    expect(page.get_by_text("Upload a file to begin")).to_be_visible()
    expect_no_traceback(page)
    expect_no_stray_backslashes(page)

    upload(page, "animals.csv", good_csv())
    expect(page.get_by_text("30 rows × 3 columns")).to_be_visible()
    expect(page.locator(ALERT).filter(has_text="is empty")).to_have_count(0)

    upload(page, "archive.csv", zip_bytes())
    error = page.locator(ALERT).filter(has_text="is a ZIP archive")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Unzip it")
    expect(
        page.get_by_text("Still using the file loaded before: animals.csv.")
    ).to_be_visible()
    expect(page.get_by_text("30 rows × 3 columns")).to_be_visible()
    expect_no_traceback(page)
    expect_no_stray_backslashes(page)
    screenshot(page, "data-upload-errors")


def test_removing_a_rejected_file_clears_its_error(app_page: Page):
    page = app_page
    use_own_file(page)
    upload(page, "animals.csv", good_csv())
    upload(page, "archive.csv", zip_bytes())
    expect(page.locator(ALERT).filter(has_text="is a ZIP archive")).to_be_visible()
    rerun(page, lambda: page.get_by_role("button", name="Remove archive.csv").click())
    expect(page.locator('[data-testid="stFileUploader"]')).not_to_contain_text(
        "archive.csv"
    )
    expect(page.get_by_text("30 rows × 3 columns")).to_be_visible()
    expect(page.locator(ALERT).filter(has_text="is a ZIP archive")).to_have_count(
        0, timeout=3_000
    )
