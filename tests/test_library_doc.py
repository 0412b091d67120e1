"""docs/library.md runs as written: every Python block, in order, in an empty folder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "library.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_page_has_the_walk_through_steps():
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    code = "\n".join(blocks)
    for call in ("read_crm(", "build(", "score(", "to_sql(", "cross_val_score(", "GridSearchCV("):
        assert call in code, call
    assert len(blocks) >= 8


@pytest.mark.slow
def test_every_python_block_runs_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__main__"}
    for number, block in enumerate(python_blocks(DOC.read_text(encoding="utf-8")), start=1):
        try:
            exec(compile(block, f"docs/library.md block {number}", "exec"), namespace)
        except Exception as error:
            pytest.fail(f"block {number} of docs/library.md fails: {error!r}\n{block}")
    # What the page tells the reader it shows, checked on what it computed.
    assert (tmp_path / "icp-out" / "report.html").is_file()
    assert (tmp_path / "my-card.toml").is_file()
    assert namespace["validation"].auc > 0.65
    assert namespace["written"].profiles == namespace["result"].profiles
    scored = namespace["icpkit"].score(namespace["card"], namespace["leads"], id="lead")
    assert scored["lead"].tolist() == ["L-1", "L-2", "L-3"]
    assert scored.loc[1, "icp_tier"] == "D"  # Education and 35 employees: the planted anti-ICP
    auc = namespace["auc"]
    assert auc.shape == (5,) and np.all(auc > 0.6)
    assert namespace["search"].best_params_["max_attributes"] in (2, 4)


@pytest.mark.slow
def test_readme_python_block_runs_on_the_demo_crm(tmp_path, monkeypatch):
    import icpkit

    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = python_blocks(readme)
    assert blocks
    monkeypatch.chdir(tmp_path)
    icpkit.simulate(3000, seed=7, out="icp-out/sample-crm")  # what `make demo` writes first
    namespace: dict = {"__name__": "__main__"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["result"].validation.auc > 0.65
