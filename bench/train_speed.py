"""Training speed: the app's path and ``fit_fast`` vs plain Keras vs scikit-learn.

Three workloads, each an MLP trained with Adam (learning rate 0.001) on inputs
scaled with ``StandardScaler`` and split 80/20 into training and validation rows
(``train_test_split(..., random_state=0)``):

* W1: ``make_classification(100_000, 20, random_state=0)``, MLP 128-64 (relu),
  sigmoid output, binary cross-entropy, batch 32, 10 epochs;
* W2: ``load_digits()``, MLP 128-64, softmax output, sparse categorical
  cross-entropy, batch 32, 50 epochs;
* W3: ``make_moons(1000, noise=0.2, random_state=0)``, MLP 8-8, sigmoid output,
  batch 10, 200 epochs.

Rows, for each workload, all in this process but (f) and (g):

* (a) plain Keras, as in a tutorial: ``model.compile(optimizer="adam", loss=...,
  metrics=["accuracy"])`` and ``model.fit(X, y, epochs=..., batch_size=...,
  validation_data=..., verbose=0)``;
* (b) scikit-learn's ``MLPClassifier(hidden_layer_sizes=..., batch_size=...,
  max_iter=epochs, learning_rate_init=0.001, solver="adam", random_state=0)``;
* (c) ``fit_fast`` with a live-progress callback (``chunk_safe = True``; its
  ``on_epoch_end`` copies the logs into a dict under a lock): "dashboard on";
* (d) ``fit_fast`` without callbacks: "bare fit_fast";
* (e) the app path (``bench/_speed_rows.py``): the workload's experiment (the
  default spec with the workload's network, batch and epochs; early stopping with
  restore-best at the largest patience, so it trains every epoch; keep-best)
  submitted to a fresh ``JobManager`` with its own runs folder (checkpoints, run
  store writes), while a subscriber thread reads ``view(job_id)`` every 0.05 s as
  the Train screen does (W3 has two inputs: the live boundary and the doctor are
  on). Timed from submit to the last epoch seen in the view; the scoring and
  reference models that follow are printed apart;
* (f) ``python -m nncore run SPEC.json`` and (g) the seed's plain Keras script
  (``compile`` + ``fit(..., validation_data=...)``), each a fresh process timed
  from start to exit.

Only training is timed in (a)-(d): models are built and compiled before the timer
starts (each layer's initializer seeded); ``fit_fast``'s
tracing is inside the timer, because users wait for it. A network's loop is traced
once per process and reused by its later models (``nncore.train.shared_traces``),
as a user's second training of a network reuses it: the first run of (c), (d) and
(e) traces, the later runs do not, so with 3 or more runs the medians are of
runs that reuse it; each row's first time is printed apart. Keras'
``model.fit`` traces every new model, and the processes (f) and (g) trace every
time. One untimed warm-up of ``model.fit`` and ``fit_fast`` comes first. Every
row runs ``--repeat`` times; the rows alternate (each repetition starts one row
later), after a ``gc.collect()``; the table gives the median and the min. Final
validation accuracy is Keras' ``val_accuracy`` of the last epoch, or
scikit-learn's ``score`` on the validation rows.

Goals (PASS/MISS, on medians; the script exits 1 when one misses): the app path
(e) >= 6x faster than plain Keras on W1, >= 6x on W2, >= 15x on W3; (e) <= 1.0x
scikit-learn's time on every workload; (e) <= 1.15x bare ``fit_fast`` (d), the
whole cost of the live view, doctor, boundary and checkpoints (the app's job
builds and compiles its network inside (e)'s time, so (d) is counted with the
seconds its network took to build and compile, printed beside the ratio without
them); ``fit_fast``'s validation accuracy no more than 1 point below plain Keras
(it shuffles with its own seeded order, so the two differ by seed noise).

Measured (2026-12-07 before noon, the 2-core machine idle but for this script; W2
and W3 with ``--workloads W2,W3 --repeat 5``, twice, load average 0.7 and 2.1 at
the start (the second right after the first), 1.4 and 1.6 at the end; W1 with
``--workloads W1 --repeat 3``): app path 2.16 s on W1, 0.38 and 0.35 s on W2, 0.74
and 0.73 s on W3 vs plain Keras 37.6 s, 6.2 / 6.1 s and 29.7 / 29.8 s (17x, 16-17x,
40x: PASS), scikit-learn 10.3 s, 0.57 s and 2.1 s (0.21x, 0.62-0.66x, 0.35x: PASS),
bare fit_fast with its network's building 2.15 s, 0.34 / 0.33 s and 0.68 / 0.69 s
(1.00x, 1.13x and 1.08x, 1.08x and 1.07x: PASS); ``nncore run`` 10.4 s, 6.9 / 6.6 s
and 5.3 / 5.5 s vs the seed's script 35.8 s, 9.6 / 9.2 s and 32.4 / 32.3 s; the same
validation accuracy within 1 point. Earlier that morning, on a machine about 1.5
times slower (plain Keras 43.7 s on W3): W2 1.16x and 1.23x, W3 1.22x and 1.16x
(MISS), while rows (d) and (e) alone, alternating in one process, gave 1.03-1.13x on
W2 and 1.03-1.08x on W3: the ratio moves by about 0.1 with what runs around it.

Usage:
    python bench/train_speed.py [--quick] [--repeat N] [--workloads W1,W2,W3]

``--quick`` uses 20,000 rows for W1 and runs each row once (unless ``--repeat``
says otherwise): a smoke run.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

GOAL_VS_KERAS = {"W1": 6.0, "W2": 6.0, "W3": 15.0}
GOAL_VS_SKLEARN = 1.0
GOAL_APP_OVER_BARE = 1.15
GOAL_ACCURACY_POINTS = 1.0
# What the app path's subscriber saw, per workload: (epochs run, counts).
APP_SEEN: dict[str, list[tuple[int, dict]]] = {}


class Run(NamedTuple):
    """One timed training: wall-clock and CPU seconds, final val accuracy, and
    the seconds spent building and compiling the network before the timer."""

    seconds: float
    cpu_seconds: float
    accuracy: float
    build_seconds: float = 0.0


class Clock:
    """Wall-clock and CPU time (this process, all its threads) since creation."""

    def __init__(self):
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self, accuracy: float = math.nan) -> Run:
        return Run(
            time.perf_counter() - self.wall, time.process_time() - self.cpu, accuracy
        )


def workloads(quick: bool) -> list[dict]:
    """The three workloads: data split and scaled, and their training settings."""
    from sklearn.datasets import load_digits, make_classification, make_moons

    n_w1 = 20_000 if quick else 100_000
    X1, y1 = make_classification(n_w1, 20, random_state=0)
    X2, y2 = load_digits(return_X_y=True)
    X3, y3 = make_moons(1000, noise=0.2, random_state=0)
    return [
        _workload("W1", X1, y1, (128, 64), batch_size=32, epochs=10, n_classes=2),
        _workload("W2", X2, y2, (128, 64), batch_size=32, epochs=50, n_classes=10),
        _workload("W3", X3, y3, (8, 8), batch_size=10, epochs=200, n_classes=2),
    ]


def _workload(name, X, y, hidden, *, batch_size, epochs, n_classes) -> dict:
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    return {
        "name": name,
        "X_train": scaler.transform(X_train).astype("float32"),
        "X_val": scaler.transform(X_val).astype("float32"),
        "y_train": y_train.astype("int64"),
        "y_val": y_val.astype("int64"),
        "hidden": hidden,
        "batch_size": batch_size,
        "epochs": epochs,
        "n_classes": n_classes,
    }


def build_model(work: dict, metrics=("accuracy",)):
    """The workload's MLP, compiled as a tutorial does (``optimizer="adam"``)."""
    import keras

    # Seeded layer by layer: keras.utils.set_random_seed would also empty
    # TensorFlow's kernel cache, which the other rows in this process would pay
    # for (nncore.train.model.seed_globals).
    binary = work["n_classes"] == 2
    model = keras.Sequential(
        [keras.Input((work["X_train"].shape[1],))]
        + [
            keras.layers.Dense(
                units,
                activation="relu",
                kernel_initializer=keras.initializers.GlorotUniform(seed=index),
            )
            for index, units in enumerate(work["hidden"])
        ]
        + [
            keras.layers.Dense(
                1 if binary else work["n_classes"],
                activation="sigmoid" if binary else "softmax",
                kernel_initializer=keras.initializers.GlorotUniform(seed=99),
            )
        ]
    )
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
        metrics=list(metrics),
    )
    return model


