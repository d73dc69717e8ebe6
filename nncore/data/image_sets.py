"""Image datasets: pictures with labels, from a built-in set, a ZIP or a folder.

``load_images`` reads a ZIP or a folder of class folders (``cats/1.jpg``,
``dogs/1.jpg``; see ``nncore.data.image_files`` for the layout and what is
refused), ``load_builtin_images`` the built-in sets (``digits_images``: scikit-
learn's 1,797 handwritten digits of 8×8 pixels; ``shapes``: drawn, seeded). Every
picture is converted to one size and colour mode and kept as uint8 pixels
``(n, height, width, channels)``: floats only when training needs them.
``decode_image`` converts one more picture (an upload, a webcam photo) the same
way; ``augment_images`` draws augmented copies (a preview of training);
``images_zip`` writes pictures back as a ZIP of class folders.

Splitting them for a network is ``nncore.data.images``'s work.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from nncore.core.catalog import IMAGE_DATASETS
from nncore.core.errors import DataError
from nncore.core.glossary import advice
from nncore.core.text import listing, plural, quoted
from nncore.data.image_files import (
    SUPPORTED,
    Unreadable,
    decode_picture,
    iterate_decoded,
    open_pictures,
    picture_facts,
)
from nncore.data.prepare import MAX_CLASSES
from nncore.data.shapes import SHAPE_CLASSES, draw_shapes
from nncore.spec.schema import (
    IMAGE_COLORS,
    MAX_IMAGE_SIDE,
    MIN_IMAGE_SIDE,
    section_defaults,
)
from nncore.spec.validation import image_size

# The automatic size: the most common one, shrunk to fit in this many pixels a side.
AUTO_MAX_SIDE = 64
MIN_PER_CLASS = 2  # fewer cannot be split into training and the rest
FEW_PER_CLASS = 10  # fewer: a warning (nncore.data.images)


@dataclass
class LoadedImages:
    """Pictures with labels, converted to one size and colour mode.

    Attributes:
        images: uint8 pixels, shape ``(n, height, width, channels)``.
        labels: int64 class index of each picture.
        classes: the class names (folder names), in index order.
        file_names: each picture's name, e.g. ``"cats/1.jpg"`` (its path from the
            class folders' parent; for built-in sets ``"3/0012.png"``).
        original_sizes: int ``(n, 2)``: each picture's height and width before it
            was resized (as shown, after its EXIF orientation).
        color: ``"grayscale"`` or ``"rgb"``.
        name: the source, as messages name it.
        notes: what was done, in plain words.
        warnings: problems found and handled, each with what to do.
        reader: how the pictures were read, for exported code:
            ``{"format": "images", "size": [height, width], "color": ...}``.
    """

    images: np.ndarray
    labels: np.ndarray
    classes: list[str]
    file_names: list[str]
    original_sizes: np.ndarray
    color: str
    name: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reader: dict = field(default_factory=dict)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(height, width, channels)`` of every picture."""
        return tuple(int(n) for n in self.images.shape[1:])


def load_images(
    source: str | Path | bytes,
    *,
    size: Any = "auto",
    color: str = "auto",
    name: str | None = None,
) -> LoadedImages:
    """Read the pictures of a ZIP or of a folder of class folders.

    Args:
        source: a ZIP's path or bytes (an upload), or a folder's path.
        size: ``"auto"`` (the most common size, shrunk to fit in 64×64), a whole
            number (square pictures) or ``[height, width]``. Defaults to ``"auto"``.
        color: ``"auto"`` (grayscale when every picture is grayscale, else rgb),
            ``"grayscale"`` or ``"rgb"``. Defaults to ``"auto"``.
        name: the name messages give the source. Defaults to the file's name.

    Returns:
        A ``LoadedImages``; pictures that could not be used are left out and
        counted in a warning.

    Raises:
        DataError: for an unsafe, damaged, empty or wrongly laid out source, when
            no picture is usable, or with fewer than two classes or a class of one
            picture.
    """
    wanted, color = _size(size), _color(color)
    with open_pictures(source, name) as folder:
        files, skipped = folder.files, {}
        facts = {}
        if wanted is None or color == "auto":
            for picture in files:
                try:
                    facts[picture.name] = picture_facts(
                        folder.read(picture), picture.name
                    )
                except Unreadable as problem:
                    skipped.setdefault(problem.reason, []).append(picture.name)
            files = [p for p in files if p.name in facts]
            _check_some_left(files, skipped, folder.name)
            if wanted is None:
                wanted = _common_size(f.size for f in facts.values())
            if color == "auto":
                gray = all(f.grayscale for f in facts.values())
                color = "grayscale" if gray else "rgb"
        channels = 1 if color == "grayscale" else 3
        images = np.empty((len(files), *wanted, channels), dtype=np.uint8)
        labels, names, sizes = [], [], []
        turned = flattened = 0
        for picture, decoded in iterate_decoded(folder, files, wanted, color, skipped):
            images[len(names)] = decoded.pixels
            labels.append(picture.label)
            names.append(picture.name)
            sizes.append(decoded.facts.size)
            turned += decoded.turned
            flattened += decoded.flattened
        notes, warnings = list(folder.notes), list(folder.warnings)
        shown = folder.name
        n_files = len(folder.files)
    _check_some_left(names, skipped, shown)
    if skipped:
        warnings.append(_skipped_warning(skipped, n_files))
    if turned:
        notes.append(f"Turned {plural(turned, 'photo')} upright (EXIF orientation).")
    if flattened:
        notes.append(
            f"Flattened {plural(flattened, 'transparent picture')} onto white."
        )
    classes = sorted(set(labels))
    index = {label: i for i, label in enumerate(classes)}
    loaded = LoadedImages(
        images=images[: len(names)],
        labels=np.array([index[label] for label in labels], dtype=np.int64),
        classes=classes,
        file_names=names,
        original_sizes=np.array(sizes, dtype=np.int64).reshape(-1, 2),
        color=color,
        name=shown,
        notes=notes,
        warnings=warnings,
    )
    return _finish(loaded)


