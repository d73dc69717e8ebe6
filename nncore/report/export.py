"""Code export: an experiment as a standalone Python script or Jupyter notebook.

The code uses only pandas, NumPy, scikit-learn and Keras, and reproduces what NN
Studio does step by step: the same data, the same split (seeds included), the same
preprocessing (written from the fitted preprocessor's own settings), the same
network, optimiser and callbacks, and the same scikit-learn metrics (the very
functions of ``nncore.core.metrics``, copied in). It trains with plain ``model.fit``,
whose batch order differs from NN Studio's compiled loop (``nncore.train.fastfit``), so
its metrics match the app's within a point or two, not to the last digit. No
TensorFlow import here.
"""

from __future__ import annotations

import inspect
import textwrap
import types

from nncore.core.catalog import BUILTIN_DATASETS
from nncore.data import detect
from nncore.data import sources as datasets
from nncore.data.loading import LoadedTable
from nncore.data.prepare import MAX_MAGNITUDE, PreparedData, _target_values
from nncore.report.export_common import LEARNING, split_code
from nncore.report.export_common import Section as _Section
from nncore.report.export_common import assign as _assign
from nncore.report.export_common import compile_code as _compile_code
from nncore.report.export_common import evaluate_code as _evaluate_code
from nncore.report.export_common import literal as _literal
from nncore.report.export_common import model_code as _model_code
from nncore.report.export_common import train_code as _train_code
from nncore.report.export_common import train_explanation as _train_explanation
from nncore.spec import validate_spec
from nncore.train.compiling import resolve_compile

__all__ = ["export_notebook", "export_script"]


def export_script(spec: dict, table: LoadedTable, prepared: PreparedData) -> str:
    """The experiment as a runnable Python script (``python experiment.py``).

    Pictures (a ``LoadedImages`` and ``PreparedImages``) get the code of
    ``nncore.report.export_images``: the ZIP, folder or built-in set read with
    Pillow and NumPy and converted as NN Studio converts it, the same split and
    network (augmentation, rescaling, convolutions) and metrics.

    Args:
        spec: the experiment spec (validated here).
        table: the data as loaded (its ``reader`` options say how to read a file),
            or the pictures as loaded.
        prepared: the data prepared with the spec's ``data`` settings.

    Returns:
        The script's source code.

    Raises:
        SpecError: when the spec is invalid or its loss does not fit the task.
    """
    spec = validate_spec(spec)
    sections = _sections(spec, table, prepared)
    if _pictures(prepared):
        from nncore.report.export_images import picture_docstring

        parts = [picture_docstring(spec, prepared), sections[0].code]
    else:
        parts = [_docstring(spec, prepared), sections[0].code]
    for number, section in enumerate(sections[1:], start=1):
        parts.append(f"# {number}. {section.title}\n{section.code}")
    return "\n\n\n".join(parts).rstrip() + "\n"


def export_notebook(spec: dict, table: LoadedTable, prepared: PreparedData) -> str:
    """The experiment as a Jupyter notebook (nbformat 4), as JSON text.

    The cells hold the script's code, each step after a short explanation.
    """
    import nbformat
    from nbformat import v4

    spec = validate_spec(spec)
    sections = _sections(spec, table, prepared)
    if _pictures(prepared):
        from nncore.report.export_images import picture_intro

        intro = picture_intro(spec, prepared)
    else:
        intro = _intro(spec, prepared)
    cells = [v4.new_markdown_cell(intro)]
    for number, section in enumerate(sections):
        heading = section.title if number == 0 else f"{number}. {section.title}"
        cells.append(v4.new_markdown_cell(f"## {heading}\n\n{section.explanation}"))
        cells.append(v4.new_code_cell(section.code))
    notebook = v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return nbformat.writes(notebook)


def _title(spec: dict, prepared: PreparedData) -> str:
    source = spec["data"]["source"]
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        data = BUILTIN_DATASETS[name].title
    else:
        data = source.replace("\\", "/").rsplit("/", 1)[-1]
    return f"{data}: {prepared.task} prediction of '{prepared.target}'"


