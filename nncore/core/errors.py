"""Errors that NN Studio shows to users.

Every message answers three questions: what happened, what was expected, and how to
fix it. Both classes subclass ``ValueError`` so callers that only know Python's
built-ins still catch them.
"""

from __future__ import annotations


class DataError(ValueError):
    """A data file or a column choice that NN Studio cannot use."""


class SpecError(ValueError):
    """An experiment spec with a missing, unknown or invalid field."""