def live_view():
    """A dashboard-like callback: copies each epoch's logs under a lock."""
    import keras

    class LiveView(keras.callbacks.Callback):
        chunk_safe = True

        def __init__(self):
            super().__init__()
            self.lock = threading.Lock()
            self.latest = {}
            self.epochs = 0
            self.seconds = 0.0  # spent in this hook, for the report

        def on_epoch_end(self, epoch, logs=None):
            started = time.perf_counter()
            with self.lock:
                self.latest = dict(logs or {})
                self.epochs = epoch + 1
            self.seconds += time.perf_counter() - started

    return LiveView()


def run_keras(work: dict) -> Run:
    model = build_model(work)
    clock = Clock()
    history = model.fit(
        work["X_train"],
        work["y_train"],
        epochs=work["epochs"],
        batch_size=work["batch_size"],
        validation_data=(work["X_val"], work["y_val"]),
        verbose=0,
    ).history
    return clock.stop(history["val_accuracy"][-1])


def run_sklearn(work: dict) -> Run:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=work["hidden"],
        batch_size=work["batch_size"],
        max_iter=work["epochs"],
        learning_rate_init=0.001,
        solver="adam",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clock = Clock()
        model.fit(work["X_train"], work["y_train"])
        run = clock.stop()
    return run._replace(accuracy=model.score(work["X_val"], work["y_val"]))


