"""Broken, hostile and ordinary data files, generated for the tests."""

from __future__ import annotations

import io
import zipfile

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
    ("one-row", "one.csv", b"x1,x2,label\n1,2,yes\n", "label", "Only 1 row(s) of data"),
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
        "Skipped 1 row(s) that had more fields than the header",
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
