"""Tuning efficiency: grid search vs Smart search (TPE) with pruning, side by side.

One fixed search space on a built-in dataset (default: scikit-learn's digits, 1,797
rows, 10 classes, split 70/15/15): 1 to 3 hidden layers × {16, 64, 128} units ×
learning rates {0.0003, 0.001, 0.003} × batch sizes {32, 128}, i.e. 54 combinations,
each trained for ``--epochs`` epochs (early stopping off, so every trial that is not
pruned trains them all) and scored on the validation split by its accuracy.

* Grid: ``nncore.tune.search.Search`` with ``method="grid"``, no pruning: every one of
  the 54 combinations.
* Smart: ``method="tpe"`` with the median pruning rule, ``--trials`` trials
  (default 24).

Both run one after the other in this process, each in its own study in a temporary
journal file; each trial trains in the app's fast training loop. Printed for each:
the best validation accuracy, the trials (pruned ones), the epochs trained in all
and the wall time; then the ratios.

Goal (PASS/MISS): Smart with pruning reaches within 0.5 points of grid search's
best validation accuracy while training at most one third of grid search's epochs.

Usage:
    python bench/tune_efficiency.py [--epochs N] [--trials N] [--dataset NAME]
        [--seed N]

The last line of stdout is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncore.data.inspect import inspect_data, load_source  # noqa: E402
from nncore.spec import default_spec, validate_spec  # noqa: E402
from nncore.tune import Search, grid_size, resolve_space  # noqa: E402

SPACE = {
    "hidden_layers": {"low": 1, "high": 3},
    "units": [16, 64, 128],
    "learning_rate": [0.0003, 0.001, 0.003],
    "batch_size": [32, 128],
}
MAX_POINTS_BEHIND = 0.5
MAX_EPOCH_SHARE = 1 / 3


def experiment(dataset: str, epochs: int, seed: int) -> dict:
    spec = default_spec()
    spec["data"]["source"] = f"builtin:{dataset}"
    spec["model"]["layers"] = [{"type": "dense", "units": 64, "activation": "relu"}]
    spec["train"].update(epochs=epochs, seed=seed)
    spec["train"]["early_stopping"]["enabled"] = False
    spec["tune"]["space"] = SPACE
    return validate_spec(spec)


def search(spec: dict, prepared, storage: str, method: str, pruner: str, trials: int):
    spec = json.loads(json.dumps(spec))
    spec["tune"].update(method=method, pruner=pruner, trials=trials)
    spec = validate_spec(spec)
    started = time.perf_counter()
    result = Search(spec, prepared, storage=storage, study_name=method).run(
        progress=lambda **fields: _trial_lines(method, fields)
    )
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


_shown: dict[str, int] = {}


def _trial_lines(method: str, fields: dict) -> None:
    lines = fields.get("finished") or []
    for line in lines[_shown.get(method, 0) :]:
        print(f"  [{method}] {line}", file=sys.stderr, flush=True)
    _shown[method] = max(_shown.get(method, 0), len(lines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--dataset", default="digits")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    spec = experiment(args.dataset, args.epochs, args.seed)
    prepared = inspect_data(load_source(spec["data"]), spec["data"]).prepared
    size = grid_size(resolve_space(spec))
    print(
        f"{args.dataset}: {len(prepared.y_train)} training rows, "
        f"{len(prepared.y_val)} validation rows; space of {size} combinations, "
        f"{args.epochs} epochs per trial",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        storage = str(Path(folder) / "studies.log")
        grid = search(spec, prepared, storage, "grid", "none", size)
        smart = search(spec, prepared, storage, "tpe", "median", args.trials)

    for name, result in (("Grid", grid), ("Smart (TPE + pruning)", smart)):
        print(
            f"{name:<22} best val accuracy {100 * result['best_value']:.2f} %  "
            f"trials {result['trials']} ({result['pruned']} pruned)  "
            f"epochs {result['epochs_total']}  wall {result['wall_s']:.1f} s"
        )
    behind = 100 * (grid["best_value"] - smart["best_value"])
    share = smart["epochs_total"] / grid["epochs_total"]
    time_ratio = smart["wall_s"] / grid["wall_s"]
    accuracy_ok = behind <= MAX_POINTS_BEHIND
    epochs_ok = share <= MAX_EPOCH_SHARE
    print(
        f"Smart vs grid: {behind:+.2f} points behind (goal <= "
        f"{MAX_POINTS_BEHIND}) {'PASS' if accuracy_ok else 'MISS'}; "
        f"epochs {share:.2f}x of grid's (goal <= {MAX_EPOCH_SHARE:.2f}) "
        f"{'PASS' if epochs_ok else 'MISS'}; wall time {time_ratio:.2f}x"
    )
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "epochs_per_trial": args.epochs,
                "grid": {k: grid[k] for k in _KEYS},
                "smart": {k: smart[k] for k in _KEYS},
                "points_behind": round(behind, 3),
                "epoch_ratio": round(share, 3),
                "wall_ratio": round(time_ratio, 3),
                "pass": accuracy_ok and epochs_ok,
            }
        )
    )
    return 0


_KEYS = ("best_value", "best_params", "trials", "pruned", "epochs_total", "wall_s")

if __name__ == "__main__":
    sys.exit(main())