def load_builtin_images(
    name: str,
    *,
    size: Any = "auto",
    color: str = "auto",
    n_samples: int = 400,
    noise: float = 0.1,
    shapes: dict | None = None,
    random_state: int = 42,
) -> LoadedImages:
    """A built-in image dataset: ``"digits_images"`` or ``"shapes"``.

    Args:
        name: one of ``nncore.core.catalog.IMAGE_DATASETS``.
        size: as ``load_images``; ``"auto"`` keeps the set's own size (8×8 digits,
            28×28 shapes). Defaults to ``"auto"``.
        color: as ``load_images``; ``"auto"`` is grayscale. Defaults to ``"auto"``.
        n_samples, noise: the number of shapes and their pixel noise (shapes only).
            Default: 400 and 0.1.
        shapes: the shapes' ``min_size``, ``max_size``, ``jitter`` and ``rotation``
            (``data.shapes`` of a spec). Defaults to the spec's defaults.
        random_state: the shapes' seed. Defaults to 42.

    Raises:
        DataError: for an unknown name.
    """
    if name not in IMAGE_DATASETS:
        raise DataError(
            f"There is no built-in image dataset {quoted(name)}. Choose one of: "
            f"{', '.join(IMAGE_DATASETS)}."
        )
    wanted, color = _size(size), _color(color)
    if name == "shapes":
        options = {**section_defaults("data.shapes"), **(shapes or {})}
        images, labels = draw_shapes(
            int(n_samples),
            noise=float(noise),
            size=wanted or (28, 28),
            random_state=random_state,
            **options,
        )
        classes = list(SHAPE_CLASSES)
        note = (
            f"{plural(len(labels), 'drawn shape')} (seed {random_state}, noise "
            f"{noise:g})."
        )
    else:
        images, labels = _digits()
        classes = [str(digit) for digit in range(10)]
        note = "scikit-learn's handwritten digits, 0-16 ink scaled to 0-255."
    native = images.shape[1:3]
    if wanted is not None and tuple(wanted) != native:
        images = np.stack([_resize(picture, wanted) for picture in images])
    if color == "rgb":
        images = np.repeat(images, 3, axis=3)
    counters = np.zeros(len(classes), dtype=np.int64)
    names = []
    for label in labels:
        counters[label] += 1
        names.append(f"{classes[label]}/{counters[label]:04d}.png")
    loaded = LoadedImages(
        images=images,
        labels=labels.astype(np.int64),
        classes=classes,
        file_names=names,
        original_sizes=np.tile(np.array(native, dtype=np.int64), (len(labels), 1)),
        color="rgb" if color == "rgb" else "grayscale",
        name=IMAGE_DATASETS[name].title,
        notes=[note],
    )
    return _finish(loaded)


