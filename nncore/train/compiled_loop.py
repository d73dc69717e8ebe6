"""The compiled loop behind ``fit_fast``: the TensorFlow functions that run whole
epochs (shuffle, every batch, validation), their cache on the model, and the
optimiser's lean update.

TensorFlow is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import math
import threading

import numpy as np

from nncore.core.cpus import inter_op_threads
from nncore.train import shared_traces

# Why a compiled call ended, as its second output says: all its epochs done, the
# stop flag, a batch's loss not finite (with TerminateOnNaN), early stopping
# tracked in the graph (``nncore.train.watch``), or an epoch whose loss is not
# finite (the call ends there, so that a callback may stop training after it).
COMPLETED, STOPPED, NOT_FINITE, EARLY_STOPPED, NAN_EPOCH = 0, 1, 2, 3, 4
# Rows per validation batch: validation is a sum over rows, so the batch size does
# not change the result; large batches just cost fewer loop iterations.
_VALIDATION_BATCH_SIZE = 8192
# The attribute of the model that holds the compiled functions.
_CACHE = "_fastfit_cache"
# The largest variable that the fused optimiser kernels update (see _lean_update).
_FUSED_MAX_WEIGHTS = 1024
# One trace at a time: compiled_predict may be traced in a UI thread while
# fit_fast traces its loop in a worker thread, and Keras' tracing state is shared.
TRACING = threading.RLock()
# How many traced loops (shapes, batch sizes) a model keeps.
_CACHED_FUNCTIONS = 4


# --- the compiled loop ---------------------------------------------------------


class _Runner:
    """The compiled epoch loop of one model for one shape of data.

    Its data are ``(x, y, x_val, y_val)``, with the training rows' sample weights
    after ``y`` when the loop was built with them: ``(x, y, weights, x_val,
    y_val)``.
    """

    def __init__(self, function, data_types):
        self.function = function
        self.data_types = data_types

    def tensors(self, *arrays):
        import tensorflow as tf

        return tuple(
            tf.constant(array, dtype=dtype)
            for array, dtype in zip(arrays, self.data_types, strict=True)
        )

    def run(self, data, epoch, n_epochs, seed):
        """Run up to ``n_epochs`` epochs from ``epoch``: ``(logs, status)``, or
        ``(logs, status, snapshots)`` for a loop built with ``snapshots``."""
        import tensorflow as tf

        return self.function(*data, tf.constant([epoch, n_epochs, seed], "int64"))


def make_runner(
    model,
    x,
    y,
    x_val,
    y_val,
    batch_size,
    shuffle,
    callbacks,
    weights=None,
    watch=None,
    snapshots=False,
) -> _Runner:
    """The model's compiled epoch loop for these data shapes and batch size.

    The loop is traced for the exact shapes and batch size (see ``batch_getter``
    in ``_trace_loop``); a call with others traces again. ``weights`` (one per
    training row, e.g. from class weights) weigh each row's loss and training
    metrics as ``model.fit(sample_weight=...)`` does; validation is not weighted.
    ``watch``, an ``nncore.train.watch.EpochWatch`` (begun), has its callbacks'
    bookkeeping done at each epoch end in the graph. With ``snapshots``, the loop
    also hands back every epoch's weights (``model.weights``, flattened into one
    float32 row per epoch): a third output, for ``snapshot_rows``.
    """
    import keras

    stop_on_nan = any(isinstance(c, keras.callbacks.TerminateOnNaN) for c in callbacks)
    cache = model_cache(model)
    arrays = (x, y, x_val, y_val) if weights is None else (x, y, weights, x_val, y_val)
    key = (
        "fit",
        *(array.shape for array in arrays),
        *(array.dtype.str for array in arrays),
        batch_size,
        bool(shuffle),
        stop_on_nan,
        weights is not None,
        watch.key if watch is not None else None,
        bool(snapshots),
    )
    with TRACING:
        runner = cache["functions"].pop(key, None)
        if runner is None:
            optimizer = model.optimizer
            if not optimizer.built:  # as its first update would; a shared loop
                optimizer.build(model.trainable_variables)  # reads its variables
            function = shared_traces.reuse_or_trace(
                model,
                cache,
                key,
                lambda: _trace_loop(
                    model,
                    arrays,
                    batch_size,
                    shuffle,
                    stop_on_nan,
                    cache,
                    watch,
                    snapshots,
                ),
                run_compiled,
            )
            runner = _Runner(function, _data_types(arrays))
        # Most recently used last; a few are kept (each holds a traced graph).
        cache["functions"][key] = runner
        while len(cache["functions"]) > _CACHED_FUNCTIONS:
            cache["functions"].pop(next(iter(cache["functions"])))
    return runner


def _data_types(arrays) -> tuple:
    """The inputs (x and x_val) in Keras' float type; targets and weights as given."""
    return tuple(
        as_floatx(array).dtype if index in (0, len(arrays) - 2) else array.dtype
        for index, array in enumerate(arrays)
    )


