"""Inside the network: a weight snapshot as neuron layers, its forward pass in
NumPy (no TensorFlow), and every neuron's output over a two-input plane. The
figures that draw them are ``nncore.plots.inside``'s.
"""

from __future__ import annotations

from nncore.core.lazy import lazy_exports

_WHERE = {
    "activate": "nncore.inside.network",
    "BATCHNORM_EPSILON": "nncore.inside.network",
    "forward": "nncore.inside.network",
    "grid_parts": "nncore.inside.network",
    "neuron_maps": "nncore.inside.network",
    "task_of": "nncore.inside.network",
    "unpack": "nncore.inside.network",
}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