def run_fast(work: dict, dashboard: bool) -> Run:
    from nncore.train.fastfit import fit_fast

    started = time.perf_counter()
    model = build_model(work)
    built_s = time.perf_counter() - started
    callbacks = [live_view()] if dashboard else None
    clock = Clock()
    history = fit_fast(
        model,
        work["X_train"],
        work["y_train"],
        (work["X_val"], work["y_val"]),
        epochs=work["epochs"],
        batch_size=work["batch_size"],
        callbacks=callbacks,
    )
    run = clock.stop(history["val_accuracy"][-1])._replace(build_seconds=built_s)
    if dashboard:
        assert callbacks[0].epochs == work["epochs"], "the live view missed epochs"
    return run


def warm_up() -> None:
    """One tiny model.fit and fit_fast, so TensorFlow's start-up is not timed."""
    from nncore.train.fastfit import fit_fast

    rng = np.random.default_rng(0)
    work = {
        "X_train": rng.normal(size=(64, 2)).astype("float32"),
        "y_train": rng.integers(0, 2, 64),
        "hidden": (4,),
        "n_classes": 2,
    }
    data = (work["X_train"], work["y_train"])
    build_model(work).fit(*data, epochs=2, validation_data=data, verbose=0)
    fit_fast(build_model(work), *data, data, epochs=2, batch_size=16)


ROWS = {
    "a": "(a) plain Keras model.fit",
    "b": "(b) scikit-learn MLPClassifier",
    "c": "(c) fit_fast, dashboard on",
    "d": "(d) fit_fast, dashboard off",
    "e": "(e) app path: JobManager + view",
    "f": "(f) process: nncore run",
    "g": "(g) process: seed Keras script",
}