def _trace_loop(
    model, arrays, batch_size, shuffle, stop_on_nan, cache, watch=None, snapshots=False
) -> Compiled:
    import tensorflow as tf

    x = arrays[0]
    stop, epoch_variable, batch_variable = cache["variables"]
    train_step, test_step = _steps(model)
    metrics = model.metrics
    n = len(x)
    batches = -(-n // batch_size)
    val_batch = max(batch_size, _VALIDATION_BATCH_SIZE)
    watched = watch is not None and bool(watch.watched)
    weight_count = sum(int(np.prod(w.shape)) for w in model.weights)

    def flat_weights():
        return tf.concat(
            [tf.reshape(tf.cast(w.value, "float32"), [-1]) for w in model.weights], 0
        )

    def reset_metrics():
        for metric in metrics:
            metric.reset_state()

    def results():
        values = []
        for value in model.get_metrics_result().values():
            if value.shape.rank:
                raise ValueError(
                    "fit_fast supports metrics with one number per epoch. "
                    f"Received a metric result of shape {value.shape}."
                )
            values.append(tf.cast(value, "float64"))
        return values

    def batch_getter(columns, size):
        """A function from a batch index to that batch of each of ``columns``
        (``x``, ``y`` and maybe the sample weights).

        When every batch is full, batches get a static shape, so that TensorFlow
        folds the shape arithmetic of the gradients away (each step about a fifth
        faster). A smaller last batch would need the step traced a second time
        (about 0.2 s), so then the batch shape is left open.
        """
        count, rest = divmod(columns[0].shape[0], size)
        if rest:

            def get(batch):
                start = batch * size
                return tuple(column[start : start + size] for column in columns)

            return get
        batched = tuple(
            tf.reshape(column, (count, size, *column.shape[1:])) for column in columns
        )
        return lambda batch: tuple(column[batch] for column in batched)

    def not_stopped():
        return tf.logical_not(stop.read_value())

    def validate(x_val, y_val):
        if x_val.shape[0] <= val_batch:
            test_step(x_val, y_val)
            return
        get = batch_getter((x_val, y_val), val_batch)

        def one_val_batch(batch):
            test_step(*get(batch))
            return (batch + 1,)

        tf.while_loop(
            lambda batch: batch < -(-x_val.shape[0] // val_batch),
            one_val_batch,
            (tf.constant(0),),
        )

    def run_epochs(*data):
        *train, x_val, y_val, scalars = data  # train: x, y (and the weights)
        first_epoch, n_epochs, seed = scalars[0], scalars[1], scalars[2]

        def one_epoch(index, status, logs, snaps):
            epoch = first_epoch + tf.cast(index, "int64")
            epoch_variable.assign(epoch)
            batch_variable.assign(0)
            reset_metrics()
            columns = tuple(train)
            if shuffle:
                order = tf.random.experimental.stateless_shuffle(
                    tf.range(n), seed=tf.stack([seed, epoch])
                )
                columns = tuple(tf.gather(column, order) for column in columns)

            get = batch_getter(columns, batch_size)

            def go_on(batch, finite):
                return tf.logical_and(
                    tf.logical_and(batch < batches, finite), not_stopped()
                )

            def one_batch(batch, finite):
                loss = train_step(*get(batch))
                batch_variable.assign(batch + 1)
                if stop_on_nan:
                    finite = tf.reduce_all(tf.math.is_finite(loss))
                return batch + 1, finite

            batch, finite = tf.while_loop(
                go_on, one_batch, (tf.constant(0), tf.constant(True))
            )
            done = tf.logical_or(tf.equal(batch, batches), tf.logical_not(finite))

            def end_epoch():
                train_results = results()
                reset_metrics()
                validate(x_val, y_val)
                row = tf.stack(train_results + results())
                status = tf.where(finite, COMPLETED, NOT_FINITE)
                if watched:
                    early = watch.update(epoch, row)
                    status = tf.where(finite & early, EARLY_STOPPED, status)
                # An epoch whose loss is not finite ends the call.
                nan_epoch = tf.logical_not(tf.math.is_finite(row[0]))
                status = tf.where(finite & nan_epoch, NAN_EPOCH, status)
                if snapshots:
                    return (
                        status,
                        logs.write(index, row),
                        snaps.write(index, flat_weights()),
                    )
                return status, logs.write(index, row), snaps

            status, logs, snaps = tf.cond(
                done, end_epoch, lambda: (tf.constant(STOPPED), logs, snaps)
            )
            return index + 1, status, logs, snaps

        def more(index, status, logs, snaps):
            return tf.logical_and(
                tf.logical_and(index < tf.cast(n_epochs, "int32"), not_stopped()),
                tf.equal(status, COMPLETED),
            )

        logs = tf.TensorArray("float64", size=0, dynamic_size=True)
        snaps = tf.TensorArray(
            "float32",
            size=0,
            dynamic_size=True,
            element_shape=(weight_count if snapshots else 0,),
        )
        _, status, logs, snaps = tf.while_loop(
            more, one_epoch, (tf.constant(0), tf.constant(COMPLETED), logs, snaps)
        )
        stopped = tf.logical_and(tf.equal(status, COMPLETED), stop.read_value())
        status = tf.where(stopped, STOPPED, status)
        if snapshots:
            return logs.stack(), status, snaps.stack()
        return logs.stack(), status

    signature = [
        tf.TensorSpec(array.shape, dtype)
        for array, dtype in zip(arrays, _data_types(arrays), strict=True)
    ] + [tf.TensorSpec((3,), "int64")]
    return Compiled(run_epochs, signature, single_threaded_suits(model))


def snapshot_rows(model, rows) -> list[list[np.ndarray]]:
    """The weights in the snapshot rows of a loop built with ``snapshots``: one
    list of arrays (shaped as ``model.get_weights()``) per row, in the model's
    dtype."""
    shapes = [tuple(w.shape) for w in model.weights]
    dtypes = [np.dtype(w.dtype) for w in model.weights]
    sizes = [int(np.prod(shape)) for shape in shapes]
    ends = np.cumsum(sizes)[:-1]
    return [
        [
            part.reshape(shape).astype(dtype, copy=False)
            for part, shape, dtype in zip(
                np.split(row, ends), shapes, dtypes, strict=True
            )
        ]
        for row in np.asarray(rows)
    ]


def _steps(model):
    """The training and test steps: Keras' own, or a leaner copy of them.

    The copy does what ``Model.train_step``/``test_step`` (TensorFlow backend) do,
    minus reading every metric's result after every batch, and with a leaner
    Adam and SGD update (``_lean_update``, the same formulas). Models that
    override ``train_step``, ``test_step`` or ``compute_metrics`` get Keras' own
    steps.
    """
    import tensorflow as tf
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
    from keras.src.losses import loss as loss_module
    from keras.src.trainers.trainer import Trainer

    cls = type(model)
    overridden = (
        cls.train_step is not TensorFlowTrainer.train_step
        or cls.test_step is not TensorFlowTrainer.test_step
        or cls.compute_metrics is not Trainer.compute_metrics
    )
    if overridden:

        def keras_train_step(x, y, sample_weight=None):
            data = (x, y) if sample_weight is None else (x, y, sample_weight)
            logs = model.train_step(data)
            loss = logs.get("loss") if isinstance(logs, dict) else None
            return tf.constant(0.0) if loss is None else loss

        def keras_test_step(x, y):
            model.test_step((x, y))

        return keras_train_step, keras_test_step

    optimizer = model.optimizer
    update = _lean_update(optimizer, model.trainable_variables)

    def forward(x, training):
        if model._call_has_training_arg:
            return model(x, training=training)
        return model(x)

    def track(x, y, y_pred, loss, sample_weight=None):
        model._loss_tracker.update_state(
            loss_module.unscale_loss_for_distribution(loss),
            sample_weight=tf.shape(x)[0],
        )
        if model._compile_metrics is not None:
            model._compile_metrics.update_state(y, y_pred, sample_weight)

    def train_step(x, y, sample_weight=None):
        with tf.GradientTape() as tape:
            y_pred = forward(x, True)
            loss = model._compute_loss(
                x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True
            )
            track(x, y, y_pred, loss, sample_weight)
            scaled = optimizer.scale_loss(loss)
        weights = model.trainable_variables
        if weights:
            gradients = tape.gradient(scaled, weights)
            if update is None:
                optimizer.apply_gradients(zip(gradients, weights, strict=True))
            else:
                update(gradients, weights)
        return loss

    def test_step(x, y):
        y_pred = forward(x, False)
        loss = model._compute_loss(
            x=x, y=y, y_pred=y_pred, sample_weight=None, training=False
        )
        track(x, y, y_pred, loss)

    return train_step, test_step


def _lean_update(optimizer, weights):
    """An ``apply_gradients`` for plain Adam or SGD, or None for Keras' own.

    Keras' own update goes through distribution-strategy and bookkeeping layers
    that take about half a second to trace; this one computes the same formulas
    with the optimiser's own variables (moments, iterations, learning rate) and
    traces in a few milliseconds. For a tiny network (no variable with more than
    about a thousand weights) it uses TensorFlow's fused kernels
    (``ResourceApplyAdam``, ``ResourceApplyKerasMomentum``), one op per variable
    instead of a dozen, which makes each step about a third faster; those kernels
    always split their work across the thread pool, which costs more than it
    saves on larger variables. Anything unusual (EMA, gradient accumulation, loss
    scaling, AMSGrad, a subclass with its own update, sparse or missing
    gradients, non-float32 weights) keeps Keras' own update.
    """
    import keras
    import tensorflow as tf

    plain = (
        not optimizer.use_ema
        and not optimizer.gradient_accumulation_steps
        and optimizer.loss_scale_factor is None
        and all(v.dtype == "float32" for v in weights)
        and not any(getattr(v, "overwrite_with_gradient", False) for v in weights)
    )
    cls = type(optimizer)
    adam = (
        isinstance(optimizer, keras.optimizers.Adam)
        and cls.update_step is keras.optimizers.Adam.update_step
        and not optimizer.amsgrad
    )
    sgd = (
        isinstance(optimizer, keras.optimizers.SGD)
        and cls.update_step is keras.optimizers.SGD.update_step
    )
    if not plain or not (adam or sgd):
        return None
    fused = all(math.prod(v.shape) <= _FUSED_MAX_WEIGHTS for v in weights)

    def raw(variable):
        # The tf.Variable under a Keras variable: plain TensorFlow ops on it
        # trace several times faster than Keras' operator overloads.
        return variable.value

    def adam_step(gradient, variable, index, learning_rate, powers):
        momentum = raw(optimizer._momentums[index])
        velocity = raw(optimizer._velocities[index])
        beta_1, beta_2 = optimizer.beta_1, optimizer.beta_2
        if fused:
            tf.raw_ops.ResourceApplyAdam(
                var=raw(variable).handle,
                m=momentum.handle,
                v=velocity.handle,
                beta1_power=powers[0],
                beta2_power=powers[1],
                lr=learning_rate,
                beta1=tf.constant(beta_1, "float32"),
                beta2=tf.constant(beta_2, "float32"),
                epsilon=tf.constant(optimizer.epsilon, "float32"),
                grad=gradient,
            )
            return
        # Keras' Adam.update_step, op for op.
        alpha = learning_rate * tf.sqrt(1 - powers[1]) / (1 - powers[0])
        m = momentum.assign_add((gradient - momentum) * (1 - beta_1))
        v = velocity.assign_add((tf.square(gradient) - velocity) * (1 - beta_2))
        raw(variable).assign_sub((m * alpha) / (tf.sqrt(v) + optimizer.epsilon))

    def sgd_step(gradient, variable, index, learning_rate):
        weights = raw(variable)
        if not optimizer.momentum:
            if fused:
                tf.raw_ops.ResourceApplyGradientDescent(
                    var=weights.handle, alpha=learning_rate, delta=gradient
                )
            else:
                weights.assign_sub(gradient * learning_rate)
            return
        accumulator = raw(optimizer.momentums[index])
        momentum = tf.cast(optimizer.momentum, "float32")
        if fused:
            tf.raw_ops.ResourceApplyKerasMomentum(
                var=weights.handle,
                accum=accumulator.handle,
                lr=learning_rate,
                grad=gradient,
                momentum=momentum,
                use_nesterov=bool(optimizer.nesterov),
            )
            return
        # Keras' SGD.update_step, op for op.
        m = accumulator.assign(accumulator * momentum - gradient * learning_rate)
        if optimizer.nesterov:
            weights.assign_add(m * momentum - gradient * learning_rate)
        else:
            weights.assign_add(m)

    def update(gradients, variables):
        if any(g is None or not isinstance(g, tf.Tensor) for g in gradients):
            # Sparse (IndexedSlices) or missing gradients: Keras' own path.
            optimizer.apply_gradients(zip(gradients, variables, strict=True))
            return
        gradients = optimizer._clip_gradients(list(gradients))
        optimizer._apply_weight_decay(variables)
        learning_rate = tf.cast(optimizer.learning_rate, "float32")
        iterations = raw(optimizer.iterations)
        if adam:
            step = tf.cast(iterations + 1, "float32")
            powers = (
                tf.pow(tf.cast(optimizer.beta_1, "float32"), step),
                tf.pow(tf.cast(optimizer.beta_2, "float32"), step),
            )
        for gradient, variable in zip(gradients, variables, strict=True):
            index = optimizer._get_variable_index(variable)
            if adam:
                adam_step(gradient, variable, index, learning_rate, powers)
            else:
                sgd_step(gradient, variable, index, learning_rate)
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable))
        iterations.assign_add(1)

    return update


