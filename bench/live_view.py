"""The cost of the view inside the network: the app path with it on and off.

With the live view on (the app's default), a job keeps the network's weights after
every epoch (copied out of the compiled loop; ``nncore.train.snapshots``) and the
layers' health (``nncore.train.health``, probed beside the loop at the screen's
pace); off, it keeps neither. Both rows submit the same experiment to a fresh
``JobManager`` with the default spec's callbacks while a subscriber reads the job's
view as the Train screen does (``_speed_rows.run_app``), alternating on and off,
each row the same number of times after one untimed warm-up run each (the first run
of a network traces its loop). Times are to the last epoch seen; medians, with the
minimum in brackets.

Workloads: W3 of ``bench/train_speed.py`` (moons, 1,000 rows, 8-8 ReLU, batch 10,
200 epochs) and the default network (128-64 with dropout) on breast cancer, 200
epochs. Patience is the largest the spec allows, so both train all their epochs.

Goals (the script exits 1 when one misses): the live view on <= 1.15x the time
with it off on each workload; the snapshots of the 200-epoch run of the default
network (memory, and the file kept with the run) <= 5 MB.

Usage: python bench/live_view.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_ON_OVER_OFF = 1.15
GOAL_SNAPSHOT_MB = 5.0


def experiments(folder: Path) -> list[tuple[str, dict]]:
    """The two workloads' experiment specs."""
    import _speed_rows as rows
    from train_speed import workloads

    from nncore.spec import default_spec, validate_spec

    w3 = next(w for w in workloads(quick=True) if w["name"] == "W3")
    spec = default_spec()
    spec["data"]["source"] = "builtin:breast_cancer"
    spec["train"]["epochs"] = 200
    spec["train"]["early_stopping"]["patience"] = rows.MAX_PATIENCE
    return [
        ("W3 moons 8-8", rows.workload_spec(w3, rows.workload_csv(w3, folder))),
        ("breast cancer, default network", validate_spec(spec)),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per row")
    args = parser.parse_args(argv)
    import _speed_rows as rows

    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name, spec in experiments(Path(folder)):
            prepared = rows.prepare(spec)
            for live in (True, False):  # warm-up: trace each loop once
                rows.run_app(spec, prepared, live_view=live)
            times = {True: [], False: []}
            seen = None
            for _ in range(max(1, args.repeat)):
                for live in (True, False):
                    seconds, _, epochs, saw = rows.run_app(
                        spec, prepared, live_view=live
                    )
                    times[live].append(seconds)
                    if live:
                        seen = saw
            on, off = statistics.median(times[True]), statistics.median(times[False])
            print(
                f"{name}: {epochs} epochs; live view on {on:.2f} s "
                f"[{min(times[True]):.2f}], off {off:.2f} s [{min(times[False]):.2f}]"
                f"; ratio {on / off:.2f}x; snapshots {seen['snapshots']} "
                f"({seen['snapshot_bytes'] / 1e6:.2f} MB in memory, "
                f"{seen['snapshot_file_bytes'] / 1e6:.2f} MB on disk), "
                f"health records {seen['health_records']}"
            )
            results.append((name, on / off, seen))
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    checks = [
        (f"{name}: live view on <= {GOAL_ON_OVER_OFF}x off", ratio <= GOAL_ON_OVER_OFF)
        for name, ratio, _ in results
    ]
    default = results[-1][2]
    megabytes = max(default["snapshot_bytes"], default["snapshot_file_bytes"]) / 1e6
    checks.append(
        (
            f"default network, 200 epochs: snapshots {megabytes:.2f} MB "
            f"<= {GOAL_SNAPSHOT_MB:g} MB",
            megabytes <= GOAL_SNAPSHOT_MB,
        )
    )
    for text, passed in checks:
        print(f"  {'PASS' if passed else 'MISS'}  {text}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
