"""The training doctor: detectors on synthetic histories, and the one-click fixes."""

import copy
import json
import math

import numpy as np
import pytest

from nncore.spec import default_spec
from nncore.train.doctor import (
    FIXES,
    KINDS,
    MAX_UNITS,
    Finding,
    apply_fix,
    diagnose,
    divergence,
    ignored_class,
    oscillation,
    overfitting,
    plateau,
    underfitting,
)


def _epochs(n_epochs=30):
    return np.arange(float(n_epochs))


def _noise(n_epochs, scale, seed):
    """Multiplicative noise around 1, seeded so every run sees the same curve."""
    return 1 + np.random.default_rng(seed).normal(0, scale, n_epochs)


def _history(**series):
    return {name: [float(value) for value in values] for name, values in series.items()}


def healthy(n_epochs=30, scale=0.005, seed=1, pace=6):
    """Both losses fall steadily towards nearby floors; accuracy rises."""
    t = _epochs(n_epochs)
    fall = 0.6 * np.exp(-t / pace)
    return _history(
        loss=(0.1 + fall) * _noise(n_epochs, scale, seed),
        val_loss=(0.15 + fall) * _noise(n_epochs, scale, seed + 1),
        accuracy=0.95 - 0.3 * np.exp(-t / 5),
        val_accuracy=0.93 - 0.3 * np.exp(-t / 5),
    )


def noisy_improving(seed):
    """A slower fall with 3% noise on every epoch, as on a small dataset."""
    t = _epochs(30)
    return _history(
        loss=(0.1 + 0.6 * np.exp(-t / 8)) * _noise(30, 0.03, seed),
        val_loss=(0.15 + 0.6 * np.exp(-t / 8)) * _noise(30, 0.03, seed + 100),
    )


def val_rising(n_epochs=30):
    """Validation loss lowest at epoch 13 (index 12), then rising; loss falls."""
    t = _epochs(n_epochs)
    val_loss = np.where(t <= 12, 0.7 - 0.03 * t, 0.34 + 0.02 * (t - 12))
    return _history(
        loss=(0.05 + 0.6 * np.exp(-t / 6)) * _noise(n_epochs, 0.003, 6),
        val_loss=val_loss * _noise(n_epochs, 0.003, 5),
    )


def gap_widening():
    """Losses together up to epoch 10 (index 9); then only the training loss falls."""
    t = _epochs(30)
    val_loss = 0.3 + 0.4 * np.exp(-t / 3)
    loss = np.where(t <= 9, val_loss * 1.05, val_loss * 1.05 * np.exp(-(t - 9) / 5))
    return _history(loss=loss, val_loss=val_loss * _noise(30, 0.003, 7))


def accuracy_at_baseline():
    """Training accuracy creeps from 0.62 to 0.63 against a 0.63 majority class."""
    t = _epochs(20)
    return _history(
        loss=0.66 * _noise(20, 0.01, 2),
        accuracy=(0.62 + 0.01 * (1 - np.exp(-t / 3))) * _noise(20, 0.003, 1),
    )


def flat_high_loss():
    """The loss drops from 0.69 to 0.64 by epoch 6 and then stays there."""
    t = _epochs(20)
    loss = (0.69 - 0.05 * (1 - np.exp(-t / 2))) * _noise(20, 0.001, 3)
    return _history(loss=loss, val_loss=loss * 1.02)


def loss_with(n_epochs, epoch, value):
    """A healthy loss curve with ``value`` at the 1-based ``epoch``."""
    history = healthy(n_epochs)
    history["loss"][epoch - 1] = value
    return history


def spiking():
    """The loss jumps to 5x its lowest value at epoch 9."""
    history = healthy(20)
    history["loss"][8] = 5 * min(history["loss"][:8])
    return history


def oscillating(amplitude=0.3):
    """A smooth fall, then from epoch 7 the loss alternates +-amplitude."""
    t = _epochs(20)
    sign = np.where(t >= 6, (-1.0) ** t, 0.0)
    return _history(loss=(0.1 + 0.6 * np.exp(-t / 8)) * (1 + amplitude * sign))


def plateaued(flat_epochs=15):
    """Validation loss falls linearly to epoch 9 and then stays within 0.5%."""
    val_loss = np.concatenate(
        [1.0 - 0.08 * np.arange(9), 0.36 * _noise(flat_epochs, 0.002, 4)]
    )
    return _history(loss=val_loss * 0.98, val_loss=val_loss)


