"""Several trainings at once: four queued small jobs with 1 worker and with 2.

The four jobs of the load test (``tests/e2e/test_load.py``): the app's default
experiment on Iris (20 epochs), Wine (20), Circle (25) and Breast cancer (15),
each submitted by its own owner, all at once, to a ``JobManager`` with
``workers=1`` and then ``workers=2`` (its own runs folder each time), alternating,
the same number of rounds each, after one warm-up round of each that is not
counted. Timed: from the first submission to the last job's end. Checked: each
job's final history (every epoch's logs) and metrics equal, to the bit, those of
the first 1-worker round.

Goal (PASS/MISS): the median time with 2 workers is at most 1 / 1.6 of the median
with 1 (2 workers finish >= 1.6x sooner) on a 2-core machine; the script exits 1 on
a miss or on any result that differs. Run it on an idle machine: the load average
is printed before and after.

Usage:
    python bench/workers.py [--repeat N] [--workers N] [--scale K]

``--scale K`` trains each job K times its epochs, all of them (early stopping
off), to show how longer jobs scale; the goal is for the load test's jobs.

The last line of stdout is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncore.core.cpus import usable_cpus  # noqa: E402
from nncore.data.inspect import inspect_data, load_source  # noqa: E402
from nncore.runs.manager import JobManager  # noqa: E402
from nncore.spec import default_spec, validate_spec  # noqa: E402

# (dataset, epochs) of the load test's four sessions.
PLANS = [("iris", 20), ("wine", 20), ("circle", 25), ("breast_cancer", 15)]
GOAL_SPEEDUP = 1.6
TIMEOUT_S = 600


def jobs(scale: int = 1) -> list[tuple[dict, object]]:
    """The four experiments (``scale`` times their epochs) and their prepared
    data."""
    prepared = []
    for dataset, epochs in PLANS:
        spec = default_spec()
        spec["data"]["source"] = f"builtin:{dataset}"
        spec["train"]["epochs"] = epochs * scale
        if scale != 1:  # all of them: early stopping would end them sooner
            spec["train"]["early_stopping"]["enabled"] = False
        spec = validate_spec(spec)
        table = load_source(spec["data"])
        prepared.append((spec, inspect_data(table, spec["data"]).prepared))
    return prepared


def one_round(workers: int, work: list, folder: Path) -> tuple[float, list[dict]]:
    """Submit the four jobs at once; return the seconds until all ended and each
    job's history and metrics."""
    manager = JobManager(store=folder, workers=workers)
    try:
        started = time.perf_counter()
        ids = [
            manager.submit(spec, prepared, owner=f"user-{n}")
            for n, (spec, prepared) in enumerate(work)
        ]
        views = [manager.wait(job_id, timeout=TIMEOUT_S) for job_id in ids]
        seconds = time.perf_counter() - started
    finally:
        manager.shutdown()
    for view in views:
        if view.status != "finished":
            raise SystemExit(f"a job did not finish: {view.status} {view.error}")
    return seconds, [{"history": v.history, "metrics": v.metrics} for v in views]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each")
    parser.add_argument("--workers", type=int, default=2, help="the many-worker case")
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="train each job this many times its epochs (the goal is for 1)",
    )
    args = parser.parse_args()
    work = jobs(args.scale)
    load_before = os.getloadavg()
    times: dict[int, list[float]] = {1: [], args.workers: []}
    reference = None
    same = True
    with tempfile.TemporaryDirectory(prefix="nnstudio-bench-workers-") as tmp:
        rounds = [1, args.workers] * (args.repeat + 1)
        for n, workers in enumerate(rounds):
            seconds, results = one_round(workers, work, Path(tmp) / f"round-{n}")
            warmup = n < 2
            if reference is None:
                reference = results
            elif results != reference:
                same = False
                print(f"DIFFERENT results with {workers} worker(s), round {n}")
            if not warmup:
                times[workers].append(seconds)
            label = "warm-up" if warmup else "counted"
            print(f"round {n:2d}  workers={workers}  {seconds:7.2f} s  ({label})")
    load_after = os.getloadavg()
    median_1 = statistics.median(times[1])
    median_n = statistics.median(times[args.workers])
    speedup = median_1 / median_n
    # The goal is for the load test's jobs; longer ones are for information.
    ok = (speedup >= GOAL_SPEEDUP or args.scale != 1) and same
    print(
        f"1 worker:  median {median_1:.2f} s, min {min(times[1]):.2f} s\n"
        f"{args.workers} workers: median {median_n:.2f} s, "
        f"min {min(times[args.workers]):.2f} s\n"
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({usable_cpus()} usable cores)\n"
        f"results equal to the 1-worker run: {'yes' if same else 'NO'}"
    )
    verdict = "PASS" if ok else "MISS"
    if args.scale != 1:
        verdict = f"INFO (jobs {args.scale}x longer, the goal is for --scale 1)"
    print(
        f"{verdict}  {args.workers} workers finish "
        f"{speedup:.2f}x sooner than 1 (goal >= {GOAL_SPEEDUP}x)"
    )
    print(
        json.dumps(
            {
                "median_1_s": round(median_1, 3),
                "min_1_s": round(min(times[1]), 3),
                f"median_{args.workers}_s": round(median_n, 3),
                f"min_{args.workers}_s": round(min(times[args.workers]), 3),
                "speedup": round(speedup, 3),
                "same_results": same,
                "load_before": load_before[0],
                "load_after": load_after[0],
                "repeat": args.repeat,
                "scale": args.scale,
                "pass": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
