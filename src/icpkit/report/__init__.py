"""The ICP document: `icp.md` and a self-contained `report.html` with the same content."""

from icpkit.report.document import write_reports

__all__ = ["write_reports"]