# --- helpers -------------------------------------------------------------------


@functools.cache
def recorder_class():
    import keras

    class Recorder(keras.callbacks.Callback):
        """The last callback of the list: records each epoch's logs as the
        callbacks before it left them (``ReduceLROnPlateau`` adds
        ``learning_rate``)."""

        def __init__(self):
            super().__init__()
            self.logs = []

        def on_epoch_end(self, epoch, logs=None):
            self.logs.append(dict(logs or {}))

        def history(self, names, callbacks):
            history = {}
            for logs in self.logs:
                for name, value in logs.items():
                    history.setdefault(name, []).append(_to_float(value))
            if not history:
                history = {name: [] for name in sorted(names)}
                if any(_adds_learning_rate(c) for c in callbacks):
                    history["learning_rate"] = []
            return history

    return Recorder


def _adds_learning_rate(callback) -> bool:
    import keras

    return isinstance(
        callback,
        keras.callbacks.ReduceLROnPlateau | keras.callbacks.LearningRateScheduler,
    )


def has_batch_hook(callback) -> bool:
    import keras

    base = keras.callbacks.Callback
    cls = type(callback)
    return (
        cls.on_train_batch_end is not base.on_train_batch_end
        or cls.on_batch_end is not base.on_batch_end
    )


def model_cache(model) -> dict:
    """The compiled functions of ``model``, made again when it was recompiled."""
    import tensorflow as tf

    owners = (model.optimizer, model._loss_tracker, model._compile_metrics)
    with TRACING:
        cache = getattr(model, _CACHE, None)
        if cache is None or any(
            a is not b for a, b in zip(cache["owners"], owners, strict=True)
        ):
            with tf.device("/CPU:0"):
                variables = tuple(
                    tf.Variable(value, trainable=False, name=f"fastfit_{name}")
                    for name, value in (
                        ("stop", False),
                        ("epoch", tf.constant(0, "int64")),
                        ("batch", 0),
                    )
                )
            cache = {"owners": owners, "functions": {}, "variables": variables}
            # Keras tracks attributes of layers; this one is not model state.
            object.__setattr__(model, _CACHE, cache)
        return cache