def _docstring(spec: dict, prepared: PreparedData) -> str:
    file_note = (
        ""
        if spec["data"]["source"].startswith("builtin:")
        else "\nThe data file is read from DATA_FILE below: put the file next to this "
        "script or\nchange the path.\n"
    )
    text = (
        f"NN Studio experiment. {_title(spec, prepared)}.\n\n"
        "Reproduces the experiment as NN Studio runs it: the same data, split,\n"
        "preprocessing, network, optimiser, training and evaluation, with the same\n"
        "seeds. It trains with Keras' model.fit, which draws mini-batches in another\n"
        "order than NN Studio's faster loop: expect the same metrics within a point\n"
        "or two. It prints the test metrics, then one JSON line with every metric.\n"
        f"{file_note}\n"
        "Run it with:\n\n"
        "    python experiment.py\n\n"
        "It needs pandas, NumPy, scikit-learn and Keras 3 with TensorFlow\n"
        "(pip install pandas scikit-learn tensorflow).\n"
    )
    return f'"""{text}"""'


def _intro(spec: dict, prepared: PreparedData) -> str:
    return (
        f"# NN Studio experiment\n\n**{_title(spec, prepared)}**\n\n"
        "This notebook reproduces the experiment as NN Studio runs it, step by "
        "step: the same data, split, preprocessing, network and training, with the "
        "same seeds. Run the cells from top to bottom.\n\n" + LEARNING
    )


def _pictures(prepared) -> bool:
    return getattr(prepared, "image_shape", None) is not None


def _sections(spec, table, prepared) -> list[_Section]:
    if _pictures(prepared):
        from nncore.report.export_images import picture_sections

        return picture_sections(spec, table, prepared)
    resolved = resolve_compile(spec["compile"], prepared.task)
    return [
        _Section(
            "Setup",
            "The libraries used, and the experiment's settings.",
            _setup_code(spec, prepared),
        ),
        _Section(
            "Load the data",
            "Read the examples into a table, one row per example.",
            _load_code(spec, table),
        ),
        _Section(
            "The target",
            "Rows whose answer is unknown cannot be learnt from, so they are left "
            "out. "
            + (
                "Regression predicts the number itself."
                if prepared.task == "regression"
                else "Class labels become class numbers 0, 1, 2, … in sorted order."
            ),
            _target_code(spec, table, prepared),
        ),
        _Section(
            "The inputs",
            "Every other column is an input, except the ones NN Studio dropped "
            "because they cannot help. Infinite or absurdly large numbers count as "
            "missing.",
            _inputs_code(prepared),
        ),
        _Section(
            "Split",
            "Training rows teach the network, validation rows watch for "
            "overfitting while it trains, and test rows are kept untouched for "
            "the final score.",
            split_code(
                spec,
                prepared.stratified,
                _drop_outliers_code(prepared)
                if spec["data"].get("outliers") == "drop"
                else [],
            ),
        ),
        _Section(
            "Preprocess",
            "Missing values are filled and numbers scaled to similar ranges, text "
            "columns become one 0/1 input per category. Everything is learnt from "
            "the training rows only, so no information leaks from the test rows.",
            _preprocess_code(prepared),
        ),
        _Section(
            "Build the network",
            "Layers of neurons, each computing a weighted sum of its inputs and "
            "an activation; the output layer fits the task. The seed fixes the "
            "starting weights.",
            _model_code(spec, prepared),
        ),
        _Section(
            "Compile",
            "The loss measures how wrong the predictions are; the optimiser "
            "decides how the weights change to reduce it.",
            _compile_code(resolved, prepared.task),
        ),
        _Section(
            "Train",
            _train_explanation(spec, prepared.task),
            _train_code(spec, prepared.task),
        ),
        _Section(
            "Evaluate",
            "The final scores come from scikit-learn on the network's predictions "
            "for the validation and test rows, computed exactly as NN Studio does.",
            _evaluate_code(prepared),
        ),
    ]


def _setup_code(spec, prepared) -> str:
    source = spec["data"]["source"]
    lines = [
        "import json",
        "import os",
        "",
        "# Quiet TensorFlow's start-up messages; results are the same without this.",
        'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")',
        'os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")',
        "",
        "import keras",
        "import numpy as np",
        "import pandas as pd",
        "from sklearn.model_selection import train_test_split",
        "",
    ]
    if not source.startswith("builtin:"):
        lines.append(f"DATA_FILE = {_literal(source)}")
    lines += [
        f"TARGET = {_literal(prepared.target)}",
        f"TASK = {_literal(prepared.task)}",
        f"DATA_SEED = {spec['data']['seed']}  # the split (and generated data)",
        f"TRAIN_SEED = {spec['train']['seed']}  # starting weights, dropout, shuffling",
    ]
    return "\n".join(lines)


