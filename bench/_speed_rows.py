"""The app-path and whole-process rows of ``bench/train_speed.py``.

* app path: the workload's experiment submitted to a ``JobManager`` (its own runs
  folder in a temporary directory) with the default spec's callbacks (early
  stopping with restore-best, keep-best, checkpoints, run store writes), while a
  subscriber thread reads the job's view at each change of it
  (``JobManager.wait(changed_since=...)``, at least every 0.05 s), more often
  than the Train screen's fragment does (the boundary and the doctor's findings
  included: W3 has two inputs, so its boundary is drawn). Patience is the
  largest the spec allows, so that the run trains as many epochs as the other
  rows (the run prints them).
* whole process: ``python -m nncore run SPEC.json`` against the seed's plain Keras
  script (``compile`` + ``fit(..., validation_data=...)``), each a fresh process
  timed from start to exit, TensorFlow's import included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# The largest patience the spec allows (nncore/spec/schema.py).
MAX_PATIENCE = 100
# The longest the subscriber waits between two reads of the job's view; it also
# reads at each change, so that the last epoch is timed when it is reported.
VIEW_SECONDS = 0.05


def workload_csv(work: dict, folder: Path) -> Path:
    """The workload's rows (training then validation) as a CSV with a target."""
    import pandas as pd

    X = np.concatenate([work["X_train"], work["X_val"]])
    y = np.concatenate([work["y_train"], work["y_val"]])
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    frame["target"] = y
    path = folder / f"{work['name']}.csv"
    frame.to_csv(path, index=False)
    return path


def workload_spec(work: dict, csv: Path) -> dict:
    """The app's default experiment for the workload: its network, batch and
    epochs; 80 % of the rows train (as in the other rows), 10 % validate."""
    from nncore.spec import default_spec, validate_spec

    spec = default_spec()
    spec["data"].update(source=str(csv), target="target", scaling="none")
    spec["data"]["split"].update(train=0.8, val=0.1, test=0.1)
    spec["model"]["layers"] = [
        {"type": "dense", "units": units, "activation": "relu"}
        for units in work["hidden"]
    ]
    spec["train"].update(epochs=work["epochs"], batch_size=work["batch_size"])
    spec["train"]["early_stopping"]["patience"] = MAX_PATIENCE
    return validate_spec(spec)


def prepare(spec: dict):
    from nncore.data.inspect import load_source
    from nncore.data.prepare import prepare_from_spec

    return prepare_from_spec(load_source(spec["data"]).frame, spec["data"])


def run_app(
    spec: dict, prepared, live_view: bool = True
) -> tuple[float, float, int, dict]:
    """One job through a fresh ``JobManager``, watched as the Train screen does.

    ``live_view`` (on in the app) keeps each epoch's weights and the layers'
    health for the view inside the network.

    Returns:
        Wall seconds from submit to the last epoch seen in the view (training;
        the scoring and reference models that follow are timed apart, in
        ``seen["finished_s"]``), CPU seconds to the finished view, epochs run,
        and what the subscriber saw (views read, boundaries, findings, the
        snapshots' epochs and bytes, health records).
    """
    from nncore.runs.manager import JobManager
    from nncore.runs.store import RunStore

    seen = {"views": 0, "boundaries": 0, "findings": 0, "last_epoch_s": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        manager = JobManager(store=RunStore(Path(folder) / "runs"))
        try:
            done = threading.Event()
            wall, cpu = time.perf_counter(), time.process_time()
            job_id = manager.submit(spec, prepared, owner="bench", live_view=live_view)

            def subscribe():
                epochs, updated = 0, None
                while not done.is_set():
                    # Woken by each change of the job (at most VIEW_SECONDS
                    # apart): the last epoch is timed when it is reported.
                    view = manager.wait(
                        job_id, timeout=VIEW_SECONDS, changed_since=updated
                    )
                    if view is None:
                        break
                    updated = view.updated
                    if view.epochs_done != epochs and view.status == "running":
                        epochs = view.epochs_done
                        seen["last_epoch_s"] = time.perf_counter() - wall
                    seen["views"] += 1
                    seen["boundaries"] += view.boundary is not None
                    seen["findings"] += bool(view.findings)
                    if view.status not in ("queued", "running"):
                        break

            reader = threading.Thread(target=subscribe, daemon=True)
            reader.start()
            view = manager.wait(job_id, timeout=1800)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            done.set()
            reader.join()
            if view is None or view.status != "finished":
                raise RuntimeError(f"the app-path job ended as {view and view.status}")
            seen["finished_s"] = wall
            seen["snapshots"] = len(view.snapshots)
            seen["snapshot_bytes"] = view.snapshots.size_bytes
            seen["health_records"] = len(view.health) if view.health else 0
            model_file = manager.model_file(job_id)
            kept = model_file and model_file.with_name("snapshots.npz")
            seen["snapshot_file_bytes"] = kept.stat().st_size if kept else 0
            return seen["last_epoch_s"] or wall, cpu, view.epochs_done, seen
        finally:
            manager.shutdown()


SEED_SCRIPT = """
import sys, json, numpy as np, pandas as pd, keras
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv(sys.argv[1])
hidden, batch_size, epochs = json.loads(sys.argv[2])
X, y = frame.drop(columns="target").to_numpy("float32"), frame["target"].to_numpy()
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.2, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
classes = len(np.unique(y))
model = keras.Sequential([keras.Input((X.shape[1],))]
    + [keras.layers.Dense(u, activation="relu") for u in hidden]
    + [keras.layers.Dense(1 if classes == 2 else classes,
                          activation="sigmoid" if classes == 2 else "softmax")])
model.compile(optimizer="adam", metrics=["accuracy"],
    loss="binary_crossentropy" if classes == 2 else "sparse_categorical_crossentropy")
model.fit(X_train, y_train, epochs=epochs, batch_size=batch_size,
          validation_data=(X_val, y_val), verbose=0)
"""


def run_process(command: list[str]) -> float:
    """Wall seconds of one process, start to exit (it must succeed)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}
    started = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=3600
    )
    return time.perf_counter() - started


def cli_command(spec: dict, folder: Path) -> list[str]:
    """``python -m nncore run SPEC.json --out DIR`` for the spec."""
    path = folder / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return [sys.executable, "-m", "nncore", "run", str(path), "--out", str(folder)]


def seed_command(work: dict, csv: Path, folder: Path) -> list[str]:
    """The seed's plain Keras script for the workload, as a process."""
    script = folder / "seed_script.py"
    script.write_text(SEED_SCRIPT, encoding="utf-8")
    options = json.dumps([list(work["hidden"]), work["batch_size"], work["epochs"]])
    return [sys.executable, str(script), str(csv), options]
