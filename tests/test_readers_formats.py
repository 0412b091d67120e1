"""Files as users bring them: UTF-16 saved without a byte order mark, Excel workbooks and
gzip-compressed CSVs are read like any CSV, by ingest, build and score alike; what cannot be
read is refused in one line."""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from icpkit.errors import IcpkitError
from icpkit.ingest.readers import read_table

CSV = "account_id,name,employees,founded\na1,Acme,120,2015-03-01\na2,Béta GmbH,4500,2001-01-01\n"


def icpkit(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_utf16_big_endian_without_bom_is_read(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(CSV.encode("utf-16-be"))
    table = read_table(path)
    assert table.encoding == "utf-16-be"
    assert table.frame["name"].tolist() == ["Acme", "Béta GmbH"]
    assert table.lines.tolist() == [2, 3]


def test_utf16_little_endian_without_bom_is_read(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(CSV.encode("utf-16-le"))
    assert read_table(path).frame["employees"].tolist() == ["120", "4500"]


def test_gzip_csv_is_read_with_its_lines(tmp_path):
    path = tmp_path / "accounts.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode()))
    table = read_table(path)
    assert table.frame["account_id"].tolist() == ["a1", "a2"]
    assert table.lines.tolist() == [2, 3]


def test_a_damaged_gzip_is_one_error(tmp_path):
    path = tmp_path / "accounts.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode())[:30])
    with pytest.raises(IcpkitError, match="gzip"):
        read_table(path)


def write_workbook(path: Path, rows: list[list[object]]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Accounts"
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_xlsx_is_read_as_the_text_its_cells_show(tmp_path):
    path = tmp_path / "accounts.xlsx"
    write_workbook(
        path,
        [
            ["account_id", "employees", "revenue", "founded", "customer"],
            ["a1", 120, 2.5e6, dt.datetime(2015, 3, 1), True],
            [None, None, None, None, None],
            ["a2", 4500.0, "$3M", dt.date(2001, 1, 1), False],
        ],
    )
    table = read_table(path)
    assert table.kind == "xlsx"
    frame = table.frame
    assert frame["employees"].tolist() == ["120", "4500"]
    assert frame["revenue"].tolist() == ["2500000", "$3M"]
    assert frame["founded"].tolist() == ["2015-03-01", "2001-01-01"]
    assert frame["customer"].tolist() == ["true", "false"]
    assert table.lines.tolist() == [2, 4]  # the blank sheet row 3 is skipped, rows kept


def test_a_damaged_xlsx_is_one_line(tmp_path):
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(IcpkitError, match="not a CSV"):
        read_table(path)


def test_score_reads_xlsx_and_gzip_like_csv(tmp_path):
    card = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"
    plain = tmp_path / "a.csv"
    plain.write_text(CSV)
    zipped = tmp_path / "a.csv.gz"
    zipped.write_bytes(gzip.compress(CSV.encode()))
    book = tmp_path / "a.xlsx"
    write_workbook(book, [["account_id", "employees"], ["a1", 120], ["a2", 4500]])
    outputs = []
    for source in (plain, zipped, book):
        out = tmp_path / f"{source.name}.scored.csv"
        result = icpkit("score", "--scorecard", card, "--input", source, "--out", out)
        assert result.returncode == 0, result.stderr
        outputs.append(pd.read_csv(out)[["account_id", "icp_score", "icp_tier"]])
    for other in outputs[1:]:
        pd.testing.assert_frame_equal(outputs[0], other)


def test_duplicate_headers_are_said_on_the_command_line(tmp_path):
    source = tmp_path / "accounts.csv"
    source.write_text("account_id,employees,employees\na1,10,20\na2,30,40\n")
    result = icpkit("ingest", "--accounts", source, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert 'header "employees" appears twice' in result.stdout + result.stderr


def test_score_says_a_duplicate_header_on_the_command_line(tmp_path):
    card = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"
    source = tmp_path / "accounts.csv"
    source.write_text("account_id,employees,employees\na1,100,20\na2,30,40\n")
    result = icpkit("score", "--scorecard", card, "--input", source, "--out", tmp_path / "s.csv")
    assert result.returncode == 0, result.stderr
    assert "warning: " in result.stderr and 'header "employees" appears twice' in result.stderr