def _load_code(spec, table: LoadedTable) -> str:
    data = spec["data"]
    source = data["source"]
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        if BUILTIN_DATASETS[name].generated:
            return _generator_code(name, data)
        code = (
            f"from sklearn.datasets import load_{name}\n\n"
            f"bunch = load_{name}(as_frame=True)\n"
            "frame = bunch.frame.copy()"
        )
        if name in ("iris", "wine", "breast_cancer"):
            code += (
                "\n# Class numbers become their names, as NN Studio shows them.\n"
                'frame["target"] = pd.Series(\n'
                '    np.asarray(bunch.target_names)[frame["target"].to_numpy()],\n'
                "    index=frame.index,\n"
                ").astype(str)"
            )
        return code
    return _file_code(table)


def _generator_code(name: str, data: dict) -> str:
    generator = inspect.getsource(getattr(datasets, f"_{name}"))
    helper = inspect.getsource(datasets._frame)
    code = f"{helper}\n\n{generator}".replace("_frame(", "points_frame(")
    code = code.replace(f"def _{name}(", f"def make_{name}(")
    return (
        code.rstrip()
        + "\n\n\n"
        + f"N_SAMPLES = {int(data['n_samples'])}\n"
        + f"NOISE = {float(data['noise'])!r}\n"
        + f"frame = make_{name}(N_SAMPLES, NOISE, np.random.default_rng(DATA_SEED))"
    )


def _file_code(table: LoadedTable) -> str:
    reader = table.reader
    kind = reader.get("format", "csv")
    if kind == "excel":
        read = (
            "frame = pd.read_excel(DATA_FILE, "
            f'sheet_name={_literal(reader["sheet_name"])}, engine="openpyxl")'
        )
    elif kind == "parquet":
        read = "frame = pd.read_parquet(DATA_FILE)"
    else:
        read = (
            "frame = pd.read_csv(\n"
            "    DATA_FILE,\n"
            f"    sep={_literal(reader.get('sep', ','))},\n"
            f"    decimal={_literal(reader.get('decimal', '.'))},\n"
            f"    encoding={_literal(reader.get('encoding', 'utf-8'))},\n"
            "    skip_blank_lines=True,\n"
            + (
                '    engine="python",\n'
                '    on_bad_lines="skip",  # rows with more fields than the header\n'
                if reader.get("on_bad_lines") == "skip"
                else ""
            )
            + ")"
        )
    code = (
        f"{read}\n"
        "# Column names without surrounding spaces; rows with no values at all go.\n"
        "frame.columns = [\n"
        '    str(c).strip() or f"column_{i + 1}" for i, c in enumerate(frame.columns)\n'
        "]\n"
        'frame = frame.dropna(how="all").reset_index(drop=True)'
    )
    if table.numeric_text:
        code += (
            "\n\n# Columns of numbers with a few non-numbers (such as '?'): the "
            "non-numbers\n# become missing values, a decimal comma is understood.\n"
            + _assign("NUMERIC_TEXT", list(table.numeric_text))
            + "\n"
            "for column in NUMERIC_TEXT:\n"
            "    text = frame[column].dropna().astype(str).str.strip()\n"
            '    numbers = pd.to_numeric(text, errors="coerce")\n'
            "    if numbers.notna().mean() < 0.9:\n"
            "        numbers = pd.to_numeric(\n"
            '            text.str.replace(",", ".", regex=False), errors="coerce"\n'
            "        )\n"
            '    frame[column] = numbers.reindex(frame.index).astype("float64")'
        )
    return code


