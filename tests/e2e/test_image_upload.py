"""Pictures a user brings, in a real browser (issue 14): a ZIP of class folders
uploaded on the Data screen (with a damaged file and a file named in HTML and
Markdown among them), trained on and tried with an uploaded picture; classes made
with Chromium's fake webcam, thumbnails removed, downloaded as a ZIP and used; a
bad ZIP refused while the pictures loaded before stay.
Screenshots: ``image-zip-upload``, ``image-zip-try``, ``image-webcam-classes``,
``image-webcam-used``, ``image-zip-refused-one-class`` and
``image-zip-refused-climbs-out``."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from .conftest import (
    EXCEPTION,
    MAIN,
    SIDEBAR,
    go_to,
    rerun,
    screenshot,
    wait_for_app,
)
from .test_image_data import chart, expect_drawn_pictures
from .test_image_screens import camera_ready, fake_webcam_session
from .test_train_screen import TRAINING_TIMEOUT_MS, status_line

pytestmark = pytest.mark.e2e

SIDE = 24  # pixels: small pictures train in seconds
PATTERNS = ("checks", "horizontal", "vertical")
PER_CLASS = 20
ALERT = '[data-testid="stAlert"]'
# A file name a careless page would render as HTML and Markdown.
HOSTILE_NAME = "<b>x<b> **y**.png"


def pattern(kind: str, seed: int) -> Image.Image:
    """A noisy grayscale picture of horizontal or vertical stripes, or checks,
    of a random width and offset."""
    rng = np.random.default_rng(seed)
    period = int(rng.integers(4, 9))
    offset = rng.integers(0, period, size=2)[:, None, None]
    rows, columns = np.indices((SIDE, SIDE)) + offset
    if kind == "checks":
        half = period // 2
        on = (rows // half + columns // half) % 2 == 0
    else:
        on = (rows if kind == "horizontal" else columns) % period < period // 2
    pixels = np.where(on, 220, 30) + rng.normal(0, 12, size=(SIDE, SIDE))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")


def encoded(image: Image.Image, kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def patterns_zip() -> bytes:
    """Three classes of 20 pictures, PNG and JPEG, inside a wrapping folder; plus
    a PNG cut in half and a text file with an HTML and Markdown name."""
    files = {}
    for c, kind in enumerate(PATTERNS):
        for k in range(PER_CLASS):
            suffix, kind_name = ("png", "PNG") if k % 2 else ("jpg", "JPEG")
            files[f"patterns/{kind}/{k:02d}.{suffix}"] = encoded(
                pattern(kind, 100 * c + k), kind_name
            )
    whole = encoded(pattern("vertical", 999))
    files["patterns/vertical/broken.png"] = whole[: len(whole) // 2]
    files[f"patterns/horizontal/{HOSTILE_NAME}"] = b"hello, not a picture"
    return zipped(files)


def upload(uploader: Locator, name: str, content: bytes, mime: str) -> None:
    """Put one file into ``uploader`` and wait for the rerun it causes."""
    field = uploader.locator('input[type="file"]')
    rerun(
        uploader.page,
        lambda: field.set_input_files(
            files=[{"name": name, "mimeType": mime, "buffer": content}]
        ),
    )
    expect(uploader.get_by_text(name, exact=True)).to_be_visible()


def zip_uploader(page: Page) -> Locator:
    return (
        page.locator(MAIN)
        .locator('[data-testid="stFileUploader"]')
        .filter(has=page.get_by_text("A ZIP with one folder per class", exact=True))
    )


def open_my_pictures(page: Page, source: str = "A ZIP of class folders") -> None:
    main = page.locator(MAIN)
    rerun(page, lambda: main.get_by_text("My own pictures", exact=True).click())
    if source != "A ZIP of class folders":
        rerun(page, lambda: main.get_by_text(source, exact=True).click())


def upload_patterns(page: Page) -> None:
    open_my_pictures(page)
    upload(zip_uploader(page), "patterns.zip", patterns_zip(), "application/zip")
    expect(metric(page, "Pictures")).to_have_text("60")


def metric(page: Page, label: str) -> Locator:
    """The value of the Data screen's metric labelled ``label``."""
    return (
        page.locator(MAIN)
        .locator('[data-testid="stMetric"]')
        .filter(has=page.get_by_text(label, exact=True))
        .locator('[data-testid="stMetricValue"]')
    )


def expect_classes_shown(page: Page, names: list[str], n_pictures: int) -> None:
    """The overview counts ``n_pictures``; its sample grid has a row per class
    and the class balance a bar each."""
    grid = chart(page, "Sample pictures per class")
    expect_drawn_pictures(grid)
    for name in names:
        expect(grid.locator(".ytick text", has_text=name)).to_have_count(1)
    balance = chart(page, "Class balance")
    expect(balance.locator(".point")).to_have_count(len(names))
    for name in names:
        expect(balance.locator(".xtick text", has_text=name)).to_have_count(1)
    expect(metric(page, "Pictures")).to_have_text(str(n_pictures))