def _cut(history, n_epochs):
    return {name: values[:n_epochs] for name, values in history.items()}


# --- each detector fires where it must, at the right epoch -------------------------


FIRES = [
    (overfitting, val_rising(), {}, 13),
    (overfitting, _cut(val_rising(), 16), {}, 13),
    (overfitting, gap_widening(), {}, 10),
    (underfitting, accuracy_at_baseline(), {"baseline": {"accuracy": 0.63}}, 5),
    (underfitting, accuracy_at_baseline(), {"baseline": 0.63, "task": "binary"}, 5),
    (underfitting, flat_high_loss(), {}, 6),
    (divergence, loss_with(12, 7, math.nan), {}, 7),
    (divergence, loss_with(12, 4, math.inf), {}, 4),
    (divergence, _history(loss=[0.7, math.nan]), {}, 2),
    (divergence, {**healthy(10), "val_loss": [0.5] * 5 + [math.nan] * 5}, {}, 6),
    (divergence, spiking(), {}, 9),
    (oscillation, oscillating(), {}, 7),
    (plateau, plateaued(), {}, 9),
    (plateau, {"loss": plateaued()["val_loss"]}, {}, 9),
    (
        ignored_class,
        healthy(20),
        {"scores": {"accuracy": 0.9, "balanced_accuracy": 0.55}},
        20,
    ),
]
FIRES_IDS = [
    "val-loss-rising",
    "val-loss-rising-live-after-3-epochs",
    "gap-widening",
    "accuracy-at-baseline",
    "accuracy-at-baseline-number",
    "flat-high-loss",
    "nan-loss",
    "inf-loss",
    "nan-on-second-epoch",
    "nan-val-loss",
    "loss-spike",
    "oscillation",
    "plateau-val-loss",
    "plateau-loss-only",
    "rare-class-ignored",
]


@pytest.mark.parametrize(
    ("detector", "history", "options", "epoch"), FIRES, ids=FIRES_IDS
)
def test_detector_fires_at_the_epoch(detector, history, options, epoch):
    finding = detector(history, **options)
    assert isinstance(finding, Finding)
    assert finding.kind == detector.__name__
    assert finding.epoch == epoch
    assert f"epoch {epoch}" in finding.message
    assert finding.remedy and finding.fixes
    for fix in finding.fixes:
        assert set(fix) == {"label", "action", "changes"}
        json.dumps(fix)  # plain data, safe to keep in session state or a run record


NOISY_SEEDS = [11, 12, 13, 14, 15]
QUIET = [
    ("healthy", healthy(), {}),
    ("healthy-long", healthy(60, seed=3, pace=15), {}),
    ("healthy-with-baseline", healthy(), {"baseline": {"accuracy": 0.63}}),
    *[
        (f"noisy-improving-seed-{seed}", noisy_improving(seed), {})
        for seed in NOISY_SEEDS
    ],
    ("short-val-rising", _cut(val_rising(), 4), {}),
    ("short-accuracy-at-baseline", _cut(accuracy_at_baseline(), 4), {"baseline": 0.63}),
    ("short-oscillation", _cut(oscillating(0.5), 4), {}),
    ("short-spike", _history(loss=[0.7, 0.2, 0.9, 0.3]), {}),
    ("val-rising-only-2-epochs", _cut(val_rising(), 15), {}),
    (
        "regression-ignores-accuracy",
        healthy(),
        {"baseline": 0.99, "task": "regression"},
    ),
    ("tiny-losses-tripling", _history(loss=[1.0, 1e-5, 4e-5, 2e-5, 1e-5, 1e-5]), {}),
    ("small-oscillation", oscillating(0.03), {}),
    ("plateau-of-9-epochs", _cut(plateaued(), 18), {}),
    ("empty", {}, {}),
    ("only-accuracy", _history(accuracy=[0.5, 0.6, 0.7, 0.8, 0.9]), {}),
    (
        "every-class-found",
        healthy(),
        {"task": "binary", "scores": {"accuracy": 0.93, "balanced_accuracy": 0.85}},
    ),
    (
        "regression-has-no-classes",
        healthy(),
        {"task": "regression", "scores": {"accuracy": 0.9, "balanced_accuracy": 0.5}},
    ),
    (
        "diverged-scores",
        healthy(),
        {"scores": {"accuracy": None, "balanced_accuracy": None}},
    ),
]


