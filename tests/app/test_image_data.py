"""The Data screen with pictures, under AppTest: the built-in image datasets, a ZIP
of class folders, classes made with the webcam, augmentation, and every bad ZIP
(a clear message, and the pictures loaded before stay)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from nncore.data.image_sets import load_images
from tests import pictures
from tests.isolation import heavy_modules_after
from tests.support import ROOT, charts, plain, texts

GOOD = pictures.class_files({"cats": 12, "dogs": 12}, size=(16, 16))
HOSTILE_CLASS = "<b>cats <img src=x> **bold** :red[x]"  # no '/': a folder's name


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def everything_said(at) -> list[str]:
    return texts(at.error) + texts(at.warning) + texts(at.info) + texts(at.caption)


def choose_dataset(at, name: str):
    at.selectbox(key="data_builtin").set_value(name).run()
    assert not at.exception
    return at


def own_pictures(at, kind: str = "A ZIP of class folders"):
    at.radio(key="data_source_kind").set_value("My own pictures").run()
    at.radio(key="data_pictures_kind").set_value(kind).run()
    assert not at.exception
    return at


def upload_zip(at, data: bytes, name: str = "pets.zip"):
    at.file_uploader(key="data_image_zip").set_value(
        (name, data, "application/zip")
    ).run()
    assert not at.exception
    return at


def grid_rows(at) -> list[str]:
    figure = charts(at)["Sample pictures per class"]
    assert figure["data"][0]["type"] == "image"
    return figure["layout"]["yaxis"]["ticktext"]


# --- built-in image datasets --------------------------------------------------------


def test_shapes_show_their_grid_balance_and_size_and_set_the_spec(data_page):
    at = choose_dataset(data_page, "shapes")
    at.slider(key="data_shapes_count").set_value(800).run()
    at.slider(key="data_shapes_rotation").set_value(90).run()
    assert metrics(at) == {
        "Pictures": "800",
        "Classes": "4",
        "Training": "559",
        "Validation": "121",
        "Test": "120",
    }
    assert grid_rows(at) == ["circle", "cross", "square", "triangle"]
    balance = charts(at)["Class balance"]
    assert balance["data"][0]["y"] == [200, 200, 200, 200]
    assert any(
        "Image size: 28×28 pixels, grayscale" in plain(m.value) for m in at.markdown
    )
    assert any(
        "Sizes before resizing: 28×28 (800 pictures)" in c for c in texts(at.caption)
    )
    data = at.session_state["spec"]["data"]
    assert data["source"] == "builtin:shapes" and data["n_samples"] == 800
    assert data["shapes"]["rotation"] == 90 and data["target"] is None
    # Another size and colour: the pictures are converted, the spec follows.
    at.selectbox(key="data_image_size").set_value("32").run()
    at.radio(key="data_image_color").set_value("rgb").run()
    assert any("Image size: 32×32 pixels, colour (RGB)" in m.value for m in at.markdown)
    assert any("(3 channels): 3,072 inputs each" in c for c in texts(at.caption))
    assert at.session_state["spec"]["data"]["images"] == {"size": 32, "color": "rgb"}
    prepared = at.session_state["data_report"].prepared
    assert prepared.image_shape == (32, 32, 3) and prepared.X_train.dtype == "uint8"
    assert not at.exception


def test_digits_as_images_reach_the_other_screens_prepared(data_page):
    at = choose_dataset(data_page, "digits_images")
    assert metrics(at)["Pictures"] == "1,797" and metrics(at)["Classes"] == "10"
    assert grid_rows(at) == [str(d) for d in range(10)]
    assert any("Image size: 8×8 pixels" in plain(m.value) for m in at.markdown)
    prepared = at.session_state["data_report"].prepared
    assert type(prepared).__name__ == "PreparedImages"
    assert prepared.image_shape == (8, 8, 1) and len(prepared.y_train) == 1257
    assert at.session_state["spec"]["data"]["source"] == "builtin:digits_images"
    assert not at.warning  # a balanced set of 1,797 pictures: nothing to check
    # Back to a table: its target comes back, the table screen is as before.
    choose_dataset(at, "iris")
    assert "**Task: multiclass**" in at.markdown[1].value
    assert at.session_state["spec"]["data"]["target"] == "target"


def test_pictures_get_a_network_for_pictures_and_the_tables_comes_back(data_page):
    at = data_page
    mine = [{"type": "dense", "units": 8, "activation": "tanh"}]
    at.session_state["spec"]["model"]["layers"] = mine
    choose_dataset(at, "digits_images")
    layers = at.session_state["spec"]["model"]["layers"]
    assert [layer["type"] for layer in layers][:2] == ["conv2d", "maxpool2d"]
    (notice,) = [i.value for i in at.info if "The network is now" in i.value]
    assert "the “Small CNN” preset" in notice
    assert "was made for tables and cannot read pictures" in notice
    # Shapes are pictures too: the network stays as it is, nothing more is said.
    at.session_state["spec"]["model"]["layers"][0]["filters"] = 4
    choose_dataset(at, "shapes")
    assert at.session_state["spec"]["model"]["layers"][0]["filters"] == 4
    assert not [i for i in at.info if "The network is now" in i.value]
    # Back to a table: the table's own network, and the CNN kept for pictures.
    choose_dataset(at, "iris")
    layers = at.session_state["spec"]["model"]["layers"]
    assert [(layer["type"], layer["units"]) for layer in layers] == [("dense", 8)]
    assert layers[0]["activation"] == "tanh"
    (notice,) = [i.value for i in at.info if "The network is now" in i.value]
    assert "the one you had for tables" in notice
    choose_dataset(at, "digits_images")
    assert at.session_state["spec"]["model"]["layers"][0]["filters"] == 4
    assert not at.exception


def test_augmentation_is_previewed_on_training_pictures(data_page):
    at = choose_dataset(data_page, "shapes")
    assert "Augmentation: what training sees" not in charts(at)
    assert any("Off: turn one on" in c for c in texts(at.caption))
    at.checkbox(key="data_augment_flip").check().run()
    at.slider(key="data_augment_rotation").set_value(30).run()
    at.slider(key="data_augment_zoom").set_value(20).run()
    figure = charts(at)["What training sees: augmented copies"]
    assert figure["layout"]["yaxis"]["ticktext"] == [
        "as they are",
        "augmented 1",
        "augmented 2",
    ]
    assert any("training pictures only" in c for c in texts(at.caption))
    assert at.session_state["spec"]["data"]["augment"] == {
        "flip": True,
        "rotation": 30,
        "zoom": 0.2,
        "contrast": 0.0,
    }
    assert at.session_state["data_report"].prepared.augment["rotation"] == 30
    assert not at.exception


# --- a ZIP of class folders ---------------------------------------------------------


def test_a_zip_of_class_folders_is_read_and_resized(data_page):
    wide = {
        f"dogs/wide-{i}.png": pictures.picture(size=(40, 20), seed=900 + i)
        for i in range(3)
    }
    at = upload_zip(own_pictures(data_page), pictures.zip_of({**GOOD, **wide}))
    assert metrics(at)["Pictures"] == "27"
    assert grid_rows(at) == ["cats", "dogs"]
    assert any(
        "Image size: 16×16 pixels, colour (RGB)" in plain(m.value) for m in at.markdown
    )
    sizes = [c for c in texts(at.caption) if c.startswith("Sizes before resizing")]
    assert sizes == ["Sizes before resizing: 16×16 (24 pictures), 40×20 (3 pictures)."]
    assert any("very different shapes" in w for w in texts(at.warning))
    assert at.session_state["spec"]["data"]["source"] == "pets.zip"
    at.selectbox(key="data_image_size").set_value("8").run()
    at.radio(key="data_image_color").set_value("grayscale").run()
    assert at.session_state["data_report"].prepared.image_shape == (8, 8, 1)
    assert not at.exception


def test_damaged_pictures_are_left_out_and_counted(data_page):
    damaged = "cats/<img src=x onerror=alert(1)>.png"
    files = {**GOOD, damaged: GOOD["cats/000.png"][:60], "dogs/note.png": b"hello"}
    at = upload_zip(own_pictures(data_page), pictures.zip_of(files))
    assert metrics(at)["Pictures"] == "24"
    left_out = [w for w in texts(at.warning) if "Left out 2 of the 26 files" in w]
    assert left_out and "damaged or cut short" in left_out[0]
    assert "(text, not a picture)" in left_out[0]
    raw = [w.value for w in at.warning if "Left out" in w.value][0]
    assert "\\<img" in raw and "<" not in raw.replace("\\<", "")  # text, not HTML


def test_class_names_with_html_and_markdown_are_shown_as_text(data_page):
    files = pictures.class_files({HOSTILE_CLASS: 3, "[dogs](javascript:x)": 12})
    at = upload_zip(own_pictures(data_page), pictures.zip_of(files))
    hostile, dogs = grid_rows(at)  # Plotly shows escaped HTML as text
    assert hostile.startswith("&lt;b&gt;cats &lt;img src=x&gt;") and "<" not in hostile
    assert dogs == "[dogs](javascript:x)"
    few = [w.value for w in at.warning if "fewer than 10 pictures" in w.value]
    assert few and "\\<b\\>cats \\<img src\\=x\\> \\*\\*bold" in few[0]
    assert "'<b>cats <img src=x> **bold** …' has fewer" in plain(few[0])


BAD_ZIPS = {
    "climbs-out": (
        pictures.zip_of({**GOOD, "../../evil.png": pictures.picture()}),
        "holds a path that climbs out of the archive ('..')",
    ),
    "absolute-path": (
        pictures.zip_of({**GOOD, "/tmp/evil.png": pictures.picture()}),
        "holds an absolute path",
    ),
    "link": (
        pictures.zip_of(GOOD, links={"cats/link.png": "/etc/passwd"}),
        "holds a link to another file",
    ),
    "bomb-lies-about-size": (
        pictures.understated_zip(GOOD, "cats/bomb.png", 3_000_000),
        "does not unpack as its header says",
    ),
    "huge-header": (
        pictures.zip_of({"a/big.png": pictures.huge_png_header(), "b/big.png": b"x"}),
        "too big: its header claims 10,000,000,000 pixels",
    ),
    "text-named-png": (
        pictures.zip_of({"cats/a.png": b"hello", "dogs/b.png": b"text"}),
        "(text, not a picture)",
    ),
    "all-truncated": (
        pictures.zip_of({k: v[:80] for k, v in GOOD.items()}),
        "(damaged or cut short)",
    ),
    "svg": (
        pictures.zip_of({"cats/a.svg": b"<svg/>", "dogs/b.svg": b"<svg/>"}),
        "(an SVG drawing, not supported)",
    ),
    "empty-zip": (pictures.zip_of({}), "holds no files. Put one folder per class"),
    "one-class": (
        pictures.zip_of(pictures.class_files({"cats": 5})),
        "has only one class ('cats', 5 pictures)",
    ),
    "class-of-one": (
        pictures.zip_of(pictures.class_files({"cats": 5, "dogs": 1})),
        "The class 'dogs' of 'bad.zip' has only one usable picture",
    ),
    "nested-folders": (
        pictures.zip_of(
            pictures.class_files(
                {"train/cats": 3, "train/dogs": 3, "test/cats": 2, "test/dogs": 2}
            )
        ),
        "'test/cats/000.png' is in 'cats' inside 'test'",
    ),
    "not-a-zip": (b"this is not a zip", "'bad.zip' is not a ZIP archive"),
}


@pytest.fixture(scope="module")
def pets_loaded():
    """One session with pets.zip loaded, which every bad ZIP below tries to
    replace in turn (each must leave it in place)."""
    at = AppTest.from_file(str(ROOT / "screens" / "data.py"), default_timeout=30)
    at = upload_zip(own_pictures(at.run()), pictures.zip_of(GOOD))
    assert metrics(at)["Pictures"] == "24"
    return at


@pytest.mark.parametrize(
    ("data", "message"), list(BAD_ZIPS.values()), ids=list(BAD_ZIPS)
)
def test_a_bad_zip_gets_a_message_and_the_pictures_before_stay(
    pets_loaded, data, message
):
    at = upload_zip(pets_loaded, data, "bad.zip")
    errors = texts(at.error)
    assert any(message in e for e in errors), errors
    assert "Still using the pictures loaded before: pets.zip." in texts(at.info)
    assert metrics(at)["Pictures"] == "24" and grid_rows(at) == ["cats", "dogs"]
    assert at.session_state["spec"]["data"]["source"] == "pets.zip"


def test_a_zip_over_the_size_limit_is_refused_by_its_declared_size(
    data_page, monkeypatch
):
    monkeypatch.setenv("NNSTUDIO_MAX_ZIP_MB", "1")
    bomb = pictures.zip_of({**GOOD, "cats/zeros.png": b"\0" * 2_000_000})
    at = upload_zip(own_pictures(data_page), bomb, "bomb.zip")
    assert any("NNSTUDIO_MAX_ZIP_MB" in e for e in texts(at.error)), texts(at.error)
    assert "Upload a ZIP with one folder of pictures per class to begin." in texts(
        at.info
    )


def test_a_bad_zip_first_leaves_the_builtin_data_in_place(data_page):
    at = choose_dataset(data_page, "digits_images")
    own_pictures(at)
    upload_zip(at, pictures.zip_of({}), "empty.zip")
    assert any("holds no files" in e for e in texts(at.error))
    assert at.session_state["data_report"].prepared.image_shape == (8, 8, 1)
    at.radio(key="data_source_kind").set_value("Built-in dataset").run()
    assert metrics(at)["Pictures"] == "1,797" and not at.error


# --- classes made with the webcam ---------------------------------------------------


def add_class(at, name: str):
    at.text_input(key="data_class_name").input(name).run()
    at.button(key="data_class_add").click().run()
    assert not at.exception
    return at


def class_uploader(at, name: str):
    return next(
        u for u in at.file_uploader if u.label == f"Add pictures to {name} from files"
    )


def photo(seed: int) -> tuple[str, bytes, str]:
    return ("image.jpg", pictures.picture("JPEG", (48, 64), seed=seed), "image/jpeg")


def test_classes_from_the_webcam_and_files_become_the_data(data_page):
    at = own_pictures(data_page, "Classes made here (webcam or files)")
    assert at.button(key="data_classes_use").disabled
    add_class(at, "thumbs up")
    add_class(at, "thumbs up")  # the same name again
    assert any("There is already a class 'thumbs up'" in e for e in texts(at.error))
    add_class(at, "a/b")
    assert any("cannot be a folder's name" in e for e in texts(at.error))
    add_class(at, "thumbs down")
    assert at.button(key="data_classes_use").disabled
    assert any("at least 2 pictures" in c for c in texts(at.caption))
    # The webcam: each photo taken goes into the class, the camera is ready again.
    book = at.session_state["image_classes"]
    up = book.classes[0].uid
    at.button(key=f"data_class_camera_{up}").click().run()
    for seed in range(3):
        at.camera_input[0].set_value(photo(seed)).run()
        assert not at.exception
    assert [len(c.pictures) for c in book.classes] == [3, 0]
    assert len(at.image) == 3  # the thumbnails
    assert any(
        "Added a photo to 'thumbs up' (3 pictures now)" in s for s in texts(at.success)
    )
    # Files: pictures are added, a text file named .png is left out with a reason.
    uploads = [
        (f"{i}.png", pictures.picture(size=(30, 30), seed=50 + i), "image/png")
        for i in range(3)
    ]
    class_uploader(at, "thumbs down").set_value(
        [*uploads, ("fake.png", b"hello", "image/png")]
    ).run()
    assert [len(c.pictures) for c in book.classes] == [3, 3]
    assert any(
        "Added 3 pictures; left out 1" in w and "'fake.png' cannot be used" in w
        for w in texts(at.warning)
    )
    # A picture that went wrong is removed.
    first = book.classes[1].pictures[0].uid
    at.button(key=f"data_picture_remove_{first}").click().run()
    assert [len(c.pictures) for c in book.classes] == [3, 2] and len(at.image) == 5
    assert at.download_button(key="data_classes_download").label == "Download as a ZIP"
    at.button(key="data_classes_use").click().run()
    assert not at.exception
    assert metrics(at)["Pictures"] == "5" and metrics(at)["Classes"] == "2"
    assert grid_rows(at) == ["thumbs down", "thumbs up"]
    assert at.session_state["spec"]["data"]["source"] == "my-classes.zip"
    prepared = at.session_state["data_report"].prepared
    assert prepared.image_shape == (48, 64, 3)  # the photos' own size, in colour
    # The ZIP they download reads back to the same classes.
    loaded = load_images(book.to_zip(), name="my-classes.zip")
    assert loaded.classes == ["thumbs down", "thumbs up"] and len(loaded.labels) == 5


def test_downloaded_classes_load_again(data_page):
    made = pictures.class_files({"left": 3, HOSTILE_CLASS: 2}, size=(20, 20))
    at = own_pictures(data_page, "Classes made here (webcam or files)")
    uploader = next(u for u in at.file_uploader if u.label.startswith("Load classes"))
    uploader.set_value(("my-classes.zip", pictures.zip_of(made), "application/zip"))
    at.run()
    book = at.session_state["image_classes"]
    assert [(c.name, len(c.pictures)) for c in book.classes] == [
        (HOSTILE_CLASS, 2),
        ("left", 3),
    ]
    headers = [m.value for m in at.markdown if "2 pictures" in m.value]
    assert headers == [
        "**\\<b\\>cats \\<img src\\=x\\> \\*\\*bold\\*\\* \\:red\\[x\\]** · 2 pictures"
    ]
    assert any("Added 5 pictures" in s for s in texts(at.success))
    assert not at.button(key="data_classes_use").disabled
    # A bad ZIP changes nothing.
    uploader = next(u for u in at.file_uploader if u.label.startswith("Load classes"))
    bad = pictures.zip_of({**made, "../evil.png": pictures.picture()})
    uploader.set_value(("bad.zip", bad, "application/zip"))
    at.run()
    assert any("climbs out" in e and "unchanged" in e for e in texts(at.error))
    assert sum(len(c.pictures) for c in book.classes) == 5


def test_the_image_data_screen_never_imports_tensorflow():
    loaded = heavy_modules_after(
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('screens/data.py', default_timeout=60).run()\n"
        "at.selectbox(key='data_builtin').set_value('shapes').run()\n"
        "at.checkbox(key='data_augment_flip').check().run()\n"
        "assert not at.exception, at.exception\n"
        "assert len(at.get('plotly_chart')) == 3\n"
    )
    assert "tensorflow" not in loaded and "keras" not in loaded


def test_the_sample_grid_is_one_picture_of_every_class_row():
    from nncore.data.image_sets import load_builtin_images
    from nncore.data.images import image_overview
    from nncore.plots.images import samples_figure

    loaded = load_builtin_images("digits_images")
    figure = samples_figure(loaded.images, image_overview(loaded))
    assert len(figure.data) == 1 and figure.data[0].source.startswith(
        "data:image/png;base64,"
    )
    assert list(figure.layout.yaxis.ticktext) == [str(d) for d in range(10)]
    assert json.loads(figure.to_json())["layout"]["title"]["text"] == (
        "Sample pictures per class"
    )


def test_the_sample_grid_draws_at_most_twenty_classes():
    import numpy as np

    from nncore.plots.images import samples_figure

    images = np.zeros((50, 8, 8, 1), dtype=np.uint8)
    overview = {
        "classes": [
            {"name": f"c{i}", "count": 2, "samples": [2 * i, 2 * i + 1]}
            for i in range(25)
        ]
    }
    figure = samples_figure(images, overview)
    assert len(figure.layout.yaxis.ticktext) == 20
    assert figure.layout.title.text.endswith("(the first 20 of 25 classes)")
