"""icp.md is shared and rendered (GitHub, wikis, Notion): a company value or column name
such as ``<img src=x onerror=...>`` must reach it as text, never as HTML."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from icpkit.report.render import markdown_text

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_markdown_text_keeps_tags_as_text_and_bins_as_written():
    assert markdown_text(f"industry is {PAYLOAD}") == "industry is \\<img src=x onerror=alert(1)>"
    assert markdown_text("<50 employees, <= 10, a < b") == "<50 employees, <= 10, a < b"
    assert markdown_text("<!-- hidden --> </script>") == "\\<!-- hidden --> \\</script>"


@pytest.mark.slow
def test_icp_md_carries_no_raw_html_from_the_data(tmp_path):
    rows = ["account_id,employees,industry,Status"]
    for i in range(80):
        won = i % 2 == 0
        industry = PAYLOAD if won and i % 10 else ("Retail" if i % 3 else "Banking")
        rows.append(f"a{i},{10 + 37 * i % 4000},{industry},{'Won' if won else 'Lost'}")
    source = tmp_path / "deals.csv"
    source.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "icpkit", "build", "--accounts", str(source),
         "--outcome", "Status", "--positive", "Won", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = Path(out / "icp.md").read_text()
    assert "img src=x" in text  # the value is shown ...
    assert re.search(r"(?<!\\)<[A-Za-z/!?]", text) is None  # ... as text: no tag opens
