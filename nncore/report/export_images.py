"""Code export for pictures: an image experiment as a standalone script or notebook.

The steps that differ from a table's: the setup, reading the pictures (a ZIP or a
folder of class folders with Pillow and NumPy, converted exactly as
``nncore.data.image_files.decode_picture`` does, whose colour conversion is copied
in; scikit-learn's digits; the shapes, drawn by ``nncore.data.shapes``' own code,
copied in) and taking each split's pixels. The split, the network (augmentation,
rescaling, convolutions), compiling, training and the metrics are the shared steps
of ``nncore.report.export_common``. No TensorFlow import here.
"""

from __future__ import annotations

import inspect
from typing import Any

from nncore.core.catalog import IMAGE_DATASETS
from nncore.report.export_common import (
    LEARNING,
    Section,
    assign,
    compile_code,
    evaluate_code,
    literal,
    model_code,
    split_code,
    train_code,
    train_explanation,
)

__all__ = ["picture_docstring", "picture_intro", "picture_sections"]


def picture_title(spec: dict, prepared: Any) -> str:
    """``"Shapes (4 classes, images): multiclass classification of pictures"``."""
    source = spec["data"]["source"]
    if source.startswith("builtin:"):
        data = IMAGE_DATASETS[source.split(":", 1)[1]].title
    else:
        data = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return f"{data}: {prepared.task} classification of pictures"


def picture_docstring(spec: dict, prepared: Any) -> str:
    """The exported script's docstring."""
    file_note = (
        ""
        if spec["data"]["source"].startswith("builtin:")
        else "\nThe pictures are read from DATA_PATH below (a ZIP or a folder with\n"
        "one folder per class): put it next to this script or change the path.\n"
    )
    text = (
        f"NN Studio experiment. {picture_title(spec, prepared)}.\n\n"
        "Reproduces the experiment as NN Studio runs it: the same pictures,\n"
        "converted to the same size and colour mode, the same split, network,\n"
        "optimiser, training and evaluation, with the same seeds. It trains with\n"
        "Keras' model.fit, which draws mini-batches in another order than NN\n"
        "Studio's faster loop: expect the same metrics within a few points. It\n"
        "prints the test metrics, then one JSON line with every metric.\n"
        f"{file_note}\n"
        "Run it with:\n\n"
        "    python experiment.py\n\n"
        "It needs NumPy, Pillow, scikit-learn and Keras 3 with TensorFlow\n"
        "(pip install pillow scikit-learn tensorflow).\n"
    )
    return f'"""{text}"""'


def picture_intro(spec: dict, prepared: Any) -> str:
    """The notebook's first cell."""
    return (
        f"# NN Studio experiment\n\n**{picture_title(spec, prepared)}**\n\n"
        "This notebook reproduces the experiment as NN Studio runs it, step by "
        "step: the same pictures, split, network and training, with the same "
        "seeds. Run the cells from top to bottom.\n\n" + LEARNING
    )


def picture_sections(spec: dict, loaded: Any, prepared: Any) -> list[Section]:
    """The steps of an image experiment's code.

    Args:
        spec: the validated spec.
        loaded: the ``LoadedImages`` (its ``reader``: the size and colour mode).
        prepared: the ``PreparedImages``.
    """
    from nncore.train.compiling import resolve_compile

    resolved = resolve_compile(spec["compile"], prepared.task)
    height, width, _ = prepared.image_shape
    return [
        Section(
            "Setup",
            "The libraries used, and the experiment's settings.",
            _setup_code(spec, prepared),
        ),
        Section(
            "Load the pictures",
            f"Every picture becomes {height}×{width} pixels in {prepared.color}: "
            "numbers from 0 (black) to 255 (white), one per pixel and colour "
            "channel. The class of a picture is the folder it is in.",
            _load_code(spec, prepared),
        ),
        Section(
            "Split",
            "Training pictures teach the network, validation pictures watch for "
            "overfitting while it trains, and test pictures are kept untouched for "
            "the final score.",
            split_code(spec, prepared.stratified, noun="pictures")
            + "\n\n"
            + _arrays_code(),
        ),
        Section(
            "Build the network",
            "Convolutions slide small filters over the picture, so an edge or a "
            "corner is found wherever it is; pooling shrinks the picture, keeping "
            "the strongest answers; dense layers at the end combine what was "
            "found. The seed fixes the starting weights.",
            model_code(spec, prepared),
        ),
        Section(
            "Compile",
            "The loss measures how wrong the predictions are; the optimiser "
            "decides how the weights change to reduce it.",
            compile_code(resolved, prepared.task),
        ),
        Section(
            "Train",
            train_explanation(spec, prepared.task),
            train_code(spec, prepared.task),
        ),
        Section(
            "Evaluate",
            "The final scores come from scikit-learn on the network's predictions "
            "for the validation and test pictures, computed exactly as NN Studio "
            "does.",
            evaluate_code(prepared),
        ),
    ]