def row_runners(work: dict, folder: Path) -> dict:
    """Each row of the workload as a function returning a ``Run``."""
    import _speed_rows as rows

    csv = rows.workload_csv(work, folder)
    spec = rows.workload_spec(work, csv)
    prepared = rows.prepare(spec)
    cli = rows.cli_command(spec, folder)
    seed = rows.seed_command(work, csv, folder)

    def app() -> Run:
        seconds, cpu, epochs, seen = rows.run_app(spec, prepared)
        APP_SEEN.setdefault(work["name"], []).append((epochs, seen))
        return Run(seconds, cpu, math.nan)

    return {
        "a": lambda: run_keras(work),
        "b": lambda: run_sklearn(work),
        "c": lambda: run_fast(work, dashboard=True),
        "d": lambda: run_fast(work, dashboard=False),
        "e": app,
        "f": lambda: Run(rows.run_process(cli), math.nan, math.nan),
        "g": lambda: Run(rows.run_process(seed), math.nan, math.nan),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller W1, 1 run")
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per row (default 3, quick 1)"
    )
    parser.add_argument(
        "--workloads", default="W1,W2,W3", help="which workloads, e.g. W3"
    )
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat or (1 if args.quick else 3))
    chosen = set(args.workloads.split(","))

    import tempfile

    import tensorflow as tf

    started = time.perf_counter()
    print(
        f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load average "
        f"{' / '.join(f'{v:.2f}' for v in os.getloadavg())} (1 / 5 / 15 min); "
        f"{repeat} runs per row, rows alternating."
    )
    warm_up()
    results = {}
    for work in workloads(args.quick):
        name = work["name"]
        if name not in chosen:
            continue
        with tempfile.TemporaryDirectory() as folder:
            runners = row_runners(work, Path(folder))
            runs = {key: [] for key in runners}
            keys = list(runners)
            for index in range(repeat):
                # Rows alternate: each repetition starts one row later.
                order = keys[index % len(keys) :] + keys[: index % len(keys)]
                for key in order:
                    gc.collect()
                    runs[key].append(runners[key]())
        results[name] = (work, runs)
        print(f"  {name} done", flush=True)

    print()
    header = (
        f"{'workload':8} {'row':34} {'median s':>9} {'min s':>7} {'val acc':>8} "
        f"{'vs Keras':>9} {'vs sklearn':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, (_, runs) in results.items():
        keras_s, sklearn_s = median(runs["a"]), median(runs["b"])
        for key, row in runs.items():
            versus = median(runs["g"]) if key == "f" else keras_s
            accuracy = statistics.median(r.accuracy for r in row)
            print(
                f"{name:8} {ROWS[key]:34} {median(row):9.2f} "
                f"{min(r.seconds for r in row):7.2f} {accuracy:8.4f} "
                f"{versus / median(row):8.1f}x {median(row) / sklearn_s:9.2f}x"
            )
        for epochs, seen in APP_SEEN.get(name, [])[:1]:
            print(
                f"{name:8} app path: {epochs} epochs, {seen['views']} views read, "
                f"{seen['boundaries']} with a boundary, {seen['findings']} with "
                f"findings; finished (scored, reference models) after "
                f"{seen['finished_s']:.2f} s"
            )
        print(
            f"{name:8} first runs (the loop traced, not reused): "
            + ", ".join(f"({k}) {runs[k][0].seconds:.2f} s" for k in "cde")
        )
    print(
        "\n'median s' / 'min s': wall clock over the runs; 'vs Keras': how many "
        "times faster than (a)\n(row (f): than (g), both whole processes); 'vs "
        "sklearn': time as a multiple of (b)'s."
    )

    print("\nGoals (medians)")
    checks = []
    for name, (_, runs) in results.items():
        keras_s, sklearn_s = median(runs["a"]), median(runs["b"])
        app_s, bare_s = median(runs["e"]), median(runs["d"])
        # (e) builds and compiles its network inside its time; (d) before its
        # timer. The goal compares like with like: (d) with its building.
        built_s = statistics.median(r.seconds + r.build_seconds for r in runs["d"])
        goal = GOAL_VS_KERAS[name]
        checks.append(
            (
                f"{name} app path >= {goal:g}x faster than plain Keras",
                keras_s / app_s >= goal,
                f"{keras_s / app_s:.1f}x (goal needs {keras_s / goal:.2f} s)",
            )
        )
        checks.append(
            (
                f"{name} app path <= {GOAL_VS_SKLEARN:g}x scikit-learn's time",
                app_s <= GOAL_VS_SKLEARN * sklearn_s,
                f"{app_s / sklearn_s:.2f}x ({app_s:.2f} s vs {sklearn_s:.2f} s)",
            )
        )
        checks.append(
            (
                f"{name} app path <= {GOAL_APP_OVER_BARE:g}x bare fit_fast",
                app_s <= GOAL_APP_OVER_BARE * built_s,
                f"{app_s / built_s:.2f}x ({app_s:.2f} s vs {built_s:.2f} s with "
                f"the network's building; {app_s / bare_s:.2f}x without it)",
            )
        )
        keras_accuracy = statistics.median(r.accuracy for r in runs["a"])
        fast_accuracy = statistics.median(r.accuracy for r in runs["c"])
        points = 100 * (fast_accuracy - keras_accuracy)
        checks.append(
            (
                f"{name} val accuracy no more than {GOAL_ACCURACY_POINTS:g} point "
                "below plain Keras",
                points >= -GOAL_ACCURACY_POINTS - 1e-9,
                f"{100 * fast_accuracy:.1f} % vs {100 * keras_accuracy:.1f} % "
                f"({points:+.1f} points)",
            )
        )
    width = max(len(text) for text, _, _ in checks)
    for text, passed, measured in checks:
        print(f"  {'PASS' if passed else 'MISS'}  {text:{width}}  {measured}")
    print(
        f"\nBenchmark took {time.perf_counter() - started:.0f} s; load average at "
        f"the end {' / '.join(f'{v:.2f}' for v in os.getloadavg())}."
    )
    return 0 if all(passed for _, passed, _ in checks) else 1


def median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


if __name__ == "__main__":
    sys.exit(main())
