"""Resource limits for a shared server: how big a network, a training, a queue, a
search and an upload may be.

A classroom server trains everybody's networks in one process on a few cores, one
job at a time, so one person's 20-layer network or million-row, thousand-epoch run
would hold up the whole class. Each limit is read from an environment variable
when it is checked (so a test or an admin can change it without a restart); its
default lets every built-in dataset, preset, example, test and benchmark through:

====================  ===========  ==============================================
variable              default      limits
====================  ===========  ==============================================
NNSTUDIO_MAX_PARAMS        2,000,000  trainable parameters of one network
NNSTUDIO_MAX_ROWS_EPOCHS  50,000,000  training rows × epochs of one training (and
                                      of one trial of a search)
NNSTUDIO_MAX_QUEUED                2  unfinished jobs (queued or running) of one
                                      session (the CLI is one session)
NNSTUDIO_MAX_TRIALS              200  trials of one hyper-parameter search
NNSTUDIO_MAX_UPLOAD_MB           200  size of a file uploaded on the Data screen
NNSTUDIO_MAX_IMAGE_PIXELS 50,000,000  pixels (width × height) of one picture in an
                                      image dataset, as its header claims them
NNSTUDIO_MAX_ZIP_MB            1,000  megabytes of an image ZIP or folder once
                                      unpacked (declared and actually read)
NNSTUDIO_MAX_IMAGE_FILES      20,000  files in an image ZIP or folder
====================  ===========  ==============================================

Streamlit's own ``server.maxUploadSize`` (``.streamlit/config.toml``, 200 MB) is the
hard upload limit: a file over it never reaches NN Studio, so
``NNSTUDIO_MAX_UPLOAD_MB`` only takes effect below it.

On Streamlit Community Cloud, root-level secrets (the app's "Secrets" settings,
e.g. ``NNSTUDIO_MAX_PARAMS = "500000"``) are also set as environment variables, so
environment variables are the one place to set the limits everywhere.

A value that is not a positive whole number (``"abc"``, ``"-5"``, ``"0"``) is not
used: the default applies and a warning naming the variable, the value and what
is expected is logged once. A typo by the admin must neither stop the server nor
switch a limit off. ``problems()`` lists such values.

Every check raises ``LimitError`` (a ``DataError``) whose message says which limit,
the value asked for, the limit, and how to fix it.

Example:

    check_parameters(3_200_000)
    # LimitError: This network has 3,200,000 parameters to learn; this server
    # trains at most 2,000,000 per network (NNSTUDIO_MAX_PARAMS). Use fewer neurons
    # or layers; the server admin can raise NNSTUDIO_MAX_PARAMS.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from nncore.core.errors import DataError
from nncore.core.text import plural

__all__ = [
    "LIMITS",
    "Limit",
    "LimitError",
    "check_parameters",
    "check_rows_epochs",
    "check_trials",
    "check_image_files",
    "check_upload_size",
    "check_zip_size",
    "current",
    "image_pixels_problem",
    "parameters_problem",
    "problems",
    "queued_problem",
]

log = logging.getLogger(__name__)

MAX_PARAMS = "NNSTUDIO_MAX_PARAMS"
MAX_ROWS_EPOCHS = "NNSTUDIO_MAX_ROWS_EPOCHS"
MAX_QUEUED = "NNSTUDIO_MAX_QUEUED"
MAX_TRIALS = "NNSTUDIO_MAX_TRIALS"
MAX_UPLOAD_MB = "NNSTUDIO_MAX_UPLOAD_MB"
MAX_IMAGE_PIXELS = "NNSTUDIO_MAX_IMAGE_PIXELS"
MAX_ZIP_MB = "NNSTUDIO_MAX_ZIP_MB"
MAX_IMAGE_FILES = "NNSTUDIO_MAX_IMAGE_FILES"
# Megabytes as Streamlit counts them for server.maxUploadSize.
MEGABYTE = 1024 * 1024


class LimitError(DataError):
    """A request over one of the server's resource limits; the message says which
    limit, the value asked for, the limit and how to fix it."""


@dataclass(frozen=True)
class Limit:
    """One resource limit.

    Attributes:
        variable: the environment variable that sets it.
        default: its value when the variable is unset or not usable.
        what: what it limits, in words.
    """

    variable: str
    default: int
    what: str


LIMITS: dict[str, Limit] = {
    limit.variable: limit
    for limit in (
        # The biggest preset ("Wide with dropout") on the widest built-in data
        # (digits, 64 inputs) has about 51,000; 2,000,000 allows e.g. two hidden
        # layers of 1,000 neurons.
        Limit(MAX_PARAMS, 2_000_000, "trainable parameters of one network"),
        # The biggest built-in training (circle, 2,000 points, 1,000 epochs) is
        # 1.4 million; bench/train_speed.py's W1 (100,000 rows x 10 epochs) is
        # 1 million; bench/data_scale.py's file (1,000,000 rows) prepared and
        # trained for the default 20 epochs is 14 million.
        Limit(
            MAX_ROWS_EPOCHS,
            50_000_000,
            "training rows × epochs of one training (or one trial of a search)",
        ),
        Limit(MAX_QUEUED, 2, "unfinished jobs (queued or running) of one session"),
        Limit(MAX_TRIALS, 200, "trials of one hyper-parameter search"),
        Limit(MAX_UPLOAD_MB, 200, "megabytes of a file uploaded on the Data screen"),
        # A 48-megapixel phone photo (8000 x 6000) passes; Pillow itself refuses
        # about 179 million and warns from 89 million (turned into a refusal).
        Limit(
            MAX_IMAGE_PIXELS,
            50_000_000,
            "pixels (width × height) of one picture in an image dataset",
        ),
        # Pictures are decoded one at a time, so the unpacked size costs time, not
        # memory; bench/image_load.py's 100 MB ZIP of JPEGs is about 100 MB unpacked.
        Limit(MAX_ZIP_MB, 1_000, "megabytes of an image ZIP or folder once unpacked"),
        # 20,000 pictures of 64 x 64 RGB are 250 MB of pixels, a good share of a
        # small shared server's memory.
        Limit(MAX_IMAGE_FILES, 20_000, "files in an image ZIP or folder"),
    )
}

_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def _parse(text: str) -> int | None:
    """A positive whole number from ``text`` ("2000000", "2_000_000", "2e6"), or
    None."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    if not number.is_integer() or number < 1:
        return None
    return int(number)


