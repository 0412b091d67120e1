"""The public Python API (`icpkit.read_crm`, `build`, `score`, `to_sql`, `evaluate`,
`simulate`, ...): cheap to import, each call the same as the command it mirrors."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import icpkit
from icpkit.errors import IcpkitError
from icpkit.score import score_frame
from icpkit.scorecard.io import load_scorecard
from icpkit.scorecard.model import Attribute, Bin, BinStats, Condition, Disqualifier, Tiers

SRC = Path(__file__).resolve().parents[1] / "src"
SEED_CARD = Path(__file__).resolve().parents[1] / "examples" / "seed-scorecard.toml"
HEAVY = ("pandas", "numpy", "sklearn", "scipy", "optbinning", "pyarrow", "fastapi", "psycopg")


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_icpkit_loads_no_heavy_library_and_takes_milliseconds():
    out = run_python(
        """
        import json, sys, time
        start = time.perf_counter()
        import icpkit
        seconds = time.perf_counter() - start
        print(json.dumps({"seconds": seconds, "loaded": sorted(sys.modules)}))
        """
    )
    found = json.loads(out)
    assert not [m for m in found["loaded"] if m.split(".")[0] in HEAVY]
    assert [m for m in found["loaded"] if m.startswith("icpkit")] == ["icpkit"]
    assert found["seconds"] < 0.25  # about 1 ms on the 2-core CI machine


def test_every_public_name_resolves_and_is_listed():
    for name in icpkit.__all__:
        assert getattr(icpkit, name) is not None, name
    assert set(icpkit.__all__) <= set(dir(icpkit))
    assert icpkit.Scorecard is icpkit.scorecard.model.Scorecard
    assert icpkit.load_scorecard(SEED_CARD) == load_scorecard(SEED_CARD)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = icpkit.nothing_here


def test_loading_the_scorecard_api_does_not_load_the_learner():
    out = run_python(
        f"""
        import sys
        import icpkit
        card = icpkit.load_scorecard({str(SEED_CARD)!r})
        print(len(card.attributes), "sklearn" in sys.modules, "optbinning" in sys.modules)
        """
    )
    assert out.split() == ["5", "False", "False"]


def test_build_score_simulate_are_functions_and_submodules_in_any_import_order():
    # icpkit.build, icpkit.score and icpkit.simulate are also submodules: importing one
    # first (as the CLI does) must not take the function away, nor the module's contents.
    out = run_python(
        f"""
        import pandas as pd
        from icpkit.score import score_frame           # the submodule, imported first
        from icpkit import score as scoring             # how older code reaches it
        import icpkit.build
        import icpkit
        card = icpkit.load_scorecard({str(SEED_CARD)!r})
        frame = pd.DataFrame({{"employees": [120, 30], "account_id": ["a", "b"]}})
        scored = icpkit.score(card, frame, id="account_id")
        print(scored["icp_score"].tolist(), callable(scoring.score_frame))
        print(hasattr(icpkit.build, "build_icp"), type(icpkit.simulate(50, seed=1)).__name__)
        """
    )
    first, second = out.splitlines()
    # The seed card's points run from -1 to +7: +2 (50-200 employees) scores
    # (200 * 3 + 8) // 16 = 38 of 100, and 0 points (under 50) scores 13.
    assert first == "[38, 13] True"
    assert second == "True SimulatedCRM"


@pytest.fixture(scope="module")
def small_crm(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crm")
    icpkit.simulate(600, seed=5, out=folder)
    return folder


def test_read_crm_from_a_folder_from_files_and_from_dataframes(small_crm):
    from_folder = icpkit.read_crm(small_crm)
    assert isinstance(from_folder, icpkit.IngestResult)
    assert len(from_folder.tables["accounts"]) == 600
    assert set(from_folder.tables) == {"accounts", "deals", "contacts", "signals", "customers"}

    from_files = icpkit.read_crm(
        accounts=small_crm / "accounts.csv", deals=small_crm / "deals.csv", format="generic"
    )
    frames = icpkit.read_crm(
        pd.read_csv(small_crm / "accounts.csv"), deals=pd.read_csv(small_crm / "deals.csv")
    )
    for result in (from_files, frames):
        assert set(result.tables) == {"accounts", "deals"}
        pd.testing.assert_series_equal(
            result.tables["deals"]["outcome"], from_folder.tables["deals"]["outcome"]
        )
    assert frames.report["files"]["accounts"]["rows_read"] == 600


def test_read_crm_flat_table_counts_every_row(shared_data):
    salvirt = pd.read_csv(
        shared_data / "salvirt_b2b_sales" / "Salvirt_B2B_ML_dataset_HF.csv", sep=";"
    )
    result = icpkit.read_crm(salvirt, outcome="Status", positive="Won")
    deals = result.tables["deals"]
    assert len(deals) == 448
    assert (deals["outcome"] == "won").sum() == (salvirt["Status"] == "Won").sum()
    assert "comp_size" in result.tables["accounts"].columns


def test_read_crm_mistakes_are_one_line_errors(small_crm):
    with pytest.raises(IcpkitError, match=r"both outcome= .* and positive="):
        icpkit.read_crm(small_crm / "accounts.csv", outcome="outcome")
    with pytest.raises(IcpkitError, match="either a folder or deals="):
        icpkit.read_crm(small_crm, deals=small_crm / "deals.csv")
    with pytest.raises(IcpkitError, match="no input"):
        icpkit.read_crm()
    with pytest.raises(IcpkitError, match=r"not found|no such file|does not exist"):
        icpkit.read_crm(small_crm / "missing.csv")


@pytest.mark.slow
def test_build_from_read_crm_writes_what_the_command_writes(small_crm, tmp_path):
    crm = icpkit.read_crm(small_crm)
    result = icpkit.build(crm, out=tmp_path, max_attributes=4)
    assert isinstance(result, icpkit.BuildResult)
    assert 1 <= len(result.scorecard.attributes) <= 4
    assert 0.5 < result.validation.auc <= 1
    for name in ("scorecard.toml", "validation.json", "segments.json", "report.html", "icp.md"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "ingest.json").is_file() and (tmp_path / "quarantine.csv").is_file()

    def points(card: icpkit.Scorecard) -> list[tuple[str, str, int]]:
        return [(a.name, b.label, b.points) for a in card.attributes for b in a.bins]

    assert points(load_scorecard(tmp_path / "scorecard.toml")) == points(result.scorecard)
    assert result.scorecard.trained_on["source"].endswith("accounts.csv")
    with pytest.raises(IcpkitError, match="no outcomes to learn from"):
        icpkit.build(crm.tables["accounts"])


@pytest.mark.slow
def test_build_sizes_the_universe_and_builds_each_motion(small_crm, tmp_path):
    """What `icpkit build --universe F --motion COLUMN` does, from Python: the target list in
    the typed facts, one build folder per motion, and every step told to ``progress``."""
    told = []
    result = icpkit.build(
        icpkit.read_crm(small_crm),
        out=tmp_path,
        universe=small_crm / "accounts.csv",
        motion="source",
        progress=lambda what, done, total: told.append((what, done, total)),
    )
    target = result.profiles.facts.target_list
    assert target.companies == 600 and sum(target.tiers.values()) == 600
    assert (tmp_path / "universe-scored.parquet").is_file()
    listed = json.loads((tmp_path / "motions.json").read_text())
    assert listed["column"] == "source"
    built = [m for m in listed["motions"] if m["folder"]]
    assert built and all((tmp_path / m["folder"] / "validation.json").is_file() for m in built)
    assert result.files["icp_md"].read_text().startswith("# Ideal Customer Profile by source")
    assert told[0] == ("Joining deals to accounts", 0, 5) and told[-1][0] == "Done"
    assert any(what.startswith("source = ") for what, _, _ in told)
    with pytest.raises(IcpkitError, match="give out="):
        icpkit.build(icpkit.read_crm(small_crm), motion="source")


@pytest.fixture(scope="module")
def learned(demo_build, demo_crm):
    return demo_build.scorecard, demo_crm


def test_score_is_score_frame_with_an_optional_id(learned):
    card, crm = learned
    frame = crm.accounts.head(300)
    scored = icpkit.score(card, frame)
    pd.testing.assert_frame_equal(scored, score_frame(card, frame, None))
    assert list(scored.columns) == ["icp_score", "icp_tier", "icp_disqualified", "icp_reasons"]
    with_id = icpkit.score(card, frame, id="account_id")
    assert with_id["account_id"].tolist() == frame["account_id"].tolist()
    with pytest.raises(IcpkitError, match="no column 'acct'"):
        icpkit.score(card, frame, id="acct")


def test_score_reads_values_as_the_command_does():
    card = icpkit.load_scorecard(SEED_CARD)
    leads = pd.DataFrame({"employees": ["1,200", "120", "forty"]})
    scored = icpkit.score(SEED_CARD, leads)  # a path works as well as a card
    assert scored["icp_disqualified"].tolist() == [True, False, False]
    assert scored["icp_tier"].tolist()[0] == "D"
    assert scored.equals(icpkit.score(card, leads))


def test_to_sql_scores_in_duckdb_as_python_does(learned):
    card, crm = learned
    accounts = crm.accounts.head(500).copy()
    accounts["technologies"] = accounts["technologies"].map(";".join)
    sql = icpkit.to_sql(card, "duckdb", "accounts")
    con = duckdb.connect()
    con.register("accounts", accounts)
    from_sql = con.execute(sql).df().set_index("account_id").loc[accounts["account_id"]]
    python = icpkit.score(card, accounts, id="account_id").set_index("account_id")
    assert (from_sql["icp_score"].to_numpy() == python["icp_score"].to_numpy()).all()
    assert (from_sql["icp_tier"] == python["icp_tier"]).all()
    assert (from_sql["icp_reasons"] == python["icp_reasons"]).all()
    with pytest.raises(IcpkitError, match="'duckdb' is the dialect, not the table"):
        icpkit.to_sql(card, "accounts", "duckdb")


def test_evaluate_measures_a_card_on_known_outcomes(learned):
    card, crm = learned
    deals = crm.deals[crm.deals["outcome"] != "open"].drop_duplicates("account_id", keep="last")
    rows = deals[["account_id", "outcome"]].merge(crm.accounts, on="account_id")
    rows["won"] = rows["outcome"] == "won"
    by_name = icpkit.evaluate(card, rows, "won")
    by_values = icpkit.evaluate(card, rows, rows["won"].to_numpy())
    assert by_name == by_values
    assert by_name.accounts == len(rows) and by_name.won == int(rows["won"].sum())
    assert by_name.auc > 0.7  # in-sample here: the card saw these deals
    rates = [by_name.tiers[t].win_rate for t in "ABCD"]
    assert rates == sorted(rates, reverse=True)
    with pytest.raises(IcpkitError, match="won must be yes/no"):
        icpkit.evaluate(card, rows, "outcome")
    with pytest.raises(IcpkitError, match="won has 3 values"):
        icpkit.evaluate(card, rows, [True, False, True])


def test_simulate_is_reproducible_and_writes_files(tmp_path):
    a = icpkit.simulate(200, seed=3, out=tmp_path)
    b = icpkit.simulate(200, seed=3)
    pd.testing.assert_frame_equal(a.deals, b.deals)
    written = pd.read_csv(tmp_path / "deals.csv")
    assert written["deal_id"].tolist() == a.deals["deal_id"].tolist()
    assert json.loads((tmp_path / "truth.json").read_text())["seed"] == 3


def test_scorecard_shows_itself_as_an_escaped_table():
    stats = BinStats(accounts=120, won=60, win_rate=0.5, ci_low=0.41, ci_high=0.59)
    card = icpkit.Scorecard(
        name="<b>Q3</b> card",
        attributes=(
            Attribute(
                "Industry",
                "industry",
                "category",
                (Bin("<script>alert(1)</script>", 12, Condition(values=("x",)), stats),),
            ),
        ),
        tiers=Tiers(70, 50, 30),
        disqualifiers=(
            Disqualifier("Size", "employees", "numeric", Condition(less_than=10), "tiny & poor"),
        ),
    )
    html = card._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Q3&lt;/b&gt; card" in html and "tiny &amp; poor" in html
    assert "+12" in html and "120" in html and "50% (41%-59%)" in html
    assert "A &ge; 70" in html and html.count("<tr>") == 3  # header, one bin, one disqualifier


def test_learned_card_table_lists_every_bin(learned):
    card, _ = learned
    html = card._repr_html_()
    bins = sum(len(a.bins) for a in card.attributes)
    assert html.count("<tr>") == 1 + bins + len(card.disqualifiers)
    assert all(f"<code>{a.column}</code>" in html for a in card.attributes)


def test_numbers_in_a_frame_stay_numbers_for_scoring():
    # A lead typed by hand in a notebook: integers, not text.
    card = icpkit.load_scorecard(SEED_CARD)
    leads = pd.DataFrame({"employees": np.array([60, 300, 2000])})
    assert icpkit.score(card, leads)["icp_disqualified"].tolist() == [False, False, True]
