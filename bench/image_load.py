"""Loading a 100 MB ZIP of JPEGs: time, peak memory and the arrays' type.

What it measures: what the Data screen and ``python -m nncore data`` do with an
uploaded ZIP of photos, i.e. ``load_images(path)`` (list the class folders, read
every header for the most common size and the colour mode, decode and resize every
picture) followed by ``split_images`` (split and pitfalls, duplicates included),
in a fresh Python process so that the memory baseline is clean.

* The ZIP (default about 100 MB) is generated, seeded, into a temporary folder:
  photo-like 256×256 RGB JPEGs (smooth colour fields with grain, quality 90) in
  three class folders inside one wrapping folder. Generating it is not measured.
* A child process imports nncore's image modules and scikit-learn's split (their
  import is not measured), then loads and prepares the ZIP,
  and prints seconds per stage, the peak memory and the pixels' dtype and shape.
* Peak memory: the largest NumPy/Python allocation at once (``tracemalloc``, which
  sees NumPy's arrays but not Pillow's decoding buffers) and the peak resident
  memory increase (``ru_maxrss`` after minus before), both relative to the ZIP.

Goals: the decoded arrays are uint8 (floats only when training needs them), and
the peak memory increase stays below the ZIP's size.

Usage:
    python bench/image_load.py [--mb 100] [--size auto|N] [--keep]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ("beach", "forest", "city")
SIDE = 256
MEGABYTE = 1024 * 1024

CHILD = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from nncore.data.image_sets import load_images
from nncore.data.images import split_images
import sklearn.model_selection  # what the split uses: imported before measuring

size = {size!r}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
loaded = load_images({path!r}, size=size)
loaded_at = time.perf_counter()
prepared = split_images(loaded, {{}})
prepared_at = time.perf_counter()
_, traced_peak = tracemalloc.get_traced_memory()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{
    "n_images": int(len(loaded.labels)),
    "classes": loaded.classes,
    "image_shape": list(loaded.image_shape),
    "dtype": str(loaded.images.dtype),
    "x_train_dtype": str(prepared.X_train.dtype),
    "pixels_mb": loaded.images.nbytes / 2**20,
    "load_seconds": loaded_at - start,
    "prepare_seconds": prepared_at - loaded_at,
    "traced_peak_mb": traced_peak / 2**20,
    "rss_increase_mb": (after - before) / 1024,
    "warnings": len(prepared.warnings),
}}))
"""


def photo(rng, tint) -> bytes:
    """One photo-like JPEG: a smooth random colour field, tinted, with grain."""
    import numpy as np
    from PIL import Image

    coarse = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    field = Image.fromarray(coarse).resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    pixels = np.asarray(field, dtype=np.float32) * 0.6 + np.asarray(tint) * 0.4
    pixels += rng.normal(0, 24, pixels.shape)
    buffer = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(
        buffer, format="JPEG", quality=90
    )
    return buffer.getvalue()


def generate(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a ZIP of about ``megabytes`` of JPEGs; return how many pictures."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tints = {"beach": (230, 210, 150), "forest": (40, 140, 50), "city": (120, 120, 130)}
    written = count = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        while written < megabytes * MEGABYTE:
            label = CLASSES[count % len(CLASSES)]
            data = photo(rng, tints[label])
            archive.writestr(f"photos/{label}/{count:05d}.jpg", data)
            written += len(data)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=100.0, help="ZIP size (MB)")
    parser.add_argument("--size", default="auto", help="'auto' or a side in pixels")
    parser.add_argument("--keep", action="store_true", help="keep the ZIP")
    args = parser.parse_args()
    size = args.size if args.size == "auto" else int(args.size)
    folder = Path(tempfile.mkdtemp(prefix="nnstudio-images-"))
    try:
        path = folder / "photos.zip"
        count = generate(path, args.mb)
        zip_mb = path.stat().st_size / MEGABYTE
        print(f"generated {path} ({zip_mb:.1f} MB, {count} JPEGs)", file=sys.stderr)
        code = CHILD.format(root=str(ROOT), path=str(path), size=size)
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(done.stderr[-3000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["zip_mb"] = round(zip_mb, 1)
        result["seconds"] = result["load_seconds"] + result["prepare_seconds"]
        result["rss_increase_per_zip_mb"] = result["rss_increase_mb"] / zip_mb
        print(
            f"{result['n_images']} JPEGs ({zip_mb:.1f} MB) -> "
            f"{result['image_shape']} {result['dtype']} "
            f"({result['pixels_mb']:.1f} MB of pixels): load "
            f"{result['load_seconds']:.1f} s, prepare "
            f"{result['prepare_seconds']:.1f} s; peak NumPy/Python memory "
            f"{result['traced_peak_mb']:.1f} MB, peak RSS increase "
            f"{result['rss_increase_mb']:.1f} MB "
            f"({result['rss_increase_per_zip_mb']:.2f} x the ZIP)",
            file=sys.stderr,
        )
        print(json.dumps({k: _rounded(v) for k, v in result.items()}))
    finally:
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _rounded(value):
    return round(value, 3) if isinstance(value, float) else value


if __name__ == "__main__":
    main()
