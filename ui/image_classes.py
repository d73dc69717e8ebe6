"""Classes made on the Data screen, Teachable-Machine style: name a few classes,
fill each with pictures from the webcam (``st.camera_input``) or uploads, remove
the ones that went wrong, download the set as a ZIP of class folders and load it
again. "Use these classes" hands that ZIP to the screen, which reads it exactly
as an uploaded ZIP (``nncore.data.image_sets.load_images``).

The classes live in the session (``state.IMAGE_CLASSES``, a ``ClassBook``); each
picture keeps the file as it was taken or uploaded, and a small copy to show.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import streamlit as st

from nncore.core.errors import DataError
from nncore.core.text import listing, plural, quoted
from ui import safe, state

CLASSES_ZIP = "my-classes.zip"
PICTURE_TYPES = ["png", "jpg", "jpeg", "bmp", "gif", "webp"]
MIN_CLASSES = 2
MIN_PICTURES = 2  # per class: fewer cannot be split (nncore.data.image_sets)
MAX_CLASSES = 20
MAX_NAME_CHARS = 40
THUMBNAILS_PER_ROW = 6
THUMBNAIL_PX = 80
# Characters that would split a class's name into folders of the ZIP.
_BAD_NAME_CHARS = {"/", "\\", "\0"}


@dataclass
class Picture:
    """One picture of a class: the file as it came, and a small copy to show."""

    uid: int
    name: str
    data: bytes
    thumbnail: object  # uint8 pixels (nncore.data.image_sets.decode_image)


@dataclass
class PictureClass:
    uid: int
    name: str
    pictures: list[Picture] = field(default_factory=list)


@dataclass
class ClassBook:
    """The classes being made and their pictures.

    Attributes:
        classes: in the order they were added.
        version: counts the changes (a set used on the screen is marked stale).
        made: counts the classes and pictures ever added: unique ids and names.
        camera_for: the uid of the class the webcam is taking pictures for.
        rounds: bumped to empty an uploader after its files were added.
    """

    classes: list[PictureClass] = field(default_factory=list)
    version: int = 0
    made: int = 0
    camera_for: int | None = None
    rounds: int = 0
    _zipped: tuple[int, bytes] | None = field(default=None, repr=False)

    def find(self, uid: int) -> PictureClass | None:
        return next((c for c in self.classes if c.uid == uid), None)

    def add_class(self, name: str) -> PictureClass:
        """Add an empty class.

        Raises:
            DataError: the name cannot be a class folder's, or is taken.
        """
        name = " ".join(str(name).split())
        problem = name_problem(name, [c.name for c in self.classes])
        if problem:
            raise DataError(problem)
        if len(self.classes) >= MAX_CLASSES:
            raise DataError(
                f"There are already {MAX_CLASSES} classes, as many as can be made "
                "here. Remove one first."
            )
        self.made += 1
        added = PictureClass(self.made, name)
        self.classes.append(added)
        self.version += 1
        return added

    def add_picture(self, uid: int, data: bytes, name: str) -> Picture:
        """Add a picture (a file's bytes) to the class ``uid``.

        Raises:
            DataError: it is not a picture NN Studio reads (nothing is added).
        """
        from nncore.data.image_sets import decode_image

        target = self.find(uid)
        if target is None:
            raise DataError("That class was removed. Choose another one.")
        thumbnail = decode_image(data, size="auto", color="rgb", name=name)
        self.made += 1
        suffix = PurePosixPath(name).suffix.lower() or ".png"
        picture = Picture(self.made, f"{self.made:04d}{suffix}", data, thumbnail)
        target.pictures.append(picture)
        self.version += 1
        return picture

    def remove_class(self, uid: int) -> None:
        self.classes = [c for c in self.classes if c.uid != uid]
        if self.camera_for == uid:
            self.camera_for = None
        self.version += 1

    def remove_picture(self, uid: int, picture_uid: int) -> None:
        target = self.find(uid)
        if target is not None:
            target.pictures = [p for p in target.pictures if p.uid != picture_uid]
            self.version += 1

    @property
    def n_pictures(self) -> int:
        return sum(len(c.pictures) for c in self.classes)

    def ready_problem(self) -> str | None:
        """What is missing before the classes can be used, or None."""
        full = [c for c in self.classes if len(c.pictures) >= MIN_PICTURES]
        if len(self.classes) < MIN_CLASSES:
            return (
                f"Add at least {MIN_CLASSES} classes, each with at least "
                f"{MIN_PICTURES} pictures, to use them (10 or more each to learn "
                "well)."
            )
        if len(full) < len(self.classes):
            short = [c.name for c in self.classes if c not in full]
            return (
                f"Every class needs at least {MIN_PICTURES} pictures before the "
                f"classes can be used; {listing(short, 3, 30)} "
                f"{'has' if len(short) == 1 else 'have'} fewer."
            )
        return None

    def to_zip(self) -> bytes:
        """The classes as a ZIP of class folders, each picture as it came."""
        if self._zipped is not None and self._zipped[0] == self.version:
            return self._zipped[1]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for picture_class in self.classes:
                for picture in picture_class.pictures:
                    archive.writestr(
                        f"{picture_class.name}/{picture.name}", picture.data
                    )
        self._zipped = (self.version, buffer.getvalue())
        return self._zipped[1]

    def add_zip(self, data: bytes, name: str) -> tuple[int, list[str]]:
        """Add the pictures of a ZIP of class folders (read safely, as any ZIP),
        into the classes of the same name or new ones.

        Returns:
            The number of pictures added and the problems of those left out.

        Raises:
            DataError: an unsafe, damaged, empty or wrongly laid out ZIP (nothing
                is added then).
        """
        from nncore.data.image_files import Unreadable, open_pictures

        found: list[tuple[str, str, bytes]] = []
        skipped: list[str] = []
        with open_pictures(data, name) as folder:
            for picture in folder.files:
                try:
                    found.append((picture.label, picture.name, folder.read(picture)))
                except Unreadable as problem:
                    skipped.append(f"{picture.name}: {problem.reason}")
        added = 0
        for label, file_name, content in found:
            target = next((c for c in self.classes if c.name == label), None)
            try:
                if target is None:
                    target = self.add_class(label)
                self.add_picture(target.uid, content, file_name)
            except DataError as problem:
                skipped.append(str(problem))
            else:
                added += 1
        return added, skipped


def name_problem(name: str, taken: list[str]) -> str | None:
    """Why ``name`` cannot be a new class's (a folder of the ZIP), or None."""
    if not name:
        return "Give the class a name first, e.g. 'thumbs up'."
    if len(name) > MAX_NAME_CHARS:
        return (
            f"The class name {quoted(name, 30)} is {len(name)} characters long; use "
            f"at most {MAX_NAME_CHARS}."
        )
    if name.startswith(".") or _BAD_NAME_CHARS & set(name):
        return (
            f"The class name {quoted(name, 30)} cannot be a folder's name: it must "
            "not start with a dot or hold a / or \\. Use letters, digits, spaces "
            "and dashes."
        )
    if name.casefold() in (t.casefold() for t in taken):
        return f"There is already a class {quoted(name, 30)}: choose another name."
    return None


# --- the screen -----------------------------------------------------------------------


def book() -> ClassBook:
    """The session's classes (made empty the first time)."""
    if st.session_state[state.IMAGE_CLASSES] is None:
        st.session_state[state.IMAGE_CLASSES] = ClassBook()
    return st.session_state[state.IMAGE_CLASSES]


def say(kind: str, text: str) -> None:
    st.session_state[state.IMAGE_NOTICE] = (kind, text)


def add_class_clicked() -> None:
    try:
        added = book().add_class(st.session_state.get("data_class_name") or "")
    except DataError as problem:
        say("error", str(problem))
        return
    st.session_state["data_class_name"] = ""
    say(
        "success",
        f"Added the class {quoted(added.name, 40)}: add its pictures with the "
        "webcam or from files.",
    )


def add_files(uid: int, key: str) -> None:
    """The uploader's files go into the class ``uid``; the uploader is emptied."""
    files = st.session_state.get(key) or []
    classes = book()
    added, problems = 0, []
    for upload in files:
        try:
            classes.add_picture(uid, upload.getvalue(), upload.name)
        except DataError as problem:
            problems.append(str(problem))
        else:
            added += 1
    classes.rounds += 1  # a new, empty uploader
    tell_added(added, problems)


def add_photo(uid: int, key: str) -> None:
    """The webcam's photo goes into the class ``uid``; the camera is made ready
    for the next one."""
    photo = st.session_state.get(key)
    if photo is None:
        return
    classes = book()
    try:
        classes.add_picture(uid, photo.getvalue(), photo.name)
    except DataError as problem:
        tell_added(0, [str(problem)])
        return
    classes.rounds += 1  # a new camera widget, ready for the next photo
    target = classes.find(uid)
    say(
        "success",
        f"Added a photo to {quoted(target.name, 40)} "
        f"({plural(len(target.pictures), 'picture')} now).",
    )


def tell_added(added: int, problems: list[str]) -> None:
    if problems:
        say(
            "warning",
            f"Added {plural(added, 'picture')}; left out {len(problems)}: "
            + " ".join(problems[:3])
            + (" …" if len(problems) > 3 else ""),
        )
    else:
        say("success", f"Added {plural(added, 'picture')}.")


def load_zip(key: str) -> None:
    upload = st.session_state.get(key)
    if upload is None:
        return
    classes = book()
    classes.rounds += 1
    try:
        added, problems = classes.add_zip(upload.getvalue(), upload.name)
    except DataError as problem:
        say("error", f"{problem} Your classes are unchanged.")
        return
    tell_added(added, problems)


def toggle_camera(uid: int) -> None:
    classes = book()
    classes.camera_for = None if classes.camera_for == uid else uid


def remove_class(uid: int) -> None:
    classes = book()
    gone = classes.find(uid)
    classes.remove_class(uid)
    if gone is not None:
        say("info", f"Removed the class {quoted(gone.name, 40)}.")


def build(use: Callable[[bytes, str, int], str | None]) -> None:
    """Draw the classes: add one, fill it, remove pictures, download, load, use.

    Args:
        use: called with the classes' ZIP, its name and the book's version when
            "Use these classes" is pressed; returns why they cannot be used, or
            None when the screen took them.
    """
    classes = book()
    st.caption(
        "Name a class for each kind of thing the network should tell apart, then "
        "fill it with pictures from the webcam or from files. Like Teachable "
        "Machine: a few dozen pictures per class, taken from different angles, "
        "are enough to start."
    )
    notice = st.session_state[state.IMAGE_NOTICE]
    if notice:
        kind, text = notice
        {"success": st.success, "warning": st.warning, "error": st.error}.get(
            kind, st.info
        )(safe.escape(text))
        st.session_state[state.IMAGE_NOTICE] = None
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.text_input(
            "New class",
            key="data_class_name",
            max_chars=MAX_NAME_CHARS,
            placeholder="e.g. thumbs up",
            help="The class's name: the answer the network learns to give. It "
            "becomes a folder's name in the ZIP.",
        )
        st.button(
            "Add class",
            key="data_class_add",
            icon=":material/add:",
            on_click=add_class_clicked,
        )
    for picture_class in classes.classes:
        show_class(classes, picture_class)
    show_actions(classes, use)


def show_class(classes: ClassBook, picture_class: PictureClass) -> None:
    uid = picture_class.uid
    with st.container(border=True, key=f"data_class_box_{uid}"):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(
                f"**{safe.escape(picture_class.name)}** · "
                f"{plural(len(picture_class.pictures), 'picture')}"
            )
            camera_on = classes.camera_for == uid
            st.button(
                "Stop the webcam" if camera_on else "Webcam",
                key=f"data_class_camera_{uid}",
                icon=":material/photo_camera:",
                on_click=toggle_camera,
                args=(uid,),
                help="Take pictures for this class with the webcam.",
            )
            st.button(
                "Remove class",
                key=f"data_class_remove_{uid}",
                icon=":material/delete:",
                on_click=remove_class,
                args=(uid,),
                type="tertiary",
            )
        if camera_on:
            key = f"data_camera_{uid}_{classes.rounds}"
            camera, _ = st.columns(2)  # a smaller preview
            camera.camera_input(
                f"Take a picture for {safe.escape(picture_class.name)}",
                key=key,
                on_change=add_photo,
                args=(uid, key),
                help="Each photo you take is added to this class; the camera is "
                "then ready for the next one.",
            )
        show_thumbnails(classes, picture_class)
        key = f"data_class_files_{uid}_{classes.rounds}"
        st.file_uploader(
            f"Add pictures to {safe.escape(picture_class.name)} from files",
            type=PICTURE_TYPES,
            accept_multiple_files=True,
            key=key,
            on_change=add_files,
            args=(uid, key),
            help="PNG, JPEG, BMP, GIF or WebP pictures of this class.",
        )


def show_thumbnails(classes: ClassBook, picture_class: PictureClass) -> None:
    pictures = picture_class.pictures
    for start in range(0, len(pictures), THUMBNAILS_PER_ROW):
        row = pictures[start : start + THUMBNAILS_PER_ROW]
        for column, picture in zip(st.columns(THUMBNAILS_PER_ROW), row, strict=False):
            column.image(picture.thumbnail, width=THUMBNAIL_PX)
            column.button(
                "Remove",
                key=f"data_picture_remove_{picture.uid}",
                icon=":material/close:",
                type="tertiary",
                on_click=classes.remove_picture,
                args=(picture_class.uid, picture.uid),
                help="Remove this picture from the class.",
            )


def show_actions(classes: ClassBook, use: Callable) -> None:
    problem = classes.ready_problem()

    def use_clicked() -> None:
        refused = use(classes.to_zip(), CLASSES_ZIP, classes.version)
        if refused:
            say("error", f"{refused} Your classes are unchanged.")
        else:
            say(
                "success",
                f"Using your {plural(len(classes.classes), 'class')} "
                f"({plural(classes.n_pictures, 'picture')}): see them below.",
            )

    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            "Use these classes",
            key="data_classes_use",
            icon=":material/check:",
            type="primary",
            disabled=problem is not None,
            on_click=use_clicked,
            help="Make these classes the experiment's data; they are read as a ZIP "
            "of class folders would be.",
        )
        st.download_button(
            "Download as a ZIP",
            data=classes.to_zip() if classes.n_pictures else b"",
            file_name=CLASSES_ZIP,
            mime="application/zip",
            key="data_classes_download",
            icon=":material/download:",
            disabled=not classes.n_pictures,
            on_click="ignore",
            help="One folder per class: load it here again later, upload it as a "
            "ZIP of class folders, or train on it from the command line "
            f"(--data {CLASSES_ZIP}).",
        )
    if problem:
        st.caption(safe.escape(problem))
    key = f"data_classes_zip_{classes.rounds}"
    st.file_uploader(
        "Load classes from a ZIP (made here or one folder per class)",
        type=["zip"],
        key=key,
        on_change=load_zip,
        args=(key,),
        help="Its pictures are added to the classes of the same name, or to new "
        "classes.",
    )