@pytest.mark.parametrize(
    ("history", "options"), [q[1:] for q in QUIET], ids=[q[0] for q in QUIET]
)
def test_no_detector_fires(history, options):
    assert diagnose(history, **options) == []
    assert plateau(history) is None  # also quiet when called on its own


# --- diagnose: every detector together, one cause one finding ----------------------


@pytest.mark.parametrize(
    ("history", "options", "kinds"),
    [
        (val_rising(), {}, ["overfitting"]),
        (gap_widening(), {}, ["overfitting"]),
        (flat_high_loss(), {}, ["underfitting"]),
        (accuracy_at_baseline(), {"baseline": {"accuracy": 0.63}}, ["underfitting"]),
        (loss_with(20, 7, math.nan), {}, ["divergence"]),
        (spiking(), {}, ["divergence"]),
        (oscillating(), {}, ["oscillation"]),
        (plateaued(), {}, ["plateau"]),
        (healthy(60, seed=3), {}, ["plateau"]),
    ],
    ids=[
        "overfitting-not-plateau",
        "gap-not-plateau",
        "underfitting-not-plateau",
        "underfitting-by-baseline",
        "nan",
        "spike-not-oscillation",
        "oscillation",
        "plateau",
        "converged-long-ago",
    ],
)
def test_diagnose_reports_one_finding_per_cause(history, options, kinds):
    assert [finding.kind for finding in diagnose(history, **options)] == kinds


def test_diagnose_follows_a_live_history_epoch_by_epoch():
    history = val_rising()
    first_seen = {}
    for n_epochs in range(1, 31):
        for finding in diagnose(_cut(history, n_epochs)):
            first_seen.setdefault(finding.kind, (n_epochs, finding.epoch))
    # Seen once val loss had risen for 3 epochs past its lowest point (epoch 13).
    assert first_seen == {"overfitting": (16, 13)}


def test_diagnose_accepts_numpy_arrays_and_none():
    history = {name: np.array(values) for name, values in val_rising().items()}
    assert [f.kind for f in diagnose(history)] == ["overfitting"]
    assert diagnose({"loss": [0.7, None, 0.5]})[0].epoch == 2


