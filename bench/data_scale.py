"""Data screen at scale: load, prepare and profile a 1,000,000 x 20 CSV.

What it measures: the work the Data screen does on an uploaded file, i.e.
``read_table(path)`` followed by ``inspect_data(table, data_spec)`` (prepare =
clean the target, classify columns, split, impute, scale and one-hot encode;
profile = column table, relations, histograms, pitfalls), in a fresh Python process
so that the memory baseline is clean.

* The CSV (default 1,000,000 rows x 20 columns: 14 numeric columns, four of them
  with about 3 % missing values, 5 text columns with 3 to 12 distinct values and a
  binary 0/1 target) is generated, seeded, into a temporary folder. Generating it is
  not measured.
* A child process imports nncore and the scikit-learn parts it uses, records its
  resident memory (RSS), then runs the stages and prints seconds per stage
  (load, prepare, profile) and in total.
* Peak memory increase = VmHWM (peak RSS, from /proc/self/status) minus the RSS after
  the imports; the peak is reset after the imports where the kernel allows it
  (/proc/self/clear_refs), so import-time peaks do not count. It is printed relative
  to the file size, and for each stage (the peak is reset after each).

Goals: total <= 15 s, peak memory increase <= 3 x the file size.

Usage:
    python bench/data_scale.py [--rows N] [--keep] [--csv FILE]

``--keep`` leaves the generated CSV on disk (its path is printed); ``--csv FILE``
measures such a kept file again instead of generating one (its target column must
be named ``target``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 15.0
GOAL_MEMORY_RATIO = 3.0
TARGET = "target"


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """Write a seeded rows x 20 CSV: 14 numeric, 5 text, 1 binary target."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    scales = [1, 10, 100, 1000, 0.01, 5, 50, 0.5, 2, 20, 200, 3, 30, 7]
    for i, scale in enumerate(scales):
        if i % 3 == 2:  # some skewed, positive columns
            values = rng.lognormal(0.0, 1.0, rows) * scale
        else:
            values = rng.normal(0.0, 1.0, rows) * scale + i
        values = np.round(values, 4)
        if i < 4:  # some missing values
            values[rng.random(rows) < 0.03] = np.nan
        columns[f"num_{i + 1}"] = values
    cardinalities = [3, 5, 7, 9, 12]
    for j, k in enumerate(cardinalities):
        labels = np.array([f"c{j + 1}_{chr(97 + v)}{v}" for v in range(k)])
        weights = rng.dirichlet(np.ones(k) * 2)
        columns[f"cat_{j + 1}"] = labels[rng.choice(k, rows, p=weights)]
    logit = (
        0.8 * np.nan_to_num(columns["num_1"])
        - 0.05 * np.nan_to_num(columns["num_2"])
        + (columns["cat_1"] == "c1_a0") * 1.2
        + rng.normal(0, 1.0, rows)
        - 0.5
    )
    columns[TARGET] = (logit > 0).astype(int)
    frame = pd.DataFrame(columns)
    frame.to_csv(path, index=False)


