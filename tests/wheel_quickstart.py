"""The quick start, run against an installed wheel (`make wheel-check`), not the source tree.

`make wheel-check` builds the wheel, installs it alone (its declared dependencies from the
package index) into a fresh venv, and runs this file with that venv's python in isolated mode
(``python -I``: neither PYTHONPATH nor this folder is on the path) from an empty folder. It
proves what a user of ``pip install icpkit`` relies on: every file of the package (data tables,
templates, vendored scripts) is in the wheel, the declared dependencies are enough to read a
CRM, build the ICP and score, and the ``icpkit`` command is installed.

Usage: ``python -I tests/wheel_quickstart.py SOURCE_TREE`` (the repository root).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

import icpkit


def main(source_tree: Path) -> None:
    package = Path(icpkit.__file__).resolve().parent
    source = (source_tree / "src" / "icpkit").resolve()
    if package == source:
        sys.exit(f"icpkit was imported from the source tree ({package}), not from the wheel")
    left_out = sorted(
        str(path.relative_to(source))
        for path in source.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not (package / path.relative_to(source)).is_file()
    )
    if left_out:
        sys.exit(f"the wheel lacks {len(left_out)} file(s) of the package: {', '.join(left_out)}")

    # The library quick start (README.md, "In Python"; docs/library.md).
    icpkit.simulate(500, seed=7, out="crm")
    crm = icpkit.read_crm("crm")
    result = icpkit.build(crm, out="icp-out")
    accounts = crm.tables["accounts"]
    scores = icpkit.score(result.scorecard, accounts, id="account_id")
    sql = icpkit.to_sql(result.scorecard, "duckdb", "accounts")
    assert len(scores) == len(accounts) == 500, len(scores)
    assert scores["icp_tier"].isin(list("ABCD")).all()
    assert sql.lstrip().upper().startswith("SELECT"), sql[:80]
    assert "<html" in Path("icp-out/report.html").read_text(encoding="utf-8")[:500].lower()

    # The console command the wheel installs gives the same scores.
    command = Path(sys.executable).parent / "icpkit"
    done = subprocess.run(
        [
            command,
            "score",
            "--scorecard",
            "icp-out/scorecard.toml",
            "--id",
            "account_id",
            "--input",
            "crm/accounts.csv",
            "--out",
            "scored.csv",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"icpkit score failed: {done.stderr.strip()}")
    by_command = pd.read_csv("scored.csv")
    assert by_command["icp_score"].tolist() == scores["icp_score"].tolist()
    print(
        f"wheel ok: icpkit {icpkit.__version__} from {package}; {len(scores)} accounts scored, "
        f"tiers {scores['icp_tier'].value_counts().sort_index().to_dict()}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