class Compiled:
    """A Python function traced once into a TensorFlow graph, and how to call it.

    On CPU it runs on TensorFlow's single-threaded executor: the default executor
    hands each small op to a thread pool, and for a loop of thousands of tiny
    steps running them inline is about 1.7 times faster (large ops such as big
    matrix products still use every core). That executor needs to see the loops
    at tracing time, and it can hang on a nested ``tf.function`` called inside a
    loop or a condition, so a graph that calls functions (a model with a
    ``tf.function`` inside) is traced again for the default executor. A network
    whose steps are a few large operations (convolutions: ``single_threaded_suits``
    says no) runs on the default executor from the start, which runs a
    convolution's two gradients side by side.
    """

    def __init__(self, python_function, signature, single_threaded: bool = True):
        with TRACING:
            self._trace(python_function, signature, single_threaded)

    def _trace(self, python_function, signature, single_threaded):
        import tensorflow as tf

        self.single_threaded = single_threaded and _single_threaded_possible()
        if self.single_threaded:
            function = tf.function(
                python_function, input_signature=signature, autograph=False
            )
            with _single_threaded():
                self.concrete = function.get_concrete_function()
            if not _calls_functions(self.concrete):
                self.function = function
                return
            self.single_threaded = False
        self.function = tf.function(
            python_function, input_signature=signature, autograph=False
        )
        self.concrete = self.function.get_concrete_function()

    def __call__(self, *args):
        return run_compiled(lambda: self.concrete(*args), self.single_threaded)