def _status(field: str) -> int:
    """A field of /proc/self/status in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its RSS now, where the kernel allows."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def child(path: str) -> None:
    """Run in the fresh process: import, measure, print one JSON line."""
    started = time.perf_counter()
    # The scikit-learn parts prepare and profile import lazily: import them now so
    # that the stages measure the work, not library imports (the app imports them
    # once per process).
    import sklearn.compose  # noqa: F401
    import sklearn.impute  # noqa: F401
    import sklearn.model_selection  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    import sklearn.preprocessing  # noqa: F401
    import sklearn.tree  # noqa: F401

    import nncore.data.inspect as data_module
    from nncore.data.inspect import inspect_data
    from nncore.data.loading import read_table
    from nncore.spec import default_spec, validate_data_spec

    import_seconds = time.perf_counter() - started
    rss_imports = _status("VmRSS")
    # Reset the peak so that import-time peaks do not count, and again after each
    # stage, so that each stage's own peak is known.
    hwm_reset = _reset_peak() and _status("VmHWM") <= rss_imports + 4 * 1024 * 1024
    peaks: dict[str, int] = {}

    def stage_done(name: str) -> None:
        peaks[name] = _status("VmHWM")
        if hwm_reset:
            _reset_peak()

    spec = default_spec()["data"]
    spec["source"] = path
    spec["target"] = TARGET
    validate_data_spec(spec)

    times: dict[str, float] = {}
    real_prepare, real_profile = data_module.prepare_from_spec, data_module.profile_data

    def timed(name, function):
        def wrapper(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                times[name] = time.perf_counter() - begin
                stage_done(name)

        return wrapper

    # inspect_data is the call measured; its two stages are timed from inside it.
    data_module.prepare_from_spec = timed("prepare", real_prepare)
    data_module.profile_data = timed("profile", real_profile)

    begin = time.perf_counter()
    table = read_table(path)
    times["load"] = time.perf_counter() - begin
    stage_done("load")
    rss_loaded = _status("VmRSS")
    begin = time.perf_counter()
    report = inspect_data(table, spec)
    inspect_seconds = time.perf_counter() - begin
    times["total"] = times["load"] + inspect_seconds
    peak = max(_status("VmHWM"), *peaks.values())
    prepared = report.prepared
    print(
        json.dumps(
            {
                "import_seconds": import_seconds,
                "times": times,
                "rss_imports": rss_imports,
                "rss_loaded": rss_loaded,
                "rss_end": _status("VmRSS"),
                "peak": peak,
                "stage_peaks": peaks if hwm_reset else {},
                "hwm_reset": hwm_reset,
                "shape": list(table.frame.shape),
                "task": prepared.task,
                "n_features": prepared.n_features,
                "n_train": len(prepared.y_train),
                "inputs_built": prepared.inputs_built,
                "warnings": len(report.warnings),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to generate")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated CSV (path printed)"
    )
    parser.add_argument(
        "--csv", help="measure this CSV (target column 'target') instead of generating"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="nn-data-scale-"))
    path = folder / f"scale_{args.rows}x20.csv"
    try:
        if args.csv:
            path = Path(args.csv).resolve()
            size = path.stat().st_size
            print(f"measuring {path} : {size / 2**20:.1f} MiB", flush=True)
        else:
            print(f"generating {args.rows:,} x 20 CSV (not measured) ...", flush=True)
            begin = time.perf_counter()
            generate(path, args.rows)
            size = path.stat().st_size
            seconds = time.perf_counter() - begin
            print(f"  {path} : {size / 2**20:.1f} MiB in {seconds:.1f} s", flush=True)
        env = dict(os.environ)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        result = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
            print("error: the measuring process failed", file=sys.stderr)
            return 1
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        times = figures["times"]
        increase = figures["peak"] - figures["rss_imports"]
        ratio = increase / size
        mib = 2**20
        print(
            f"table {figures['shape'][0]:,} x {figures['shape'][1]}, task "
            f"{figures['task']}, {figures['n_features']} network inputs, "
            f"{figures['n_train']:,} training rows, {figures['warnings']} warning(s); "
            "network arrays built: "
            + (", ".join(figures["inputs_built"]) or "none (built when training runs)")
        )
        print(f"imports (not counted)   {figures['import_seconds']:6.2f} s")
        for stage in ("load", "prepare", "profile"):
            print(f"{stage:<24}{times[stage]:6.2f} s")
        ok_time = times["total"] <= GOAL_SECONDS
        print(
            f"{'total':<24}{times['total']:6.2f} s   (goal <= {GOAL_SECONDS:.0f} s: "
            f"{'PASS' if ok_time else 'MISS'})"
        )
        print(
            f"RSS after imports {figures['rss_imports'] / mib:7.0f} MiB, after load "
            f"{figures['rss_loaded'] / mib:.0f} MiB, at end "
            f"{figures['rss_end'] / mib:.0f} MiB"
            + ("" if figures["hwm_reset"] else " (peak not reset after imports)")
        )
        stage_peaks = figures["stage_peaks"]
        if stage_peaks:
            above = {
                k: (v - figures["rss_imports"]) / mib for k, v in stage_peaks.items()
            }
            print(
                "peak memory increase by stage: "
                + ", ".join(
                    f"{k} {above[k]:.0f} MiB" for k in ("load", "prepare", "profile")
                )
            )
        ok_memory = ratio <= GOAL_MEMORY_RATIO
        print(
            f"peak memory increase {increase / mib:7.0f} MiB = {ratio:.2f} x the file "
            f"size ({size / mib:.0f} MiB)   (goal <= {GOAL_MEMORY_RATIO:.0f} x: "
            f"{'PASS' if ok_memory else 'MISS'})"
        )
        load = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} "
            f"{load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)"
        )
        return 0 if ok_time and ok_memory else 1
    finally:
        if args.keep and not args.csv:
            print(f"kept {path}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
