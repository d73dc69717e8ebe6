"""Tables people download: CSV that is safe to open in a spreadsheet.

Example:
    >>> csv_bytes(pd.DataFrame({"name": ["=1+1"]}))
    b"\\xef\\xbb\\xbfname\\n'=1+1\\n"
"""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "csv_bytes", "neutralise_csv_cells"]

# Cells starting with these make spreadsheets run the cell as a formula (CSV
# injection); a tab or carriage return at the start can hide such a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number written as text ("-1.5", "+3e4") is not a formula: it stays as it is.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _neutral(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _PLAIN_NUMBER.match(value):
            return value
        return "'" + value
    return value


def neutralise_csv_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which no text cell can run as a spreadsheet formula.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading apostrophe (the spreadsheet convention for "this is text"),
    in cells and in column names. Numbers, in number columns or written as text
    (``-1.5``), are kept as they are.

    Example:
        >>> neutralise_csv_cells(pd.DataFrame({"a": ["=1+1", "x"], "b": [-1.5, 2]}))
               a    b
        0  '=1+1 -1.5
        1      x  2.0
    """
    result = frame.copy()
    for column in result.columns:
        values = result[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        result[column] = values.map(_neutral)
    result.columns = [_neutral(str(c)) if isinstance(c, str) else c for c in result]
    return result


def csv_bytes(frame: pd.DataFrame, *, index: bool = False) -> bytes:
    """The table as CSV that is safe to open in a spreadsheet.

    Cells are neutralised (``neutralise_csv_cells``); the text is UTF-8 with a byte
    order mark, so spreadsheets show accented letters right.

    Args:
        frame: the table.
        index: whether to write the row index as the first column. Default: False.
    """
    buffer = io.StringIO()
    neutralise_csv_cells(frame).to_csv(buffer, index=index)
    return buffer.getvalue().encode("utf-8-sig")
