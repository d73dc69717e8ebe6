"""Where studies are kept: the default journal file in the runs folder or any Optuna
storage URL, the studies listed, and the NN Studio settings each study carries.

Optuna is imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import copy
import datetime
import logging
import os
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from nncore.core.errors import DataError, SpecError
from nncore.core.text import json_text

log = logging.getLogger(__name__)

# The default storage: an Optuna journal file in the runs folder.
JOURNAL_NAME = "studies.log"
# A study made by NN Studio carries its settings in this study user attribute.
META_KEY = "nnstudio"
META_VERSION = 1

# --- storages and studies ---------------------------------------------------------

_storages: dict[str, Any] = {}
_storages_lock = threading.Lock()


def default_storage(folder: str | os.PathLike | None = None) -> str:
    """The default storage: the journal file ``studies.log`` in the runs folder.

    Args:
        folder: the runs folder. Default: the run store's (``$NNSTUDIO_RUNS_DIR``
            or ``./nnstudio-runs``).
    """
    if folder is None:
        from nncore.runs.store import DEFAULT_RUNS_DIR, RUNS_DIR_ENV

        folder = os.environ.get(RUNS_DIR_ENV) or DEFAULT_RUNS_DIR
    return str(Path(folder).expanduser().absolute() / JOURNAL_NAME)


def _is_url(storage: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", storage) is not None


def shown_storage(storage: str) -> str:
    """The storage as it may be shown: a URL's password is hidden."""
    if not _is_url(storage):
        return storage
    return re.sub(r"(://[^:/@]+:)[^@/]*@", r"\1***@", storage)


def kept_where(storage: str) -> str:
    """Where a study is kept, in the words the app shows: "Kept with the runs" for
    the default storage (no server path), else "Kept in <storage>" (a URL's
    password hidden).

    Example:
        >>> kept_where(default_storage())
        'Kept with the runs'
    """
    if is_default_storage(storage):
        return "Kept with the runs"
    return f"Kept in {shown_storage(storage)}"


def is_default_storage(storage: str | None) -> bool:
    """Whether ``storage`` is the default one (``studies.log`` with the runs); an
    empty storage means the default."""
    if not storage or not storage.strip():
        return True
    if _is_url(storage.strip()):
        return False
    path = Path(storage.strip()).expanduser().absolute()
    return path == Path(default_storage())


def open_storage(storage: str | None = None, *, create: bool = True):
    """The Optuna storage for a URL or a journal file path (one object per storage).

    Args:
        storage: an Optuna RDB URL (``sqlite:///studies.db``,
            ``postgresql://user:password@host/db``, ``mysql+pymysql://…``) or the
            path of a journal file. Default: ``default_storage()``.
        create: whether a journal file that does not exist may be created.
            Default: True.

    Raises:
        DataError: the storage cannot be opened; the message says what to do.
    """
    import optuna
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    storage = (storage or default_storage()).strip()
    with _storages_lock:
        if storage in _storages:
            return _storages[storage]
        try:
            if _is_url(storage):
                opened = RDBStorage(storage)
            else:
                path = Path(storage).expanduser()
                if not create and not path.is_file():
                    raise DataError(
                        f"There is no study storage at '{storage}'. Give the path of "
                        "a journal file (e.g. nnstudio-runs/studies.log) or an Optuna "
                        "storage URL such as sqlite:///studies.db or "
                        "postgresql://user:password@host/database."
                    )
                path.parent.mkdir(parents=True, exist_ok=True)
                opened = JournalStorage(
                    JournalFileBackend(
                        str(path), lock_obj=JournalFileOpenLock(str(path))
                    )
                )
        except DataError:
            raise
        except (ImportError, ModuleNotFoundError) as error:
            raise DataError(
                f"The storage '{shown_storage(storage)}' needs a database driver that "
                f"is not installed ({error}). Install it (e.g. pip install psycopg2-"
                "binary for PostgreSQL, pymysql for MySQL) and try again."
            ) from error
        except (OSError, ValueError, optuna.exceptions.StorageInternalError) as error:
            raise DataError(
                f"Could not open the study storage '{shown_storage(storage)}' "
                f"({first_line(error)}). Expected an Optuna storage URL such as "
                "sqlite:///studies.db or postgresql://user:password@host/database, "
                "or the path of a journal file."
            ) from error
        except Exception as error:  # SQLAlchemy's errors: bad URL, server down
            raise DataError(
                f"Could not open the study storage '{shown_storage(storage)}' "
                f"({type(error).__name__}: {first_line(error)}). Check the URL, "
                "that the database server is running and that you may use it."
            ) from error
        _storages[storage] = opened
        return opened


