"""Call notes, win/loss reviews and interview write-ups: read them and tie each to a deal.

``icpkit build --notes DIR_OR_CSV`` takes either

- a folder of ``.txt`` / ``.md`` files, one per deal or account, each named by the deal id,
  the account id or the company's domain (``DEAL-000123.md``, ``acme.com.txt``); or
- a CSV file with a text column (``text``, ``note``, ``notes``, ``body``, ``content``,
  ``transcript``) and at least one key column (``deal_id``, ``account_id``, ``domain``;
  ``note_id`` is kept when present).

Every note is either used or quarantined with its file, line and reason (blank text, no key,
a key that matches no deal or account). The themes in the notes are found by
:mod:`icpkit.discover.themes`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError

TEXT_COLUMNS = ("text", "note", "notes", "body", "content", "transcript", "summary")
KEY_COLUMNS = ("deal_id", "account_id", "domain")
NOTE_SUFFIXES = (".txt", ".md", ".markdown")
MAX_FILES = 200_000


@dataclass
class Notes:
    """Notes as read: one row per note with ``note_id``, ``source`` (file and line), the keys it
    came with (``deal_id``, ``account_id``, ``domain``: blank when absent) and ``text``."""

    frame: pd.DataFrame
    path: str
    quarantined: list[dict] = field(default_factory=list)
    read: int = -1  # notes read: kept + quarantined when read (linking may quarantine more)

    def __post_init__(self) -> None:
        if self.read < 0:
            self.read = len(self.frame) + len(self.quarantined)


def read_notes(path: Path | str) -> Notes:
    """Read a folder of text/markdown notes or a CSV of notes (see the module docstring)."""
    where = Path(path)
    if where.is_dir():
        return _read_folder(where)
    if not where.is_file():
        raise IcpkitError("notes not found (give a folder of .txt/.md files or a CSV)", file=where)
    if where.suffix.lower() in NOTE_SUFFIXES:
        return _read_files([where], where.parent)
    return _read_csv(where)


def _read_folder(folder: Path) -> Notes:
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in NOTE_SUFFIXES
    )
    if not files:
        raise IcpkitError("no .txt or .md notes in this folder", file=folder)
    if len(files) > MAX_FILES:
        raise IcpkitError(f"more than {MAX_FILES:,} note files; give a CSV instead", file=folder)
    return _read_files(files, folder)


def _read_files(files: list[Path], root: Path) -> Notes:
    rows, quarantined = [], []
    for file in files:
        source = str(file.relative_to(root)) if file.is_relative_to(root) else str(file)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            quarantined.append(_quarantine(source, 1, f"not UTF-8 text ({error.reason})"))
            continue
        key = _file_key(file)
        if not text.strip():
            quarantined.append(_quarantine(source, 1, "the note is empty"))
            continue
        rows.append(
            {
                "note_id": source,
                "source": source,
                "deal_id": key,
                "account_id": key,
                "domain": normalise_domain(key),
                "text": text,
            }
        )
    return Notes(_frame(rows), str(root), quarantined)


def _file_key(file: Path) -> str:
    """The id in a file's name: ``DEAL-1.md`` -> ``DEAL-1``, ``acme.com.md`` -> ``acme.com``."""
    name = file.name
    for suffix in NOTE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)].strip()
    return file.stem.strip()


