"""`pip install icpkit` alone learns and scores; the server, PostgreSQL, Excel and Spark are
extras, and a missing one is named in one line."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from icpkit.extras import EXTRAS, missing_extra

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Python stands in for an install without the extras: these imports fail as if not installed.
WITHOUT_EXTRAS = textwrap.dedent(
    f"""
    import importlib.abc, sys

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {sorted(EXTRAS)!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

    sys.meta_path.insert(0, NotInstalled())
    """
)


def run_without_extras(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )


def requirement_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_core_dependencies_leave_the_server_postgres_excel_and_spark_to_extras():
    core = {requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    for extra in ("serve", "postgres", "excel", "spark"):
        names = {requirement_name(r) for r in extras[extra]}
        assert names and not names & core, extra
    assert {"fastapi", "uvicorn", "prometheus-client", "pydantic"} <= {
        requirement_name(r) for r in extras["serve"]
    }
    assert "psycopg" in {requirement_name(r) for r in extras["postgres"]}
    # The test extra pulls every other extra, so `make test` installs what all tests need.
    assert "icpkit[serve,postgres,excel,spark]" in extras["test"]
    # Every module the extras map to belongs to an extra that exists.
    assert set(EXTRAS.values()) <= set(extras)


@pytest.mark.slow
def test_learning_scoring_and_sql_work_without_any_extra(tmp_path):
    done = run_without_extras(
        """
        import icpkit
        crm = icpkit.simulate(500, seed=2, out="crm")
        result = icpkit.build(icpkit.read_crm("crm"), out="icp-out")
        scores = icpkit.score("icp-out/scorecard.toml", crm.accounts, id="account_id")
        sql = icpkit.to_sql(result.scorecard, "postgres", "accounts")
        model = icpkit.ScorecardClassifier(max_attributes=3)
        print(len(scores), scores["icp_tier"].isin(list("ABCD")).all(), sql.startswith("SELECT"))
        import sys
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("fastapi", "psycopg")))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["500 True True", "[]"]


def test_the_command_line_names_the_missing_extra_in_one_line(tmp_path):
    card = ROOT / "examples" / "seed-scorecard.toml"
    done = run_without_extras(
        f"""
        import sys
        from icpkit.cli import main
        sys.argv = ["icpkit", "serve", "--scorecard", {str(card)!r}, "--port", "8999"]
        main()
        """,
        tmp_path,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "pip install 'icpkit[serve]'" in lines[0]


@pytest.mark.parametrize(
    ("module", "extra"),
    [("fastapi.responses", "serve"), ("psycopg", "postgres"), ("pyspark.sql", "spark")],
)
def test_missing_extra_names_the_extra(module, extra):
    problem = missing_extra(ModuleNotFoundError(f"No module named {module!r}", name=module))
    assert problem is not None and f"icpkit[{extra}]" in str(problem)
    assert missing_extra(ModuleNotFoundError("No module named 'numpyy'", name="numpyy")) is None