def _bad_value(variable: str, text: str) -> str:
    limit = LIMITS[variable]
    return (
        f"The environment variable {variable}={text!r} is not a positive whole "
        f"number, so the default {limit.default:,} applies ({limit.what}). Set it "
        f"to a whole number of 1 or more, e.g. {variable}={limit.default}."
    )


def current(variable: str) -> int:
    """The limit set by ``variable`` now: its value, or the default.

    Args:
        variable: one of ``LIMITS``, e.g. ``"NNSTUDIO_MAX_PARAMS"``.

    Returns:
        The value of the environment variable when it is a positive whole number;
        otherwise the default, with a warning logged once per bad value.

    Raises:
        KeyError: ``variable`` is not one of ``LIMITS``.
    """
    limit = LIMITS[variable]
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return limit.default
    value = _parse(text)
    if value is None:
        with _warned_lock:
            first = (variable, text) not in _warned
            _warned.add((variable, text))
        if first:
            log.warning(_bad_value(variable, text))
        return limit.default
    return value


def problems() -> list[str]:
    """What is wrong with the limits set in the environment (empty when nothing)."""
    found = []
    for variable in LIMITS:
        text = os.environ.get(variable)
        if text is not None and text.strip() and _parse(text) is None:
            found.append(_bad_value(variable, text))
    return found


def _raise_hint(variable: str) -> str:
    return f"the server admin can raise {variable}."


