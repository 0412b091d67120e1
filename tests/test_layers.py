"""Lower layers never import higher ones (DESIGN.md, "Data flow"): read from the source's import
statements (every one, also inside functions and ``if TYPE_CHECKING:``), not from what a run
happens to load."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "icpkit"


def module_name(path: Path, source: Path = SOURCE) -> str:
    parts = path.relative_to(source.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, source: Path = SOURCE) -> set[str]:
    """Every module ``path`` imports, by absolute name (``from icpkit import build`` is
    ``icpkit.build``; relative imports resolved)."""
    package = module_name(path, source)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def importers(target: str, under: Path = SOURCE) -> list[str]:
    """Modules under ``under`` that import ``target`` or anything inside it."""
    return sorted(
        module_name(path)
        for path in under.rglob("*.py")
        if any(name == target or name.startswith(f"{target}.") for name in imports(path))
    )


def test_the_reader_sees_every_kind_of_import(tmp_path):
    package = tmp_path / "icpkit" / "report"
    package.mkdir(parents=True)
    module = package / "x.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from icpkit.build import BuildResult\n"
        "def f():\n    from .. import cli\n    import icpkit.results\n"
    )
    found = imports(module, tmp_path / "icpkit")
    assert {"icpkit.build.BuildResult", "icpkit.cli", "icpkit.results"} <= found


def test_the_report_reads_typed_results_never_the_builder():
    assert importers("icpkit.build", SOURCE / "report") == []


def test_only_the_command_line_imports_the_command_line():
    outside = [m for m in importers("icpkit.cli") if not m.startswith("icpkit.cli")]
    # `python -m icpkit` is the command line's own entry point.
    assert outside == ["icpkit.__main__"]