def _target_code(spec, table: LoadedTable, prepared: PreparedData) -> str:
    lines = [
        "y = frame[TARGET]",
        "if pd.api.types.is_float_dtype(y.dtype):  # infinite or huge: unusable",
        f"    y = y.mask(~np.isfinite(y) | (y.abs() > {MAX_MAGNITUDE!r}))",
        "known = y.notna()",
        "frame = frame.loc[known].reset_index(drop=True)",
        "y = y.loc[known].reset_index(drop=True)",
    ]
    if spec["data"]["clean_labels"] and _labels_were_cleaned(table, prepared):
        lines += [
            "",
            "# Labels that differ only by capital letters or spaces are one class,",
            "# spelt as its most frequent variant.",
            "spelling = y.astype(str).str.strip()",
            "key = spelling.str.casefold()",
            "most_frequent = spelling.groupby(key).agg(lambda s: s.value_counts()"
            ".index[0])",
            "y = key.map(most_frequent).astype(object)",
        ]
    if prepared.task == "regression":
        lines += ["", 'y = y.to_numpy(dtype="float32")']
    else:
        numeric = detect.is_numeric(_target_values(table.frame, prepared.target, [])[1])
        labels = "y" if numeric else "y.astype(str)"
        lines += [
            "",
            _assign("CLASSES", prepared.classes),
            f"classes, y = np.unique({labels}.to_numpy(), return_inverse=True)",
        ]
    return "\n".join(lines)


def _labels_were_cleaned(table: LoadedTable, prepared: PreparedData) -> bool:
    _, y = _target_values(table.frame, prepared.target, [])
    return detect.clean_labels(y)[1] is not None


def _inputs_code(prepared: PreparedData) -> str:
    lines = []
    if prepared.dropped:
        reasons = "; ".join(f"{name}: {why}" for name, why in prepared.dropped.items())
        lines += textwrap.wrap(
            f"Dropped: {reasons}.", 86, initial_indent="# ", subsequent_indent="# "
        )
    lines += [
        _assign("DROPPED", list(prepared.dropped)),
        _assign("NUMERIC", list(prepared.numeric_columns)),
        _assign("CATEGORICAL", list(prepared.categorical_columns)),
        "X = frame[NUMERIC + CATEGORICAL].copy()",
        "for column in NUMERIC:",
        '    values = X[column].astype("float64")',
        f"    unusable = np.isinf(values) | (values.abs() > {MAX_MAGNITUDE!r})",
        "    if unusable.any():",
        "        X[column] = values.mask(unusable)",
        "for column in CATEGORICAL:",
        "    # Each value as text, missing values as NaN, as the encoder expects.",
        "    X[column] = pd.Series(",
        "        [np.nan if pd.isna(v) else str(v) for v in X[column]],",
        "        index=X.index,",
        "        dtype=object,",
        "    )",
    ]
    return "\n".join(lines)


def _preprocess_code(prepared: PreparedData) -> str:
    writer = _EstimatorWriter(prepared)
    code = writer.column_transformer(prepared.preprocessor)
    modules: dict[str, set[str]] = {}
    for module, name in writer.imports:
        modules.setdefault(module, set()).add(name)
    imports = "\n".join(
        f"from {module} import {', '.join(sorted(names))}"
        for module, names in sorted(modules.items())
    )
    fit = (
        "X_train = preprocessor.fit_transform(X.iloc[train]).astype(np.float32)\n"
        "X_val = preprocessor.transform(X.iloc[val]).astype(np.float32)\n"
        "X_test = preprocessor.transform(X.iloc[test]).astype(np.float32)\n"
        "y_train, y_val, y_test = y[train], y[val], y[test]"
    )
    return "\n\n\n".join([imports, *writer.functions, f"{code}\n{fit}"])


