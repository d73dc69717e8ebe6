"""``python -m nncore``: the same engine as the screens, without a UI.

Progress goes to stderr; the last line of stdout is one JSON object. Bad input
exits with status 2 and one ``error:`` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from nncore.core.errors import DataError, SpecError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise SpecError(f"{message}. Run 'python -m nncore --help' for the usage.")


def build_parser() -> argparse.ArgumentParser:
    from nncore.spec import choices

    parser = _Parser(
        prog="python -m nncore",
        description="Run NN Studio experiments from the command line.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    data = commands.add_parser(
        "data",
        help="prepare the data only and print its summary (no TensorFlow import)",
    )
    data.add_argument("experiment", help="experiment spec, a JSON file")
    data.add_argument("--data", help="data file that overrides data.source")
    data.add_argument("--target", help="target column that overrides data.target")
    export = commands.add_parser(
        "export",
        help="write the experiment as a runnable Python script or Jupyter notebook",
    )
    run = commands.add_parser(
        "run", help="train and evaluate the experiment (imports TensorFlow)"
    )
    run.add_argument("experiment", help="experiment spec, a JSON file")
    run.add_argument("--data", help="data file that overrides data.source")
    run.add_argument("--target", help="target column that overrides data.target")
    run.add_argument(
        "--out", help="folder for the trained model (.keras), result and experiment"
    )
    report = commands.add_parser(
        "report",
        help="train the experiment, then write a self-contained HTML lab report",
    )
    report.add_argument("experiment", help="experiment spec, a JSON file")
    report.add_argument("--data", help="data file that overrides data.source")
    report.add_argument("--target", help="target column that overrides data.target")
    report.add_argument(
        "-o", "--output", required=True, help="HTML file to write, e.g. report.html"
    )
    report.add_argument(
        "--notes", default="", help="text to put in the report's Notes section"
    )
    export.add_argument("experiment", help="experiment spec, a JSON file")
    export.add_argument(
        "--format", choices=("py", "ipynb"), default="py", help="py (default) or ipynb"
    )
    export.add_argument("-o", "--output", required=True, help="file to write")
    export.add_argument("--data", help="data file that overrides data.source")
    export.add_argument("--target", help="target column that overrides data.target")
    tune = commands.add_parser(
        "tune",
        help="search hyper-parameters (the experiment's tune section) on the "
        "validation split; several workers may share one study",
    )
    tune.add_argument("experiment", help="experiment spec, a JSON file")
    tune.add_argument("--data", help="data file that overrides data.source")
    tune.add_argument("--target", help="target column that overrides data.target")
    tune.add_argument(
        "--method", choices=choices("tune.method"), help="overrides tune.method"
    )
    tune.add_argument(
        "--trials",
        type=_whole_number,
        help="trials the study should have in all, whoever runs them "
        "(overrides tune.trials)",
    )
    tune.add_argument(
        "--minutes",
        type=float,
        help="start no trial after this many minutes (overrides tune.minutes)",
    )
    tune.add_argument(
        "--pruner",
        choices=choices("tune.pruner"),
        help="how unpromising trials are stopped early (overrides tune.pruner)",
    )
    tune.add_argument(
        "--storage",
        help="Optuna storage URL (sqlite:///…, postgresql://…, mysql://…) or journal "
        "file; default: studies.log in the runs folder",
    )
    tune.add_argument(
        "--study", help="study to create or join (default: a new name, printed)"
    )
    tune.add_argument(
        "--jobs",
        type=_whole_number,
        default=1,
        help="trials to train at once in this process, one per core (default: 1)",
    )
    return parser


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, e.g. 20; got {text!r}"
        ) from None


def _write_text(path: Path, text: str) -> None:
    """Write a file the user asked for, or say why it cannot be written."""
    try:
        path.write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:
        raise SpecError(
            f"Could not write '{path}' ({error.strerror or error}). Choose a file in "
            "a folder that exists and that you can write to."
        ) from error
    _progress(f"wrote {path}")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _experiment(args) -> tuple[dict, Path]:
    from nncore.spec import load_spec, validate_spec

    spec = load_spec(args.experiment)
    if args.data:
        spec["data"]["source"] = args.data
    if args.target:
        spec["data"]["target"] = args.target
    return validate_spec(spec), Path(args.experiment).resolve().parent


def command_data(args) -> dict:
    from nncore.data.inspect import inspect_data, load_source

    spec, base_dir = _experiment(args)
    _progress(f"loading {spec['data']['source']}")
    table = load_source(spec["data"], base_dir=base_dir)
    if hasattr(table, "images"):  # pictures (nncore.data.image_sets.LoadedImages)
        height, width, channels = table.image_shape
        _progress(
            f"read {len(table.labels)} pictures of {len(table.classes)} classes, "
            f"as {height}x{width}x{channels}"
        )
    else:
        _progress(f"read {len(table.frame)} rows x {len(table.frame.columns)} columns")
    report = inspect_data(table, spec["data"])
    summary = report.prepared.summary()
    summary["warnings"] = report.warnings
    summary["task_reason"] = report.prepared.task_reason
    summary["notes"] = table.notes + report.prepared.notes
    return summary


def command_export(args) -> dict:
    from nncore.data.inspect import load_source
    from nncore.data.prepare import prepare_from_spec
    from nncore.report.export import export_notebook, export_script

    spec, base_dir = _experiment(args)
    _progress(f"loading {spec['data']['source']}")
    table = load_source(spec["data"], base_dir=base_dir)
    if hasattr(table, "images"):  # pictures (nncore.data.image_sets.LoadedImages)
        from nncore.data.images import split_images

        prepared = split_images(table, spec["data"])
    else:
        prepared = prepare_from_spec(table.frame, spec["data"])
    write = export_notebook if args.format == "ipynb" else export_script
    text = write(spec, table, prepared)
    path = Path(args.output)
    _write_text(path, text)
    return {"format": args.format, "output": str(path), "bytes": len(text.encode())}


def command_run(args) -> dict:
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise SpecError(f"--out '{out}' is a file. Give a folder to write the run to.")
    spec, report, view, model_file = _train(args)
    prepared = report.prepared
    summary = {
        "run_id": view.run_id,
        "task": prepared.task,
        "metrics": view.metrics,
        "baseline": view.baseline,
        "epochs_run": view.epochs_done,
        # The epoch whose weights were scored (the best one with train.save_best).
        "scored_epoch": view.scored_epoch,
        "warnings": report.warnings
        + view.warnings
        + ([view.error] if view.error else [])
        + list(view.reference_problems.values())
        + list(view.interval_problems.values()),
        # Scikit-learn models on the same rows, on the test split like "baseline".
        "reference": view.reference["test"] if view.reference is not None else None,
        "metrics_ci": view.metrics_ci,
    }
    if out is not None:
        _save_run(out, spec, model_file, summary)
    return summary


def _train(args):
    """Prepare the experiment's data and train it with the app's job manager (and
    run store), progress on stderr.

    Returns:
        ``(spec, data report, the ended job's JobView, its model file or None)``.
    """
    from nncore.data.inspect import inspect_data, load_source
    from nncore.runs.manager import JobManager

    spec, base_dir = _experiment(args)
    _progress(f"loading {spec['data']['source']}")
    table = load_source(spec["data"], base_dir=base_dir)
    report = inspect_data(table, spec["data"])
    prepared = report.prepared
    _progress(
        f"training on {len(prepared.y_train)} rows, validating on "
        f"{len(prepared.y_val)}, up to {spec['train']['epochs']} epochs"
    )
    # The same job manager (and run store) as the app; this process waits for it.
    manager = JobManager()
    if manager.store_problem:
        _progress(f"warning: {manager.store_problem}")
    job_id = manager.submit(spec, prepared, owner="cli")
    try:
        view = _follow(manager, job_id)
    except KeyboardInterrupt:
        manager.stop(job_id)
        manager.wait(job_id)
        raise
    finally:
        manager.shutdown()
    if view.status == "failed" and view.metrics is None:
        raise RuntimeError(view.error)
    return spec, report, view, manager.model_file(job_id)


def command_report(args) -> dict:
    from nncore.report.lab import lab_report
    from nncore.train.evaluation import evaluate, model_predictor
    from nncore.train.modelfiles import load_trained_model

    path = Path(args.output)
    if path.is_dir() or not path.parent.is_dir():
        raise SpecError(
            f"-o '{path}' is "
            + ("a folder" if path.is_dir() else "in a folder that does not exist")
            + ". Give a file in an existing folder, e.g. -o report.html."
        )
    spec, report, view, model_file = _train(args)
    evaluation = None
    if model_file is not None:
        _progress("scoring the network on the test rows")
        model = load_trained_model(model_file)
        evaluation = evaluate(model_predictor(model), report.prepared, "test")
    text = lab_report(view, report.prepared, evaluation=evaluation, notes=args.notes)
    _write_text(path, text)
    return {
        "output": str(path),
        "bytes": len(text.encode()),
        "run_id": view.run_id,
        "task": report.prepared.task,
        "warnings": report.warnings + view.warnings,
    }


def _follow(manager, job_id: str):
    """Wait for a job, printing one line per finished epoch on stderr."""
    shown = 0
    while True:
        view = manager.wait(job_id, timeout=0.5)
        history = view.history
        for epoch in range(shown, view.epochs_done):
            values = " ".join(
                f"{name}={values[epoch]:.4g}"
                for name, values in sorted(history.items())
                if epoch < len(values)
            )
            _progress(f"epoch {epoch + 1}/{view.epochs_planned} {values}")
        shown = view.epochs_done
        if view.status not in ("queued", "running"):
            return view


def _save_run(out: Path, spec: dict, model_file, summary: dict) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        if model_file is not None:
            shutil.copyfile(model_file, out / "model.keras")
        (out / "experiment.json").write_text(json.dumps(spec, indent=2) + "\n")
        (out / "result.json").write_text(json.dumps(summary, indent=2) + "\n")
    except OSError as error:
        raise SpecError(
            f"Could not write the run to '{out}' ({error.strerror or error}). Choose "
            "a folder you can write to."
        ) from error
    _progress(f"wrote {out / 'model.keras'} and {out / 'result.json'}")


def command_tune(args) -> dict:
    from nncore.data.inspect import inspect_data, load_source
    from nncore.runs.manager import JobManager
    from nncore.spec import validate_spec
    from nncore.tune import Search, shown_storage

    spec, base_dir = _experiment(args)
    for name in ("method", "trials", "minutes", "pruner"):
        value = getattr(args, name)
        if value is not None:
            spec["tune"][name] = value
    spec = validate_spec(spec)
    _progress(f"loading {spec['data']['source']}")
    table = load_source(spec["data"], base_dir=base_dir)
    report = inspect_data(table, spec["data"])
    prepared = report.prepared
    search = Search(
        spec, prepared, storage=args.storage, study_name=args.study, jobs=args.jobs
    )
    verb = "maximising" if search.direction == "maximize" else "minimising"
    _progress(
        f"study '{search.study_name}' in {shown_storage(search.storage)}: "
        f"{search.method} search, {search.budget} trials of up to {search.epochs} "
        f"epochs, {verb} {search.objective}"
        + (f", {search.jobs} at once" if search.jobs > 1 else "")
    )
    # The same job manager as the app; this process waits for the search.
    manager = JobManager()
    if manager.store_problem:
        _progress(f"warning: {manager.store_problem}")
    job_id = manager.submit_task(
        "tune", search.work, spec, prepared, owner="cli", dataset=spec["data"]["source"]
    )
    shown = 0
    try:
        while True:
            view = manager.wait(job_id, timeout=0.5)
            lines = view.progress.get("finished") or []
            for line in lines[shown:]:
                _progress(line)
            shown = max(shown, len(lines))
            if view.status not in ("queued", "running"):
                break
    except KeyboardInterrupt:
        _progress("stopping after the running trial")
        manager.stop(job_id)
        manager.wait(job_id)
        raise
    finally:
        manager.shutdown()
    if view.status == "failed":
        raise RuntimeError(view.error or "the search failed")
    result = dict(view.progress.get("result") or search.summary())
    result["warnings"] = report.warnings + result.get("warnings", [])
    return result


COMMANDS = {
    "data": command_data,
    "run": command_run,
    "export": command_export,
    "report": command_report,
    "tune": command_tune,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        result = COMMANDS[args.command](args)
    except (DataError, SpecError) as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so in one line, keep the trace opt-in
        if os.environ.get("NNSTUDIO_DEBUG"):
            raise
        print(
            f"error: unexpected {type(error).__name__}: {error}. This is a bug in NN "
            "Studio; set NNSTUDIO_DEBUG=1 to see the traceback and please report it.",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(result, default=str))
    return 0