def _read_csv(file: Path) -> Notes:
    try:
        raw = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IcpkitError(
            f"not UTF-8 text ({error.reason} at byte {error.start})", file=file
        ) from None
    reader = csv.reader(io.StringIO(raw, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise IcpkitError("the notes file is empty", file=file, line=1) from None
    except csv.Error as error:
        raise IcpkitError(f"not a CSV file ({error})", file=file, line=1) from None
    names = [h.strip().lower() for h in header]
    text_at = next((names.index(c) for c in TEXT_COLUMNS if c in names), None)
    if text_at is None:
        raise IcpkitError(
            f"no text column: expected one of {', '.join(TEXT_COLUMNS)}", file=file, line=1
        )
    keys = {c: names.index(c) for c in KEY_COLUMNS if c in names}
    if not keys:
        raise IcpkitError(
            f"no key column: expected one of {', '.join(KEY_COLUMNS)}", file=file, line=1
        )
    id_at = names.index("note_id") if "note_id" in names else None
    rows, quarantined = [], []
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            source = f"{file.name}:{line}"
            if not any(cell.strip() for cell in record):
                continue  # a blank line is no row
            if len(record) != len(header):
                quarantined.append(
                    _quarantine(
                        file.name, line, f"{len(record)} fields where the header has {len(header)}"
                    )
                )
                continue
            text = record[text_at]
            found = {c: record[i].strip() for c, i in keys.items()}
            if not text.strip():
                quarantined.append(_quarantine(file.name, line, f"{names[text_at]} is blank"))
                continue
            if not any(found.values()):
                quarantined.append(
                    _quarantine(file.name, line, f"no {' or '.join(keys)} to tie the note to")
                )
                continue
            rows.append(
                {
                    "note_id": (record[id_at].strip() if id_at is not None else "") or source,
                    "source": source,
                    "deal_id": found.get("deal_id", ""),
                    "account_id": found.get("account_id", ""),
                    "domain": normalise_domain(found.get("domain", "")),
                    "text": text,
                }
            )
    except csv.Error as error:
        raise IcpkitError(f"not a CSV file ({error})", file=file, line=line + 1) from None
    return Notes(_frame(rows), str(file), quarantined)


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = ["note_id", "source", "deal_id", "account_id", "domain", "text"]
    return pd.DataFrame(rows, columns=columns).astype(str)


def _quarantine(file: str, line: int, reason: str) -> dict:
    return {"file": file, "line": line, "reason": reason}


def normalise_domain(value: str) -> str:
    """``https://www.Acme.com/about`` -> ``acme.com``; blank stays blank."""
    text = str(value or "").strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0]
    return text.removeprefix("www.")


def link_notes(notes: Notes, deals: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Tie each note to the deal or account it is about, with that unit's outcome.

    A note keyed by a deal takes the deal's outcome; a note keyed by an account (id or domain)
    takes the account's: won if any of its deals was won, lost if it lost and never won, open
    otherwise. A folder's file name is tried as a deal id, then an account id, then a domain.
    Notes that match nothing are moved to ``notes.quarantined``. Returns the notes that
    matched, with ``unit`` (the deal or account id) and ``outcome`` (won, lost or open).
    """
    frame = notes.frame
    if frame.empty:
        return frame.assign(unit=[], outcome=[])
    deal_outcome = dict(
        zip(deals["deal_id"].astype(str), deals["outcome"].astype(str), strict=False)
    )
    account_outcome = _account_outcomes(deals)
    by_domain: dict[str, str] = {}
    if "domain" in accounts.columns:
        for account, domain in zip(
            accounts["account_id"].astype(str), accounts["domain"], strict=False
        ):
            if isinstance(domain, str) and domain.strip():
                by_domain.setdefault(normalise_domain(domain), account)
    known_accounts = set(accounts["account_id"].astype(str))

    units, outcomes, keep = [], [], []
    for row in frame.itertuples(index=False):
        unit, outcome = None, None
        if row.deal_id in deal_outcome:
            unit, outcome = f"deal:{row.deal_id}", deal_outcome[row.deal_id]
        else:
            account = row.account_id if row.account_id in known_accounts else None
            account = account or by_domain.get(row.domain)
            if account is not None:
                unit, outcome = f"account:{account}", account_outcome.get(account, "open")
        if unit is None:
            key = row.deal_id or row.account_id or row.domain
            file, _, line = row.source.rpartition(":")
            file, line = (file, int(line)) if line.isdigit() else (row.source, 1)
            notes.quarantined.append(
                _quarantine(file, line, f"no deal, account or domain matches {key!r}")
            )
            keep.append(False)
            continue
        units.append(unit)
        outcomes.append(outcome if outcome in ("won", "lost") else "open")
        keep.append(True)
    linked = frame[np.array(keep, dtype=bool)].copy()
    linked["unit"] = units
    linked["outcome"] = outcomes
    return linked.reset_index(drop=True)


def _account_outcomes(deals: pd.DataFrame) -> dict[str, str]:
    outcome = deals["outcome"].astype(str)
    account = deals["account_id"].astype(str)
    won = set(account[outcome == "won"])
    lost = set(account[outcome == "lost"])
    result = dict.fromkeys(set(account), "open")
    result |= dict.fromkeys(lost, "lost")
    result |= dict.fromkeys(won, "won")
    return result
