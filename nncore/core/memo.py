"""Results worked out once per object (by identity) and kept while it lives.

Some results depend only on the data a training runs on: the naive baseline's
scores, the reference models. A second training on the same ``PreparedData``
object takes them from here instead of working them out again; they are dropped
when the object is collected.

Example:

    models = kept(prepared, "references", lambda: reference_models(prepared))
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

__all__ = ["kept"]

T = TypeVar("T")

# (id of the object, key) -> (a weak reference to the object, the result)
_KEPT: dict[tuple[int, Hashable], tuple[weakref.ref, object]] = {}
_LOCK = threading.RLock()  # reentrant: a collected object forgets itself inside it


def kept(owner: object, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s result for ``owner`` and ``key``, worked out the first time.

    ``compute`` runs outside the lock (two threads may both work it out once);
    what it raises is raised and nothing is kept.

    Args:
        owner: the object the result belongs to (kept weakly, by identity).
        key: which of its results.
        compute: works the result out.
    """
    slot = (id(owner), key)
    with _LOCK:
        ref, value = _KEPT.get(slot, (None, None))
    if ref is not None and ref() is owner:
        return value  # type: ignore[return-value]
    value = compute()

    def forget(dead, slot=slot):
        with _LOCK:
            if _KEPT.get(slot, (None,))[0] is dead:
                del _KEPT[slot]

    with _LOCK:
        _KEPT[slot] = (weakref.ref(owner, forget), value)
    return value
