"""Reading files: formats, detection, and a clear message for every bad file."""

import numpy as np
import pandas as pd
import pytest

from nncore.core.errors import DataError
from nncore.data.loading import read_table
from tests import files


def test_reads_plain_csv_with_types():
    table = read_table(files.csv_bytes(files.simple_frame()), "data.csv")
    assert table.frame.shape == (60, 4)
    assert pd.api.types.is_float_dtype(table.frame["x1"])
    assert "comma-separated" in table.notes
    assert table.warnings == []


def test_reads_semicolon_separated_decimal_comma():
    data = files.rows_text("a;b;label", files.numbered(20, "{i},5;{even},25;c{even}"))
    table = read_table(data, "euro.csv")
    assert table.notes[:2] == ["semicolon-separated", "decimal comma"]
    assert table.frame["a"].iloc[3] == pytest.approx(3.5)


def test_reads_tsv():
    data = files.rows_text("a\tb\tlabel", files.numbered(20, "{i}\t{v}\t{even}"))
    table = read_table(data, "data.tsv")
    assert list(table.frame.columns) == ["a", "b", "label"]
    assert "tab-separated" in table.notes


@pytest.mark.parametrize(
    ("encoding", "note"),
    [("latin-1", "Latin-1"), ("utf-8-sig", "UTF-8 with BOM"), ("utf-16", "UTF-16")],
    ids=["latin1", "bom", "utf16"],
)
def test_detects_encoding(encoding, note):
    text = "città,größe,label\n" + "".join(
        f"Zürich{i},{i}.5,é{i % 2}\n" for i in range(12)
    )
    table = read_table(text.encode(encoding), "accents.csv")
    assert note in table.notes
    assert list(table.frame.columns) == ["città", "größe", "label"]
    assert table.frame["città"].iloc[0] == "Zürich0"


def test_latin1_after_the_first_64_kilobytes_is_still_read():
    rows = "".join(f"{i},plain{i % 3}\n" for i in range(9000)) + "9001,caf\xe9\n"
    table = read_table(("n,word\n" + rows).encode("latin-1"), "late.csv")
    assert table.frame["word"].iloc[-1] == "café"
    assert "Latin-1" in table.notes


def test_reads_excel_and_parquet():
    frame = files.simple_frame(30)
    for data, name in (
        (files.xlsx_bytes(frame), "d.xlsx"),
        (files.parquet_bytes(frame), "d.parquet"),
    ):
        table = read_table(data, name)
        assert table.frame.shape == (30, 4)
        assert table.frame["x1"].tolist() == pytest.approx(frame["x1"].tolist())


def test_excel_renamed_csv_is_read_as_excel_with_a_warning():
    table = read_table(files.xlsx_bytes(files.simple_frame(30)), "sheet.csv")
    assert table.frame.shape == (30, 4)
    assert "Excel workbook with a different extension" in table.warnings[0]


def test_quoted_fields_with_newlines_stay_one_value():
    data = b'id,text,label\n1,"line one\nline two",a\n2,"plain",b\n3,"x, y",a\n'
    table = read_table(data, "quoted.csv")
    assert len(table.frame) == 3
    assert table.frame["text"].iloc[0] == "line one\nline two"
    assert table.frame["text"].iloc[2] == "x, y"


def test_ragged_rows_are_skipped_with_a_warning():
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"
    table = read_table(data, "ragged.csv")
    assert len(table.frame) == 3  # the short row is kept with a missing value
    assert np.isnan(table.frame["c"].iloc[1])
    assert "Skipped 1 row that had more fields than the header" in table.warnings[0]


def test_duplicate_column_names_are_renamed_and_reported():
    table = read_table(b"a,a,b\n1,2,3\n4,5,6\n", "dupes.csv")
    assert list(table.frame.columns) == ["a", "a.1", "b"]
    assert "appear more than once ('a')" in table.warnings[0]


def test_numbers_with_question_marks_and_na_become_missing_with_a_warning():
    rows = [
        f"{i},{'?' if i == 3 else 'n/a' if i == 5 else i * 1.5},x" for i in range(30)
    ]
    table = read_table(files.rows_text("i,value,c", rows), "holes.csv")
    assert pd.api.types.is_float_dtype(table.frame["value"])
    assert table.frame["value"].isna().sum() == 2
    assert "not numbers ('?'): 1 value," in table.warnings[0]


def test_inf_and_huge_values_load_as_floats():
    table = read_table(b"a,b,y\n1,inf,0\n2,1e300,1\n3,-inf,0\n", "inf.csv")
    assert np.isinf(table.frame["b"].iloc[0])
    assert table.frame["b"].iloc[1] == 1e300


def test_a_very_long_column_name_loads_and_messages_stay_short():
    long_name = "x" * 10_000
    table = read_table(f"{long_name},{long_name}\n1,2\n".encode(), "long.csv")
    assert table.frame.columns[0] == long_name
    assert len(table.warnings[0]) < 400


def test_two_thousand_columns_load():
    header = ",".join(f"c{i}" for i in range(2000))
    rows = [",".join(str((r * i) % 7) for i in range(2000)) for r in range(15)]
    table = read_table(files.rows_text(header, rows), "wide.csv")
    assert table.frame.shape == (15, 2000)


def test_first_row_of_numbers_warns_about_a_missing_header():
    table = read_table(b"1,2,3\n4,5,6\n7,8,9\n", "noheader.csv")
    assert "first row is all numbers" in table.warnings[0]


def test_empty_rows_are_dropped():
    table = read_table(b"a,b\n1,2\n,\n3,4\n", "gaps.csv")
    assert len(table.frame) == 2
    assert "Dropped 1 completely empty row." in table.warnings[0]


BAD_FILES = [
    (b"", "empty.csv", r"is empty \(0 bytes\)\. Choose a file with a header row"),
    (b"   \n\n  ", "blank.csv", r"contains only blank space"),
    (b"a,b,c\n", "header.csv", r"has a header but no data rows"),
    (
        files.random_bytes(),
        "noise.csv",
        r"looks like binary data, not text\. Upload a CSV",
    ),
    (files.zip_bytes(), "archive.csv", r"is a ZIP archive, not a table\. Unzip it"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls", r"old Excel 97-2003 workbook"),
    (b"a,b\n1,2\n", "fake.xlsx", r"named like an Excel workbook but is not one"),
    (b"a,b\n1,2\n", "fake.parquet", r"named like a Parquet file but is not one"),
    (
        b"PAR1 broken",
        "broken.parquet",
        r"Parquet file 'broken\.parquet' could not be read",
    ),
    (b"a,b\n,\n,\n", "allempty.csv", r"every row is empty"),
]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    BAD_FILES,
    ids=[name for _, name, _ in BAD_FILES],
)
def test_bad_files_get_a_clear_message(data, name, message):
    with pytest.raises(DataError, match=message):
        read_table(data, name)


def test_missing_path_gets_a_clear_message(tmp_path):
    with pytest.raises(DataError, match="does not exist. Check the path"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder, not a data file"):
        read_table(tmp_path)


def test_reads_from_a_path(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(files.csv_bytes(files.simple_frame()))
    table = read_table(path)
    assert table.name == "data.csv"
    assert table.frame.shape == (60, 4)
