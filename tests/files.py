"""Broken, hostile and ordinary data files, generated for the tests."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd


def csv_bytes(frame: pd.DataFrame, **options) -> bytes:
    return frame.to_csv(index=False, **options).encode(options.pop("encoding", "utf-8"))


def simple_frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    return pd.DataFrame(
        {
            "x1": x1.round(3),
            "x2": x2.round(3),
            "colour": rng.choice(["red", "green", "blue"], n),
            "label": np.where(x1 + rng.normal(0, 1, n) > 0, "yes", "no"),
        }
    )


def imbalanced_frame(n: int = 600, seed: int = 0, apart: float = 1.0) -> pd.DataFrame:
    """A 90/10 table: "rare" rows sit apart from the "common" ones but overlap
    them, so a network trained without class weights mostly ignores them (less so
    the further ``apart`` puts them)."""
    rng = np.random.default_rng(seed)
    rare = np.arange(n) % 10 == 0
    x1 = rng.normal(size=n) + 1.5 * apart * rare
    x2 = rng.normal(size=n) + 1.0 * apart * rare
    return pd.DataFrame(
        {
            "x1": x1.round(3),
            "x2": x2.round(3),
            "outcome": np.where(rare, "rare", "common"),
        }
    )


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    return buffer.getvalue()


def random_bytes(n: int = 4096) -> bytes:
    return np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8).tobytes()


def rows_text(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def numbered(n: int, template: str) -> list[str]:
    return [template.format(i=i, even=i % 2, v=i * 0.5) for i in range(n)]


def _wide(n_columns: int = 2000, n_rows: int = 30) -> bytes:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        rng.normal(size=(n_rows, n_columns)).round(2),
        columns=[f"c{i}" for i in range(n_columns)],
    )
    frame["y"] = ["a", "b"] * (n_rows // 2)
    return csv_bytes(frame)


def _with(column: str, values) -> bytes:
    frame = simple_frame(60)
    frame[column] = values
    return csv_bytes(frame)


# The bad-input catalogue of the Data screen and the CLI: (id, file name, bytes,
# target, text the user must see). Each either fails with a clear message or loads
# with a warning or note; none may raise.
CATALOGUE = [
    ("empty", "empty.csv", b"", "label", "is empty (0 bytes)"),
    (
        "header-only",
        "header.csv",
        b"x1,x2,label\n",
        "label",
        "has a header but no data rows",
    ),
    ("one-row", "one.csv", b"x1,x2,label\n1,2,yes\n", "label", "Only 1 row of data"),
    (
        "binary",
        "noise.csv",
        random_bytes(),
        "label",
        "looks like binary data, not text",
    ),
    (
        "zip-as-csv",
        "archive.csv",
        zip_bytes(),
        "label",
        "is a ZIP archive, not a table",
    ),
    (
        "xlsx-as-csv",
        "sheet.csv",
        xlsx_bytes(simple_frame(40)),
        "label",
        "Excel workbook with a different extension",
    ),
    (
        "ragged",
        "ragged.csv",
        csv_bytes(simple_frame(40)) + b"1,2,red,yes,EXTRA\n",
        "label",
        "Skipped 1 row that had more fields than the header",
    ),
    (
        "quoted-newlines",
        "notes.csv",
        b"x1,note,label\n"
        + b"".join(
            f'{i % 7},"line {i}\nmore, text",{"ab"[i % 2]}\n'.encode()
            for i in range(30)
        ),
        "label",
        "Task: binary",
    ),
    (
        "decimal-comma",
        "euro.csv",
        rows_text("a;b;label", numbered(30, "{i},5;{even},25;c{even}")),
        "label",
        "decimal comma",
    ),
    (
        "latin-1",
        "latin.csv",
        (
            "ville,x,label\n"
            + "".join(
                f"Orléans{i % 3},{i},{'oui' if i % 2 else 'non'}\n" for i in range(30)
            )
        ).encode("latin-1"),
        "label",
        "Latin-1",
    ),
    (
        "utf8-bom",
        "bom.csv",
        b"\xef\xbb\xbf" + csv_bytes(simple_frame(30)),
        "label",
        "UTF-8 with BOM",
    ),
    (
        "duplicate-names",
        "dupes.csv",
        b"x,x,label\n"
        + b"".join(f"{i},{i * 2 % 7},{i % 2}\n".encode() for i in range(30)),
        "label",
        "appear more than once",
    ),
    (
        "long-name",
        "long.csv",
        csv_bytes(simple_frame(40).rename(columns={"x1": "n" * 10_000})),
        "label",
        "Task: binary",
    ),
    ("2000-columns", "wide.csv", _wide(), "y", "more inputs (2000) than training rows"),
    ("one-class", "same.csv", _with("same", "a"), "same", "has only one class"),
    (
        "all-missing",
        "gone.csv",
        _with("gone", np.nan),
        "gone",
        "has no values (every row is missing)",
    ),
    (
        "no-target",
        "plain.csv",
        csv_bytes(simple_frame(30)),
        None,
        "hoose the target column",
    ),
    (
        "na-and-question-marks",
        "holes.csv",
        rows_text(
            "v,label",
            [f"{'?' if i == 3 else 'n/a' if i == 5 else i},{i % 2}" for i in range(30)],
        ),
        "label",
        "not numbers ('?')",
    ),
    (
        "inf-and-1e300",
        "huge.csv",
        rows_text(
            "v,w,label",
            [
                f"{'inf' if i == 2 else '1e300' if i == 4 else i},{i % 5},{i % 2}"
                for i in range(30)
            ],
        ),
        "label",
        "infinite or too large to compute with",
    ),
]


# --- The hostile catalogue -----------------------------------------------------------
# Every file of CATALOGUE and more, each with what must happen to it on the Data
# screen and in `python -m nncore data` (tests/reliability/test_hostile_files.py).

# What a file leads to:
# "unreadable": it cannot be read; the screen keeps the file loaded before.
# "unusable": it is read, but this target cannot be learnt; an error says why.
# "asks": it is read and the screen asks for a choice (the target).
# "loads": it is read and prepared, with the message as a warning, note or caption.
OUTCOMES = ("unreadable", "unusable", "asks", "loads")


@dataclass(frozen=True)
class HostileFile:
    """A broken or hostile data file and what a user must see.

    Attributes:
        id: the test id.
        name: the file name, as uploaded.
        data: the file's bytes.
        target: the target column the user picks (None: none picked).
        message: text the Data screen must show.
        outcome: one of OUTCOMES.
        task: the task the user picks ("auto": none).
        cli_message: text the CLI must print (in the error line, or in the JSON
            of the last line); defaults to ``message``.
    """

    id: str
    name: str
    data: bytes
    target: str | None
    message: str
    outcome: str
    task: str = "auto"
    cli_message: str | None = None

    @property
    def cli_text(self) -> str:
        return self.cli_message or self.message


_CATALOGUE_OUTCOMES = {
    "empty": "unreadable",
    "header-only": "unreadable",
    "one-row": "unusable",
    "binary": "unreadable",
    "zip-as-csv": "unreadable",
    "one-class": "unusable",
    "all-missing": "unusable",
    "no-target": "asks",
}
_CATALOGUE_CLI = {
    "quoted-newlines": '"task": "binary"',
    "long-name": '"task": "binary"',
    "no-target": "The target column 'target' is not in the data",
}

XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('x')</script>"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0"]
FORMULAS += ["-2+3", "@SUM(1+1)"]


def _messy_labels() -> bytes:
    frame = simple_frame(80)
    spellings = ["Yes", "yes ", "YES", "y", "No", "no"]
    frame["label"] = [spellings[i % len(spellings)] for i in range(80)]
    return csv_bytes(frame)


def _id_columns() -> bytes:
    frame = simple_frame(60)
    frame.insert(0, "row_id", range(1001, 1061))
    frame.insert(1, "ref", [f"{uuid.UUID(int=i * 7919 + 1)}" for i in range(60)])
    return csv_bytes(frame)


def _formulas() -> bytes:
    frame = simple_frame(60)
    frame["comment"] = [FORMULAS[i % 4] + f" {i}" for i in range(60)]
    frame["colour"] = [FORMULAS[i % 4] for i in range(60)]
    frame["label"] = ["=1+1" if v == "yes" else "@cmd" for v in frame["label"]]
    return csv_bytes(frame)


def _html_names() -> bytes:
    frame = simple_frame(60).rename(
        columns={"x1": SCRIPT, "colour": XSS, "label": "<b>answer</b>"}
    )
    frame[XSS] = frame[XSS].map({"red": SCRIPT, "green": XSS, "blue": "<u>u</u>"})
    frame["<b>answer</b>"] = frame["<b>answer</b>"].map({"yes": XSS, "no": SCRIPT})
    return csv_bytes(frame)


def _one_row_per_class() -> bytes:
    frame = simple_frame(40)
    frame["name"] = [f"person {i}" for i in range(40)]
    return csv_bytes(frame)


def _unique_floats() -> bytes:
    frame = simple_frame(60)
    frame["price"] = np.random.default_rng(3).uniform(10, 20, 60).round(4)
    return csv_bytes(frame.drop(columns="label"))


def _mixed_column() -> bytes:
    frame = simple_frame(60)
    words = ["many", "unknown", "ten", "lots"]
    frame["amount"] = [words[i % 4] if i % 3 == 0 else str(i) for i in range(60)]
    return csv_bytes(frame)


def _long_lines() -> bytes:
    frame = simple_frame(40)
    frame["note"] = ["short note"] * 40
    frame.loc[0, "note"] = "word " * 400_000  # one 2 MB line
    return csv_bytes(frame)


def _one_line_file() -> bytes:
    return ",".join(f"v{i}" for i in range(300_000)).encode()


def _whitespace_cells() -> bytes:
    rows = [
        f"{'   ' if i % 7 == 0 else i},{chr(9) if i % 5 == 0 else 'ab'[i % 2]},{i % 2}"
        for i in range(40)
    ]
    return rows_text("size,kind,label", rows)


def _utf16(bom: bool) -> bytes:
    text = "stadt,größe,label\n" + "".join(
        f"Köln{i % 3},{i}.5,{'ja' if i % 2 else 'nein'}\n" for i in range(30)
    )
    return text.encode("utf-16" if bom else "utf-16-le")


def _huge_integers() -> bytes:
    rng = np.random.default_rng(4)
    frame = simple_frame(60)
    frame["account"] = [str(10**20 + int(v) * 10**15) for v in rng.integers(0, 99, 60)]
    return csv_bytes(frame)


def _dates() -> bytes:
    frame = simple_frame(60)
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    frame.insert(0, "day", days.strftime("%Y-%m-%d"))
    frame.insert(1, "signed", days.strftime("%d/%m/%Y"))
    return csv_bytes(frame)


def _duplicated_rows() -> bytes:
    frame = simple_frame(30)
    return csv_bytes(pd.concat([frame, frame, frame], ignore_index=True))


def _nul_bytes() -> bytes:
    data = bytearray(csv_bytes(simple_frame(60)))
    for position in (40, 400, 900):
        data[position:position] = b"\x00"
    return bytes(data)


def _workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet, frame in sheets.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


def _parquet_numbered_names() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = simple_frame(60)
    frame.columns = [0, 1, 2, "label"]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    return buffer.getvalue()


def _parquet_nested() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = simple_frame(60)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    tags = pa.array([["a", "b"][: i % 3] for i in range(60)])
    where = pa.array([{"lat": float(i), "lon": -float(i)} for i in range(60)])
    table = table.append_column("tags", tags).append_column("where", where)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def _only_target() -> bytes:
    return rows_text("label", ["yes" if i % 3 else "no" for i in range(40)])


def _tsv() -> bytes:
    return csv_bytes(simple_frame(40), sep="\t")


def _unclosed_quote() -> bytes:
    return b'x1,x2,label\n1,2,yes\n3,"4,no\n' + b"5,6,yes\n" * 30


def _html_page() -> bytes:
    return (
        b"<!DOCTYPE html>\n<html><head><title>data.csv</title></head>\n"
        b"<body><table><tr><td>x1</td><td>label</td></tr></table></body></html>\n"
    )


def _json_records() -> bytes:
    return json.dumps([{"x1": i, "label": i % 2} for i in range(30)]).encode()


def _mac_line_endings() -> bytes:
    return csv_bytes(simple_frame(40)).replace(b"\n", b"\r")


def _trailing_delimiters() -> bytes:
    return csv_bytes(simple_frame(40)).replace(b"\n", b",\n")


HOSTILE = [
    HostileFile(
        "messy-labels",
        "answers.csv",
        _messy_labels(),
        "label",
        "differ only by capital letters or spaces",
        "loads",
    ),
    HostileFile(
        "abbreviated-labels",
        "answers-y.csv",
        _messy_labels(),
        "label",
        "look like short forms of others ('y' and 'Yes')",
        "loads",
    ),
    HostileFile(
        "id-columns",
        "customers.csv",
        _id_columns(),
        "label",
        "Dropped 'ref': it has a different value on every row, like an ID",
        "loads",
    ),
    HostileFile(
        "formula-injection",
        "formulas.csv",
        _formulas(),
        "label",
        "the target holds text with 2 labels ('@cmd', '=1+1')",
        "loads",
    ),
    HostileFile(
        "html-names-values-and-file-name",
        f"{XSS}.csv",
        _html_names(),
        "<b>answer</b>",
        "the target holds text with 2 labels ('<script>alert('x')<…', "
        "'<img src=x onerror=…')",
        "loads",
        cli_message='"classes": ' + json.dumps(sorted([XSS, SCRIPT])),
    ),
    HostileFile(
        "one-row-per-class",
        "people.csv",
        _one_row_per_class(),
        "name",
        "has 40 different labels in 40 rows",
        "unusable",
    ),
    HostileFile(
        "unique-floats-as-classes",
        "prices.csv",
        _unique_floats(),
        "price",
        "has 60 different labels in 60 rows",
        "unusable",
        task="multiclass",
    ),
    HostileFile(
        "numbers-mixed-with-words",
        "amounts.csv",
        _mixed_column(),
        "label",
        "Column 'amount' holds numbers in 40 of its 60 rows and words in the rest",
        "loads",
    ),
    HostileFile(
        "2-mb-line",
        "notes.csv",
        _long_lines(),
        "label",
        "Task: binary",
        "loads",
        cli_message='"task": "binary"',
    ),
    HostileFile(
        "one-line-300000-fields",
        "oneline.csv",
        _one_line_file(),
        "label",
        "has 300,000 columns; NN Studio reads at most 5,000",
        "unreadable",
    ),
    HostileFile(
        "only-the-target",
        "labels.csv",
        _only_target(),
        "label",
        "No column is left to learn from",
        "unusable",
    ),
    HostileFile(
        "whitespace-cells",
        "blanks.csv",
        _whitespace_cells(),
        "label",
        "held only spaces or tabs",
        "loads",
    ),
    HostileFile("tsv-named-csv", "tabs.csv", _tsv(), "label", "tab-separated", "loads"),
    HostileFile("utf-16", "utf16.csv", _utf16(bom=True), "label", "UTF-16", "loads"),
    HostileFile(
        "utf-16-without-bom",
        "utf16le.csv",
        _utf16(bom=False),
        "label",
        "UTF-16",
        "loads",
    ),
    HostileFile(
        "huge-integers",
        "accounts.csv",
        _huge_integers(),
        "label",
        "Task: binary",
        "loads",
        cli_message='"task": "binary"',
    ),
    HostileFile(
        "dates-as-text",
        "daily.csv",
        _dates(),
        "label",
        "Dropped 'day': it holds dates (e.g. '2024-01-01')",
        "loads",
    ),
    HostileFile(
        "duplicated-rows",
        "copies.csv",
        _duplicated_rows(),
        "label",
        "60 of the 90 rows repeat another row exactly",
        "loads",
    ),
    HostileFile(
        "nul-bytes",
        "nul.csv",
        _nul_bytes(),
        "label",
        "Removed 3 NUL bytes",
        "loads",
    ),
    HostileFile(
        "xlsx-empty-sheet-first",
        "book.xlsx",
        _workbook({"Notes": pd.DataFrame(), "Data": simple_frame(40)}),
        "label",
        "read sheet 'Data' of 2",
        "loads",
    ),
    HostileFile(
        "xlsx-two-sheets-with-data",
        "two.xlsx",
        _workbook({"First": simple_frame(40), "Second": simple_frame(20, seed=2)}),
        "label",
        "2 sheets with data; NN Studio read the first, 'First'",
        "loads",
    ),
    HostileFile(
        "xlsx-all-sheets-empty",
        "blank.xlsx",
        _workbook({"A": pd.DataFrame(), "B": pd.DataFrame()}),
        "label",
        "has no data in any sheet",
        "unreadable",
    ),
    HostileFile(
        "parquet-number-column-names",
        "numbered.parquet",
        _parquet_numbered_names(),
        "label",
        "Parquet file",
        "loads",
    ),
    HostileFile(
        "parquet-nested-columns",
        "nested.parquet",
        _parquet_nested(),
        "label",
        "Left out 2 columns that hold lists or records ('tags', 'where')",
        "loads",
    ),
    HostileFile(
        "unclosed-quote",
        "quote.csv",
        _unclosed_quote(),
        "label",
        'has a quote (") on line 3 that is never closed',
        "unreadable",
    ),
    HostileFile(
        "html-page-as-csv",
        "page.csv",
        _html_page(),
        "label",
        "is a web page (HTML), not a table",
        "unreadable",
    ),
    HostileFile(
        "json-as-csv",
        "records.csv",
        _json_records(),
        "label",
        "holds JSON, not a table",
        "unreadable",
    ),
    HostileFile(
        "old-mac-line-endings",
        "mac.csv",
        _mac_line_endings(),
        "label",
        "Task: binary",
        "loads",
        cli_message='"task": "binary"',
    ),
    HostileFile(
        "trailing-delimiters",
        "trailing.csv",
        _trailing_delimiters(),
        "label",
        "Dropped 'Unnamed: 4': it has no values",
        "loads",
    ),
]


def hostile_catalogue() -> list[HostileFile]:
    """CATALOGUE and HOSTILE together, each with its outcome."""
    converted = [
        HostileFile(
            case_id,
            name,
            data,
            target,
            message,
            _CATALOGUE_OUTCOMES.get(case_id, "loads"),
            cli_message=_CATALOGUE_CLI.get(case_id),
        )
        for case_id, name, data, target, message in CATALOGUE
    ]
    return converted + HOSTILE