def first_line(error: Exception) -> str:
    """The first line of an error's message (its type's name when it has none)."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO level; the search reports its own progress."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


def list_studies(storage: str | None = None) -> list[dict]:
    """The studies in a storage, newest first: name, trials, best value, start.

    Raises:
        DataError: the storage cannot be opened or read.
    """
    import optuna

    opened = open_storage(storage, create=False)
    try:
        summaries = optuna.get_all_study_summaries(opened, include_best_trial=False)
    except Exception as error:
        raise DataError(
            f"Could not read the studies in '{shown_storage(storage or '')}' "
            f"({first_line(error)})."
        ) from error
    studies = []
    for summary in summaries:
        meta = summary.user_attrs.get(META_KEY) or {}
        studies.append(
            {
                "name": summary.study_name,
                "trials": summary.n_trials,
                "started": summary.datetime_start,
                "objective": meta.get("objective"),
                "nnstudio": bool(meta),
            }
        )
    oldest = datetime.datetime.min
    studies.sort(key=lambda s: s["started"] or oldest, reverse=True)
    return studies


def new_study_name(spec: dict) -> str:
    """A fresh study name: the dataset, the date and time, and a short suffix."""
    source = spec["data"]["source"]
    name = source.split(":", 1)[1] if source.startswith("builtin:") else source
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-") or "study"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{name}-{stamp}-{uuid.uuid4().hex[:4]}"


def _fingerprint(meta: dict) -> dict:
    """What workers of one study must agree on (the budget may differ)."""
    spec = copy.deepcopy(meta["spec"])
    spec["tune"] = {
        key: value
        for key, value in spec["tune"].items()
        if key not in ("trials", "minutes")
    }
    # Machines may keep the data file in different folders: compare its name.
    source = spec["data"]["source"]
    if not source.startswith("builtin:"):
        spec["data"]["source"] = Path(source).name
    return {"spec": spec, "objective": meta["objective"], "epochs": meta["epochs"]}


def _wait_for_meta(study, seconds: float = 10.0) -> dict | None:
    """The study's NN Studio settings; a worker that created it a moment ago may
    still be writing them."""
    deadline = time.monotonic() + seconds
    while True:
        meta = study.user_attrs.get(META_KEY)
        if meta is not None or time.monotonic() >= deadline:
            return meta
        if study.trials:  # a study with trials and no settings is not ours
            return None
        time.sleep(0.2)


def _difference(theirs: dict, mine: dict) -> str:
    """The first field in which two fingerprints differ, in words."""
    for path, (a, b) in _diff(theirs, mine, ""):
        return f"its {path} is {json_text(a)}, yours is {json_text(b)}"
    return "its settings differ"


def _diff(a: Any, b: Any, path: str):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            inner = f"{path}.{key}" if path else str(key)
            yield from _diff(a.get(key), b.get(key), inner)
    elif a != b:
        yield path.removeprefix("spec."), (a, b)


def check_joined_study(study, meta: dict) -> None:
    """Check that a study someone else created tunes the experiment of ``meta``.

    Workers of one study must tune the same experiment (the budget may differ).

    Args:
        study: the ``optuna.Study`` joined.
        meta: this worker's NN Studio settings (as stored under ``META_KEY``).

    Raises:
        SpecError: the study was not made by NN Studio, or tunes another
            experiment.
    """
    theirs = _wait_for_meta(study)
    if theirs is None:
        raise SpecError(
            f"The study '{study.study_name}' was not made by NN Studio: choose "
            "another study name."
        )
    mine, theirs = _fingerprint(meta), _fingerprint(theirs)
    if mine != theirs:
        raise SpecError(
            f"The study '{study.study_name}' tunes a different experiment "
            f"({_difference(theirs, mine)}). Use the same experiment file as the "
            "study's other workers, or another study name."
        )


def study_meta(storage: str | None, study_name: str) -> dict:
    """The NN Studio settings of a study: the experiment it tunes and its objective.

    Raises:
        DataError: no study of that name, or one not made by NN Studio.
    """
    import optuna

    opened = open_storage(storage, create=False)
    try:
        study = optuna.load_study(study_name=study_name, storage=opened)
    except KeyError as error:
        raise DataError(
            f"There is no study '{study_name}' in '{shown_storage(storage or '')}'. "
            "Check the name (the list shows the studies there)."
        ) from error
    meta = study.user_attrs.get(META_KEY)
    if not meta:
        raise DataError(
            f"The study '{study_name}' was not made by NN Studio, so it cannot be "
            "resumed here (it can still be watched)."
        )
    return meta