def test_other_detectors_judge_the_epochs_before_a_nan():
    history = val_rising()
    history["loss"] += [math.nan]
    history["val_loss"] += [math.nan]
    found = {finding.kind: finding.epoch for finding in diagnose(history)}
    assert found == {"overfitting": 13, "divergence": 31}


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: diagnose([0.5, 0.4]), TypeError, r"history must be a dict"),
        (
            lambda: diagnose({"loss": 0.5}),
            TypeError,
            r"history\['loss'\] must be a list",
        ),
        (lambda: diagnose({"loss": ["a", "b"]}), ValueError, r"must hold numbers"),
        (lambda: diagnose({}, task="clustering"), ValueError, r"task must be one of"),
        (lambda: diagnose(healthy(), baseline="high"), TypeError, r"baseline must be"),
        (lambda: overfitting(healthy(), patience=0), ValueError, r"patience=0"),
    ],
    ids=[
        "not-a-dict",
        "not-a-list",
        "not-numbers",
        "bad-task",
        "bad-baseline",
        "patience",
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_every_finding_kind_is_known():
    histories = [val_rising(), flat_high_loss(), spiking(), oscillating(), plateaued()]
    kinds = {finding.kind for history in histories for finding in diagnose(history)}
    ignored = diagnose(healthy(), scores={"accuracy": 0.9, "balanced_accuracy": 0.5})
    assert kinds | {finding.kind for finding in ignored} == set(KINDS)


IGNORING = {"accuracy": 0.91, "balanced_accuracy": 0.52}


def test_a_network_that_ignores_the_rare_class_is_offered_balanced_class_weights():
    findings = diagnose(healthy(), task="binary", scores=IGNORING)
    assert [finding.kind for finding in findings] == ["ignored_class"]
    finding = findings[0]
    assert "balanced accuracy" in finding.message and "0.52" in finding.message
    assert [fix["label"] for fix in finding.fixes] == ["Use balanced class weights"]
    spec = apply_fix(_spec(), finding.fixes[0])
    assert spec["train"]["class_weight"] == "balanced"


def test_with_class_weights_training_accuracy_is_judged_against_balanced_chance():
    # Keras weighs the training accuracy by the class weights: always guessing the
    # big class then scores 0.5 (two classes), not its share of the rows.
    naive = {"accuracy": 0.95, "balanced_accuracy": 0.5}
    history = healthy()  # training accuracy rises to about 0.95
    assert [f.kind for f in diagnose(history, naive, "binary")] == ["underfitting"]
    assert diagnose(history, naive, "binary", class_weight="balanced") == []
    stuck = {**history, "accuracy": [0.51] * len(history["loss"])}
    found = diagnose(stuck, naive, "binary", class_weight="balanced")
    assert [f.kind for f in found] == ["underfitting"]
    assert "baseline's 0.5 " in found[0].message


def test_balanced_class_weights_already_in_place_are_not_offered_again():
    findings = diagnose(
        healthy(), task="binary", scores=IGNORING, class_weight="balanced"
    )
    assert [finding.kind for finding in findings] == ["ignored_class"]
    assert findings[0].fixes == []
    assert "balanced already" in findings[0].remedy
    with pytest.raises(ValueError, match=r"class_weight must be one of"):
        diagnose(healthy(), scores=IGNORING, class_weight="auto")


# --- fixes -------------------------------------------------------------------------


def _spec():
    spec = default_spec()
    spec["model"]["layers"] = [
        {"type": "dense", "units": 128, "activation": "relu"},
        {"type": "dropout", "rate": 0.3},
        {"type": "dense", "units": 7, "activation": "relu"},
        {"type": "batchnorm"},
        {"type": "dense", "units": 1, "activation": "tanh"},
    ]
    spec["train"]["early_stopping"] = {"enabled": False, "patience": 9}
    spec["data"]["scaling"] = "none"
    return spec


def _dense(units, activation="relu"):
    return {"type": "dense", "units": units, "activation": activation}


DROPOUT = {"type": "dropout", "rate": 0.2}
APPLIED = [
    (
        "add_dropout",
        ("model", "layers"),
        [
            _dense(128),
            {"type": "dropout", "rate": 0.3},
            _dense(7),
            DROPOUT,
            {"type": "batchnorm"},
            _dense(1, "tanh"),
            DROPOUT,
        ],
    ),
    (
        "fewer_units",
        ("model", "layers"),
        [
            _dense(64),
            {"type": "dropout", "rate": 0.3},
            _dense(3),
            {"type": "batchnorm"},
            _dense(1, "tanh"),
        ],
    ),
    (
        "more_units",
        ("model", "layers"),
        [
            _dense(256),
            {"type": "dropout", "rate": 0.3},
            _dense(14),
            {"type": "batchnorm"},
            _dense(2, "tanh"),
        ],
    ),
    (
        "enable_early_stopping",
        ("train", "early_stopping"),
        {"enabled": True, "patience": 5},
    ),
    ("stop_early", ("train", "early_stopping"), {"enabled": True, "patience": 5}),
    ("train_longer", ("train", "epochs"), 40),
    ("halve_learning_rate", ("compile", "learning_rate"), 0.0005),
    ("higher_learning_rate", ("compile", "learning_rate"), 0.003),
    ("reduce_learning_rate", ("compile", "learning_rate"), 0.0001),
    ("scale_data", ("data", "scaling"), "standard"),
    ("balanced_class_weights", ("train", "class_weight"), "balanced"),
    (
        "leaky_relu",
        ("model", "layers"),
        [
            _dense(128, "leaky_relu"),
            {"type": "dropout", "rate": 0.3},
            _dense(7, "leaky_relu"),
            {"type": "batchnorm"},
            _dense(1, "tanh"),
        ],
    ),
    (
        "use_relu",
        ("model", "layers"),
        [
            _dense(128),
            {"type": "dropout", "rate": 0.3},
            _dense(7),
            {"type": "batchnorm"},
            _dense(1),
        ],
    ),
    (
        "he_initial_weights",
        ("model", "layers"),
        [
            {**_dense(128), "kernel_initializer": "he_normal"},
            {"type": "dropout", "rate": 0.3},
            {**_dense(7), "kernel_initializer": "he_normal"},
            {"type": "batchnorm"},
            {**_dense(1, "tanh"), "kernel_initializer": "he_normal"},
        ],
    ),
    (
        "add_batchnorm",
        ("model", "layers"),
        [
            _dense(128),
            {"type": "batchnorm"},
            {"type": "dropout", "rate": 0.3},
            _dense(7),
            {"type": "batchnorm"},
            _dense(1, "tanh"),
            {"type": "batchnorm"},
        ],
    ),
]


def test_every_fix_is_tested():
    assert {name for name, _, _ in APPLIED} == set(FIXES)


@pytest.mark.parametrize(
    ("name", "path", "expected"), APPLIED, ids=[a[0] for a in APPLIED]
)
def test_apply_fix_changes_only_its_field(name, path, expected):
    spec = _spec()
    before = copy.deepcopy(spec)
    for fix in (name, FIXES[name]):
        new_spec = apply_fix(spec, fix)
        assert spec == before  # the input is not mutated
        section, key = path
        assert new_spec[section][key] == expected
        new_spec[section][key] = before[section][key]
        assert new_spec == before  # nothing else changed
    # Deterministic and spec-shaped: the same fix gives the same JSON document.
    assert json.dumps(apply_fix(spec, name)) == json.dumps(apply_fix(spec, name))


def test_apply_fix_from_a_finding():
    finding = overfitting(val_rising())
    spec = apply_fix(_spec(), finding.fixes[1])
    assert spec["train"]["early_stopping"] == {"enabled": True, "patience": 5}


def test_add_dropout_twice_adds_nothing_more():
    once = apply_fix(_spec(), "add_dropout")
    assert apply_fix(once, "add_dropout") == once


@pytest.mark.parametrize(
    ("name", "section", "key", "start", "expected"),
    [
        ("train_longer", "train", "epochs", 700, 1000),
        ("higher_learning_rate", "compile", "learning_rate", 0.5, 1.0),
        ("halve_learning_rate", "compile", "learning_rate", 1e-6, 1e-6),
        ("reduce_learning_rate", "compile", "learning_rate", 5e-6, 1e-6),
    ],
    ids=["epochs-max-1000", "rate-max-1", "halve-min", "reduce-min"],
)
def test_apply_fix_respects_the_spec_limits(name, section, key, start, expected):
    spec = _spec()
    spec[section][key] = start
    assert apply_fix(spec, name)[section][key] == expected


def test_units_stay_within_limits():
    spec = _spec()
    spec["model"]["layers"] = [_dense(1), _dense(MAX_UNITS)]
    assert [
        layer["units"] for layer in apply_fix(spec, "fewer_units")["model"]["layers"]
    ] == [1, MAX_UNITS // 2]
    assert [
        layer["units"] for layer in apply_fix(spec, "more_units")["model"]["layers"]
    ] == [2, MAX_UNITS]


def test_limits_match_the_spec_validation():
    from nncore.spec import schema as model

    assert model.MAX_UNITS == MAX_UNITS


@pytest.mark.parametrize(
    ("spec", "fix", "error", "match"),
    [
        (_spec(), "more_dropout", ValueError, r"Unknown fix 'more_dropout'"),
        (
            _spec(),
            {"label": "x", "action": "grow", "changes": {}},
            ValueError,
            r"Unknown fix action 'grow'",
        ),
        (_spec(), 3, TypeError, r"fix must be"),
        ([], "add_dropout", TypeError, r"spec must be"),
        (
            {"train": {}},
            "halve_learning_rate",
            ValueError,
            r"no 'compile.learning_rate'",
        ),
        ({"model": {"layers": "dense"}}, "add_dropout", ValueError, r"must be a list"),
    ],
    ids=[
        "unknown-name",
        "unknown-action",
        "not-a-fix",
        "not-a-spec",
        "missing-field",
        "bad-layers",
    ],
)
def test_apply_fix_errors(spec, fix, error, match):
    with pytest.raises(error, match=match):
        apply_fix(spec, fix)


def test_doctor_imports_neither_tensorflow_nor_streamlit():
    import ast
    from pathlib import Path

    import nncore.train.doctor
    import nncore.train.doctor_fixes

    imported = set()
    for module in (nncore.train.doctor, nncore.train.doctor_fixes):
        tree = ast.parse(Path(module.__file__).read_text())
        imported |= {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
    assert {name.split(".")[0] for name in imported} <= {
        "__future__",
        "copy",
        "math",
        "collections",
        "dataclasses",
        "typing",
        "numpy",
        "nncore",
    }
    # Within nncore: the text helpers and the doctor's own fixes only.
    assert {name for name in imported if name.startswith("nncore")} <= {
        "nncore.core.text",
        "nncore.train.doctor_fixes",
    }
