"""Package APIs that load each name from its module on first use (PEP 562).

Every package of ``nncore`` lists its public names in its ``__init__`` with the
module that defines them. Importing a package is then cheap: ``nncore.data`` does
not load pandas, nor ``nncore.train`` TensorFlow, until a name is used.

Example:
    >>> getattr_, dir_ = lazy_exports("nncore.core", {"short": "nncore.core.text"})
    >>> getattr_("short")("a name")
    'a name'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` for the names in ``where``.

    Args:
        package: the package's ``__name__``, for the error message.
        where: public name -> the module that defines it.
    """

    def __getattr__(name: str) -> object:
        if name in where:
            return getattr(importlib.import_module(where[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