class _EstimatorWriter:
    """Writes a fitted ``ColumnTransformer`` back as the code that creates it.

    Only parameters that differ from the class's defaults are written, so the code
    reads like hand-written code and follows ``nncore.data.prepare`` when it changes.
    """

    def __init__(self, prepared: PreparedData) -> None:
        self.prepared = prepared
        self.imports: set[tuple[str, str]] = set()
        self.functions: list[str] = []

    def column_transformer(self, transformer) -> str:
        self._import(transformer)
        blocks, rows = [], []
        for name, estimator, columns in transformer.transformers:
            if type(estimator).__name__ == "Pipeline":
                variable = f"{name}_steps"
                blocks.append(f"{variable} = {self._pipeline(estimator)}")
            else:
                variable = self.estimator(estimator)
            rows.append(
                f"        ({_literal(name)}, {variable}, {self._columns(columns)}),"
            )
        extra = self._parameters(transformer, skip={"transformers"})
        blocks.append(
            "preprocessor = ColumnTransformer(\n    [\n"
            + "\n".join(rows)
            + "\n    ],"
            + "".join(f"\n    {item}," for item in extra)
            + "\n)"
        )
        return "\n".join(blocks)

    def _pipeline(self, pipeline) -> str:
        self._import(pipeline)
        rows = []
        for name, step in pipeline.steps:
            call = self.estimator(step)
            row = f"        ({_literal(name)}, {call}),"
            if len(row) > 88:
                cls = call.split("(", 1)[0]
                arguments = "".join(
                    f"                {item},\n" for item in self._parameters(step)
                )
                row = (
                    f"        (\n            {_literal(name)},\n"
                    f"            {cls}(\n{arguments}            ),\n        ),"
                )
            rows.append(row)
        extra = "".join(
            f"\n    {item}," for item in self._parameters(pipeline, {"steps"})
        )
        return "Pipeline(\n    [\n" + "\n".join(rows) + "\n    ]," + extra + "\n)"

    def estimator(self, estimator) -> str:
        if isinstance(estimator, str):  # "drop" / "passthrough"
            return _literal(estimator)
        if type(estimator).__module__.startswith("nncore."):
            # NN Studio's own transformer (the outlier clipper): its source, copied.
            self.imports.update(_OWN_IMPORTS)
            source = inspect.getsource(type(estimator)).rstrip()
            if source not in self.functions:
                self.functions.append(source)
            parameters = ", ".join(self._parameters(estimator))
            return f"{type(estimator).__name__}({parameters})"
        self._import(estimator)
        parameters = ", ".join(self._parameters(estimator))
        return f"{type(estimator).__name__}({parameters})"

    def _parameters(self, estimator, skip=frozenset()) -> list[str]:
        signature = inspect.signature(type(estimator).__init__).parameters
        written = []
        for name, value in estimator.get_params(deep=False).items():
            if name in skip:
                continue
            default = signature[name].default if name in signature else None
            if _same(value, default):
                continue
            written.append(f"{name}={self._value(value)}")
        return written

    def _value(self, value) -> str:
        if isinstance(value, type) and value.__module__ == "numpy":
            return f"np.{value.__name__}"
        if isinstance(value, types.FunctionType):
            name = value.__name__.lstrip("_") or "function"
            source = inspect.getsource(value).replace(
                f"def {value.__name__}(", f"def {name}(", 1
            )
            if source.rstrip() not in self.functions:
                self.functions.append(source.rstrip())
            return name
        return _literal(value)

    def _columns(self, columns) -> str:
        if list(columns) == list(self.prepared.numeric_columns):
            return "NUMERIC"
        if list(columns) == list(self.prepared.categorical_columns):
            return "CATEGORICAL"
        return _literal(list(columns))

    def _import(self, estimator) -> None:
        cls = type(estimator)
        self.imports.add((cls.__module__.split("._")[0], cls.__name__))


# What the source of nncore.data.outliers.OutlierClipper needs.
_OWN_IMPORTS = {("sklearn.base", "BaseEstimator"), ("sklearn.base", "TransformerMixin")}


def _drop_outliers_code(prepared: PreparedData) -> list[str]:
    """Drop the training rows with an extreme or impossible number, as
    ``nncore.data.prepare`` does with ``data.outliers: "drop"``."""
    from nncore.data.outliers import OutlierClipper

    lines = [
        "from sklearn.base import BaseEstimator, TransformerMixin",
        "",
        "",
        inspect.getsource(OutlierClipper).rstrip(),
        "",
        "",
        "# Outliers: training rows with a number far outside the training rows' range",
        "# (or an impossible zero) are dropped; validation and test rows are kept.",
        "flagged = np.zeros(len(train), dtype=bool)",
    ]
    if prepared.numeric_columns:
        lines += [
            "numbers = X.iloc[train][NUMERIC]",
            "flagged |= OutlierClipper().fit(numbers).outliers(numbers).any(axis=1)",
        ]
    if prepared.task == "regression":
        lines += [
            'targets = np.asarray(y[train], dtype="float64")',
            "flagged |= OutlierClipper().fit(targets).outliers(targets)[:, 0]",
        ]
    lines += [
        "if not flagged.all():",
        "    train = train[~flagged]",
        'print(f"outliers: {int(flagged.sum())} training rows dropped")',
    ]
    return lines


def _same(value, default) -> bool:
    if value is default:
        return True
    if type(value) is not type(default):
        return False
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False
