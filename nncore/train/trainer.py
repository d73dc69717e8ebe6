"""Training a network on prepared data and evaluating it, in one synchronous call.

The background job manager wraps ``train_and_evaluate``; the CLI calls it directly.
Final metrics are computed by scikit-learn from the network's predictions
(``nncore.core.metrics``, the functions the exported script contains), not by Keras,
so every run, every screen and every script reports the same numbers. TensorFlow is
imported inside functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncore.core.glossary import advice
from nncore.core.metrics import baseline_metrics, metrics_from_outputs
from nncore.data.prepare import PreparedData

__all__ = [
    "ENDINGS",
    "TrainResult",
    "Trainer",
    "class_weights",
    "metric_warnings",
    "nan_message",
    "result_warnings",
    "train_and_evaluate",
]


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes:
        history: Keras' per-epoch logs, name -> list of floats (``loss``,
            ``val_loss``, ``accuracy``, ``val_accuracy``, …).
        epochs_run: epochs actually trained (fewer when early stopping stopped).
        metrics: ``{"val": {...}, "test": {...}}``, metric name -> float or None.
        baseline: the same metrics on the test split for the majority-class
            (classification) or training-mean (regression) predictor.
        model: the trained Keras model: the best epoch's weights with
            ``train.save_best`` on (or when early stopping restored them), else
            the last epoch's.
        warnings: things to act on, e.g. metrics that were dropped.
    """

    history: dict[str, list[float]]
    epochs_run: int
    metrics: dict[str, dict[str, float | None]]
    baseline: dict[str, float | None]
    model: Any = None
    warnings: list[str] = field(default_factory=list)


# Why a fit ended, as Trainer.fit returns it.
ENDINGS = ("completed", "early_stopping", "stopped", "nan")


def nan_message(epoch: int) -> str:
    """What a loss that became NaN or infinite means, and what to do (1-based epoch)."""
    return advice(
        f"Training stopped at epoch {epoch}: the loss became NaN (not a number).",
        "The steps were so big that the weights blew up: the network cannot learn "
        "any more and its predictions mean nothing.",
        "halve the learning rate on the Compile screen, and scale the inputs (Data "
        "screen: standard scaling); then train again.",
    )


def class_weights(spec: dict, prepared: PreparedData) -> dict[int, float] | None:
    """The class weights the spec's training uses, as ``model.fit`` takes them.

    With ``train.class_weight`` ``"balanced"`` (classification): scikit-learn's
    ``compute_class_weight("balanced")`` on the training labels, n_samples /
    (n_classes * rows of the class), so every class adds up to the same weight.
    None otherwise (regression ignores the setting).

    Example:
        >>> class_weights(spec, prepared)  # 90 rows of class 0, 10 of class 1
        {0: 0.5555555555555556, 1: 5.0}
    """
    if prepared.task == "regression" or (
        spec["train"].get("class_weight", "none") != "balanced"
    ):
        return None
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.unique(prepared.y_train)
    weights = compute_class_weight("balanced", classes=classes, y=prepared.y_train)
    return {
        int(label): float(weight)
        for label, weight in zip(classes, weights, strict=True)
    }


