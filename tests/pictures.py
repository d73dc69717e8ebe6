"""Pictures, ZIPs and folders of class folders, good and hostile, for the tests.

Everything is generated (Pillow, NumPy): no file is checked in.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def picture(
    fmt: str = "PNG",
    size: tuple[int, int] = (16, 16),
    mode: str = "RGB",
    seed: int = 0,
    **save_options,
) -> bytes:
    """A random picture of ``size`` (height, width) in ``mode``, saved as ``fmt``."""
    rng = np.random.default_rng(seed)
    height, width = size
    bands = len(Image.new(mode, (1, 1)).getbands())
    pixels = rng.integers(0, 256, (height, width, bands), dtype=np.uint8)
    image = Image.fromarray(pixels[:, :, 0] if bands == 1 else pixels, mode=None)
    if image.mode != mode:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def solid(value, size=(16, 16), mode="L", fmt="PNG", **save_options) -> bytes:
    """A picture of one colour."""
    image = Image.new(mode, (size[1], size[0]), value)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def save(image: Image.Image, fmt: str = "PNG", **save_options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def class_files(
    counts: dict[str, int],
    *,
    size=(16, 16),
    mode="RGB",
    fmt="PNG",
    wrapper: str = "",
    seed: int = 0,
) -> dict[str, bytes]:
    """``{"[wrapper/]class/NNN.ext": bytes}``: ``counts[class]`` random pictures of
    each class (every picture different)."""
    extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    prefix = f"{wrapper}/" if wrapper else ""
    files = {}
    for k, (label, n) in enumerate(counts.items()):
        for i in range(n):
            files[f"{prefix}{label}/{i:03d}.{extension}"] = picture(
                fmt, size, mode, seed=seed + 1000 * k + i
            )
    return files


def zip_of(files: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    """A ZIP of ``files`` (name -> bytes), plus symbolic links (name -> target)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix, whose mode bits say "link"
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` (relative name -> bytes) under ``root``; returns ``root``."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def understated_zip(good: dict[str, bytes], name: str, n_bytes: int) -> bytes:
    """A ZIP whose member ``name`` unpacks to ``n_bytes`` of zeros while its
    directory declares 100 bytes: a ZIP bomb that lies about its size."""
    data = bytearray(zip_of({**good, name: b"\0" * n_bytes}))
    at = 0
    encoded = name.encode()
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            raise AssertionError(f"{name} not in the ZIP's directory")
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if bytes(data[at + 46 : at + 46 + length]) == encoded:
            data[at + 24 : at + 28] = struct.pack("<I", 100)
            return bytes(data)
        at += 4


def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """The start of a PNG whose header claims ``width`` × ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat_data = zlib.compress(b"\0" * 64)
    idat = b"IDAT" + idat_data
    return (
        b"\x89PNG\r\n\x1a\n"
        + ihdr
        + struct.pack(">I", len(idat_data))
        + idat
        + struct.pack(">I", zlib.crc32(idat))
    )


def animated_gif(colors=(0, 255), size=(8, 8)) -> bytes:
    """A GIF whose frames are solid grays of ``colors``, in order."""
    frames = [Image.new("L", (size[1], size[0]), c) for c in colors]
    return save(frames[0], "GIF", save_all=True, append_images=frames[1:])


def exif_rotated_jpeg(size=(10, 20), orientation: int = 6) -> bytes:
    """A JPEG of ``size`` (height, width), black on the left half and white on the
    right, whose EXIF says to show it turned (6: a quarter turn clockwise)."""
    height, width = size
    pixels = np.zeros((height, width), dtype=np.uint8)
    pixels[:, width // 2 :] = 255
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(image, "JPEG", exif=exif.tobytes(), quality=95)
