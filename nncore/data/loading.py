"""Reading a user's data file into a DataFrame, with everything detected.

CSV and TSV files have their delimiter, encoding (UTF-8, UTF-8 with BOM, UTF-16,
Latin-1) and decimal comma detected; Excel (.xlsx) and Parquet are read by content,
so a workbook renamed ``.csv`` still loads. Anything that cannot be read raises
``DataError`` with what was wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nncore.core import memory
from nncore.core.errors import DataError
from nncore.core.text import listing, plural, quoted, short

SAMPLE_BYTES = 64 * 1024
# A header row longer than the sample is read up to this size to count its fields.
LONG_LINE_BYTES = 4 * 1024 * 1024
# Wider tables would take minutes to profile and prepare on a shared server.
MAX_COLUMNS = 5000
# At most this share of NUL bytes is taken for damage in a text file and removed.
MAX_NUL_SHARE = 0.01
TRIM_BYTES = 16 * 1024 * 1024  # files this big leave much freed memory behind
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[-+]?\d+\.\d+\s*$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$")
_HTML = re.compile(r"^\s*<(!doctype\s+html|html|head|body|\?xml)", re.IGNORECASE)
_JSON = re.compile(r'^\s*(\[\s*)?\{\s*"')


@dataclass
class LoadedTable:
    """A data file read into a DataFrame.

    Attributes:
        frame: the data, one column per field, names as text.
        name: the file name shown to the user.
        notes: how the file was read ("semicolon-separated, decimal comma").
        warnings: problems found and handled, each with what was done.
        reader: how to read the file again with pandas, for exported code:
            ``{"format": "csv", "sep": ";", "decimal": ",", "encoding": "utf-8"}``,
            ``{"format": "excel", "sheet_name": "Sheet1"}`` or
            ``{"format": "parquet"}`` (empty for built-in datasets).
        numeric_text: columns read as text but turned into numbers (their
            non-numbers became missing values).
    """

    frame: pd.DataFrame
    name: str
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reader: dict = field(default_factory=dict)
    numeric_text: list[str] = field(default_factory=list)


def read_table(source: str | Path | bytes, name: str | None = None) -> LoadedTable:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame.

    Args:
        source: a path, or the file's bytes (an upload).
        name: the file name, used for the extension and in messages. Defaults to
            the path's name.

    Returns:
        A ``LoadedTable`` with the frame, how it was read, and warnings.

    Raises:
        DataError: when the file is empty, binary, not a table, or has no rows.
    """
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        name = name or "upload.csv"
        head = data[:SAMPLE_BYTES]
        size = len(data)
        opener = lambda: io.BytesIO(data)  # noqa: E731
    else:
        path = Path(source)
        name = name or path.name
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(SAMPLE_BYTES)
        except FileNotFoundError as error:
            raise DataError(
                f"The data file '{path}' does not exist. Check the path."
            ) from error
        except IsADirectoryError as error:
            raise DataError(
                f"'{path}' is a folder, not a data file. Give the path of a CSV, "
                "TSV, Excel or Parquet file."
            ) from error
        except OSError as error:
            raise DataError(
                f"Could not open the data file '{path}': {error}."
            ) from error
        opener = lambda: path.open("rb")  # noqa: E731

    shown = quoted(name, 60)
    if size == 0:
        raise DataError(
            f"The file {shown} is empty (0 bytes). Choose a file with a header row "
            "and at least one row of data."
        )
    kind = _kind(head, name)
    if kind == "xls":
        raise DataError(
            f"The file {shown} is an old Excel 97-2003 workbook (.xls), which is not "
            "supported. Save it as .xlsx or CSV and upload that."
        )
    if kind == "zip":
        raise DataError(
            f"The file {shown} is a ZIP archive, not a table. Unzip it and upload the "
            "CSV, TSV, Excel or Parquet file inside."
        )
    with opener() as handle:
        if kind == "excel":
            table = _read_excel(handle, name)
        elif kind == "parquet":
            table = _read_parquet(handle, name)
        else:
            table = _read_text(handle, head, name, size)
    _tidy(table)
    if size >= TRIM_BYTES:
        # The parser's freed buffers (hundreds of MB for a big file) go back.
        memory.return_freed_memory()
    return table