class Trainer:
    """One network being trained on prepared data, over one or more ``fit`` calls.

    Builds and compiles the spec's network (or takes a model, e.g. a checkpoint):
    for pictures (a ``PreparedImages``) on their ``(H, W, C)`` shape, with the
    data's augmentation layers (``build_model``'s ``augment``) and the uint8 pixels
    as inputs. Trains it with the fast loop of ``nncore.train.fastfit`` and the
    spec's callbacks (early stopping, reduce learning rate on plateau, keep the
    best epoch, stop on NaN) and class weights (``class_weights``), and evaluates
    it with scikit-learn.
    Calling ``fit`` again continues from the model as it is, like Keras'
    ``model.fit(initial_epoch=...)``.

    Args:
        spec: a validated experiment spec (``model``, ``compile``, ``train``).
        prepared: the data, prepared with the spec's ``data`` settings.
        model: a compiled Keras model to continue training (its optimiser state
            included); None builds and compiles a new one. Default: None.
        history: the history of epochs already trained (with ``model``). Default:
            None.

    Raises:
        SpecError: when the model or compile settings do not fit the task.
    """

    def __init__(
        self,
        spec: dict,
        prepared: PreparedData,
        model: Any = None,
        history: dict[str, list[float]] | None = None,
    ):
        from nncore.train.compiling import compile_model, resolve_compile
        from nncore.train.model import build_model, network_inputs

        self.spec = spec
        self.prepared = prepared
        task = prepared.task
        if model is None:
            n_classes = len(prepared.classes) if prepared.classes else None
            model = build_model(
                spec["model"],
                network_inputs(prepared),
                task,
                n_classes,
                seed=spec["train"]["seed"],
                augment=getattr(prepared, "augment", None),
            )
            self.notes = list(compile_model(model, spec["compile"], task)["notes"])
        else:
            self.notes = list(resolve_compile(spec["compile"], task)["notes"])
        self.model = model
        self.history: dict[str, list[float]] = {
            name: list(values) for name, values in (history or {}).items()
        }
        self.epochs_done = len(self.history.get("loss", []))
        # The epoch (0-based) with the lowest validation loss and its weights, kept
        # in memory when the spec asks to save the best model.
        self.best_epoch: int | None = None
        self.best_weights: list | None = None
        self._best_loss = _lowest(self.history.get("val_loss", []))
        # The epoch (1-based) whose weights the model holds: the last one trained,
        # the best one after ``use_best`` or an early stop that restored it.
        self.weights_epoch = self.epochs_done

    @property
    def steps_per_epoch(self) -> int:
        """Batches in one epoch."""
        return -(-len(self.prepared.y_train) // self.spec["train"]["batch_size"])

    def callbacks(self) -> list:
        """Fresh Keras callbacks for the spec's ``train`` settings."""
        import keras

        train = self.spec["train"]
        stopping = train["early_stopping"]
        reduce_lr = train["reduce_lr"]
        callbacks = [_stop_on_nan()]
        if stopping["enabled"]:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=stopping["patience"],
                    restore_best_weights=stopping["restore_best"],
                )
            )
        if reduce_lr["enabled"]:
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss",
                    factor=reduce_lr["factor"],
                    patience=reduce_lr["patience"],
                )
            )
        if train["save_best"]:
            callbacks.append(_keep_best(self))
        return callbacks

    def fit(self, epochs: int, callbacks: list | None = None, stop_flag=None) -> str:
        """Train until ``epochs`` epochs in all (not ``epochs`` more).

        Args:
            epochs: the epoch to end at, counting every epoch trained so far.
            callbacks: extra Keras callbacks (e.g. live progress). Default: None.
            stop_flag: a ``nncore.train.fastfit.StopFlag``; setting it stops within one
                batch. Default: None.

        Returns:
            Why it ended: ``"completed"``, ``"early_stopping"``, ``"stopped"`` (the
            stop flag) or ``"nan"`` (the loss became NaN).
        """
        from nncore.train.fastfit import fit_fast

        prepared = self.prepared
        train = self.spec["train"]
        own = self.callbacks()
        history = fit_fast(
            self.model,
            prepared.X_train,
            prepared.y_train,
            (prepared.X_val, prepared.y_val),
            epochs=epochs,
            batch_size=train["batch_size"],
            initial_epoch=self.epochs_done,
            callbacks=[*own, *(callbacks or [])],
            shuffle=True,
            seed=train["seed"],
            stop_flag=stop_flag,
            class_weight=class_weights(self.spec, prepared),
        )
        trained = len(history.get("loss", []))
        for name, values in history.items():
            self.history.setdefault(name, [math.nan] * self.epochs_done)
            self.history[name].extend(float(value) for value in values)
        self.epochs_done += trained
        self.weights_epoch = self.epochs_done
        for callback in own:
            restored = getattr(callback, "restore_best_weights", False)
            if (
                restored
                and callback.stopped_epoch > 0
                and callback.best_weights is not None
            ):
                self.weights_epoch = callback.best_epoch + 1
        if stop_flag is not None and stop_flag.is_set():
            return "stopped"
        losses = history.get("loss", [])
        if losses and not math.isfinite(losses[-1]):
            return "nan"
        if any(getattr(c, "stopped_epoch", 0) > 0 for c in own):
            return "early_stopping"
        return "completed"

    def predict(self, X) -> np.ndarray:
        """The network's outputs for inputs ``X`` (a float32 array)."""
        from nncore.train.fastfit import compiled_predict

        return compiled_predict(self.model, X)

    def outputs(self) -> dict[str, np.ndarray]:
        """The network's raw outputs on the validation and test rows."""
        return {
            split: self.predict(getattr(self.prepared, f"X_{split}"))
            for split in ("val", "test")
        }

    def evaluate(
        self, outputs: dict[str, np.ndarray] | None = None
    ) -> dict[str, dict[str, float | None]]:
        """Validation and test metrics (scikit-learn) of the model as it is.

        Args:
            outputs: ``self.outputs()`` when the caller already has them (they are
                also what the error bars resample). Default: None, predicted here.
        """
        outputs = self.outputs() if outputs is None else outputs
        return {
            split: metrics_from_outputs(
                getattr(self.prepared, f"y_{split}"), outputs[split], self.prepared.task
            )
            for split in ("val", "test")
        }

    def use_best(self) -> list | None:
        """Give the model the best epoch's weights (lowest validation loss), kept
        when the spec's ``train.save_best`` is on; ``weights_epoch`` follows.

        A later ``fit`` (Continue) trains on from these weights.

        Returns:
            The weights the model had (the last epoch's) when they differ from the
            best ones, to score or save them too; None when no best epoch was kept
            or the model already holds its weights.
        """
        if self.best_weights is None:
            return None
        current = self.model.get_weights()
        self.weights_epoch = self.best_epoch + 1
        if all(
            np.array_equal(mine, best)
            for mine, best in zip(current, self.best_weights, strict=True)
        ):
            return None
        self.model.set_weights(self.best_weights)
        return current


