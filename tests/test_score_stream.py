"""Streaming `icpkit score`: batch by batch, every row once and in order, the same numbers as
the in-memory path, and honest about columns it cannot find or values it cannot read."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

from icpkit.errors import IcpkitError
from icpkit.ingest.readers import read_table
from icpkit.score import reading, score_file, score_frame
from icpkit.scorecard.io import load_scorecard
from test_sql import cards_and_tables  # the random scorecards and tables of the SQL tests

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-scorecard.toml"
ICP_COLUMNS = ["icp_score", "icp_tier", "icp_disqualified", "icp_reasons"]


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of a few rows, so a small file crosses many batch boundaries."""
    monkeypatch.setattr(reading, "BATCH_ROWS", 7)
    monkeypatch.setattr(reading, "CSV_BLOCK_BYTES", 300)


def in_memory(card, path: Path, id_column: str | None = "account_id") -> pd.DataFrame:
    return score_frame(card, read_table(path).frame, id_column)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=cards_and_tables())
def test_streamed_scores_equal_the_in_memory_path(tmp_path_factory, small_batches, case):
    card, frame = case
    folder = tmp_path_factory.mktemp("stream")
    frame.to_csv(folder / "in.csv", index=False)
    frame.to_parquet(folder / "in.parquet", index=False)
    for source in ("in.csv", "in.parquet"):
        out = folder / f"{source}.out.parquet"
        score_file(card, folder / source, out)
        got = pd.read_parquet(out)
        want = in_memory(card, folder / source)
        assert got["account_id"].astype(str).tolist() == want["account_id"].astype(str).tolist()
        pd.testing.assert_frame_equal(
            got[ICP_COLUMNS], want[ICP_COLUMNS], check_dtype=False, check_index_type=False
        )


def _accounts(n: int) -> pd.DataFrame:
    employees = ["120", "300", "20", "5000", "", "51-200", "fifty", "1,000+"]
    stages = ["series_b", "public", "", "Series A", "bootstrapped"]
    stacks = ["Snowflake; AWS", "dbt,Looker", "", "AWS", "=HYPERLINK(1)"]
    return pd.DataFrame(
        {
            "account_id": [f"acc-{i:04d}" for i in range(n)],
            "employees": [employees[i % len(employees)] for i in range(n)],
            "funding_stage": [stages[i % len(stages)] for i in range(n)],
            "technologies": [stacks[i % len(stacks)] for i in range(n)],
            "hiring_revops_60d": [["yes", "no", "maybe", ""][i % 4] for i in range(n)],
            "region": [["North America", "Europe", "", "Mars"][i % 4] for i in range(n)],
        }
    )


def test_many_batches_keep_every_row_once_in_order(tmp_path, small_batches):
    card = load_scorecard(SEED)
    accounts = _accounts(203)
    accounts.to_csv(tmp_path / "a.csv", index=False)
    seen = []
    summary = score_file(card, tmp_path / "a.csv", tmp_path / "s.parquet", progress=seen.append)
    got = pd.read_parquet(tmp_path / "s.parquet")
    assert got["account_id"].tolist() == accounts["account_id"].tolist()
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    want = in_memory(card, tmp_path / "a.csv")
    assert got[ICP_COLUMNS].to_dict("list") == want[ICP_COLUMNS].to_dict("list")
    assert summary["rows"] == 203 and sum(summary["tiers"].values()) == 203
    assert (
        summary["tiers"]
        == want["icp_tier"].value_counts().reindex(list("ABCD"), fill_value=0).to_dict()
    )
    assert summary["columns_missing"] == []


def test_a_folder_of_parquet_files_is_one_dataset_in_file_order(tmp_path, small_batches):
    card = load_scorecard(SEED)
    accounts = _accounts(60)
    folder = tmp_path / "universe"
    folder.mkdir()
    for k, start in enumerate(range(0, 60, 25)):
        accounts.iloc[start : start + 25].to_parquet(folder / f"part-{k:03d}.parquet")
    score_file(card, folder, tmp_path / "s.csv")
    got = pd.read_csv(tmp_path / "s.csv")
    assert got["account_id"].tolist() == accounts["account_id"].tolist()