def _setup_code(spec: dict, prepared: Any) -> str:
    data = spec["data"]
    source = data["source"]
    height, width, _ = prepared.image_shape
    lines = [
        "import io",
        "import json",
        "import os",
        "import zipfile",
        "from pathlib import Path, PurePosixPath",
        "",
        "# Quiet TensorFlow's start-up messages; results are the same without this.",
        'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")',
        'os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")',
        "",
        "import keras",
        "import numpy as np",
        "from PIL import Image, ImageOps",
        "from sklearn.model_selection import train_test_split",
        "",
    ]
    if not source.startswith("builtin:"):
        lines.append(f"DATA_PATH = {literal(source)}  # a ZIP or a folder")
    lines += [
        f"IMAGE_SIZE = ({height}, {width})  # height, width in pixels",
        f"COLOR = {literal(prepared.color)}  # grayscale or rgb",
        f"TASK = {literal(prepared.task)}",
        f"DATA_SEED = {data['seed']}  # the split (and the drawn shapes)",
        f"TRAIN_SEED = {spec['train']['seed']}  # starting weights, dropout, shuffling",
    ]
    return "\n".join(lines)


def _load_code(spec: dict, prepared: Any) -> str:
    source = spec["data"]["source"]
    if source == "builtin:digits_images":
        code = _digits_code(prepared)
    elif source == "builtin:shapes":
        code = _shapes_code(spec)
    else:
        return _files_code(prepared)
    return (
        code
        + "\n\n"
        + _convert_builtin_code()
        + "\n"
        + assign("CLASSES", list(prepared.classes))
        + "\n"
        + 'print(f"{len(y)} pictures of {len(CLASSES)} classes, shape '
        '{images.shape[1:]}")'
    )


def _digits_code(prepared: Any) -> str:
    return (
        "from sklearn.datasets import load_digits\n\n"
        "# scikit-learn's 1,797 handwritten digits, 8x8 pixels of ink from 0 to 16,\n"
        "# scaled to 0-255.\n"
        "digits = load_digits()\n"
        "pixels = np.rint(digits.data * (255 / 16)).clip(0, 255).astype(np.uint8)\n"
        "images = pixels.reshape(-1, 8, 8, 1)\n"
        "y = digits.target.astype(np.int64)"
    )


def _shapes_code(spec: dict) -> str:
    from nncore.data import shapes
    from nncore.spec.schema import section_defaults

    data = spec["data"]
    options = {**section_defaults("data.shapes"), **(data.get("shapes") or {})}
    constants = "\n".join(
        f"{name} = {getattr(shapes, name)!r}"
        for name in (
            "SHAPE_CLASSES",
            "SHAPE_SIDE",
            "SUPERSAMPLE",
            "CROSS_THICKNESS",
            "SQUARE_REACH",
        )
    )
    functions = "\n\n".join(
        inspect.getsource(function).rstrip()
        for function in (shapes.draw_shapes, shapes._draw, shapes._outline)
    )
    call = ", ".join(f"{name}={value!r}" for name, value in options.items())
    return (
        "import math\n\nfrom PIL import ImageDraw\n\n"
        "# The shapes, drawn as NN Studio draws them (its code, copied in).\n"
        f"{constants}\n\n\n{functions}\n\n\n"
        f"images, y = draw_shapes(\n    {int(data['n_samples'])},\n"
        f"    noise={float(data['noise'])!r},\n"
        f"    size=IMAGE_SIZE,\n    random_state=DATA_SEED,\n    {call},\n)"
    )