# --- the checks ----------------------------------------------------------------------


def parameters_problem(n_parameters: int, what: str = "This network") -> str | None:
    """The message for a network over ``NNSTUDIO_MAX_PARAMS``, or None if it fits.

    The Model screen shows it as a warning before Train; ``check_parameters``
    raises it.

    Args:
        n_parameters: the network's trainable parameters.
        what: the network, for the message. Default: ``"This network"``.
    """
    limit = current(MAX_PARAMS)
    if n_parameters <= limit:
        return None
    return (
        f"{what} has {n_parameters:,} parameters to learn; this server trains "
        f"at most {limit:,} per network ({MAX_PARAMS}). Use fewer neurons or "
        f"layers; {_raise_hint(MAX_PARAMS)}"
    )


def check_parameters(n_parameters: int, what: str = "This network") -> None:
    """Refuse a network with more trainable parameters than ``NNSTUDIO_MAX_PARAMS``.

    Args:
        n_parameters: the network's trainable parameters.
        what: the network, for the message. Default: ``"This network"``.

    Raises:
        LimitError: the network is too big.
    """
    problem = parameters_problem(n_parameters, what)
    if problem:
        raise LimitError(problem)


def check_rows_epochs(
    n_rows: int, epochs: int, *, epochs_done: int = 0, per_trial: bool = False
) -> None:
    """Refuse a training of more rows × epochs than ``NNSTUDIO_MAX_ROWS_EPOCHS``.

    Args:
        n_rows: training rows.
        epochs: epochs to train (in all, for a new training; more, for Continue).
        epochs_done: epochs the network has trained already (Continue counts them:
            the limit is on the whole training, however many times it continues).
            Default: 0.
        per_trial: whether it is each trial of a search. Default: False.

    Raises:
        LimitError: the training is too long.
    """
    limit = current(MAX_ROWS_EPOCHS)
    total = epochs_done + epochs
    asked = n_rows * total
    if asked <= limit:
        return
    allowed = limit // max(n_rows, 1)
    if epochs_done:
        more = allowed - epochs_done
        fix = (
            f"Continue with at most {more:,} more epochs"
            if more > 0
            else "This network has trained as long as this server allows: "
            "press Train to start a new one"
        )
        raise LimitError(
            f"Continuing by {epochs:,} epochs would train on {n_rows:,} rows for "
            f"{total:,} epochs in all ({asked:,} rows × epochs); this server allows "
            f"at most {limit:,} per training ({MAX_ROWS_EPOCHS}). {fix}, or use a "
            f"smaller sample of the data; {_raise_hint(MAX_ROWS_EPOCHS)}"
        )
    epochs_word = "epochs per trial" if per_trial else "epochs"
    fix = (
        f"Use fewer {epochs_word} (at most {allowed:,} on these rows)"
        if allowed >= 1
        else f"Use fewer {epochs_word}"
    )
    scope = " (each trial of this search)" if per_trial else ""
    raise LimitError(
        f"Training on {n_rows:,} rows for {total:,} epochs{scope} is {asked:,} rows "
        f"× epochs; this server allows at most {limit:,} per training "
        f"({MAX_ROWS_EPOCHS}). {fix} or a smaller sample of the data; "
        f"{_raise_hint(MAX_ROWS_EPOCHS)}"
    )


def queued_problem(active: int, limit: int | None = None) -> str | None:
    """The message refusing one more job when the session has ``active`` unfinished
    ones, or None when there is room (the job manager raises it).

    Args:
        active: the session's jobs that are queued or running now.
        limit: the limit to apply. Default: ``NNSTUDIO_MAX_QUEUED``.
    """
    if limit is None:
        limit = current(MAX_QUEUED)
    if active < limit:
        return None
    wait = "it to finish, or stop it" if active == 1 else "them to finish, or stop one"
    return (
        f"You already have {plural(active, 'training job')} waiting or running (a "
        f"search counts as one); this server allows at most {limit} at once per "
        f"session ({MAX_QUEUED}). Wait for {wait}; "
        f"{_raise_hint(MAX_QUEUED)}"
    )