# -- 1. a ZIP of class folders, trained on and tried -----------------------------------


def test_upload_a_zip_train_and_try_an_uploaded_picture(app_page: Page):
    page = app_page
    main = page.locator(MAIN)
    upload_patterns(page)

    # What was read: 60 of the 62 files, at their own size, in three classes.
    expect(metric(page, "Classes")).to_have_text("3")
    expect(main.get_by_text("Image size: 24×24 pixels, grayscale")).to_be_visible()
    expect(
        main.get_by_text("The class folders are inside 'patterns/'.")
    ).to_be_visible()
    expect_classes_shown(page, list(PATTERNS), PER_CLASS * 3)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_text("patterns.zip", exact=True)).to_be_visible()
    expect(sidebar.get_by_text("60 pictures of 24×24×1")).to_be_visible()

    # The two files left out are named, the hostile name as plain text.
    skipped = main.locator(ALERT).filter(has_text="Left out 2 of the 62 files")
    expect(skipped).to_be_visible()
    expect(skipped).to_contain_text(
        f"'horizontal/{HOSTILE_NAME}' (text, not a picture)"
    )
    expect(skipped).to_contain_text("'vertical/broken.png' (damaged or cut short)")
    expect(skipped.locator("b, strong")).to_have_count(0)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    # The table's network cannot read pictures: the Small CNN takes its place.
    expect(
        page.locator(MAIN).get_by_text("The network is now the “Small CNN” preset")
    ).to_be_visible()
    screenshot(page, "image-zip-upload")

    # Pictures came: the network is already the Small CNN, which learns the
    # stripes in a few seconds (a network for tables could not read them).
    go_to(page, "Model")
    expect(page.locator(MAIN).get_by_text("1. Conv2D", exact=True)).to_be_visible()
    expect(page.locator(MAIN).get_by_text("3. Conv2D", exact=True)).to_be_visible()
    go_to(page, "Train")
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click())
    expect(status_line(page)).to_contain_text("Finished", timeout=TRAINING_TIMEOUT_MS)
    wait_for_app(page)

    # A picture of vertical stripes the network never saw, uploaded on Evaluate.
    go_to(page, "Evaluate")
    try_it = page.locator(".st-key-evaluate_try_pictures")
    try_it.scroll_into_view_if_needed()
    rerun(page, lambda: try_it.get_by_role("radio", name="Upload a picture").click())
    upload(
        try_it.locator('[data-testid="stFileUploader"]'),
        "my stripes.png",
        encoded(pattern("vertical", 5000).resize((96, 96))),
        "image/png",
    )
    answer = try_it.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text("Predicted class", exact=True)
    )
    expect(answer.locator('[data-testid="stMetricValue"]')).to_have_text("vertical")
    expect(try_it.get_by_text(re.compile(r"The network is \d+% sure"))).to_be_visible()
    expect(try_it.get_by_text("What the network sees")).to_be_visible()
    probabilities = try_it.locator(".js-plotly-plot").filter(
        has=page.locator(".gtitle", has_text="Class probabilities")
    )
    expect(probabilities).to_be_visible()
    for name in PATTERNS:
        expect(probabilities.locator(".ytick text", has_text=name)).to_have_count(1)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "image-zip-try")


# -- 2. classes made with the webcam ---------------------------------------------------


@pytest.fixture
def webcam_page(chromium, chromium_executable, app_url):
    """A fresh session on the Data screen, in a Chromium with a fake webcam."""
    with fake_webcam_session(chromium, chromium_executable, f"{app_url}/data") as page:
        yield page


def class_box(page: Page, name: str) -> Locator:
    """The bordered box of the class ``name``."""
    return page.locator('[class*="st-key-data_class_box_"]').filter(
        has=page.get_by_text(re.compile(rf"^{re.escape(name)} · \d+ pictures?$"))
    )


def add_class(page: Page, name: str) -> None:
    main = page.locator(MAIN)
    field = main.get_by_role("textbox", name="New class")
    field.fill(name)
    rerun(page, lambda: field.press("Enter"))
    rerun(page, lambda: main.get_by_role("button", name="Add class").click())
    expect(main.get_by_text(f"Added the class '{name}'")).to_be_visible()
    expect(class_box(page, name)).to_be_visible()