# One call at a time runs on the single-threaded executor. It runs a call inside one
# of TensorFlow's inter-op threads and waits there for work handed to another
# (nncore.core.cpus): two calls at once on a 2-core machine, where TensorFlow makes
# two such threads, held both and waited forever. With more threads they did not
# hang, but two workers were no faster (1.05x against 1.07x for 10x longer jobs),
# so a call that comes while another holds it runs on the default executor, which
# gives the same numbers, a little slower for tiny steps.
_SINGLE_THREADED_TURN = threading.Lock()


def run_compiled(call, single_threaded: bool):
    """``call()`` (a traced function's call) on the single-threaded executor when
    it may and no other call is on it, else on TensorFlow's default executor."""
    if single_threaded and _SINGLE_THREADED_TURN.acquire(blocking=False):
        try:
            with _single_threaded():
                return call()
        finally:
            _SINGLE_THREADED_TURN.release()
    return call()


# Layers whose steps are a few large operations rather than many small ones.
_LARGE_STEP_LAYERS = ("BaseConv", "BasePooling", "BaseGlobalPooling")


def single_threaded_suits(model) -> bool:
    """Whether the model's compiled loops should run on the single-threaded
    executor: yes for networks of many small operations (Dense, Dropout,
    BatchNormalization...), no when a layer convolves or pools pictures, whose
    steps are a few large operations that the default executor runs side by side
    (measured on 2 cores: the Small CNN on 28x28 pictures trains 1.25x faster on
    the default executor; a Dense network 1.7x slower)."""
    for layer in getattr(model, "layers", []):
        bases = {cls.__name__ for cls in type(layer).__mro__}
        if bases.intersection(_LARGE_STEP_LAYERS):
            return False
    return True