def check_trials(trials: int) -> None:
    """Refuse a search of more trials than ``NNSTUDIO_MAX_TRIALS``.

    Raises:
        LimitError: the search asks for too many trials.
    """
    limit = current(MAX_TRIALS)
    if trials <= limit:
        return
    raise LimitError(
        f"This search asks for {trials:,} trials; this server runs at most "
        f"{limit:,} per search ({MAX_TRIALS}). Ask for fewer trials (the best "
        f"settings are usually found in 20 to 50); {_raise_hint(MAX_TRIALS)}"
    )


def check_upload_size(n_bytes: int) -> None:
    """Refuse an uploaded file bigger than ``NNSTUDIO_MAX_UPLOAD_MB``.

    Raises:
        LimitError: the file is too big.
    """
    limit = current(MAX_UPLOAD_MB)
    if n_bytes <= limit * MEGABYTE:
        return
    raise LimitError(
        f"This file is {n_bytes / MEGABYTE:,.1f} MB; this server accepts files of up "
        f"to {limit:,} MB ({MAX_UPLOAD_MB}). Upload a smaller sample of the data "
        "(fewer rows, or only the columns you need); the server admin can raise "
        f"{MAX_UPLOAD_MB} (Streamlit's server.maxUploadSize is the upper bound)."
    )


def image_pixels_problem(width: int, height: int) -> str | None:
    """The message for a picture with more pixels than ``NNSTUDIO_MAX_IMAGE_PIXELS``,
    or None if it fits. Image loading skips such a picture and warns with it.

    Args:
        width, height: the picture's size as its header claims it.
    """
    limit = current(MAX_IMAGE_PIXELS)
    pixels = width * height
    if pixels <= limit:
        return None
    return (
        f"its header claims {width:,} × {height:,} pixels ({pixels:,}); this server "
        f"reads pictures of at most {limit:,} pixels ({MAX_IMAGE_PIXELS}). Save it "
        "smaller (a few hundred pixels a side is plenty); "
        + _raise_hint(MAX_IMAGE_PIXELS)
    )


def check_zip_size(n_bytes: int, *, declared: bool = True) -> None:
    """Refuse an image ZIP or folder bigger than ``NNSTUDIO_MAX_ZIP_MB`` unpacked.

    Args:
        n_bytes: the unpacked size: declared by the ZIP's directory, or read so far.
        declared: whether ``n_bytes`` is what the ZIP declares (True) or what was
            actually read from it (False). Default: True.

    Raises:
        LimitError: the pictures are too big.
    """
    limit = current(MAX_ZIP_MB)
    if n_bytes <= limit * MEGABYTE:
        return
    size = (
        f"are {n_bytes / MEGABYTE:,.1f} MB once unpacked (as the archive or folder "
        "declares)"
        if declared
        else f"unpack to more than {limit:,} MB (counted while reading them)"
    )
    raise LimitError(
        f"These pictures {size}; this server reads at most {limit:,} MB of pictures "
        f"({MAX_ZIP_MB}). Use fewer or smaller pictures (a few hundred pixels a side "
        f"is plenty); {_raise_hint(MAX_ZIP_MB)}"
    )


def check_image_files(n_files: int) -> None:
    """Refuse an image ZIP or folder of more files than ``NNSTUDIO_MAX_IMAGE_FILES``.

    Raises:
        LimitError: there are too many files.
    """
    limit = current(MAX_IMAGE_FILES)
    if n_files <= limit:
        return
    raise LimitError(
        f"This archive or folder holds {n_files:,} files; this server reads at most "
        f"{limit:,} ({MAX_IMAGE_FILES}). Use a sample of the pictures (a few hundred "
        f"per class is plenty to learn from); {_raise_hint(MAX_IMAGE_FILES)}"
    )
