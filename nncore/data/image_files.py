"""Reading pictures from a ZIP or a folder of class folders, safely.

The layout is one folder per class with its pictures directly inside
(``cats/1.jpg``, ``dogs/1.jpg``); any number of single wrapping folders around the
class folders (``animals/cats/1.jpg``) is fine, as are stray files that are not
pictures (a README), which are left out with a note. An archive is never unpacked
to disk: each picture is read into memory when it is decoded.

What is refused, with what to do instead (``DataError``): a ZIP with a path that
climbs out of it (``../x.png``), an absolute path or a link; a password-protected
or damaged ZIP; more files or more unpacked megabytes than the server's limits
(``NNSTUDIO_MAX_IMAGE_FILES``, ``NNSTUDIO_MAX_ZIP_MB``, checked on the sizes the ZIP
declares and on the bytes actually read); an empty archive or folder; pictures in
folders inside the class folders; pictures with no class folder at all.

Decoding one picture (``decode_picture``): PNG, JPEG, BMP, GIF (first frame) and
WebP, with the EXIF orientation applied, transparency flattened onto white, 16-bit
and palette pictures converted, then resized to one size and colour mode; a
picture whose header claims more pixels than ``NNSTUDIO_MAX_IMAGE_PIXELS`` (or
than Pillow's decompression-bomb guard allows) is refused before it is decoded.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nncore.core import limits
from nncore.core.errors import DataError
from nncore.core.text import listing, plural, quoted

# Pillow's format name -> the name users know it by.
FORMATS = {
    "PNG": "PNG",
    "JPEG": "JPEG",
    "MPO": "JPEG",  # a phone's JPEG with a second picture inside
    "BMP": "BMP",
    "DIB": "BMP",
    "GIF": "GIF",
    "WEBP": "WebP",
}
SUPPORTED = "PNG, JPEG, BMP, GIF (first frame) and WebP"
IMAGE_EXTENSIONS = frozenset(
    (".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".dib", ".gif", ".webp")
)
# Picture files NN Studio does not read, and what they are called in messages.
OTHER_PICTURES = {
    ".svg": "an SVG drawing",
    ".svgz": "an SVG drawing",
    ".heic": "a HEIC photo",
    ".heif": "a HEIF photo",
    ".avif": "an AVIF picture",
    ".tif": "a TIFF picture",
    ".tiff": "a TIFF picture",
    ".ico": "an icon",
    ".psd": "a Photoshop file",
    ".raw": "a camera RAW file",
    ".dng": "a camera RAW file",
    ".cr2": "a camera RAW file",
    ".nef": "a camera RAW file",
}
# Files that systems add to archives and folders by themselves.
JUNK_NAMES = frozenset(("__MACOSX", "Thumbs.db", "desktop.ini", "Icon\r"))
LAYOUT_HELP = (
    "Put one folder per class with its pictures directly inside, e.g. cats/1.jpg "
    "and dogs/1.jpg (one wrapping folder around them, such as animals/, is fine)"
)
READ_CHUNK = 1024 * 1024
WHITE = 255
_DRIVE = re.compile(r"^[A-Za-z]:")


class Unreadable(Exception):
    """A picture left out: ``reason`` says what it is instead, in a few words for a
    list ("damaged or cut short", "an SVG drawing, not supported")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class PictureFile:
    """One file of a class folder.

    Attributes:
        name: its path from the class folders' parent, e.g. ``"cats/1.jpg"``:
            how messages and the screens name it.
        label: its class (the folder's name).
        location: where to read it (the ZIP member's name or the file's path).
    """

    name: str
    label: str
    location: str


