"""Print the ICP document to PDF with headless Chromium (the page's print styles decide the
layout: the summary on page one, the appendices after).

Chromium is found as ``$ICPKIT_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` or ``chrome`` on the PATH. It is started with a fresh profile and every
background connection off, so printing a report sends nothing anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from icpkit.errors import IcpkitError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT_SECONDS = 120
QUIET_FLAGS = (
    "--headless",
    "--no-sandbox",  # root in containers and CI; the page is our own file, without script
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
)


def find_chromium() -> str:
    """The Chromium executable to use, or a clear error saying how to get one."""
    chosen = os.environ.get("ICPKIT_CHROMIUM")
    if chosen:
        if shutil.which(chosen) is None:
            raise IcpkitError(f"ICPKIT_CHROMIUM={chosen}: no such executable")
        return chosen
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise IcpkitError(
        "--pdf needs Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set "
        "ICPKIT_CHROMIUM to a Chromium or Chrome executable"
    )


def print_pdf(html_file: Path | str, pdf_file: Path | str) -> Path:
    """Print ``html_file`` to ``pdf_file`` (A4, no browser header or footer)."""
    html_path, pdf_path = Path(html_file).resolve(), Path(pdf_file).resolve()
    if not html_path.is_file():
        raise IcpkitError("report not found", file=html_path)
    browser = find_chromium()
    with tempfile.TemporaryDirectory(prefix="icpkit-chromium-") as profile:
        command = [
            browser,
            *QUIET_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise IcpkitError(
                f"Chromium did not finish printing within {TIMEOUT_SECONDS} s", file=html_path
            ) from None
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise IcpkitError(f"Chromium could not print the report: {detail}", file=html_path)
    return pdf_path