def _lowest(values: list[float]) -> float:
    finite = [value for value in values if math.isfinite(value)]
    return min(finite) if finite else math.inf


def _stop_on_nan():
    """A callback that ends training after an epoch whose loss is not finite."""
    import keras

    class StopOnNaN(keras.callbacks.Callback):
        chunk_safe = True  # reads logs only; the loop then stops after the chunk

        def on_epoch_end(self, epoch, logs=None):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(loss):
                self.model.stop_training = True

    return StopOnNaN()


def _keep_best(trainer: Trainer):
    """A callback that keeps the weights of the epoch with the lowest val_loss.

    In memory, not on disk: saving a ``.keras`` file at every improvement would cost
    more than a whole epoch on small data. ``Trainer.use_best`` puts them back.
    ``fit_fast`` does its work in the compiled loop (``keeps_best``, see
    ``nncore.train.watch``) and hands over each new best with ``take_best``.
    """
    import keras

    class KeepBest(keras.callbacks.Callback):
        keeps_best = True

        @property
        def best_value(self) -> float:
            """The lowest finite val_loss so far (over every fit of the trainer)."""
            return trainer._best_loss

        def take_best(self, epoch: int, value: float, weights: list) -> None:
            """Keep ``weights``, of ``epoch`` (0-based), whose val_loss is ``value``."""
            trainer._best_loss = value
            trainer.best_epoch = epoch
            trainer.best_weights = weights

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get("val_loss")
            if (
                value is not None
                and math.isfinite(value)
                and value < trainer._best_loss
            ):
                self.take_best(epoch, value, self.model.get_weights())

    return KeepBest()


def train_and_evaluate(
    spec: dict,
    prepared: PreparedData,
    callbacks: list | None = None,
    stop_flag=None,
) -> TrainResult:
    """Build, compile and train the spec's network, then evaluate it.

    Args:
        spec: a validated experiment spec (``model``, ``compile``, ``train``).
        prepared: the data, prepared with the spec's ``data`` settings.
        callbacks: extra Keras callbacks (progress, stop button). Defaults to None.
        stop_flag: a ``nncore.train.fastfit.StopFlag``. Defaults to None.

    Returns:
        A ``TrainResult``.

    Raises:
        SpecError: when the model or compile settings do not fit the task.
    """
    trainer = Trainer(spec, prepared)
    ending = trainer.fit(spec["train"]["epochs"], callbacks, stop_flag)
    trainer.use_best()  # with ``train.save_best``: scored as the app scores it
    metrics = trainer.evaluate()
    return TrainResult(
        history=trainer.history,
        epochs_run=trainer.epochs_done,
        metrics=metrics,
        baseline=baseline_metrics(prepared),
        model=trainer.model,
        warnings=result_warnings(trainer, ending) + metric_warnings(metrics),
    )


def result_warnings(trainer: Trainer, ending: str) -> list[str]:
    """What the user should know about a finished fit, in plain words."""
    warnings = list(trainer.notes)
    if ending == "nan":
        warnings.append(nan_message(trainer.epochs_done))
    return warnings


def metric_warnings(metrics: dict) -> list[str]:
    """Warnings about the test metrics: diverged outputs, or a missing class."""
    test = metrics["test"]
    if all(value is None for value in test.values()):
        return [
            advice(
                "The network's outputs are not numbers: training diverged.",
                "No score can be computed, and the model cannot be used to predict.",
                "lower the learning rate, or scale the inputs, and train again.",
            )
        ]
    if any(value is None for value in test.values()):
        return [
            advice(
                "ROC AUC and PR AUC could not be computed because the test split "
                "lacks a class.",
                "The test scores then say nothing about how that class is recognised.",
                "add rows of the rare classes, or give the test split a bigger "
                "share on the Data screen.",
            )
        ]
    return []