@dataclass
class PictureFolder:
    """The pictures of a ZIP or a folder, by class, and how to read them.

    Use it as a context manager (it keeps the ZIP open). Built by ``open_pictures``.

    Attributes:
        name: the ZIP's or folder's name, for messages.
        files: the class folders' files that may be pictures, in name order.
        notes: what was left out and why (stray files, a wrapping folder).
        warnings: problems found and handled, each with what to do.
    """

    name: str
    files: list[PictureFile]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    archive: zipfile.ZipFile | None = None
    root: Path | None = None
    read_bytes: int = 0
    _counted: set[str] = field(default_factory=set, repr=False)

    def read(self, picture: PictureFile) -> bytes:
        """The file's bytes, counted against ``NNSTUDIO_MAX_ZIP_MB``.

        Raises:
            LimitError: the bytes read so far pass the limit.
            DataError: the ZIP is damaged.
            Unreadable: the file cannot be read.
        """
        budget = limits.current(limits.MAX_ZIP_MB) * limits.MEGABYTE
        left = budget - self.read_bytes + 1
        try:
            if self.archive is not None:
                with self.archive.open(picture.location) as handle:
                    data = _read_at_most(handle, left)
            else:
                with open(self.root / picture.location, "rb") as handle:
                    data = _read_at_most(handle, left)
        except zipfile.BadZipFile as error:
            raise DataError(
                f"The ZIP {quoted(self.name)} is damaged: {quoted(picture.name, 60)} "
                f"does not unpack as its header says ({error}). Make the ZIP again "
                "from the class folders."
            ) from error
        except (OSError, EOFError, RuntimeError, NotImplementedError) as error:
            raise Unreadable(f"unreadable ({error})") from error
        if picture.location not in self._counted:
            self._counted.add(picture.location)
            self.read_bytes += len(data)
            limits.check_zip_size(self.read_bytes, declared=False)
        return data

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def __enter__(self) -> PictureFolder:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _read_at_most(handle, n_bytes: int) -> bytes:
    parts, total = [], 0
    while total < n_bytes:
        chunk = handle.read(min(READ_CHUNK, n_bytes - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def open_pictures(source: str | Path | bytes, name: str | None = None) -> PictureFolder:
    """Find the class folders and their files in a ZIP or a folder.

    Args:
        source: a ZIP's path or bytes (an upload), or a folder's path.
        name: the name shown in messages. Defaults to the path's name, or
            ``"the ZIP"`` for bytes.

    Returns:
        A ``PictureFolder`` (close it, or use ``with``).

    Raises:
        DataError: for an unsafe, damaged, empty or wrongly laid out source, or one
            over the limits (``LimitError``).
    """
    if isinstance(source, bytes | bytearray):
        return _open_zip(io.BytesIO(source), name or "the ZIP")
    path = Path(source)
    shown = name or path.name or str(path)
    if path.is_dir():
        paths, notes = _folder_files(path, shown)
        files, layout_notes = _layout(paths, shown)
        return PictureFolder(shown, files, notes=notes + layout_notes, root=path)
    return _open_zip(path, shown)


def _open_zip(source, shown: str) -> PictureFolder:
    try:
        archive = zipfile.ZipFile(source)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise DataError(
            f"{quoted(shown)} is not a ZIP archive that can be opened ({error}). "
            "Make a ZIP of the class folders (e.g. right-click the folder, then "
            "Compress or Send to > Compressed folder) and try again."
        ) from error
    try:
        paths = _zip_members(members, shown)
        files, notes = _layout(paths, shown)
    except DataError:
        archive.close()
        raise
    return PictureFolder(shown, files, notes=notes, archive=archive)


def _zip_members(members: list[zipfile.ZipInfo], shown: str) -> list[str]:
    """The names of the ZIP's files, after refusing an unsafe or too big ZIP."""
    files = [m for m in members if not m.is_dir()]
    limits.check_image_files(len(files))
    for member in members:
        name = member.filename.replace("\\", "/")
        problem = None
        if name.startswith("/") or _DRIVE.match(name):
            problem = "an absolute path"
        elif ".." in name.split("/"):
            problem = "a path that climbs out of the archive ('..')"
        elif stat.S_ISLNK(member.external_attr >> 16):
            problem = "a link to another file"
        elif member.flag_bits & 0x1:
            problem = "a password-protected file"
        if problem:
            raise DataError(
                f"The ZIP {quoted(shown)} holds {problem}: {quoted(name, 60)}. NN "
                "Studio does not read such archives, to keep the server safe. Make "
                "the ZIP again from the class folders themselves (e.g. right-click "
                "the folder, then Compress)."
            )
    limits.check_zip_size(sum(m.file_size for m in files), declared=True)
    return [m.filename for m in files]


def _folder_files(root: Path, shown: str) -> tuple[list[str], list[str]]:
    """The folder's files (relative, with '/'), links left out with a note."""
    found, links, declared = [], 0, 0
    limit = limits.current(limits.MAX_IMAGE_FILES)
    for folder, subfolders, names in os.walk(root, followlinks=False):
        base = Path(folder)
        kept = [d for d in subfolders if not (base / d).is_symlink()]
        links += len(subfolders) - len(kept)
        subfolders[:] = kept
        for name in names:
            path = base / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                links += 1
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            found.append(path.relative_to(root).as_posix())
            declared += info.st_size
            if len(found) > limit:
                limits.check_image_files(len(found))
    limits.check_zip_size(declared, declared=True)
    notes = []
    if links:
        notes.append(
            f"Left out {plural(links, 'link')} in {quoted(shown)}: NN Studio reads "
            "only the files themselves. Copy the pictures into the folder instead."
        )
    return sorted(found), notes


def _is_junk(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") or part in JUNK_NAMES for part in parts)


def _kind(name: str) -> str:
    """``"picture"``, ``"other picture"`` (a format NN Studio does not read) or
    ``"other"``, by the file's extension."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return "picture"
    return "other picture" if suffix in OTHER_PICTURES else "other"


def _layout(paths: list[str], shown: str) -> tuple[list[PictureFile], list[str]]:
    """The class folders' picture files, after single wrapping folders are
    stripped; refuses an empty source, nested class folders and loose pictures."""
    parts = {p: tuple(PurePosixPath(p.replace("\\", "/")).parts) for p in paths}
    kept = {p: split for p, split in parts.items() if split and not _is_junk(split)}
    pictures = {p: split for p, split in kept.items() if _kind(p) != "other"}
    if not pictures:
        if not kept:
            raise DataError(
                f"{quoted(shown)} holds no files. {LAYOUT_HELP}, then load it again."
            )
        raise DataError(
            f"{quoted(shown)} holds no pictures, only "
            f"{plural(len(kept), 'other file')} ({listing(kept, 3, 40)}). NN Studio "
            f"reads {SUPPORTED} files. {LAYOUT_HELP}."
        )
    depth = 0  # single wrapping folders around the class folders
    while all(len(split) > depth + 2 for split in pictures.values()) and (
        len({split[depth] for split in pictures.values()}) == 1
    ):
        depth += 1
    notes = []
    if depth:
        wrapper = "/".join(next(iter(pictures.values()))[:depth])
        notes.append(f"The class folders are inside {quoted(wrapper + '/', 60)}.")
    nested = sorted(p for p, split in pictures.items() if len(split) > depth + 2)
    if nested:
        example = pictures[nested[0]][depth:]
        raise DataError(
            f"{quoted(shown)} has pictures in folders inside the class folders, e.g. "
            f"{quoted('/'.join(example), 60)} is in {quoted(example[1], 30)} inside "
            f"{quoted(example[0], 30)}. {LAYOUT_HELP}. If these are several sets "
            "(train/ and test/), load one of them, or merge their class folders."
        )
    loose = [p for p, split in pictures.items() if len(split) == depth + 1]
    if len(loose) == len(pictures):
        raise DataError(
            f"{quoted(shown)} has {plural(len(loose), 'picture')} but no class "
            f"folders: the folder names are the classes. {LAYOUT_HELP}."
        )
    if loose:
        notes.append(
            f"Left out {plural(len(loose), 'picture')} that "
            f"{'is' if len(loose) == 1 else 'are'} in no class folder "
            f"({listing(loose, 3, 40)}): the folder names are the classes."
        )
    others = len(kept) - len(pictures)
    if others:
        notes.append(
            f"Left out {plural(others, 'file')} that "
            f"{'is not a picture' if others == 1 else 'are not pictures'} "
            f"({listing([p for p in kept if p not in pictures], 3, 40)})."
        )
    files = [
        PictureFile("/".join(split[depth:]), split[depth], path)
        for path, split in sorted(pictures.items(), key=lambda item: item[1])
        if len(split) == depth + 2
    ]
    return files, notes


# --- one picture ----------------------------------------------------------------------


@dataclass(frozen=True)
class PictureFacts:
    """What a picture's header says.

    Attributes:
        size: ``(height, width)`` as it is shown (after its EXIF orientation).
        grayscale: whether it has no colour (by its mode and palette).
    """

    size: tuple[int, int]
    grayscale: bool


@dataclass
class Decoded:
    """A picture converted for the network.

    Attributes:
        pixels: uint8 of shape ``(height, width, channels)``.
        facts: what its header said (the size before resizing).
        turned: whether its EXIF orientation turned it.
        flattened: whether it had transparency (flattened onto white).
    """

    pixels: np.ndarray
    facts: PictureFacts
    turned: bool = False
    flattened: bool = False


def picture_facts(data: bytes, name: str = "") -> PictureFacts:
    """Read a picture's header: its size and whether it is grayscale.

    Raises:
        Unreadable: it is not a picture NN Studio reads, or it is too big.
    """
    with _open(data, name) as image:
        return _facts(image)


def decode_picture(
    data: bytes, size: tuple[int, int], color: str, name: str = ""
) -> Decoded:
    """Decode a picture and convert it to ``size`` (height, width) and ``color``
    (``"grayscale"`` or ``"rgb"``).

    The steps, in order: the first frame (GIF, WebP), the EXIF orientation, 16-bit
    and palette pictures to 8 bits, transparency flattened onto white, the colour
    mode, then a bilinear resize to exactly ``size`` (no cropping: a picture of
    another shape is stretched).

    Args:
        data: the file's bytes.
        size: ``(height, width)`` in pixels.
        color: ``"grayscale"`` or ``"rgb"``.
        name: the file's name, for its extension (an SVG is named as such).

    Raises:
        Unreadable: it is not a picture NN Studio reads, too big, or damaged.
    """
    height, width = size
    with _open(data, name) as image:
        facts = _facts(image)
        try:
            if image.format == "JPEG":  # decode at a fraction of the size: faster
                side = max(height, width)
                image.draft("L" if color == "grayscale" else "RGB", (side, side))
            image.load()
            orientation = image.getexif().get(0x0112, 1)
            upright = ImageOps.exif_transpose(image) or image
            converted, flattened = _to_mode(upright, color)
            resized = converted.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(resized, dtype=np.uint8)
        except Image.DecompressionBombError as error:
            raise Unreadable(_bomb(error)) from error
        except (OSError, ValueError, SyntaxError, EOFError, IndexError) as error:
            raise Unreadable("damaged or cut short") from error
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return Decoded(
        pixels, facts, turned=orientation not in (1, None), flattened=flattened
    )


def _open(data: bytes, name: str) -> Image.Image:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in OTHER_PICTURES or data.lstrip()[:5] in (b"<svg ", b"<?xml", b"<svg>"):
        kind = OTHER_PICTURES.get(suffix, "an SVG drawing")
        raise Unreadable(f"{kind}, not supported")
    if not data:
        raise Unreadable("an empty file")
    # Pillow warns from 89 million pixels and refuses from 179 million: the warning
    # is taken as a refusal too, so no picture that big is ever decoded.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Unreadable(_bomb(error)) from error
        except UnidentifiedImageError as error:
            raise Unreadable(_not_a_picture(data)) from error
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            raise Unreadable("damaged or cut short") from error
    if image.format not in FORMATS:
        image.close()
        raise Unreadable(f"a {image.format} picture, not supported")
    problem = limits.image_pixels_problem(*image.size)
    if problem:
        image.close()
        raise Unreadable(f"too big: {problem}")
    return image


def _bomb(error: Exception) -> str:
    """Why a picture that Pillow's decompression-bomb guard stopped is left out."""
    limit = min(limits.current(limits.MAX_IMAGE_PIXELS), Image.MAX_IMAGE_PIXELS or 0)
    found = re.search(r"\((\d+) pixels\)", str(error))
    claims = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
    return (
        f"too big: its header claims {claims}; this server reads pictures of at "
        f"most {limit:,} pixels ({limits.MAX_IMAGE_PIXELS} and Pillow's "
        "decompression-bomb guard)"
    )


def _not_a_picture(data: bytes) -> str:
    head = data[:512]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not a picture (or damaged)"
    return "text, not a picture"


def _facts(image: Image.Image) -> PictureFacts:
    width, height = image.size
    try:
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError):
        orientation = 1
    if orientation in (5, 6, 7, 8):  # turned a quarter: width and height swap
        width, height = height, width
    return PictureFacts((height, width), _is_grayscale(image))


def _is_grayscale(image: Image.Image) -> bool:
    if image.mode in ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F"):
        return True
    if image.mode in ("P", "PA"):
        palette = image.getpalette() or []
        rgb = np.asarray(palette[: len(palette) // 3 * 3]).reshape(-1, 3)
        return bool((rgb == rgb[:, :1]).all())
    return False


def _to_mode(image: Image.Image, color: str) -> tuple[Image.Image, bool]:
    """``image`` in mode L (grayscale) or RGB, transparency flattened onto white;
    and whether it had transparency."""
    if image.mode.startswith("I") or image.mode == "F":  # 16-bit or 32-bit
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if values.max(initial=0) > 255 else 255.0
        image = Image.fromarray(
            np.rint(np.clip(values, 0, top) / top * 255).astype(np.uint8)
        )
    if image.mode == "PA" or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
    elif image.mode == "P":
        image = image.convert("RGB")
    elif image.mode == "1":
        image = image.convert("L")
    alpha = image.mode in ("RGBA", "LA")
    if alpha:
        base = "L" if image.mode == "LA" else "RGB"
        flat = Image.new(base, image.size, WHITE if base == "L" else (WHITE,) * 3)
        flat.paste(image.convert(base), mask=image.getchannel("A"))
        image = flat
    target = "L" if color == "grayscale" else "RGB"
    if image.mode != target:
        image = image.convert(target)
    return image, alpha


def iterate_decoded(
    folder: PictureFolder,
    files: list[PictureFile],
    size: tuple[int, int],
    color: str,
    skipped: dict[str, list[str]],
) -> Iterator[tuple[PictureFile, Decoded]]:
    """Decode ``files`` one at a time; a picture that cannot be used is added to
    ``skipped`` (reason -> names) instead."""
    for picture in files:
        try:
            yield (
                picture,
                decode_picture(folder.read(picture), size, color, picture.name),
            )
        except Unreadable as problem:
            skipped.setdefault(problem.reason, []).append(picture.name)
