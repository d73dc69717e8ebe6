"""The network: the ``model`` part of the spec, its validation, and building it.

(Placeholder, to be completed: validation passes the section through.)
"""

from __future__ import annotations

from typing import Any


def validate_model_spec(model: Any) -> dict[str, Any]:
    """Check the ``model`` part of a spec and return it with defaults filled in."""
    return model
