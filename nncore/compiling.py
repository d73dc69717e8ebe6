"""How the network learns: the ``compile`` part of the spec (optimiser, loss, metrics).

(Placeholder, to be completed: validation passes the section through.)
"""

from __future__ import annotations

from typing import Any


def validate_compile_spec(compile_spec: Any) -> dict[str, Any]:
    """Check the ``compile`` part of a spec and return it with defaults filled in."""
    return compile_spec