def test_csv_output_escapes_formulas_and_writes_true_false(tmp_path):
    card = load_scorecard(SEED)
    accounts = pd.DataFrame({"account_id": ["=cmd()", "b"], "employees": ["5000", "120"]})
    accounts.to_csv(tmp_path / "a.csv", index=False)
    score_file(card, tmp_path / "a.csv", tmp_path / "s.csv")
    with (tmp_path / "s.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["account_id", *ICP_COLUMNS]
    assert rows[1][0] == "'=cmd()" and rows[1][3] == "True" and rows[2][3] == "False"
    assert rows[1][4] == "DQ: over 1,000 employees"


def test_wrong_types_score_as_missing_and_are_counted(tmp_path):
    card = load_scorecard(SEED)
    accounts = pd.DataFrame(
        {
            "account_id": [1, 2, 3, 4],
            "employees": ["fifty", "120", "lots", ""],  # two unreadable, one blank
            "hiring_revops_60d": ["maybe", "yes", "no", "1"],  # one unreadable
        }
    )
    accounts.to_parquet(tmp_path / "a.parquet", index=False)
    summary = score_file(card, tmp_path / "a.parquet", tmp_path / "s.parquet")
    assert summary["unreadable"] == {"employees": 2, "hiring_revops_60d": 1}
    got = pd.read_parquet(tmp_path / "s.parquet")
    # "fifty" employees and "maybe" hiring: no points; 120 employees + hiring yes: 2 + 1.
    assert got["icp_reasons"].tolist()[:2] == [
        "",
        "Company size: 50-200 (+2); Hiring in sales or revenue ops (60 days): true (+1)",
    ]


def test_text_in_a_typed_numeric_parquet_column_never_crashes(tmp_path):
    card = load_scorecard(SEED)
    table = pa.table({"account_id": [1, 2], "employees": pa.array([True, None])})
    pq.write_table(table, tmp_path / "a.parquet")
    summary = score_file(card, tmp_path / "a.parquet", tmp_path / "s.parquet")
    assert summary["unreadable"] == {"employees": 1}
    assert pd.read_parquet(tmp_path / "s.parquet")["icp_score"].tolist() == [13, 13]


def test_no_card_column_fails_at_once_naming_them(tmp_path):
    (tmp_path / "a.csv").write_text("colour,shape\nred,round\n")
    with pytest.raises(IcpkitError) as caught:
        score_file(SEED, tmp_path / "a.csv", tmp_path / "s.csv")
    message = str(caught.value)
    assert str(tmp_path / "a.csv") in message
    assert "none of the columns the scorecard reads" in message and "employees" in message
    assert not (tmp_path / "s.csv").exists()


def test_some_card_columns_missing_are_named_and_scored_unknown(tmp_path):
    (tmp_path / "a.csv").write_text("account_id,employees\nx,120\n")
    summary = score_file(SEED, tmp_path / "a.csv", tmp_path / "s.csv")
    assert summary["columns_missing"] == [
        "funding_stage",
        "technologies",
        "hiring_revops_60d",
        "region",
    ]
    assert pd.read_csv(tmp_path / "s.csv")["icp_reasons"].tolist() == ["Company size: 50-200 (+2)"]


def test_export_headers_are_found_like_ingest_finds_them(tmp_path):
    """A CRM export's labels ("Number of Employees", "51-200") score like canonical columns."""
    export = pd.DataFrame(
        {
            "Record ID": ["h1", "h2"],
            "Number of Employees": ["51-200", "10,001+"],
            "Funding Stage": ["Series B", "Public"],
        }
    )
    export.to_csv(tmp_path / "export.csv", index=False)
    summary = score_file(SEED, tmp_path / "export.csv", tmp_path / "s.csv")
    assert summary["columns_used"]["employees"] == "Number of Employees"
    got = pd.read_csv(tmp_path / "s.csv")
    assert got["Record ID"].tolist() == ["h1", "h2"]
    assert got["icp_reasons"].tolist()[0] == (
        "Company size: 50-200 (+2); Funding stage: series_a or series_b or series_c (+1)"
    )
    assert got["icp_disqualified"].tolist() == [False, True]


def test_a_mapping_file_names_columns_no_alias_knows(tmp_path):
    (tmp_path / "a.csv").write_text("key,Headcount (LinkedIn)\nk1,120\n")
    (tmp_path / "map.toml").write_text('[accounts]\n"Headcount (LinkedIn)" = "employees"\n')
    summary = score_file(
        SEED, tmp_path / "a.csv", tmp_path / "s.csv", mapping=tmp_path / "map.toml"
    )
    assert summary["columns_used"] == {"employees": "Headcount (LinkedIn)"}
    got = pd.read_csv(tmp_path / "s.csv")
    assert list(got.columns) == ["row", *ICP_COLUMNS] and got["row"].tolist() == [2]


def test_ragged_rows_fall_back_to_the_careful_reader(tmp_path):
    (tmp_path / "a.csv").write_text("account_id,employees,region\na,120,North America\nb,300\n")
    score_file(SEED, tmp_path / "a.csv", tmp_path / "s.csv")
    got = pd.read_csv(tmp_path / "s.csv")
    assert got["account_id"].tolist() == ["a", "b"]
    assert got["icp_score"].tolist() == [50, 25]


def test_cli_prints_warnings_and_scores(tmp_path):
    (tmp_path / "a.csv").write_text("account_id,employees\nx,fifty\ny,120\n")
    result = subprocess.run(
        [sys.executable, "-m", "icpkit", "score", "--scorecard", str(SEED), "--input",
         str(tmp_path / "a.csv"), "--out", str(tmp_path / "s.parquet")],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Scored 2 rows" in result.stdout
    assert "scored as unknown: funding_stage, technologies, hiring_revops_60d, region" in (
        result.stderr.replace("\n", " ")
    )
    assert "employees: 1 value(s) of the wrong type scored as unknown" in result.stderr


def test_the_output_never_overwrites_the_input(tmp_path):
    (tmp_path / "a.csv").write_text("account_id,employees\nx,120\n")
    with pytest.raises(IcpkitError, match="would overwrite the input"):
        score_file(SEED, tmp_path / "a.csv", tmp_path / "a.csv")
    assert (tmp_path / "a.csv").read_text() == "account_id,employees\nx,120\n"


def test_a_pdf_named_csv_is_refused_in_one_line(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(IcpkitError, match="is not a CSV or Parquet file"):
        score_file(SEED, tmp_path / "a.csv", tmp_path / "s.csv")
