"""How the network learns: the ``compile`` part of the spec (optimiser, loss, metrics).

The catalogues below say in one line what each choice does and link to its Keras
page; ``resolve_compile`` turns the user's choices into the concrete ones for a task
(``"auto"`` loss, metrics that fit) and explains combinations that cannot work.
TensorFlow is imported only by ``compile_model``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nncore.core.errors import SpecError
from nncore.core.glossary import advice
from nncore.spec.compiling import validate_compile_spec
from nncore.spec.fields import one_of

__all__ = [
    "LOSSES",
    "METRICS",
    "OPTIMIZERS",
    "compile_model",
    "metric_code",
    "optimizer_code",
    "losses_for",
    "metrics_for",
    "resolve_compile",
    "unavailable_losses",
    "unavailable_metrics",
]

KERAS_API = "https://keras.io/api"
CLASSIFICATION = ("binary", "multiclass")
TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class Choice:
    """One optimiser, loss or metric as the Compile screen shows it."""

    title: str
    help: str
    docs: str
    tasks: tuple[str, ...] = TASKS


OPTIMIZERS: dict[str, Choice] = {
    "adam": Choice(
        "Adam",
        "Adapts each weight's step size from recent gradients; a reliable default.",
        f"{KERAS_API}/optimizers/adam/",
    ),
    "sgd": Choice(
        "SGD (stochastic gradient descent)",
        "Steps every weight against its gradient; momentum smooths the steps.",
        f"{KERAS_API}/optimizers/sgd/",
    ),
    "rmsprop": Choice(
        "RMSprop",
        "Divides each step by a running average of recent gradient sizes.",
        f"{KERAS_API}/optimizers/rmsprop/",
    ),
    "adagrad": Choice(
        "Adagrad",
        "Gives rarely-updated weights bigger steps; steps shrink over time.",
        f"{KERAS_API}/optimizers/adagrad/",
    ),
    "adamw": Choice(
        "AdamW",
        "Adam with weight decay, which pulls weights towards zero to curb overfitting.",
        f"{KERAS_API}/optimizers/adamw/",
    ),
    "nadam": Choice(
        "Nadam",
        "Adam with Nesterov momentum: looks one step ahead before moving.",
        f"{KERAS_API}/optimizers/Nadam/",
    ),
}

LOSSES: dict[str, Choice] = {
    "binary_crossentropy": Choice(
        "Binary cross-entropy",
        "Penalises confident wrong yes/no probabilities; for two classes.",
        f"{KERAS_API}/losses/probabilistic_losses/#binarycrossentropy-class",
        ("binary",),
    ),
    "sparse_categorical_crossentropy": Choice(
        "Sparse categorical cross-entropy",
        "Penalises a low probability for the right class; for three or more classes "
        "given as class numbers.",
        f"{KERAS_API}/losses/probabilistic_losses/#sparsecategoricalcrossentropy-class",
        ("multiclass",),
    ),
    "mse": Choice(
        "Mean squared error (MSE)",
        "The average squared distance to the true value; big misses cost most.",
        f"{KERAS_API}/losses/regression_losses/#meansquarederror-class",
        ("regression",),
    ),
    "mae": Choice(
        "Mean absolute error (MAE)",
        "The average distance to the true value; outliers matter less than in MSE.",
        f"{KERAS_API}/losses/regression_losses/#meanabsoluteerror-class",
        ("regression",),
    ),
    "huber": Choice(
        "Huber",
        "Squared error for small misses, absolute error for big ones: robust to "
        "outliers.",
        f"{KERAS_API}/losses/regression_losses/#huber-class",
        ("regression",),
    ),
}

METRICS: dict[str, Choice] = {
    "accuracy": Choice(
        "Accuracy",
        "The share of examples whose predicted class is right.",
        f"{KERAS_API}/metrics/accuracy_metrics/#accuracy-class",
        CLASSIFICATION,
    ),
    "auc": Choice(
        "AUC (area under the ROC curve)",
        "How well the predicted probability ranks positives above negatives "
        "(1 = perfectly, 0.5 = by chance).",
        f"{KERAS_API}/metrics/classification_metrics/#auc-class",
        ("binary",),
    ),
    "precision": Choice(
        "Precision",
        "Of the examples predicted positive, the share that really are.",
        f"{KERAS_API}/metrics/classification_metrics/#precision-class",
        ("binary",),
    ),
    "recall": Choice(
        "Recall",
        "Of the positive examples, the share the network finds.",
        f"{KERAS_API}/metrics/classification_metrics/#recall-class",
        ("binary",),
    ),
    "mae": Choice(
        "Mean absolute error (MAE)",
        "The average distance between prediction and true value.",
        f"{KERAS_API}/metrics/regression_metrics/#meanabsoluteerror-class",
        ("regression",),
    ),
    "rmse": Choice(
        "Root mean squared error (RMSE)",
        "The typical size of a miss, in the target's own units.",
        f"{KERAS_API}/metrics/regression_metrics/#rootmeansquarederror-class",
        ("regression",),
    ),
}

AUTO_LOSS = {
    "binary": "binary_crossentropy",
    "multiclass": "sparse_categorical_crossentropy",
    "regression": "mse",
}
DEFAULT_METRIC = {"binary": "accuracy", "multiclass": "accuracy", "regression": "mae"}

_OUTPUT = {
    "binary": "one sigmoid output (the probability of the second class)",
    "multiclass": "one softmax output per class",
    "regression": "one linear output (the predicted number)",
}


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise SpecError(
            f"The task must be one of {one_of(TASKS)} to choose a loss. Got {task!r}."
        )


def losses_for(task: str) -> list[str]:
    """The losses that fit ``task`` (``"auto"`` not included)."""
    _check_task(task)
    return [name for name, choice in LOSSES.items() if task in choice.tasks]


def metrics_for(task: str) -> list[str]:
    """The metrics Keras can watch during training for ``task``."""
    _check_task(task)
    return [name for name, choice in METRICS.items() if task in choice.tasks]


def _loss_problem(loss: str, task: str) -> str:
    """Why ``loss`` cannot train a network for ``task``."""
    title, output = LOSSES[loss].title, _OUTPUT[task]
    if task == "regression":
        return (
            f"{title} compares class probabilities with class labels, but a "
            f"regression network has {output}. Use MSE, MAE or Huber (or 'auto')."
        )
    fitting = LOSSES[AUTO_LOSS[task]].title
    if "regression" in LOSSES[loss].tasks:
        return (
            f"{title} measures distances between numbers and is for regression; a "
            f"{task} classifier has {output}. Use {fitting} (or 'auto')."
        )
    return (
        f"{title} does not fit {task} classification, whose network has {output}. "
        f"Use {fitting} (or 'auto')."
    )


def _metric_problem(metric: str, task: str) -> str:
    title = METRICS[metric].title
    if task == "multiclass" and metric in ("auc", "precision", "recall"):
        return (
            f"{title} is watched during training for binary tasks only: Keras' "
            "version needs one output per class with one-hot labels. The final "
            "evaluation still reports macro-averaged precision, recall and ROC AUC."
        )
    family = "regression" if task in CLASSIFICATION else "classification"
    return f"{title} is a {family} metric and does not apply to {task} targets."


def unavailable_losses(task: str) -> dict[str, str]:
    """Loss name -> why it cannot be used for ``task``."""
    _check_task(task)
    return {
        name: _loss_problem(name, task)
        for name, choice in LOSSES.items()
        if task not in choice.tasks
    }


def unavailable_metrics(task: str) -> dict[str, str]:
    """Metric name -> why it is not watched during training for ``task``."""
    _check_task(task)
    return {
        name: _metric_problem(name, task)
        for name, choice in METRICS.items()
        if task not in choice.tasks
    }


def resolve_compile(compile_spec: dict, task: str) -> dict[str, Any]:
    """The concrete compile settings for ``task``.

    ``"auto"`` becomes the loss that fits the network's output; metrics that do
    not apply to the task are dropped, and the task's default metric takes their
    place, with a note saying so.

    Args:
        compile_spec: the ``compile`` section (validated or not).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.

    Returns:
        ``{"optimizer", "learning_rate", "momentum", "loss", "metrics", "notes"}``.

    Raises:
        SpecError: for a bad field, or a loss that cannot train this task.

    Example:
        >>> resolve_compile({"metrics": ["accuracy"]}, "regression")["metrics"]
        ['mae']
    """
    settings = validate_compile_spec(compile_spec)
    _check_task(task)
    loss = settings["loss"]
    if loss == "auto":
        loss = AUTO_LOSS[task]
    elif task not in LOSSES[loss].tasks:
        raise SpecError(
            f"The 'compile.loss' {loss!r} cannot train this {task} task. "
            + _loss_problem(loss, task)
        )
    notes = []
    metrics = [m for m in settings["metrics"] if task in METRICS[m].tasks]
    dropped = [m for m in settings["metrics"] if m not in metrics]
    if dropped:
        default = DEFAULT_METRIC[task]
        if default not in metrics:
            metrics.insert(0, default)
        notes.append(
            advice(
                f"Dropped the {'metric' if len(dropped) == 1 else 'metrics'} "
                f"{', '.join(dropped)}: "
                + " ".join(_metric_problem(m, task) for m in dropped),
                f"Watching {', '.join(metrics)} instead, so the curves still show "
                "how well the network learns.",
                "nothing; choose other metrics on the Compile screen if you like.",
            )
        )
    return {
        "optimizer": settings["optimizer"],
        "learning_rate": settings["learning_rate"],
        "momentum": settings["momentum"],
        "loss": loss,
        "metrics": metrics,
        "notes": notes,
    }


_OPTIMIZER_CLASSES = {
    "adam": "Adam",
    "sgd": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adamw": "AdamW",
    "nadam": "Nadam",
}
_METRIC_CLASSES = {
    "auc": "AUC",
    "precision": "Precision",
    "recall": "Recall",
    "mae": "MeanAbsoluteError",
    "rmse": "RootMeanSquaredError",
}


def _optimizer(resolved: dict) -> tuple[str, dict[str, float]]:
    arguments = {"learning_rate": resolved["learning_rate"]}
    if resolved["optimizer"] == "sgd":
        arguments["momentum"] = resolved["momentum"]
    return _OPTIMIZER_CLASSES[resolved["optimizer"]], arguments


def _metric_class(metric: str, task: str) -> str:
    if metric == "accuracy":
        return "BinaryAccuracy" if task == "binary" else "SparseCategoricalAccuracy"
    return _METRIC_CLASSES[metric]


def optimizer_code(resolved: dict) -> str:
    """The Keras call that creates the optimiser, as Python source."""
    name, arguments = _optimizer(resolved)
    listed = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return f"keras.optimizers.{name}({listed})"


def metric_code(metric: str, task: str) -> str:
    """The Keras metric object for ``metric``, as Python source."""
    return f'keras.metrics.{_metric_class(metric, task)}(name="{metric}")'


def compile_model(model, compile_spec: dict, task: str) -> dict[str, Any]:
    """Compile a Keras model with the spec's optimiser, loss and metrics.

    Each metric object is named after the spec's metric, so the history keys are
    predictable (``accuracy``, ``val_accuracy``, ``auc``, ``rmse``, …).

    Args:
        model: an uncompiled Keras model whose output fits ``task``.
        compile_spec: the ``compile`` section.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.

    Returns:
        The resolved settings (see ``resolve_compile``), notes included.

    Raises:
        SpecError: for a bad field or a loss that cannot train this task.
    """
    import keras

    resolved = resolve_compile(compile_spec, task)
    name, arguments = _optimizer(resolved)
    optimizer = getattr(keras.optimizers, name)(**arguments)
    metrics = [
        getattr(keras.metrics, _metric_class(metric, task))(name=metric)
        for metric in resolved["metrics"]
    ]
    model.compile(optimizer=optimizer, loss=resolved["loss"], metrics=metrics)
    return resolved
