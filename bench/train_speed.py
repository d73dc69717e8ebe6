"""Training speed: ``nncore.train.fastfit.fit_fast`` vs plain Keras vs scikit-learn.

Three workloads, each an MLP trained with Adam (learning rate 0.001) on inputs
scaled with ``StandardScaler`` and split 80/20 into training and validation rows
(``train_test_split(..., random_state=0)``):

* W1: ``make_classification(100_000, 20, random_state=0)``, MLP 128-64 (relu),
  sigmoid output, binary cross-entropy, batch 32, 10 epochs;
* W2: ``load_digits()``, MLP 128-64, softmax output, sparse categorical
  cross-entropy, batch 32, 50 epochs;
* W3: ``make_moons(1000, noise=0.2, random_state=0)``, MLP 8-8, sigmoid output,
  batch 10, 200 epochs.

Rows, for each workload, run one after another in this process:

* (a) plain Keras, as in a tutorial: ``model.compile(optimizer="adam", loss=...,
  metrics=["accuracy"])`` and ``model.fit(X, y, epochs=..., batch_size=...,
  validation_data=..., verbose=0)``;
* (b) scikit-learn's ``MLPClassifier(hidden_layer_sizes=..., batch_size=...,
  max_iter=epochs, learning_rate_init=0.001, solver="adam", random_state=0)``;
* (c) ``fit_fast`` with a live-progress callback (``chunk_safe = True``; its
  ``on_epoch_end`` copies the logs into a dict under a lock, as the app's
  dashboard does): "dashboard on";
* (d) ``fit_fast`` without callbacks: "dashboard off".

Only training is timed: building and compiling the Keras models happen before the
timer starts (``keras.utils.set_random_seed(0)`` before each build), but
``fit_fast``'s tracing of its compiled function is inside the timer, because users
wait for it (each repetition uses a fresh model, so each one traces). One untimed
warm-up of ``model.fit`` and ``fit_fast`` on a tiny model comes first, so that
TensorFlow's one-time start-up is not charged to whichever row runs first. Each
row runs ``--repeat`` times (plain Keras, 5-20 times slower, ``ceil(repeat / 3)``
times; rows (c) and (d), which the overhead goal compares, in pairs next to each
other, in alternating order, and twice as often on W2 and W3), after a
``gc.collect()``, and the fastest run is reported: on a shared machine other
processes only ever add time.
The dashboard overhead is the median over the pairs of ((c)-(d))/(d), so that a
drift of the machine's load between runs cancels out. Final validation accuracy
is Keras' ``val_accuracy`` of the last epoch, or scikit-learn's ``score`` on the
validation rows.

Goals (PASS/MISS): fit_fast with the dashboard on >= 4x faster than plain Keras on
W1, >= 6x on W2, >= 10x on W3; <= 1.2x scikit-learn's time on every workload (the
slower of (c) and (d)); W3 >= 50 epochs/s with the dashboard on; dashboard
overhead ((c)-(d))/(d) <= 5 %; final validation accuracy within 1 point of plain
Keras, checked one-sided: no more than 1 point below. fit_fast shuffles with its
own seeded order, not Keras', so the two runs differ by seed noise alone (W3's 200
validation rows move 0.5 points per row); being better is not a regression. That
the training itself is the same is shown by the unit tests, where both see the
same batches (``shuffle=False``) and agree to float rounding.

Measured (2 shared cores, load average 4.2 falling to 2.8 from other jobs,
``--repeat 3``, 7 minutes in all): fit_fast with the dashboard on took 8.11 s on
W1, 1.37 s on W2 and 2.22 s on W3 (90 epochs/s); plain Keras 87.3 / 20.4 / 92.6 s;
scikit-learn 24.6 / 1.27 / 5.69 s. Every speed and accuracy goal passed (W2
against scikit-learn by 0.03 s); the overhead goal missed on W2 (+24 % as the
median of six pairs, -9 % between the fastest runs), which is noise: (c) and (d)
run the same code but for the live view's hook, which took 0.16 ms per run on W2
(0.1-0.4 ms on the others, printed with the goal), while the runs themselves
varied by 20 % with the machine's load. Resolving 5 % needs an idle machine.

Two caveats. First, on a busy machine plain Keras and scikit-learn lose more than
fit_fast (their thread pools wait for cores; fit_fast runs its small ops inline on
TensorFlow's single-threaded executor), so the ratios above flatter fit_fast:
plain Keras took 4.3 times and scikit-learn 2.5-4 times longer here than in the
task's idle measurements (20.3 / 4.7 / 22.0 s and 6.1 / 0.5 / 2.0 s on W1 / W2 /
W3), fit_fast 1.1-1.7 times longer than its fastest runs on this machine (4.8 /
0.96 / 1.95 s). Second, on an idle machine W2 is the tightest goal (<= 0.6 s
against scikit-learn, >= 6x against Keras, so <= 0.78 s), and fit_fast is
unlikely to meet it: it pays 0.5-0.6 s of CPU before the first step (Keras'
symbolic build, tracing the loop, TensorFlow's graph optimisation on the first
call), and each of the 2,250 steps costs about 0.3 ms of CPU because
TensorFlow's CPU matrix products (Eigen; oneDNN is off) are about half as fast as
NumPy's OpenBLAS at these sizes and Adam's update over 17,000 weights is a dozen
element-wise kernels. scikit-learn pays neither.

Usage:
    python bench/train_speed.py [--quick] [--repeat N]

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

import numpy as np  # noqa: E402

GOAL_VS_KERAS = {"W1": 4.0, "W2": 6.0, "W3": 10.0}
GOAL_VS_SKLEARN = 1.2
GOAL_EPOCHS_PER_SECOND = 50.0
GOAL_OVERHEAD = 0.05
GOAL_ACCURACY_POINTS = 1.0
# Seconds that the live view's hook took in each dashboard-on run, per workload.
HOOK_SECONDS: dict[str, list[float]] = {}


class Run(NamedTuple):
    """One timed training: wall-clock and CPU seconds, final val accuracy."""

    seconds: float
    cpu_seconds: float
    accuracy: float


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

    keras.utils.set_random_seed(0)
    binary = work["n_classes"] == 2
    model = keras.Sequential(
        [keras.Input((work["X_train"].shape[1],))]
        + [keras.layers.Dense(units, activation="relu") for units in work["hidden"]]
        + [
            keras.layers.Dense(
                1 if binary else work["n_classes"],
                activation="sigmoid" if binary else "softmax",
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

    model = build_model(work)
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
    run = clock.stop(history["val_accuracy"][-1])
    if dashboard:
        assert callbacks[0].epochs == work["epochs"], "the live view missed epochs"
        HOOK_SECONDS.setdefault(work["name"], []).append(callbacks[0].seconds)
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


def timed(run, work: dict, **options) -> Run:
    """One run, after collecting the garbage the previous runs left."""
    gc.collect()
    return run(work, **options)


def best_of(runs: list[Run]) -> Run:
    """The fastest run, with the median accuracy of all runs.

    The fastest run, not the median: on a shared machine, other processes only
    ever add time, so the minimum is the closest to the method's own cost.
    """
    fastest = min(runs, key=lambda run: run.seconds)
    return fastest._replace(accuracy=statistics.median(r.accuracy for r in runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller W1, 1 run")
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per row (default 3, quick 1)"
    )
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat or (1 if args.quick else 3))
    keras_repeat = math.ceil(repeat / 3)

    import tensorflow as tf

    started = time.perf_counter()
    print(
        f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; fastest of {repeat} runs ({keras_repeat} for "
        f"plain Keras, {2 * repeat} for fit_fast on W2 and W3). Times are training "
        "only; fit_fast's times include tracing its compiled function."
    )
    warm_up()
    results = {}
    overheads = {}
    for work in workloads(args.quick):
        name = work["name"]
        keras_runs = [timed(run_keras, work) for _ in range(keras_repeat)]
        sklearn_runs = [timed(run_sklearn, work) for _ in range(repeat)]
        # (c) and (d) run in pairs, in alternating order, so that a slow spell of
        # the machine hits both; on the small workloads (runs of about a second)
        # twice as many pairs: the overhead goal compares two close numbers.
        pairs = 2 * repeat if len(work["X_train"]) < 10_000 else repeat
        on_runs, off_runs = [], []
        for index in range(pairs):
            order = (True, False) if index % 2 == 0 else (False, True)
            for dashboard in order:
                runs = on_runs if dashboard else off_runs
                runs.append(timed(run_fast, work, dashboard=dashboard))
        # The overhead from runs next to each other: the machine's load drifts.
        overheads[name] = statistics.median(
            (on.seconds - off.seconds) / off.seconds
            for on, off in zip(on_runs, off_runs, strict=True)
        )
        rows = {
            "a": best_of(keras_runs),
            "b": best_of(sklearn_runs),
            "c": best_of(on_runs),
            "d": best_of(off_runs),
        }
        results[name] = (work, rows)
        print(f"  {name} done", flush=True)

    print()
    header = (
        f"{'workload':8} {'row':32} {'seconds':>8} {'cpu s':>7} {'val acc':>8} "
        f"{'vs Keras':>9} {'vs sklearn':>10}"
    )
    print(header)
    print("-" * len(header))
    labels = {
        "a": "(a) plain Keras model.fit",
        "b": "(b) scikit-learn MLPClassifier",
        "c": "(c) fit_fast, dashboard on",
        "d": "(d) fit_fast, dashboard off",
    }
    for name, (_, rows) in results.items():
        keras_seconds, sklearn_seconds = rows["a"].seconds, rows["b"].seconds
        for key, (seconds, cpu_seconds, accuracy) in rows.items():
            print(
                f"{name:8} {labels[key]:32} {seconds:8.2f} {cpu_seconds:7.2f} "
                f"{accuracy:8.4f} {keras_seconds / seconds:8.1f}x "
                f"{seconds / sklearn_seconds:9.2f}x"
            )
    print(
        "\n'seconds': wall clock, the fastest run; 'cpu s': CPU seconds of that "
        "run, all threads\n(idle threads that spin count too); 'vs Keras': how "
        "many times faster than (a);\n'vs sklearn': time as a multiple of (b)'s "
        "(lower is better)."
    )

    print("\nGoals")
    checks = []
    for name, (work, rows) in results.items():
        keras_seconds, keras_accuracy = rows["a"].seconds, rows["a"].accuracy
        sklearn_seconds = rows["b"].seconds
        on_seconds, fast_accuracy = rows["c"].seconds, rows["c"].accuracy
        off_seconds = rows["d"].seconds
        goal = GOAL_VS_KERAS[name]
        speedup = keras_seconds / on_seconds
        checks.append(
            (
                f"{name} fit_fast >= {goal:g}x faster than plain Keras",
                speedup >= goal,
                f"{speedup:.1f}x (goal needs {keras_seconds / goal:.2f} s)",
            )
        )
        slower = max(on_seconds, off_seconds)
        allowed = GOAL_VS_SKLEARN * sklearn_seconds
        checks.append(
            (
                f"{name} fit_fast <= {GOAL_VS_SKLEARN:g}x scikit-learn's time",
                slower <= allowed,
                f"{slower / sklearn_seconds:.2f}x ({slower:.2f} s, goal "
                f"{allowed:.2f} s, gap {slower - allowed:+.2f} s)",
            )
        )
        overhead = overheads[name]
        checks.append(
            (
                f"{name} dashboard overhead <= {GOAL_OVERHEAD:.0%}",
                overhead <= GOAL_OVERHEAD,
                f"{overhead:+.1%} (median of pairs; fastest runs "
                f"{(on_seconds - off_seconds) / off_seconds:+.1%}; in the hook "
                f"{statistics.median(HOOK_SECONDS[name]) * 1000:.2f} ms a run)",
            )
        )
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
        if name == "W3":
            rate = work["epochs"] / on_seconds
            checks.append(
                (
                    f"W3 >= {GOAL_EPOCHS_PER_SECOND:g} epochs/s with the dashboard on",
                    rate >= GOAL_EPOCHS_PER_SECOND,
                    f"{rate:.0f} epochs/s",
                )
            )
    width = max(len(text) for text, _, _ in checks)
    for text, passed, measured in checks:
        print(f"  {'PASS' if passed else 'MISS'}  {text:{width}}  {measured}")
    print(
        f"\nBenchmark took {time.perf_counter() - started:.0f} s; load average at "
        f"the end {os.getloadavg()[0]:.1f}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
