"""One step at a time: train a small network one batch at a time and show each step.

A ``Stepper`` builds and compiles the spec's real Keras network exactly as a training
run does (same seed, same initial weights), cuts the training rows into the same
batches (the same per-epoch shuffle as ``nncore.train.fastfit``), and trains one
batch per ``step()``: the forward pass through the real layers, Keras' loss of the
batch, the gradients from ``tf.GradientTape`` and the optimiser's own
``apply_gradients``. Each step returns a ``StepRecord`` of plain NumPy arrays and
floats, so the numbers a learner sees are Keras's own, and plots draw them without
TensorFlow.

Only small networks (at most ``MAX_STEP_WEIGHTS`` trainable weights) can be
stepped: every weight is shown. ``check_steppable`` says so, and how to shrink the
network, without importing TensorFlow. TensorFlow is imported inside functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncore.core.errors import SpecError
from nncore.core.glossary import advice
from nncore.core.metrics import metrics_from_outputs
from nncore.core.text import plural
from nncore.data.prepare import PreparedData
from nncore.train.compiling import OPTIMIZERS
from nncore.train.model import count_parameters, output_layer, trainable_parameters
from nncore.train.trainer import Trainer, class_weights

__all__ = [
    "MAX_STEP_WEIGHTS",
    "EpochSummary",
    "StepFinish",
    "StepRecord",
    "Stepper",
    "WeightStep",
    "check_steppable",
    "update_rule",
]

# Every weight is drawn with its number: beyond about 200 the heatmaps stop being
# readable, and a learner cannot follow the arithmetic any more.
MAX_STEP_WEIGHTS = 200
# Batches left in an epoch beyond which ``next_epoch`` and ``run_to_end`` train them
# in a compiled step (about 1 ms each, after a trace of about half a second) rather
# than eagerly (about 10 ms each).
_COMPILE_AFTER = 32
# What Keras calls each trainable variable, in the words the screens use.
_WEIGHT_KINDS = {
    "kernel": "weights",
    "bias": "biases",
    "gamma": "scale",
    "beta": "shift",
}


@dataclass(frozen=True)
class WeightStep:
    """One trainable array of a layer in one step: before, gradient, after.

    Attributes:
        layer: the layer's name as the Model screen shows it (``"Dense 1"``,
            ``"Output"``, ``"BatchNorm 1"``).
        kind: ``"weights"`` (a dense layer's kernel: one row per input, one column
            per neuron), ``"biases"``, ``"scale"`` or ``"shift"`` (batch
            normalisation).
        before: the values before the step.
        gradient: the gradient of the batch's loss with respect to them.
        after: the values after ``optimizer.apply_gradients``.
        change: ``after - before``.
    """

    layer: str
    kind: str
    before: np.ndarray
    gradient: np.ndarray
    after: np.ndarray
    change: np.ndarray


@dataclass(frozen=True)
class StepRecord:
    """What one training step (one batch) did, as plain numbers.

    Attributes:
        epoch: the epoch the batch belongs to, counted from 1.
        batch: the batch's number in its epoch, counted from 1.
        batches_per_epoch: batches in one epoch.
        rows: the batch's rows, as positions in the training rows.
        inputs: the batch's inputs, one row per example (after scaling).
        answers: the right answers (class indices, or the numbers to predict).
        layer_names: each layer's name, in order (the output layer last).
        layer_outputs: each layer's outputs for the batch, in order, computed in
            training mode as Keras trains (dropout drops, batch normalisation
            uses the batch's statistics).
        predictions: the network's outputs (the last layer's): the probability
            of the second class (binary), one probability per class
            (multiclass), or the predicted number (regression).
        loss: Keras' loss of the batch, regularisation included; the gradients
            are this loss's.
        loss_function: the loss the network learns with (``"binary_crossentropy"``,
            ``"mse"``, …; ``nncore.train.compiling.LOSSES``).
        weights: every trainable array, before, gradient, after and change.
        feature_names: the inputs' names.
        classes: the class labels (None for regression).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        optimizer: the spec's optimiser (``"sgd"``, ``"adam"``, …).
        learning_rate: the optimiser's learning rate for this step.
        momentum: SGD's momentum (0 for the other optimisers).
    """

    epoch: int
    batch: int
    batches_per_epoch: int
    rows: np.ndarray
    inputs: np.ndarray
    answers: np.ndarray
    layer_names: list[str]
    layer_outputs: list[np.ndarray]
    predictions: np.ndarray
    loss: float
    loss_function: str
    weights: list[WeightStep]
    feature_names: list[str]
    classes: list[str] | None
    task: str
    optimizer: str
    learning_rate: float
    momentum: float = 0.0


@dataclass(frozen=True)
class EpochSummary:
    """The end of an epoch reached with ``Stepper.next_epoch``.

    Attributes:
        epoch: the epoch that ended, counted from 1.
        loss: its training loss, the mean over its batches weighted by their rows,
            as Keras reports an epoch's ``loss``.
        val_loss: the loss on the validation rows after the epoch (inference mode),
            as Keras' ``val_loss``.
        record: the epoch's last step.
    """

    epoch: int
    loss: float
    val_loss: float
    record: StepRecord


@dataclass(frozen=True)
class StepFinish:
    """What ``Stepper.run_to_end`` ended with.

    Attributes:
        epochs_run: the epochs trained in all, stepped ones included.
        ending: why training ended: ``"completed"``, ``"early_stopping"`` or
            ``"nan"`` (the loss became NaN), as ``Trainer.fit`` says.
        val_loss: Keras' loss on the validation rows, with the weights the network
            ends with.
        val_metrics: the validation metrics (scikit-learn, as every run reports
            them): ``accuracy`` … for classification, ``r2``, ``mae``, ``rmse``
            for regression.
        history: per-epoch ``loss`` and ``val_loss`` (and Keras' metrics for the
            epochs trained by ``run_to_end``).
    """

    epochs_run: int
    ending: str
    val_loss: float
    val_metrics: dict[str, float | None]
    history: dict[str, list[float]] = field(default_factory=dict)


def check_steppable(spec: dict, prepared: PreparedData) -> int:
    """Check that the spec's network is small enough to step through (no Keras).

    Args:
        spec: a validated experiment spec.
        prepared: the data, prepared with the spec's ``data`` settings.

    Returns:
        The network's number of trainable weights.

    Raises:
        SpecError: for pictures (step mode is for small dense networks on
            tables), or when it has more than ``MAX_STEP_WEIGHTS`` trainable
            weights; the message says how many and how to get under the limit.
    """
    if getattr(prepared, "image_shape", None) is not None:
        height, width, channels = prepared.image_shape
        raise SpecError(
            str(
                advice(
                    f"One step at a time works on small dense networks for tables; "
                    f"these data are pictures ({height}×{width}×{channels} = "
                    f"{height * width * channels:,} inputs each).",
                    "Every weight is shown with its number, and even one neuron on "
                    "a picture has more weights than can be read.",
                    "watch the network learn on the Train screen (its filters and "
                    "feature maps), or choose a small table (e.g. the built-in "
                    "circle or xor) to step through a network.",
                )
            )
        )
    n_weights = trainable_parameters(spec["model"], prepared)
    if n_weights <= MAX_STEP_WEIGHTS:
        return n_weights
    n_inputs = prepared.n_features
    n_classes = len(prepared.classes) if prepared.classes else None
    n_outputs = output_layer(prepared.task, n_classes)["units"]
    what = (
        f"One step at a time shows every weight with its number, so it works for "
        f"networks with at most {MAX_STEP_WEIGHTS} weights; this one has "
        f"{n_weights:,} ({plural(n_inputs, 'input')}, "
        f"{plural(n_outputs, 'output neuron')})."
    )
    why = "Beyond that, the pictures of the weights become unreadable."
    # One hidden layer of ``units`` neurons: (inputs + 1) × units + (units + 1) ×
    # outputs weights.
    units = (MAX_STEP_WEIGHTS - n_outputs) // (n_inputs + 1 + n_outputs)
    if units >= 1:
        fits = (n_inputs + 1) * units + (units + 1) * n_outputs
        fix = (
            f"on the Model screen, use fewer neurons: e.g. one hidden layer of "
            f"{plural(units, 'neuron')} gives {fits} weights."
        )
    else:
        fix = (
            f"with {plural(n_inputs, 'input')} even a network without hidden layers "
            "has too many weights: choose data with fewer columns (e.g. the "
            "built-in 2-D datasets circle or xor) to step through a network."
        )
    raise SpecError(str(advice(what, why, fix)))


def update_rule(record: StepRecord) -> str:
    """How the optimiser turned the gradients into the changes, in one sentence."""
    rate = f"{record.learning_rate:g}"
    if record.optimizer == "sgd" and not record.momentum:
        return (
            f"SGD moves every weight against its gradient: change = −learning rate "
            f"× gradient = −{rate} × gradient."
        )
    if record.optimizer == "sgd":
        return (
            f"SGD with momentum {record.momentum:g}: change = {record.momentum:g} × "
            f"the previous change − {rate} × gradient, so steps keep some speed."
        )
    choice = OPTIMIZERS.get(record.optimizer)
    name = choice.title if choice else record.optimizer
    return (
        f"{name} (learning rate {rate}) scales each weight's step by the size of "
        "its past gradients: the change goes against the gradient, but its size "
        "is the optimiser's own step, not learning rate × gradient."
    )


class Stepper:
    """A small network trained one batch at a time, each step recorded.

    Builds and compiles the spec's network as a training run does (the same seed
    gives the same initial weights) and goes through the training rows in the same
    batches as a training run: shuffled each epoch with the seed ``train.seed``,
    cut into batches of ``train.batch_size``. Class weights (``train.class_weight``)
    weigh the loss as in a run.

    Args:
        spec: a validated experiment spec.
        prepared: the data, prepared with the spec's ``data`` settings.

    Raises:
        SpecError: when the network has more than ``MAX_STEP_WEIGHTS`` trainable
            weights (``check_steppable``), or its settings do not fit the task.

    Example:
        >>> stepper = Stepper(spec, prepared)
        >>> record = stepper.step()  # one batch
        >>> record.loss, record.weights[0].gradient
        >>> stepper.next_epoch().loss  # the rest of the epoch
        >>> stepper.run_to_end().val_metrics["accuracy"]
    """

    def __init__(self, spec: dict, prepared: PreparedData):
        self.n_weights = check_steppable(spec, prepared)
        from nncore.train.compiling import compile_model, resolve_compile
        from nncore.train.model import build_model

        self.spec = spec
        self.prepared = prepared
        train = spec["train"]
        n_classes = len(prepared.classes) if prepared.classes else None
        model = build_model(
            spec["model"],
            prepared.n_features,
            prepared.task,
            n_classes,
            seed=train["seed"],
        )
        compile_model(model, spec["compile"], prepared.task)
        self.model = model
        self._settings = resolve_compile(spec["compile"], prepared.task)
        self._x = np.ascontiguousarray(prepared.X_train, dtype="float32")
        y = np.asarray(prepared.y_train)
        self._y = np.ascontiguousarray(
            y.astype("float32") if y.dtype.kind == "f" else y
        )
        self._sample_weights = _row_weights(self._y, class_weights(spec, prepared))
        self._seed = int(train["seed"])
        self.epochs = int(train["epochs"])
        self.batch_size = min(int(train["batch_size"]), len(self._x))
        self.batches_per_epoch = -(-len(self._x) // self.batch_size)
        rows = count_parameters(
            spec["model"]["layers"], prepared.n_features, prepared.task, n_classes
        )
        self.layer_names = [row["name"] for row in rows[:-1]]
        # Build the loss, the metrics and the optimiser's variables now, as
        # ``model.fit`` does before its first batch.
        batch = slice(0, self.batch_size)
        model._symbolic_build(data_batch=(self._x[batch], self._y[batch]))
        model.optimizer.build(model.trainable_variables)
        self.history: dict[str, list[float]] = {"loss": [], "val_loss": []}
        self.last: StepRecord | None = None
        self.ending: str | None = None  # set when run_to_end has run
        self._epoch = 0  # 0-based, the epoch being trained
        self._batch = 0  # batches done in it
        self._order: np.ndarray | None = None
        self._loss_sum = 0.0
        self._rows_done = 0
        self._compiled = None

    # --- where it is -------------------------------------------------------------

    @property
    def epoch(self) -> int:
        """The epoch the next batch belongs to, counted from 1."""
        return self._epoch + 1

    @property
    def batch(self) -> int:
        """Batches trained in the current epoch."""
        return self._batch

    @property
    def epochs_done(self) -> int:
        """Whole epochs trained."""
        return len(self.history["loss"])

    @property
    def finished(self) -> bool:
        """Whether every planned epoch is trained (or ``run_to_end`` stopped early)."""
        return self.ending is not None or self.epochs_done >= self.epochs

    def weights(self) -> list[np.ndarray]:
        """The network's weights as they are now (``model.get_weights()``)."""
        return self.model.get_weights()

    # --- stepping ------------------------------------------------------------------

    def step(self) -> StepRecord:
        """Train one batch and say what happened, in order.

        The forward pass runs the real layers one after the other in training
        mode, Keras computes the loss (``model.compute_loss``, regularisation
        included), ``tf.GradientTape`` its gradient for every trainable weight,
        and the model's optimiser applies them (``apply_gradients``).

        Returns:
            A ``StepRecord``.

        Raises:
            SpecError: when every planned epoch is trained already.
        """
        import tensorflow as tf

        self._check_not_finished()
        rows = self._next_rows()
        x, y, sample_weight = self._batch_tensors(rows)
        model = self.model
        variables = model.trainable_variables
        before = [variable.numpy().copy() for variable in variables]
        with tf.GradientTape() as tape:
            outputs = []
            hidden = x
            for layer in model.layers:
                hidden = layer(hidden, training=True)
                outputs.append(hidden)
            loss = model._compute_loss(
                x=x, y=y, y_pred=hidden, sample_weight=sample_weight, training=True
            )
            scaled = model.optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled, variables)
        learning_rate = float(model.optimizer.learning_rate.numpy())
        model.optimizer.apply_gradients(zip(gradients, variables, strict=True))
        after = [variable.numpy().copy() for variable in variables]
        loss_value = float(loss.numpy())
        record = StepRecord(
            epoch=self._epoch + 1,
            batch=self._batch + 1,
            batches_per_epoch=self.batches_per_epoch,
            rows=rows,
            inputs=self._x[rows],
            answers=self._y[rows],
            layer_names=list(self.layer_names),
            layer_outputs=[np.asarray(output.numpy()) for output in outputs],
            predictions=np.asarray(hidden.numpy()),
            loss=loss_value,
            loss_function=self._settings["loss"],
            weights=self._weight_steps(before, gradients, after),
            feature_names=list(self.prepared.feature_names),
            classes=None
            if self.prepared.classes is None
            else list(self.prepared.classes),
            task=self.prepared.task,
            optimizer=self._settings["optimizer"],
            learning_rate=learning_rate,
            momentum=(
                float(self._settings["momentum"])
                if self._settings["optimizer"] == "sgd"
                else 0.0
            ),
        )
        self.last = record
        self._batch_done(len(rows), loss_value)
        return record

    def next_epoch(self) -> EpochSummary:
        """Train the rest of the current epoch; the last batch is recorded.

        Returns:
            An ``EpochSummary``: the epoch's mean training loss, the validation
            loss after it and its last step.

        Raises:
            SpecError: when every planned epoch is trained already.
        """
        self._check_not_finished()
        epoch = self._epoch
        self._train_quietly(self.batches_per_epoch - self._batch - 1)
        record = self.step()  # the epoch's last batch: it ends the epoch
        return EpochSummary(
            epoch=epoch + 1,
            loss=self.history["loss"][-1],
            val_loss=self.history["val_loss"][-1],
            record=record,
        )

    def run_to_end(self) -> StepFinish:
        """Train the rest of the planned epochs (``train.epochs``), quickly.

        The current epoch is finished batch by batch; the remaining epochs are
        trained by the fast loop a training run uses (``Trainer.fit``), with the
        spec's early stopping and learning-rate settings, on the same batches.

        Returns:
            A ``StepFinish`` with the validation loss and metrics at the end.
        """
        if not self.finished and self._batch:
            self._train_quietly(self.batches_per_epoch - self._batch)
        ending = self.ending or "completed"
        if not self.finished:
            trainer = Trainer(
                self.spec, self.prepared, model=self.model, history=self.history
            )
            ending = trainer.fit(self.epochs)
            self.history = trainer.history
            self._epoch = trainer.epochs_done
            self._batch = 0
            self._order = None
        self.ending = ending
        outputs = self._predict(self.prepared.X_val)
        return StepFinish(
            epochs_run=self.epochs_done,
            ending=ending,
            val_loss=self._validation_loss(),
            val_metrics=metrics_from_outputs(
                self.prepared.y_val, outputs, self.prepared.task
            ),
            history={name: list(values) for name, values in self.history.items()},
        )

    # --- the batches ------------------------------------------------------------------

    def _check_not_finished(self) -> None:
        if self.finished:
            raise SpecError(
                "Training has ended after "
                f"{plural(self.epochs_done, 'epoch', 'epochs')}. Press 'Start over' "
                "to step through the network again from its first weights, or "
                "raise the number of epochs on the Train screen."
            )

    def _next_rows(self) -> np.ndarray:
        """The training rows of the next batch (the epoch's order, as fit_fast)."""
        if self._order is None:
            self._order = _epoch_order(len(self._x), self._seed, self._epoch)
        start = self._batch * self.batch_size
        return self._order[start : start + self.batch_size]

    def _batch_tensors(self, rows: np.ndarray):
        import tensorflow as tf

        x = tf.constant(self._x[rows])
        y = tf.constant(self._y[rows])
        weights = self._sample_weights
        return x, y, None if weights is None else tf.constant(weights[rows])

    def _batch_done(self, n_rows: int, loss: float) -> None:
        """Count a trained batch; at the end of an epoch, note its losses."""
        self._loss_sum += loss * n_rows
        self._rows_done += n_rows
        self._batch += 1
        if self._batch < self.batches_per_epoch:
            return
        self.history["loss"].append(self._loss_sum / max(self._rows_done, 1))
        self.history["val_loss"].append(self._validation_loss())
        self._epoch += 1
        self._batch = 0
        self._order = None
        self._loss_sum = 0.0
        self._rows_done = 0

    def _train_quietly(self, n_batches: int) -> None:
        """Train ``n_batches`` batches of the current epoch without recording them."""
        if n_batches <= 0:
            return
        step = self._compiled_step() if n_batches > _COMPILE_AFTER else None
        for _ in range(n_batches):
            rows = self._next_rows()
            x, y, sample_weight = self._batch_tensors(rows)
            if step is None:
                loss = self._eager_step(x, y, sample_weight)
            else:
                loss = step(x, y, sample_weight)
            self._batch_done(len(rows), float(loss.numpy()))

    def _eager_step(self, x, y, sample_weight):
        """Keras' training step on one batch (``Model.train_step``, no metrics)."""
        import tensorflow as tf

        model = self.model
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = model._compute_loss(
                x=x,
                y=y,
                y_pred=predictions,
                sample_weight=sample_weight,
                training=True,
            )
            scaled = model.optimizer.scale_loss(loss)
        variables = model.trainable_variables
        gradients = tape.gradient(scaled, variables)
        model.optimizer.apply_gradients(zip(gradients, variables, strict=True))
        return loss

    def _compiled_step(self):
        if self._compiled is None:
            import tensorflow as tf

            self._compiled = tf.function(self._eager_step, reduce_retracing=True)
        return self._compiled

    def _weight_steps(self, before, gradients, after) -> list[WeightStep]:
        steps = []
        for name, layer in zip(self.layer_names, self.model.layers, strict=True):
            for variable in layer.trainable_variables:
                index = len(steps)
                gradient = np.asarray(gradients[index].numpy())
                steps.append(
                    WeightStep(
                        layer=name,
                        kind=_WEIGHT_KINDS.get(variable.name, variable.name),
                        before=before[index],
                        gradient=gradient,
                        after=after[index],
                        change=after[index] - before[index],
                    )
                )
        return steps

    def _predict(self, X) -> np.ndarray:
        from nncore.train.fastfit import compiled_predict

        return compiled_predict(self.model, np.asarray(X, dtype="float32"))

    def _validation_loss(self) -> float:
        """Keras' loss on the validation rows, in inference mode (``val_loss``)."""
        import tensorflow as tf

        X_val = np.asarray(self.prepared.X_val, dtype="float32")
        y_val = np.asarray(self.prepared.y_val)
        if y_val.dtype.kind == "f":
            y_val = y_val.astype("float32")
        if len(X_val) == 0:
            return math.nan
        predictions = tf.constant(self._predict(X_val))
        loss = self.model._compute_loss(
            x=X_val, y=tf.constant(y_val), y_pred=predictions, training=False
        )
        return float(loss.numpy())


def _epoch_order(n_rows: int, seed: int, epoch: int) -> np.ndarray:
    """The order of the training rows in ``epoch`` (0-based): the shuffle
    ``nncore.train.fastfit`` uses, so a stepped epoch has a training run's batches.
    """
    import tensorflow as tf

    order = tf.random.experimental.stateless_shuffle(
        tf.range(n_rows), seed=tf.constant([seed, epoch], "int64")
    )
    return np.asarray(order.numpy())


def _row_weights(y: np.ndarray, weights: dict[int, float] | None) -> Any:
    """Each training row's weight for the class weights (None without them)."""
    if weights is None:
        return None
    from keras.src.trainers.data_adapters.data_adapter_utils import (
        class_weight_to_sample_weights,
    )

    return np.asarray(class_weight_to_sample_weights(y, weights), dtype="float32")