def load_image_source(
    data_spec: dict,
    path: str | Path | bytes | None = None,
    *,
    base_dir: str | Path | None = None,
) -> LoadedImages:
    """The pictures a spec's ``data`` section names (``nncore.data.inspect``'s
    ``load_source`` calls it for image sources).

    Args:
        data_spec: a validated ``data`` section.
        path: the ZIP or folder (a path, or an upload's bytes); defaults to
            ``data_spec["source"]``.
        base_dir: the folder a relative path is also looked up in (the experiment
            file's). Defaults to None (the current folder only).

    Raises:
        DataError: when the ZIP or folder does not exist; as ``load_images`` and
            ``load_builtin_images``.
    """
    images = {**section_defaults("data.images"), **(data_spec.get("images") or {})}
    source = data_spec["source"]
    if path is None and source.startswith("builtin:"):
        return load_builtin_images(
            source.split(":", 1)[1],
            size=images["size"],
            color=images["color"],
            n_samples=data_spec.get("n_samples", 400),
            noise=data_spec.get("noise", 0.1),
            shapes=data_spec.get("shapes"),
            random_state=data_spec.get("seed", 42),
        )
    if path is None:
        path = Path(source).expanduser()
        if not path.is_absolute() and base_dir is not None and not path.exists():
            path = Path(base_dir) / path
    if isinstance(path, str | Path) and not Path(path).exists():
        raise DataError(
            f"The image source {quoted(source, 120)} does not exist. Check "
            "'data.source' in the experiment (a ZIP or a folder with one folder per "
            "class), or pass it with --data."
        )
    return load_images(
        path,
        size=images["size"],
        color=images["color"],
        name=Path(source).name or source,
    )


def decode_image(
    data: bytes, *, size: Any, color: str, name: str = "this picture"
) -> np.ndarray:
    """One picture (an upload, a webcam photo) converted as a dataset's were.

    Args:
        data: the file's bytes.
        size: ``[height, width]`` (a dataset's ``image_shape[:2]``) or a number;
            ``"auto"``: its own size, shrunk to fit in 64×64.
        color: ``"grayscale"`` or ``"rgb"`` (a dataset's ``color``); ``"auto"``:
            grayscale if the picture is.
        name: the file's name, for messages and its extension.

    Returns:
        uint8 pixels, shape ``(height, width, channels)``.

    Raises:
        DataError: it is not a picture NN Studio can use.
    """
    wanted, color = _size(size), _color(color)
    try:
        if wanted is None or color == "auto":
            facts = picture_facts(data, name)
            wanted = wanted or _common_size([facts.size])
            if color == "auto":
                color = "grayscale" if facts.grayscale else "rgb"
        return decode_picture(data, wanted, color, name).pixels
    except Unreadable as problem:
        raise DataError(
            f"{quoted(name, 60)} cannot be used: {problem.reason}. Use a {SUPPORTED} "
            "file."
        ) from problem


def augment_images(
    images: np.ndarray, augment: dict[str, Any], *, random_state: int = 0
) -> np.ndarray:
    """Augmented copies of pictures, as training would see them (for a preview).

    Each picture is mirrored left-right half the time (``flip``), turned by up to
    ``rotation`` degrees either way, zoomed in or out by up to ``zoom`` (a
    fraction), and its contrast changed by up to ``contrast`` (a fraction); the
    corners uncovered are filled with the picture's border colour.

    Args:
        images: uint8 ``(n, height, width, channels)``.
        augment: ``data.augment``: ``flip``, ``rotation``, ``zoom``, ``contrast``.
        random_state: the seed. Defaults to 0.

    Returns:
        uint8 pictures of the same shape.
    """
    options = {**section_defaults("data.augment"), **(augment or {})}
    rng = np.random.default_rng(random_state)
    out = np.empty_like(images)
    for index, pixels in enumerate(images):
        out[index] = _augment_one(pixels, options, rng)
    return out


