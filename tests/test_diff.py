"""`icpkit diff` and `icpkit explain`: what changed between scorecards, and why a score moved."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from icpkit.build import build_icp
from icpkit.errors import IcpkitError
from icpkit.history import explain_account, load_version, workspace_versions
from icpkit.scorecard import Attribute, Bin, Condition, Disqualifier, Scorecard, Tiers
from icpkit.scorecard.io import save_scorecard
from icpkit.validate.diff import diff_scorecards, diff_segments


def _employees(*bins: tuple[str, Condition, int]) -> Attribute:
    return Attribute(
        "Employees", "employees", "numeric", tuple(Bin(label, p, c) for label, c, p in bins)
    )


EMPLOYEES = _employees(
    ("under 50", Condition(less_than=50), 0),
    ("50-199", Condition(min=50, less_than=200), 10),
    ("200+", Condition(min=200), 20),
)
INDUSTRY = Attribute(
    "Industry",
    "industry",
    "category",
    (
        Bin("Software", 10, Condition(values=("Software",))),
        Bin("anything else", 0, Condition(other=True)),
    ),
)
SNOWFLAKE = Attribute(
    "Uses Snowflake",
    "technologies",
    "list",
    (
        Bin("uses Snowflake", 5, Condition(values=("Snowflake",))),
        Bin("no Snowflake", 0, Condition(other=True)),
    ),
)
GOVERNMENT = Disqualifier(
    "Industry", "industry", "category", Condition(values=("Government",)), "Industry: Government"
)

OLD = Scorecard(
    "ICP", (EMPLOYEES, INDUSTRY), Tiers(70, 50, 30), trained_on={"data_fingerprint": "aaa"}
)
NEW = Scorecard(
    "ICP",
    (
        _employees(
            ("under 50", Condition(less_than=50), 0),
            ("50-499", Condition(min=50, less_than=500), 10),
            ("500+", Condition(min=500), 25),
        ),
        replace(INDUSTRY, bins=(replace(INDUSTRY.bins[0], points=15), INDUSTRY.bins[1])),
        SNOWFLAKE,
    ),
    Tiers(75, 50, 25),
    disqualifiers=(GOVERNMENT,),
    trained_on={"data_fingerprint": "bbb", "half_life_days": 90},
)

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["small-retail", "mid-software", "big-software", "big-government"],
        "employees": [20, 300, "1,200", 800],  # a number as a CRM export writes it
        "industry": ["Retail", "Software", "Software", "Government"],
        "technologies": [None, "Snowflake;dbt", "dbt", None],
    }
)


def test_a_card_against_itself_changes_nothing() -> None:
    result = diff_scorecards(OLD, OLD, accounts=ACCOUNTS, id_column="account_id")
    assert not result.changed
    assert {a.status for a in result.attributes} == {"same"}
    assert result.moves.moved == 0
    assert result.same_data is True
    assert "The two cards score every account the same." in result.text()


def test_every_kind_of_change_is_named() -> None:
    result = diff_scorecards(OLD, NEW)
    status = {a.name: a.status for a in result.attributes}
    assert status == {"Employees": "rebinned", "Industry": "repointed", "Uses Snowflake": "added"}
    industry = next(a for a in result.attributes if a.name == "Industry")
    assert industry.repointed == (("Software", 10, 15),)
    assert result.disqualifiers_added == ["Industry: Government"]
    assert result.disqualifiers_removed == []
    assert result.old_tiers == {"unit": "score", "A": 70, "B": 50, "C": 30}
    assert result.new_tiers["A"] == 75
    assert result.old_point_range == (0, 30)
    assert result.new_point_range == (0, 45)
    assert result.same_data is False
    assert (
        "Attributes: added Uses Snowflake; bins redrawn for Employees; points changed for "
        "Industry." in result.summary()
    )
    text = result.text()
    assert "~ Industry: Software +10 -> +15" in text
    assert "was: under 50 (+0), 50-199 (+10), 200+ (+20)" in text
    assert "now: under 50 (+0), 50-499 (+10), 500+ (+25)" in text
    assert "+ disqualifier: Industry: Government" in text
    assert "half-life 90 days" in text


def test_accounts_that_change_tier_are_counted() -> None:
    result = diff_scorecards(OLD, NEW, accounts=ACCOUNTS, id_column="account_id")
    moves = result.moves
    # Old card (range 0-30): small-retail 0 -> D, mid-software 30 -> 100 A, big-software
    # 30 -> A, big-government 20 -> 67 B. New card (range 0-45): small-retail 0 -> D,
    # mid-software 10+15+5 = 30 -> 67 B, big-software 25+15 = 40 -> 89 A, big-government
    # disqualified -> D.
    assert moves.accounts == 4
    assert moves.moved == 2
    assert (moves.up, moves.down) == (0, 2)
    assert moves.matrix["A"] == {"A": 1, "B": 1, "C": 0, "D": 0}
    assert moves.matrix["B"]["D"] == 1
    assert moves.matrix["D"]["D"] == 1
    biggest = {m["id"]: m for m in moves.largest}
    assert biggest["mid-software"]["old_score"] == 100
    assert biggest["mid-software"]["new_score"] == 67
    assert biggest["big-government"]["new_tier"] == "D"
    assert "2 of 4 accounts (50%) change tier: 0 up, 2 down." in result.summary()
    data = json.loads(json.dumps(result.to_json()))
    assert data["accounts"]["change_tier"] == 2
    assert data["attributes"][1]["points_changed"] == [{"bin": "Software", "old": 10, "new": 15}]


def test_leading_segments_that_appear_or_go() -> None:
    def segment(kind, description, rate, significant=True):
        return {
            "kind": kind,
            "description": description,
            "win_rate": rate,
            "accounts": 100,
            "significant": significant,
        }

    old = [
        segment("icp", "Software", 0.4),
        segment("icp", "Small", 0.35),
        segment("anti", "Gov", 0.02),
    ]
    new = [
        segment("icp", "Software", 0.45),
        segment("icp", "Mid-market", 0.5),
        segment("icp", "Noise", 0.3, significant=False),
        segment("anti", "Gov", 0.03),
    ]
    result = diff_segments(old, new)
    assert [s["description"] for s in result["added"]] == ["Mid-market"]
    assert [s["description"] for s in result["removed"]] == ["Small"]
    kept = {s["description"]: s for s in result["kept"]}
    assert kept["Software"]["old_win_rate"] == 0.4 and kept["Software"]["new_win_rate"] == 0.45
    assert result["significant"] == {"icp": {"old": 2, "new": 2}, "anti": {"old": 1, "new": 1}}


# ---- explain -------------------------------------------------------------------------------------


def _folder(root: Path, name: str, card: Scorecard, accounts: pd.DataFrame) -> Path:
    folder = root / name
    folder.mkdir()
    save_scorecard(card, folder / "scorecard.toml")
    # Employees as text, the way a CRM export often holds them: scoring parses them.
    accounts.astype({"employees": "string"}).to_parquet(folder / "accounts.parquet", index=False)
    return folder


def test_explain_says_why_a_score_moved(tmp_path: Path) -> None:
    versions = [
        load_version(_folder(tmp_path, n, c, ACCOUNTS)) for n, c in (("v1", OLD), ("v2", NEW))
    ]
    history = explain_account("mid-software", versions)
    assert [(s.score, s.tier) for s in history.scores] == [(100, "A"), (67, "B")]
    move = history.moves[0]
    assert move.score_change == -33
    assert move.tier_change == "A -> B"
    reasons = "\n".join(move.reasons)
    assert "Employees: 200+ (+20) -> 50-499 (+10), bins redrawn" in reasons
    assert "Industry: Software re-weighed, +10 -> +15 points" in reasons
    assert "Uses Snowflake joined the card: uses Snowflake (+5)" in reasons
    # 30 points were 100 on the old 0-30 range and would be 100 still; on 0-45 they are 67.
    assert "point range moved [0, 30] -> [0, 45]: -33 of the score change" in reasons
    assert "tier cut-offs moved: A 70+ B 50+ C 30+ -> A 75+ B 50+ C 25+" in reasons
    assert "Account mid-software" in history.text()
    data = json.loads(json.dumps(history.to_json()))
    assert [v["icp_tier"] for v in data["versions"]] == ["A", "B"]
    assert data["versions"][1]["points"]["Uses Snowflake"] == {"bin": "uses Snowflake", "points": 5}
    assert data["versions"][0]["values"]["employees"] == "300"
    assert data["moves"][0]["tier_change"] == "A -> B"


def test_explain_shows_the_accounts_own_data_changing(tmp_path: Path) -> None:
    grown = ACCOUNTS.assign(employees=[20, 600, 1200, 800])
    versions = [
        load_version(_folder(tmp_path, "2024", OLD, ACCOUNTS)),
        load_version(_folder(tmp_path, "2025", OLD, grown)),
    ]
    move = explain_account("mid-software", versions).moves[0]
    assert move.score_change == 0  # 300 and 600 employees sit in the same 200+ bin
    assert move.reasons == ["the account's employees changed: 300 -> 600"]
    disqualified = explain_account(
        "big-government", [versions[0], load_version(_folder(tmp_path, "dq", NEW, ACCOUNTS))]
    )
    assert "now disqualified: Industry: Government" in disqualified.moves[0].reasons
    assert disqualified.scores[1].tier == "D"


def test_explain_needs_the_account_and_its_data(tmp_path: Path) -> None:
    card_file = tmp_path / "card.toml"
    save_scorecard(OLD, card_file)
    with pytest.raises(IcpkitError, match="--accounts"):
        explain_account("mid-software", [load_version(card_file)])
    with pytest.raises(IcpkitError, match="no account with account_id 'nobody'"):
        explain_account("nobody", [load_version(card_file)], ACCOUNTS)
    with pytest.raises(IcpkitError, match="no scorecard file or build folder"):
        load_version(tmp_path / "missing")
    with pytest.raises(IcpkitError, match=r"no scorecard\.toml"):
        load_version(tmp_path)


def test_versions_come_from_the_workspace(tmp_path: Path) -> None:
    from icpkit.workspace import Workspace

    path = tmp_path / "ws.duckdb"
    with pytest.raises(IcpkitError, match="workspace not found"):
        workspace_versions(path)
    ws = Workspace.open(path)
    ws.save_version(OLD, author="ana", reason="first card")
    ws.save_version(NEW, author="ana", reason="moved upmarket")
    versions = workspace_versions(path)
    assert [v.label for v in versions] == ["v1", "v2"]
    assert load_version("v2", workspace=path).card.trained_on["half_life_days"] == 90
    history = explain_account("mid-software", versions, ACCOUNTS)
    assert [s.version for s in history.scores] == ["v1", "v2"]
    assert history.moves[0].score_change == -33


# ---- the command line -------------------------------------------------------------------------


def _invoke(*args) -> tuple[int, str]:
    from typer.testing import CliRunner

    from icpkit.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_cli_diff_and_explain(tmp_path: Path) -> None:
    old = _folder(tmp_path, "icp-2024", OLD, ACCOUNTS)
    new = _folder(tmp_path, "icp-2025", NEW, ACCOUNTS)
    code, text = _invoke("diff", old, new)
    assert code == 0, text
    assert "2 of 4 accounts (50%) change tier" in text
    assert "tier changes counted on" in text
    code, out = _invoke("diff", old / "scorecard.toml", new, "--json", "--out", tmp_path / "d.json")
    assert code == 0
    assert json.loads(out)["attributes"][0]["status"] == "rebinned"
    assert json.loads((tmp_path / "d.json").read_text())["changed"] is True
    code, text = _invoke("explain", "--account", "mid-software", old, new)
    assert code == 0, text
    assert "icp-2024 -> " in text and "score -33, tier A -> B" in text
    with pytest.raises(IcpkitError, match="no scorecard file or build folder"):
        _invoke("diff", old, tmp_path / "nowhere")


# ---- two real builds of the demo data ------------------------------------------------------------


@pytest.mark.slow
def test_diff_of_two_demo_builds_a_year_apart(demo_crm, demo_build) -> None:
    deals = demo_crm.deals
    cut = pd.Timestamp("2024-12-31")
    earlier = deals[deals["created_at"] <= cut].copy()
    open_then = earlier["closed_at"] > cut
    earlier.loc[open_then, ["outcome", "closed_at"]] = ["open", pd.NaT]
    old = build_icp(demo_crm.accounts, earlier).scorecard
    new = demo_build.scorecard
    result = diff_scorecards(
        old,
        new,
        accounts=demo_crm.accounts,
        id_column="account_id",
        old_label="2024",
        new_label="2025",
    )
    summary = result.summary()
    assert summary[0].startswith("Trained on ")
    assert "up to 2024-12-3" in summary[0] and "up to 2025-12-3" in summary[0]
    assert "(different data)" in summary[0]
    assert result.moves.accounts == 3000
    assert 0 < result.moves.moved < 3000
    assert sum(sum(row.values()) for row in result.moves.matrix.values()) == 3000
    assert any("change tier" in line for line in summary)
    text = result.text()
    assert text.startswith("Scorecard diff: 2024 -> 2025")
    assert len(text.splitlines()) < 80  # a summary a person reads, not a dump
