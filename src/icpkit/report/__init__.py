"""The ICP document: `icp.md` and a self-contained `report.html` with the same content.

- :func:`write_reports` writes both for a fresh build (``icpkit build`` calls it);
- :func:`render_folder` re-renders them from a build folder's files (``icpkit report``);
- :func:`load_build_folder` and :func:`report_document` give the content as plain data, and
  :func:`render_html` turns it into the page (the web app serves the same page);
- :func:`print_pdf` prints the page to PDF with headless Chromium;
- :func:`deals_since_build` counts the deals a CRM closed since the build (when to re-validate).
"""

from icpkit.report.inputs import ReportInputs, deals_since_build, from_build, load_build_folder
from icpkit.report.pdf import print_pdf
from icpkit.report.render import (
    render_folder,
    render_html,
    render_markdown,
    report_document,
    write_reports,
)

__all__ = [
    "ReportInputs",
    "deals_since_build",
    "from_build",
    "load_build_folder",
    "print_pdf",
    "render_folder",
    "render_html",
    "render_markdown",
    "report_document",
    "write_reports",
]