def images_zip(loaded) -> bytes:
    """The pictures as a ZIP of class folders of PNG files (``load_images`` reads
    it back to the same pixels, classes and names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for pixels, name in zip(loaded.images, loaded.file_names, strict=True):
            png = io.BytesIO()
            _picture(pixels).save(png, format="PNG")
            stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
            archive.writestr(f"{stem}.png", png.getvalue())
    return buffer.getvalue()


# --- helpers --------------------------------------------------------------------------


def _size(size: Any) -> tuple[int, int] | None:
    """``data.images.size`` as ``(height, width)``, or None for "auto"."""
    try:
        value = image_size(size)
    except ValueError as error:
        raise DataError(str(error)) from error
    if value is None or value == "auto":
        return None
    sides = list(value) if isinstance(value, list | tuple) else [value]
    return (int(sides[0]), int(sides[-1]))


def _color(color: str) -> str:
    """``data.images.color``, checked."""
    if color in IMAGE_COLORS:
        return color
    raise DataError(
        f"The colour mode must be one of {', '.join(map(repr, IMAGE_COLORS))}. "
        f"Got {color!r}."
    )


def _common_size(sizes) -> tuple[int, int]:
    """The most common ``(height, width)``, shrunk to fit in ``AUTO_MAX_SIDE``."""
    (height, width), _ = Counter(sizes).most_common(1)[0]
    scale = min(1.0, AUTO_MAX_SIDE / max(height, width))

    def side(n):
        return int(min(max(round(n * scale), MIN_IMAGE_SIDE), MAX_IMAGE_SIDE))

    return side(height), side(width)


def _check_some_left(kept, skipped: dict[str, list[str]], shown: str) -> None:
    if kept:
        return
    n = sum(len(names) for names in skipped.values())
    raise DataError(
        f"None of the {plural(n, 'file')} in {quoted(shown)} is a picture NN Studio "
        f"can use: {_reasons(skipped)}. NN Studio reads {SUPPORTED} files: save the "
        "pictures in one of those formats and load them again."
    )


def _reasons(skipped: dict[str, list[str]]) -> str:
    parts = [f"{listing(names, 3, 40)} ({reason})" for reason, names in skipped.items()]
    return "; ".join(parts[:4]) + ("; and more" if len(parts) > 4 else "")


def _skipped_warning(skipped: dict[str, list[str]], n_files: int) -> str:
    n = sum(len(names) for names in skipped.values())
    return advice(
        f"Left out {n:,} of the {plural(n_files, 'file')} that could not be used: "
        f"{_reasons(skipped)}.",
        "The network learns only from the other pictures.",
        "save those pictures again as PNG or JPEG of a few hundred pixels a side "
        f"(NN Studio reads {SUPPORTED}), or remove them.",
    )


def _finish(loaded: LoadedImages) -> LoadedImages:
    """Refuse pictures that cannot be learnt from (one class, a class of one);
    record how they were read."""
    counts = np.bincount(loaded.labels, minlength=len(loaded.classes))
    if len(loaded.classes) < 2:
        pictures = plural(int(counts.sum()), "picture")
        raise DataError(
            f"{quoted(loaded.name)} has only one class "
            f"({listing(loaded.classes, 1, 40)}, {pictures}): there is nothing to "
            "tell apart. Add a folder of pictures for each other class, e.g. cats/ "
            "and dogs/."
        )
    if len(loaded.classes) > MAX_CLASSES:
        raise DataError(
            f"{quoted(loaded.name)} has {len(loaded.classes)} class folders, more "
            f"than NN Studio learns at once (at most {MAX_CLASSES}). Merge or remove "
            "some classes."
        )
    lonely = [
        c for c, n in zip(loaded.classes, counts, strict=True) if n < MIN_PER_CLASS
    ]
    if lonely:
        raise DataError(
            f"{'The class' if len(lonely) == 1 else 'The classes'} "
            f"{listing(lonely, 3, 40)} of {quoted(loaded.name)} "
            f"{'has' if len(lonely) == 1 else 'each have'} only one usable picture; "
            f"every class needs at least {MIN_PER_CLASS} (and "
            f"{FEW_PER_CLASS} or more to learn from), so that it can be in training "
            "and in the pictures the network is tested on. Add pictures to it, or "
            "remove its folder."
        )
    height, width, _ = loaded.image_shape
    loaded.reader = {"format": "images", "size": [height, width], "color": loaded.color}
    return loaded


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as uint8 pictures (0-16 ink scaled to 0-255)."""
    from nncore.data.bundled import bundled_frame

    found = bundled_frame("digits")
    if found is None:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        values, labels = bunch.data, bunch.target
    else:
        frame = found[0]
        values = frame.drop(columns=["target"]).to_numpy(dtype=np.float64)
        labels = frame["target"].to_numpy()
    pixels = np.rint(values * (255 / 16)).clip(0, 255).astype(np.uint8)
    return pixels.reshape(-1, 8, 8, 1), np.asarray(labels, dtype=np.int64)


def _picture(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)


def _resize(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    resized = _picture(pixels).resize((size[1], size[0]), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8).reshape(size[0], size[1], -1)


def _augment_one(pixels: np.ndarray, options: dict, rng: np.random.Generator):
    picture = _picture(pixels)
    if options["flip"] and rng.random() < 0.5:
        picture = picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    angle = math.radians(rng.uniform(-1, 1) * options["rotation"])
    scale = 1 + rng.uniform(-1, 1) * options["zoom"]
    if angle or scale != 1:
        border = np.concatenate(
            [pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]]
        ).mean(axis=0)
        fill = tuple(int(v) for v in np.rint(border))
        cx, cy = picture.width / 2, picture.height / 2
        a, b = math.cos(angle) / scale, math.sin(angle) / scale
        # Output pixel (x, y) comes from input (a x + b y + c, -b x + a y + f).
        matrix = (a, b, cx - a * cx - b * cy, -b, a, cy + b * cx - a * cy)
        picture = picture.transform(
            picture.size,
            Image.Transform.AFFINE,
            matrix,
            resample=Image.Resampling.BILINEAR,
            fillcolor=fill[0] if len(fill) == 1 else fill,
        )
    out = np.asarray(picture, dtype=np.float64).reshape(pixels.shape)
    if options["contrast"]:
        factor = 1 + rng.uniform(-1, 1) * options["contrast"]
        out = (out - out.mean()) * factor + out.mean()
    return np.rint(out).clip(0, 255).astype(np.uint8)