def _kind(head: bytes, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "excel" if _is_xlsx(head) else "zip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if suffix in (".xlsx", ".xlsm"):
        raise DataError(
            f"The file {quoted(name, 60)} is named like an Excel workbook but is not "
            "one (it does not start like an .xlsx file). Open it in Excel and save it "
            "again as .xlsx, or export it as CSV."
        )
    if suffix == ".parquet":
        raise DataError(
            f"The file {quoted(name, 60)} is named like a Parquet file but is not one. "
            "Export it again as Parquet, or as CSV."
        )
    return "text"


def _is_xlsx(head: bytes) -> bool:
    # The first entries of an .xlsx archive name its parts ("[Content_Types].xml",
    # "xl/..."), which are visible in the first kilobytes of the file.
    return b"[Content_Types].xml" in head or b"xl/" in head


def _read_excel(handle, name: str) -> LoadedTable:
    try:
        sheets = pd.read_excel(handle, sheet_name=None, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise DataError(
            f"The file {quoted(name, 60)} is an Excel workbook that could not be "
            f"read ({short(error, 120)}). Open it in Excel, save it again as .xlsx, or "
            "export it as CSV."
        ) from error
    table = LoadedTable(frame=pd.DataFrame(), name=name)
    filled = [(sheet, frame) for sheet, frame in sheets.items() if not frame.empty]
    if not filled:
        raise DataError(
            f"The workbook {quoted(name, 60)} has no data in any sheet. Put a header "
            "row and the data on the first sheet."
        )
    sheet, table.frame = filled[0]
    table.reader = {"format": "excel", "sheet_name": sheet}
    table.notes.append("Excel workbook")
    if len(sheets) > 1:
        table.notes.append(f"read sheet {quoted(sheet)} of {len(sheets)}")
    if len(filled) > 1:
        table.warnings.append(
            f"The workbook {quoted(name, 60)} has {len(filled)} sheets with data; NN "
            f"Studio read the first, {quoted(sheet)}, and left out "
            f"{listing([other for other, _ in filled[1:]], limit=4)}. To use another "
            "sheet, move it to the front, or save it on its own as CSV."
        )
    if not Path(name).suffix.lower().startswith(".xls"):
        table.warnings.append(
            f"The file {quoted(name, 60)} is an Excel workbook with a different "
            "extension; it was read as Excel. Rename it to .xlsx to avoid confusion."
        )
    return table


def _read_parquet(handle, name: str) -> LoadedTable:
    try:
        frame = pd.read_parquet(handle)
    except Exception as error:  # pyarrow raises several of its own error types
        raise DataError(
            f"The Parquet file {quoted(name, 60)} could not be read "
            f"({short(error, 120)}). Export it again, or as CSV."
        ) from error
    table = LoadedTable(
        frame=frame, name=name, notes=["Parquet file"], reader={"format": "parquet"}
    )
    _leave_out_nested(table)
    return table


def _leave_out_nested(table: LoadedTable) -> None:
    """Drop columns whose cells are lists, arrays or records (Parquet allows them)."""
    frame = table.frame
    nested = []
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        present = frame[column].dropna()
        if len(present) and isinstance(
            present.iloc[0], list | tuple | dict | set | np.ndarray
        ):
            nested.append(column)
    if nested:
        table.frame = frame.drop(columns=nested)
        table.warnings.append(
            f"Left out {plural(len(nested), 'column')} that hold lists or records "
            f"({listing(nested)}): a network needs one plain value per cell. To use "
            "them, flatten them into plain columns (one per item or field) before "
            "saving the file."
        )


def _encoding(head: bytes) -> tuple[str, str | None]:
    """Return (codec, note) for a text file from its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    bom_less = _utf16_without_bom(head)
    if bom_less:
        return bom_less, "UTF-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "latin-1", "Latin-1"
    return "utf-8", None


def _utf16_without_bom(head: bytes) -> str | None:
    """The codec of text saved as UTF-16 without its BOM, else None.

    Text in a Latin alphabet saved as UTF-16 has a zero byte beside almost every
    character: after it (little-endian) or before it (big-endian).
    """
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    codec = None
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        codec = "utf-16-le"
    elif even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        codec = "utf-16-be"
    if codec is None:
        return None
    # Binary data of small numbers has the same zeros: text is printable.
    text = sample[: len(sample) // 2 * 2].decode(codec, errors="replace")
    printable = sum(char.isprintable() or char in "\t\r\n" for char in text)
    return codec if printable >= 0.95 * len(text) else None


def _without_nul_bytes(handle, head: bytes, name: str, table: LoadedTable):
    """A text file with a few NUL bytes (damage, or padding by some programs):
    return (handle, head, size) of the file without them, and warn. A file with
    many NUL bytes is left as it is (it is binary)."""
    if head.count(0) > MAX_NUL_SHARE * len(head):
        return handle, head, len(head) + 1  # binary: the caller says so
    handle.seek(0)
    data = handle.read()
    cleaned = data.replace(b"\x00", b"")
    table.warnings.append(
        f"Removed {plural(len(data) - len(cleaned), 'NUL byte')} (character code 0) "
        f"from the file {quoted(name, 60)}; text files should not contain them, so the "
        "file may be damaged. Check the values, and save the file again as UTF-8 CSV "
        "if some look wrong."
    )
    return io.BytesIO(cleaned), cleaned[:SAMPLE_BYTES], len(cleaned)


def _refuse_other_formats(text: str, shown: str) -> None:
    """Web pages and JSON saved with a table's name (a common download mistake)."""
    if _HTML.match(text):
        raise DataError(
            f"The file {shown} is a web page (HTML), not a table: the browser may "
            "have saved the page that links to the data instead of the data. "
            "Download the raw CSV file itself (e.g. the 'Raw' or 'Download' link) "
            "and upload that."
        )
    if _JSON.match(text):
        raise DataError(
            f"The file {shown} holds JSON, not a table. Convert it to CSV first "
            "(e.g. pandas.read_json(...).to_csv(...)), or export the data as CSV, "
            "Excel or Parquet."
        )


def _check_width(n_columns: int, shown: str) -> None:
    if n_columns > MAX_COLUMNS:
        raise DataError(
            f"The file {shown} has {n_columns:,} columns; NN Studio reads at most "
            f"{MAX_COLUMNS:,}. If it should have several rows, check that each row "
            "is on its own line (the line breaks may have been lost); otherwise keep "
            "only the columns you need."
        )


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(byte < 32 and byte not in (9, 10, 12, 13) for byte in head)
    return controls > len(head) * 0.05


def _sample_rows(text: str, delimiter: str, truncated: bool) -> list[list[str]]:
    # newline=None: "\r" alone (old Mac files) ends a line too, as it does for pandas.
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error:  # e.g. a field longer than csv's limit: judge what was read
        truncated = True
    if truncated and len(rows) > 1:
        rows = rows[:-1]  # the last record may be cut in half
    return [row for row in rows if row][:200]


def _sniff_delimiter(text: str, name: str, truncated: bool) -> str:
    """Pick the delimiter that splits the sample into the most consistent fields."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        rows = _sample_rows(text, delimiter, truncated)
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        consistent = sum(len(row) == width for row in rows) / len(rows)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    if Path(name).suffix.lower() == ".tsv" and best_score[1] < 2:
        return "\t"
    return best


def _decimal(rows: list[list[str]]) -> str:
    cells = [cell for row in rows[1:] for cell in row]
    commas = sum(bool(_DECIMAL_COMMA.match(cell)) for cell in cells)
    points = sum(bool(_DECIMAL_POINT.match(cell)) for cell in cells)
    return "," if commas > 0 and commas > points else "."


def _read_text(handle, head: bytes, name: str, size: int) -> LoadedTable:
    shown = quoted(name, 60)
    table = LoadedTable(frame=pd.DataFrame(), name=name)
    codec, encoding_note = _encoding(head)
    if not codec.startswith("utf-16") and b"\x00" in head:
        handle, head, size = _without_nul_bytes(handle, head, name, table)
    if not codec.startswith("utf-16") and _looks_binary(head):
        raise DataError(
            f"The file {shown} looks like binary data, not text. Upload a CSV or TSV "
            "text file, an Excel workbook (.xlsx) or a Parquet file."
        )
    text = head.decode(codec, errors="replace")
    if not text.strip():
        raise DataError(
            f"The file {shown} contains only blank space. Choose a file with a header "
            "row and at least one row of data."
        )
    _refuse_other_formats(text, shown)
    truncated = size > len(head)
    if truncated and "\n" not in text and "\r" not in text:
        # The first line does not end in the sample: read it whole to count fields.
        handle.seek(0)
        head = handle.read(LONG_LINE_BYTES)
        text = head.decode(codec, errors="replace")
        truncated = size > len(head)
        if truncated and "\n" not in text and "\r" not in text:
            raise DataError(
                f"The first line of {shown} is longer than "
                f"{LONG_LINE_BYTES // (1024 * 1024)} MB: the file has no line breaks "
                "that NN Studio recognises. Save it again with one row per line."
            )
    delimiter = _sniff_delimiter(text, name, truncated)
    rows = _sample_rows(text, delimiter, truncated)
    decimal = _decimal(rows) if delimiter != "," else "."
    header = rows[0] if rows else []
    _check_width(len(header), shown)
    if len(header) > 1:
        table.notes.append(f"{DELIMITERS[delimiter]}-separated")
    if decimal == ",":
        table.notes.append("decimal comma")
    if header and all(_NUMBER.match(cell) for cell in header):
        table.warnings.append(
            "The first row is all numbers, but NN Studio reads the first row as the "
            "column names. If your file has no header row, add one naming the columns."
        )
    text_columns = _text_columns(rows, decimal)
    table.frame = _parse(handle, name, codec, delimiter, decimal, text_columns, table)
    used = table.frame.attrs.pop("nn_codec", codec)
    if used != codec:
        encoding_note = "Latin-1"
    table.reader.update(format="csv", sep=delimiter, decimal=decimal, encoding=used)
    if encoding_note:
        table.notes.append(encoding_note)
    _report_duplicate_names(header, table)
    return table


_MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "#n/a", "-nan", "<na>"}
_SPECIAL_NUMBERS = {"inf", "-inf", "+inf", "infinity", "-infinity"}


def _text_columns(rows: list[list[str]], decimal: str) -> dict[int, str]:
    """Columns whose sampled values include text, to be read as categories.

    Parsing them straight into pandas categories skips building a Python string per
    cell, which is most of the memory a large CSV costs while it is read. A column
    that only turns out to be text after the sample is read as text as usual.
    """
    if len(rows) < 2:
        return {}
    text = {}
    for position in range(len(rows[0])):
        for row in rows[1:]:
            if position >= len(row):
                continue
            cell = row[position].strip()
            lowered = cell.lower()
            if lowered in _MISSING_TOKENS or lowered in _SPECIAL_NUMBERS:
                continue
            if not _NUMBER.match(cell) or ("," in cell and decimal != ","):
                text[position] = "category"
                break
    return text


def _parse(
    handle, name, codec, delimiter, decimal, text_columns, table: LoadedTable
) -> pd.DataFrame:
    options = dict(
        sep=delimiter, decimal=decimal, skip_blank_lines=True, dtype=text_columns
    )
    codecs_to_try = (
        [codec]
        if codec == "latin-1" or codec.startswith("utf-16")
        else [codec, "latin-1"]
    )
    last_error: Exception | None = None
    for attempt in codecs_to_try:
        handle.seek(0)
        try:
            frame = pd.read_csv(handle, encoding=attempt, **options)
        except UnicodeDecodeError as error:
            last_error = error
            continue
        except pd.errors.EmptyDataError as error:
            raise DataError(
                f"The file {quoted(name, 60)} has no columns to read. Choose a file "
                "with a header row and at least one row of data."
            ) from error
        except pd.errors.ParserError as error:
            _refuse_unclosed_quote(error, name)
            handle.seek(0)
            frame = _parse_skipping_bad_lines(handle, name, attempt, options, table)
            table.reader.update(engine="python", on_bad_lines="skip")
        frame.attrs["nn_codec"] = attempt
        return frame
    raise DataError(
        f"The file {quoted(name, 60)} could not be decoded as text ({last_error}). "
        "Save it as UTF-8 CSV and upload it again."
    )


def _refuse_unclosed_quote(error: Exception, name: str) -> None:
    found = re.search(r"EOF inside string starting at row (\d+)", str(error))
    if found:
        raise DataError(
            f'The file {quoted(name, 60)} has a quote (") on line '
            f"{int(found.group(1)) + 1} that is never closed, so everything after it "
            "would be read as one value. Close the quote on that line, or remove it."
        ) from error


def _parse_skipping_bad_lines(handle, name, codec, options, table) -> pd.DataFrame:
    bad: list[list[str]] = []

    def skip(line: list[str]) -> None:
        bad.append(line)
        return None

    text = io.TextIOWrapper(handle, encoding=codec, newline="")
    try:
        frame = pd.read_csv(text, engine="python", on_bad_lines=skip, **options)
    except pd.errors.ParserError as error:
        raise DataError(
            f"The file {quoted(name, 60)} could not be parsed as a table "
            f"({short(error, 120)}). Check that every row uses the same delimiter "
            "and that quotes are closed."
        ) from error
    finally:
        text.detach()
    table.warnings.append(
        f"Skipped {plural(len(bad), 'row')} that had more fields than the header row "
        f"(first one starts {quoted(','.join(bad[0]) if bad else '', 30)}). Check the "
        "delimiter and quoting in those rows, or fix the header."
    )
    return frame


def _report_duplicate_names(header: list[str], table: LoadedTable) -> None:
    counts = Counter(cell.strip() for cell in header)
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        table.warnings.append(
            f"Some column names appear more than once ({listing(repeated)}). The "
            "repeats were renamed with .1, .2, … so that each column can be chosen. "
            "Give every column its own name in the file."
        )


def _tidy(table: LoadedTable) -> None:
    """Give columns text names, drop empty rows, turn mostly-numeric text to numbers."""
    frame = table.frame
    frame.columns = _unique([_column_name(c, i) for i, c in enumerate(frame.columns)])
    _check_width(len(frame.columns), quoted(table.name, 60))
    if frame.empty or len(frame.columns) == 0:
        raise DataError(
            f"The file {quoted(table.name, 60)} has a header but no data rows. Add at "
            "least one row of data under the header."
        )
    _blank_cells_to_missing(frame, table)
    empty_rows = frame.isna().all(axis=1)
    if empty_rows.any():
        frame = frame.loc[~empty_rows].reset_index(drop=True)
        table.warnings.append(
            f"Dropped {plural(int(empty_rows.sum()), 'completely empty row')}."
        )
    if frame.empty:
        raise DataError(
            f"The file {quoted(table.name, 60)} has a header but every row is empty. "
            "Add at least one row of data under the header."
        )
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            converted = _mostly_numeric(frame[column], column, table)
            if converted is not None:
                frame[column] = converted
                table.numeric_text.append(column)
    table.frame = frame


def _blank_cells_to_missing(frame: pd.DataFrame, table: LoadedTable) -> None:
    """Cells holding only spaces or tabs become missing values, with a warning."""
    blank = 0
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = pd.Series(values.cat.categories.astype(str))
            empty = values.cat.categories[categories.str.strip().eq("").to_numpy()]
            if len(empty):
                blank += int(values.isin(empty).sum())
                frame[column] = values.cat.remove_categories(empty)
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            codes, uniques = pd.factorize(values)
            empty = np.flatnonzero(_blank(uniques))
            if len(empty):
                hit = np.isin(codes, empty)
                blank += int(hit.sum())
                frame[column] = values.mask(hit)
    if blank:
        table.warnings.append(
            f"{plural(blank, 'cell')} held only spaces or tabs; they were treated as "
            "missing "
            "values (and filled in where a value is needed)."
        )


def _blank(values) -> np.ndarray:
    """Which values are text of only spaces or tabs (values may mix types)."""
    try:
        return pd.Series(values, dtype=object).str.strip().eq("").to_numpy(bool)
    except AttributeError:  # not all text (e.g. Python ints too big for int64)
        return np.array([isinstance(v, str) and not v.strip() for v in values], bool)


def _column_name(column: object, position: int) -> str:
    text = str(column).strip()
    return text if text else f"column_{position + 1}"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        candidate = name
        while candidate in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
        seen.setdefault(candidate, 0)
        result.append(candidate)
    return result


def _mostly_numeric(values: pd.Series, column: str, table: LoadedTable):
    """Return the column as numbers when at least 90 % of its values are numbers.

    Values such as "?", "n/a" or "unknown" in a numeric column become missing, and
    a warning names them. Decimal commas inside quotes ("1,5") are understood.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        counts = values.value_counts(sort=False)
        distinct = pd.Series(counts.index.astype(str)).str.strip()
        if counts.sum() == 0:
            return None
        if not _numeric_share_ok(distinct, counts.to_numpy(), int(counts.sum())):
            _warn_if_mixed(distinct, counts.to_numpy(), column, table)
            return None
        values = values.astype(object)
    present = values.dropna()
    if present.empty:
        return None
    text = present.astype(str).str.strip()
    if not _could_be_numeric(text):
        _warn_if_mixed(*_distinct_counts(text), column, table)
        return None
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().mean() < 0.9:
        comma = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        if comma.notna().mean() < 0.9 or not text.str.contains(",", regex=False).any():
            _warn_if_mixed(*_distinct_counts(text), column, table)
            return None
        numbers = comma
    result = pd.Series(np.nan, index=values.index, dtype="float64")
    result.loc[numbers.index] = numbers.astype("float64")
    bad = text[numbers.isna()]
    if not bad.empty:
        tokens = bad.value_counts().index.tolist()
        table.warnings.append(
            f"Column {quoted(column)} is numeric but has cells that are not numbers "
            f"({listing(tokens, limit=4, width=12)}): {plural(len(bad), 'value')}, "
            "treated as missing and filled in."
        )
    return result


def _distinct_counts(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    codes, uniques = text.factorize()
    return pd.Series(uniques, dtype=object), np.bincount(codes, minlength=len(uniques))


def _warn_if_mixed(distinct: pd.Series, counts: np.ndarray, column, table) -> None:
    """Warn about a column read as text although most of its values are numbers."""
    total = int(counts.sum())
    parsed = pd.to_numeric(distinct, errors="coerce").notna().to_numpy()
    numbers = int(counts[parsed].sum())
    if total == 0 or not 0.5 <= numbers / total < 0.9:
        return
    words = np.flatnonzero(~parsed)
    words = words[np.argsort(-counts[words], kind="stable")]
    table.warnings.append(
        f"Column {quoted(column)} holds numbers in {numbers} of its {total} rows and "
        f"words in the rest ({listing(distinct.iloc[words], limit=4, width=12)}), so "
        "it is used as categories, not as a number. If it is a numeric column, "
        "replace the words with numbers in the file, or leave those cells empty."
    )


def _could_be_numeric(text: pd.Series) -> bool:
    """Whether ``_mostly_numeric`` can convert ``text`` (>= 90 % numbers, as written
    or with a decimal comma), decided on the distinct values weighted by their counts.

    Parsing each distinct value once makes rejecting a million-row text column with a
    few labels take milliseconds instead of seconds; the decision is the same.
    """
    codes, uniques = text.factorize()
    if len(uniques) > len(text) // 2:
        return True  # mostly distinct values: parsing them all saves nothing
    distinct = pd.Series(uniques)
    counts = np.bincount(codes, minlength=len(distinct))
    return _numeric_share_ok(distinct, counts, len(text))


def _numeric_share_ok(distinct: pd.Series, counts: np.ndarray, total: int) -> bool:
    """Whether distinct values, weighted by ``counts``, are >= 90 % numbers."""

    def share(candidates: pd.Series) -> float:
        parsed = pd.to_numeric(candidates, errors="coerce").notna().to_numpy()
        return counts[parsed].sum() / total

    if share(distinct) >= 0.9:
        return True
    if not distinct.str.contains(",", regex=False).any():
        return False
    return share(distinct.str.replace(",", ".", regex=False)) >= 0.9
