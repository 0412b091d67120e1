"""Every `$ icpkit ...` example in README.md runs as written, in order, after `make demo`.

The examples run in a scratch copy of the repository layout: `examples/` and `../shared/data`
are linked in, and `icp-out/` is made the way `make demo` makes it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# Exit 1 is a verdict, not a failure, for these: monitor raises an alarm that way.
VERDICT_COMMANDS = {"monitor"}


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, flags=re.S)
    return [
        line[2:].strip()
        for block in blocks
        for line in block.splitlines()
        if line.startswith("$ icpkit ")
    ]


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    args = shlex.split(command)
    assert args[0] == "icpkit"
    return subprocess.run(
        [sys.executable, "-m", "icpkit", *args[1:]],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=600,
        env=os.environ | {"ICPKIT_WORKSPACE": str(cwd / "ws.duckdb")},
    )


@pytest.fixture(scope="module")
def repository(tmp_path_factory, shared_data) -> Path:
    top = tmp_path_factory.mktemp("readme")
    (top / "shared").symlink_to(shared_data.parent)
    repo = top / "repo"
    repo.mkdir()
    (repo / "examples").symlink_to(ROOT / "examples")
    for step in (
        "icpkit simulate --accounts 3000 --seed 7 --out icp-out/sample-crm",
        "icpkit build --from icp-out/sample-crm --out icp-out",
    ):
        result = run(step, repo)
        assert result.returncode == 0, result.stderr
    return repo


def test_readme_shows_the_quick_start():
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.search(r"```console\nmake demo\nmake test\n```", quick)


@pytest.mark.slow
def test_every_readme_example_runs_as_written(repository):
    commands = readme_commands()
    assert len(commands) >= 20
    documented = {shlex.split(c)[1] for c in commands}
    assert {
        "simulate",
        "ingest",
        "build",
        "score",
        "inspect",
        "validate",
        "sql",
        "size",
        "report",
        "monitor",
        "diff",
        "explain",
        "export",
        "push",
        "keys",
        "versions",
    } <= documented
    for command in commands:
        result = run(command, repository)
        allowed = {0, 1} if shlex.split(command)[1] in VERDICT_COMMANDS else {0}
        assert result.returncode in allowed, f"{command}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, command