# Whether the webcam's video shows frames: "Take Photo" is enabled as soon as the
# camera is granted, but a photo taken before the first frame is empty and lost.
def take_photos(page: Page, name: str, count: int) -> None:
    """Turn the webcam on for the class ``name`` and take ``count`` photos."""
    box = class_box(page, name)
    rerun(page, lambda: box.get_by_role("button", name="Webcam").click())
    for taken in range(1, count + 1):
        take = camera_ready(box.locator('[data-testid="stCameraInput"]'))
        rerun(page, lambda: take.click())  # noqa: B023 (called at once)
        plural = "picture" if taken == 1 else "pictures"
        expect(box.get_by_text(f"{name} · {taken} {plural}")).to_be_visible()
        expect(
            page.locator(MAIN).get_by_text(f"Added a photo to '{name}'")
        ).to_be_visible()
    rerun(page, lambda: box.get_by_role("button", name="Stop the webcam").click())
    expect(box.locator('[data-testid="stCameraInput"]')).to_have_count(0)


def test_webcam_classes_remove_download_and_use(webcam_page: Page, tmp_path):
    page = webcam_page
    main = page.locator(MAIN)
    open_my_pictures(page, "Classes made here (webcam or files)")
    add_class(page, "thumbs up")
    add_class(page, "thumbs down")
    expect(main.get_by_role("button", name="Use these classes")).to_be_disabled()
    take_photos(page, "thumbs up", 4)
    take_photos(page, "thumbs down", 3)

    up, down = class_box(page, "thumbs up"), class_box(page, "thumbs down")
    expect(up.locator('[data-testid="stImage"]')).to_have_count(4)
    expect(down.locator('[data-testid="stImage"]')).to_have_count(3)
    screenshot(page, "image-webcam-classes")

    # One photo went wrong: remove it.
    remove = up.get_by_role("button", name="Remove", exact=True)
    rerun(page, lambda: remove.first.click())
    expect(up.get_by_text("thumbs up · 3 pictures")).to_be_visible()
    expect(up.locator('[data-testid="stImage"]')).to_have_count(3)

    # The download is a ZIP of one folder per class, each photo as it was taken.
    with page.expect_download() as download:
        main.get_by_role("button", name="Download as a ZIP").click()
    assert download.value.suggested_filename == "my-classes.zip"
    path = tmp_path / "my-classes.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        folders = sorted(name.split("/")[0] for name in archive.namelist())
        photo = archive.read(archive.namelist()[0])
    assert folders == ["thumbs down"] * 3 + ["thumbs up"] * 3, folders
    assert Image.open(io.BytesIO(photo)).size[0] > 100  # the photo, not a thumbnail

    use = main.get_by_role("button", name="Use these classes")
    expect(use).to_be_enabled()
    rerun(page, lambda: use.click())
    expect(main.get_by_text("Using your 2 classes (6 pictures)")).to_be_visible()
    expect(metric(page, "Classes")).to_have_text("2")
    expect_classes_shown(page, ["thumbs down", "thumbs up"], 6)
    expect(
        main.get_by_text(re.compile(r"^Image size: \d+×\d+ pixels, colour"))
    ).to_be_visible()
    expect(
        page.locator(SIDEBAR).get_by_text("my-classes.zip", exact=True)
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    page.mouse.move(0, 0)  # a hovered thumbnail's toolbar would hide its class name
    screenshot(page, "image-webcam-used")


# -- 3. a bad ZIP is refused and the pictures loaded before stay ----------------------


def one_class_zip() -> bytes:
    return zipped({f"cats/{k}.png": encoded(pattern("checks", k)) for k in range(5)})


def climbing_zip() -> bytes:
    files = {
        f"{kind}/{k}.png": encoded(pattern(kind, k))
        for kind in PATTERNS
        for k in range(3)
    }
    files["../evil.png"] = encoded(pattern("checks", 99))
    return zipped(files)


@pytest.mark.parametrize(
    ("make_zip", "message"),
    [
        (
            one_class_zip,
            "'bad.zip' has only one class ('cats', 5 pictures): there is nothing "
            "to tell apart.",
        ),
        (
            climbing_zip,
            "The ZIP 'bad.zip' holds a path that climbs out of the archive ('..'): "
            "'../evil.png'.",
        ),
    ],
    ids=["one-class", "climbs-out"],
)
def test_a_bad_zip_is_refused_and_the_pictures_loaded_before_stay(
    app_page: Page, make_zip, message: str, request
):
    page = app_page
    main = page.locator(MAIN)
    upload_patterns(page)
    upload(zip_uploader(page), "bad.zip", make_zip(), "application/zip")
    expect(main.locator(ALERT).filter(has_text=message)).to_be_visible()
    expect(
        main.get_by_text("Still using the pictures loaded before: patterns.zip.")
    ).to_be_visible()
    # The run that drew those two messages above the pictures may still be going
    # (a loaded machine takes more than the upload's 5 s to start it): until it
    # ends, the page also holds the last run's overview, moved down by them.
    wait_for_app(page)
    expect(metric(page, "Pictures")).to_have_text("60")
    expect_classes_shown(page, list(PATTERNS), PER_CLASS * 3)
    expect(
        page.locator(SIDEBAR).get_by_text("patterns.zip", exact=True)
    ).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, f"image-zip-refused-{request.node.callspec.id}")
