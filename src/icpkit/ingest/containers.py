"""Files that hold a table inside another format: a gzip-compressed CSV and an Excel workbook.

Both are opened here and handed back as what the CSV reader works on (the decompressed bytes;
the sheet's rows as text), so everything after reading is the same for every file. Neither
can take more than it should: a gzip file is decompressed up to a limit (a small file that
expands to gigabytes is refused, not read), a workbook is read row by row in read-only mode.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zipfile
import zlib
from pathlib import Path

from icpkit.errors import IcpkitError

# Decompressed text beyond this is refused: the careful reader holds the whole file in memory.
MAX_DECOMPRESSED_BYTES = 512 * 1024 * 1024
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def container_of(head: bytes, file: Path) -> str | None:
    """``"gzip"`` or ``"xlsx"`` when the file is one of them (by its first bytes; a ZIP is a
    workbook when it holds ``xl/workbook.xml`` or is named ``.xlsx``), else None."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if not head.startswith(b"PK\x03\x04"):
        return None
    if file.suffix.lower() in WORKBOOK_SUFFIXES:
        return "xlsx"
    try:
        with zipfile.ZipFile(file) as archive:
            return "xlsx" if "xl/workbook.xml" in archive.namelist() else None
    except (zipfile.BadZipFile, OSError):
        return None


def gunzip(file: Path, label: str, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The decompressed bytes of a gzip file; an :class:`IcpkitError` when it is damaged or
    would expand beyond ``limit``."""
    try:
        with gzip.open(file, "rb") as handle:
            data = handle.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise IcpkitError(f"cannot decompress the gzip file ({error})", file=label) from None
    if len(data) > limit:
        raise IcpkitError(
            f"decompresses to more than {limit // 1024 // 1024} MB; decompress it and read "
            "it as CSV or Parquet",
            file=label,
        )
    return data


def workbook_rows(file: Path, label: str) -> tuple[list[list[str]], list[int], str]:
    """The first sheet of an Excel workbook that holds any value: its rows as text (as a CSV
    of the sheet would hold them), the sheet row of each, and the sheet's name. Blank rows are
    left out."""
    try:
        import openpyxl
    except ImportError:
        raise IcpkitError(
            "reading Excel workbooks needs openpyxl: pip install 'icpkit[excel]', or save "
            "the sheet as CSV",
            file=label,
        ) from None
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise IcpkitError(
            f"is not a CSV or Parquet file, and cannot be read as an Excel workbook ({reason})",
            file=label,
        ) from None
    try:
        for sheet in book.worksheets:
            rows: list[list[str]] = []
            numbers: list[int] = []
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(value) for value in row]
                if any(cell.strip() for cell in cells):
                    rows.append(cells)
                    numbers.append(number)
            if rows:
                return rows, numbers, sheet.title
    except Exception as error:  # a damaged sheet inside a readable workbook
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise IcpkitError(f"cannot read the workbook's sheet ({reason})", file=label) from None
    finally:
        book.close()
    raise IcpkitError("file is empty (no data rows)", file=label)


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export of it would hold: ``1200`` not ``1200.0``,
    dates as ISO, ``true``/``false``, blank for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
