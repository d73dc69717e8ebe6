"""Training speed: ``nncore.fastfit.fit_fast`` vs plain Keras vs scikit-learn.

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
times; rows (c) and (d) alternate) and the fastest run is reported: on a shared
machine other processes only ever add time. Final validation accuracy is Keras'
``val_accuracy`` of the last epoch, or scikit-learn's ``score`` on the validation
rows.

Goals (PASS/MISS): fit_fast with the dashboard on >= 4x faster than plain Keras on
W1, >= 6x on W2, >= 10x on W3; <= 1.2x scikit-learn's time on every workload (the
slower of (c) and (d)); W3 >= 50 epochs/s with the dashboard on; dashboard
overhead ((c)-(d))/(d) <= 5 %; final validation accuracy within 1 point of plain
Keras, checked one-sided: no more than 1 point below. fit_fast shuffles with its
own seeded order, not Keras', so the two runs differ by seed noise alone (W3's 200
validation rows move 0.5 points per row); being better is not a regression. That
the training itself is the same is shown by the unit tests, where both see the
same batches (``shuffle=False``) and agree to float rounding.

Why some goals can miss on a 2-core machine (measured with ``--repeat 3``): see
the notes printed at the end and the numbers in the project's report. The W2
goal against scikit-learn (0.6 s in all, for 2,250 Adam steps plus tracing) is the
tightest: tracing and first-call graph optimisation of the compiled loop take
about 0.3 s of it, which scikit-learn, running NumPy directly, does not pay.

Usage:
    python bench/train_speed.py [--quick] [--repeat N]

``--quick`` uses 20,000 rows for W1 and runs each row once: a smoke run.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

GOAL_VS_KERAS = {"W1": 4.0, "W2": 6.0, "W3": 10.0}
GOAL_VS_SKLEARN = 1.2
GOAL_EPOCHS_PER_SECOND = 50.0
GOAL_OVERHEAD = 0.05
GOAL_ACCURACY_POINTS = 1.0


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

        def on_epoch_end(self, epoch, logs=None):
            with self.lock:
                self.latest = dict(logs or {})
                self.epochs = epoch + 1

    return LiveView()


def run_keras(work: dict) -> tuple[float, float]:
    model = build_model(work)
    started = time.perf_counter()
    history = model.fit(
        work["X_train"],
        work["y_train"],
        epochs=work["epochs"],
        batch_size=work["batch_size"],
        validation_data=(work["X_val"], work["y_val"]),
        verbose=0,
    ).history
    return time.perf_counter() - started, history["val_accuracy"][-1]


def run_sklearn(work: dict) -> tuple[float, float]:
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
        started = time.perf_counter()
        model.fit(work["X_train"], work["y_train"])
        seconds = time.perf_counter() - started
    return seconds, model.score(work["X_val"], work["y_val"])


def run_fast(work: dict, dashboard: bool) -> tuple[float, float]:
    from nncore.fastfit import fit_fast

    model = build_model(work)
    callbacks = [live_view()] if dashboard else None
    started = time.perf_counter()
    history = fit_fast(
        model,
        work["X_train"],
        work["y_train"],
        (work["X_val"], work["y_val"]),
        epochs=work["epochs"],
        batch_size=work["batch_size"],
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - started
    if dashboard:
        assert callbacks[0].epochs == work["epochs"], "the live view missed epochs"
    return seconds, history["val_accuracy"][-1]


def warm_up() -> None:
    """One tiny model.fit and fit_fast, so TensorFlow's start-up is not timed."""
    from nncore.fastfit import fit_fast

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


def best_of(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The fastest run's seconds, and the median accuracy of all runs.

    The fastest run, not the median: on a shared machine, other processes only
    ever add time, so the minimum is the closest to the method's own cost.
    """
    return (
        min(seconds for seconds, _ in runs),
        statistics.median(accuracy for _, accuracy in runs),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller W1, 1 run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else max(1, args.repeat)
    keras_repeat = math.ceil(repeat / 3)

    import tensorflow as tf

    started = time.perf_counter()
    print(
        f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; fastest of {repeat} runs ({keras_repeat} for "
        "plain Keras). Times are training only; fit_fast's times include tracing "
        "its compiled function."
    )
    warm_up()
    results = {}
    for work in workloads(args.quick):
        name = work["name"]
        keras_runs = [run_keras(work) for _ in range(keras_repeat)]
        sklearn_runs = [run_sklearn(work) for _ in range(repeat)]
        # (c) and (d) alternate, so that a slow spell of the machine hits both.
        on_runs, off_runs = [], []
        for _ in range(repeat):
            on_runs.append(run_fast(work, dashboard=True))
            off_runs.append(run_fast(work, dashboard=False))
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
        f"{'workload':8} {'row':32} {'seconds':>8} {'val acc':>8} "
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
        keras_seconds, sklearn_seconds = rows["a"][0], rows["b"][0]
        for key, (seconds, accuracy) in rows.items():
            print(
                f"{name:8} {labels[key]:32} {seconds:8.2f} {accuracy:8.4f} "
                f"{keras_seconds / seconds:8.1f}x {seconds / sklearn_seconds:9.2f}x"
            )
    print(
        "\n'vs Keras': how many times faster than (a); 'vs sklearn': time as a "
        "multiple of (b)'s (lower is better)."
    )

    print("\nGoals")
    checks = []
    for name, (work, rows) in results.items():
        keras_seconds, keras_accuracy = rows["a"]
        sklearn_seconds = rows["b"][0]
        on_seconds, fast_accuracy = rows["c"]
        off_seconds = rows["d"][0]
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
        overhead = (on_seconds - off_seconds) / off_seconds
        checks.append(
            (
                f"{name} dashboard overhead <= {GOAL_OVERHEAD:.0%}",
                overhead <= GOAL_OVERHEAD,
                f"{overhead:+.1%}",
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
    print(f"\nBenchmark took {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
