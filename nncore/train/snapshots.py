"""The network's weights over a run: the snapshots behind the time machine.

A run keeps its weights after every epoch while they fit in ``max_bytes`` (small
networks: every epoch of the run); when they no longer fit, every other snapshot
is dropped and only every second epoch (then every fourth, …) is kept from then
on, so a big network's snapshots stay bounded and spread evenly over the run. The
starting weights (epoch 0) and the latest epoch are always kept.

Epochs are counted as the curves count them: snapshot ``e`` holds the weights
after ``e`` epochs of training, 0 the starting weights.

Example:

    snapshots = Snapshots()
    snapshots.add(0, model.get_weights())       # before training
    ...                                          # a callback adds each epoch
    view = snapshots.view()                      # safe to read from any thread
    view.epochs, view.at(12)                     # the weights after epoch 12
    snapshots.save(path); Snapshots.load(path)   # with the run
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_MAX_BYTES", "SNAPSHOTS_FILE", "SnapshotView", "Snapshots"]

# The memory (and file size) a run's snapshots may take: a few MB.
DEFAULT_MAX_BYTES = 4_000_000
# The snapshots' file in a run's folder.
SNAPSHOTS_FILE = "snapshots.npz"


@dataclass(frozen=True, eq=False)
class SnapshotView:
    """The snapshots at one moment, read-only.

    Attributes:
        epochs: the epochs kept, in order (0 = the starting weights).
        weights: per epoch, the weights as ``model.get_weights()`` gives them.
        stride: every how many epochs one is kept now (1: every epoch).
    """

    epochs: tuple[int, ...] = ()
    weights: tuple[list[np.ndarray], ...] = ()
    stride: int = 1

    def __len__(self) -> int:
        return len(self.epochs)

    def at(self, epoch: int) -> list[np.ndarray] | None:
        """The weights kept at ``epoch``, or at the nearest kept epoch before it
        (the first kept one for an earlier epoch); None when nothing is kept."""
        if not self.epochs:
            return None
        index = max(bisect_right(self.epochs, epoch) - 1, 0)
        return self.weights[index]

    def nearest(self, epoch: int) -> int | None:
        """The kept epoch that ``at(epoch)`` returns the weights of."""
        if not self.epochs:
            return None
        return self.epochs[max(bisect_right(self.epochs, epoch) - 1, 0)]

    @property
    def size_bytes(self) -> int:
        """The memory the kept weights take."""
        return sum(sum(a.nbytes for a in w) for w in self.weights)


class Snapshots:
    """A run's weights after each epoch, bounded in memory; thread-safe.

    Args:
        max_bytes: the most memory the snapshots may take; at least two are kept
            (the first and the latest) whatever their size. Default:
            ``DEFAULT_MAX_BYTES``.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._epochs: list[int] = []
        self._weights: list[list[np.ndarray]] = []
        self._stride = 1
        self._view = SnapshotView()

    def add(self, epoch: int, weights: list[np.ndarray]) -> None:
        """Keep ``weights``, the weights after ``epoch`` epochs (0: the start).

        An epoch at or before the latest kept one replaces what was kept from
        there on (a run continued from an earlier epoch). The latest epoch is kept
        even when it is not on the stride; it gives way to the next one then.
        """
        weights = [np.array(w, copy=True) for w in weights]
        with self._lock:
            while self._epochs and self._epochs[-1] >= epoch:
                self._epochs.pop()
                self._weights.pop()
            if len(self._epochs) > 1 and self._epochs[-1] % self._stride:
                self._epochs.pop()  # the latest, off the stride: no longer latest
                self._weights.pop()
            self._epochs.append(int(epoch))
            self._weights.append(weights)
            self._thin()
            self._view = SnapshotView(
                tuple(self._epochs), tuple(self._weights), self._stride
            )

    def view(self) -> SnapshotView:
        """What is kept now (a frozen copy: later ``add`` calls do not change it)."""
        with self._lock:
            return self._view

    def __len__(self) -> int:
        return len(self.view())

    def _thin(self) -> None:
        """Double the stride until the snapshots fit in ``max_bytes``."""
        each = sum(a.nbytes for a in self._weights[-1])
        limit = max(2, self.max_bytes // max(each, 1))
        while len(self._epochs) > limit and len(self._epochs) > 2:
            self._stride *= 2
            kept = [
                index
                for index, epoch in enumerate(self._epochs)
                if epoch % self._stride == 0 or index in (0, len(self._epochs) - 1)
            ]
            self._epochs = [self._epochs[i] for i in kept]
            self._weights = [self._weights[i] for i in kept]

    # --- kept with the run ---------------------------------------------------------

    def save(self, path: Path | str) -> None:
        """Write the snapshots to ``path`` (an ``.npz``), replacing it.

        Not compressed: trained weights are close to random bytes, so zlib saved
        7 % of a 3.5 MB file for 8 times the time (0.12 s instead of 0.015 s,
        spent while the user waits for the finished run)."""
        view = self.view()
        # One array per weight, stacked over the epochs: a file of few entries.
        parts = len(view.weights[0]) if view.weights else 0
        arrays = {
            f"part{part}": np.stack([weights[part] for weights in view.weights])
            for part in range(parts)
        }
        meta = {
            "epochs": list(view.epochs),
            "parts": parts,
            "stride": view.stride,
        }
        path = Path(path)
        partial = path.with_name(path.name + ".partial")
        with open(partial, "wb") as file:
            np.savez(file, meta=np.array(json.dumps(meta)), **arrays)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshots:
        """Read snapshots that ``save`` wrote.

        Raises:
            OSError or ValueError: the file is missing or not a snapshots file.
        """
        snapshots = cls(max_bytes=max_bytes)
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            epochs = [int(e) for e in meta["epochs"]]
            stacked = [data[f"part{part}"] for part in range(int(meta["parts"]))]
            weights = [
                [array[index] for array in stacked] for index in range(len(epochs))
            ]
        snapshots._epochs, snapshots._weights = epochs, weights
        snapshots._stride = int(meta.get("stride", 1))
        snapshots._view = SnapshotView(tuple(epochs), tuple(weights), snapshots._stride)
        return snapshots