@functools.cache
def _single_threaded_possible() -> bool:
    import tensorflow as tf

    try:
        from tensorflow.python.eager import context
    except ImportError:
        return False
    # The executor runs inside one inter-op thread and waits there for another:
    # with one, training would wait forever (nncore.core.cpus).
    return (
        hasattr(context, "function_executor_type")
        and inter_op_threads() >= 2
        and not tf.config.list_logical_devices("GPU")
    )


def _single_threaded():
    from tensorflow.python.eager import context

    return context.function_executor_type("SINGLE_THREADED_EXECUTOR")


def _calls_functions(concrete) -> bool:
    """Whether a traced graph calls a function (not counting loops and conds)."""
    calls = {"PartitionedCall", "StatefulPartitionedCall"}
    graph = concrete.graph.as_graph_def()
    nodes = [*graph.node]
    for function in graph.library.function:
        nodes.extend(function.node_def)
    return any(node.op in calls for node in nodes)


def check_options(epochs, batch_size, initial_epoch, max_chunk_seconds) -> None:
    for name, value, minimum, example in (
        ("epochs", epochs, 0, "epochs=20"),
        ("batch_size", batch_size, 1, "batch_size=32"),
        ("initial_epoch", initial_epoch, 0, "initial_epoch=0"),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(
                f"Received: {name}={value!r}. Expected an integer, e.g. {example}."
            )
        if value < minimum:
            kind = "a positive" if minimum else "a non-negative"
            raise ValueError(
                f"Received: {name}={value}. Expected {kind} integer, e.g. {example}."
            )
    if not max_chunk_seconds > 0:
        raise ValueError(
            f"Received: max_chunk_seconds={max_chunk_seconds!r}. Expected a "
            "positive number of seconds, e.g. max_chunk_seconds=0.25."
        )


def as_arrays(x, y, x_name, y_name):
    x = as_floatx(np.asarray(x))
    y = np.asarray(y)
    if y.dtype.kind == "f":
        y = as_floatx(y)
    if x.ndim < 1 or y.ndim < 1 or len(x) != len(y):
        raise ValueError(
            f"Received: {x_name} of shape {x.shape} and {y_name} of shape "
            f"{y.shape}. Expected one target per row, e.g. shapes (n, 4) and (n,)."
        )
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def as_floatx(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "f" and array.dtype != np.float32:
        import keras

        return array.astype(keras.config.floatx())
    return array


def to_numpy(value):
    import tensorflow as tf

    return tf.nest.map_structure(lambda tensor: tensor.numpy(), value)


def _to_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