def _convert_builtin_code() -> str:
    """A built-in set at another size or in RGB, as ``load_builtin_images``
    converts it."""
    return (
        "if images.shape[1:3] != IMAGE_SIZE:  # bilinear, as NN Studio resizes\n"
        "    images = np.stack([\n"
        "        np.asarray(\n"
        "            Image.fromarray(p[:, :, 0]).resize(\n"
        "                IMAGE_SIZE[::-1], Image.Resampling.BILINEAR\n"
        "            ),\n"
        "            dtype=np.uint8,\n"
        "        )[:, :, None]\n"
        "        for p in images\n"
        "    ])\n"
        'if COLOR == "rgb":\n'
        "    images = np.repeat(images, 3, axis=3)"
    )


def _files_code(prepared: Any) -> str:
    from nncore.data import image_files

    to_mode = inspect.getsource(image_files._to_mode).replace(
        "def _to_mode(", "def to_mode(", 1
    )
    extensions = sorted(image_files.IMAGE_EXTENSIONS)
    junk = sorted(image_files.JUNK_NAMES)
    others = sorted(image_files.OTHER_PICTURES)
    formats = sorted(image_files.FORMATS)
    return f'''{assign("PICTURE_EXTENSIONS", extensions)}
# Pictures in formats NN Studio does not read: in the layout, but left out.
{assign("OTHER_EXTENSIONS", others)}
{assign("FORMATS", formats)}
{assign("JUNK_NAMES", junk)}
WHITE = {image_files.WHITE}


def picture_files(path):
    """(path inside, bytes) of every file in a ZIP or a folder."""
    path = Path(path)
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and not file.is_symlink():
                yield file.relative_to(path).as_posix(), file.read_bytes()
        return
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.is_dir():
                yield member.filename.replace("\\\\", "/"), archive.read(member)


{to_mode.rstrip()}


def to_pixels(data):
    """One picture as NN Studio converts it: the first frame, the EXIF
    orientation, 8 bits, transparency onto white, the colour mode, then a bilinear
    resize to exactly IMAGE_SIZE (stretched, not cropped)."""
    height, width = IMAGE_SIZE
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG":  # decoded at a fraction of the size, as NN Studio
            side = max(height, width)
            image.draft("L" if COLOR == "grayscale" else "RGB", (side, side))
        if image.format not in FORMATS:
            raise ValueError(f"a {{image.format}} picture, not read by NN Studio")
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        converted, _ = to_mode(upright, COLOR)
        resized = converted.resize((width, height), Image.Resampling.BILINEAR)
        pixels = np.asarray(resized, dtype=np.uint8)
    return pixels.reshape(height, width, -1)


# The pictures in class folders; hidden and system files are left out, and
# single folders wrapped around the class folders are looked through.
found = {{}}
for name, data in picture_files(DATA_PATH):
    parts = PurePosixPath(name).parts
    hidden = any(p.startswith(".") or p in JUNK_NAMES for p in parts)
    suffix = PurePosixPath(name).suffix.lower()
    if not hidden and suffix in PICTURE_EXTENSIONS + OTHER_EXTENSIONS:
        found[parts] = data
depth = 0
while all(len(p) > depth + 2 for p in found) and len({{p[depth] for p in found}}) == 1:
    depth += 1
images, labels, skipped = [], [], 0
for parts in sorted(found):
    if len(parts) != depth + 2:
        continue  # a picture in no class folder
    try:
        if PurePosixPath(parts[-1]).suffix.lower() not in PICTURE_EXTENSIONS:
            raise ValueError("a format NN Studio does not read")
        images.append(to_pixels(found[parts]))
    except Exception:  # not a picture NN Studio reads: left out, as it does
        skipped += 1
        continue
    labels.append(parts[depth])
images = np.stack(images)
classes, y = np.unique(np.asarray(labels), return_inverse=True)
{assign("CLASSES", list(prepared.classes))}
assert list(classes) == CLASSES, "the class folders differ from the experiment's"
print(f"{{len(y)}} pictures of {{len(CLASSES)}} classes ({{skipped}} left out)")'''


def _arrays_code() -> str:
    return (
        "# The pixels as floats from 0 to 255: the network rescales them itself.\n"
        'X_train = images[train].astype("float32")\n'
        'X_val = images[val].astype("float32")\n'
        'X_test = images[test].astype("float32")\n'
        "y_train, y_val, y_test = y[train], y[val], y[test]"
    )
