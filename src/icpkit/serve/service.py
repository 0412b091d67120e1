"""The application object behind `icpkit serve`: settings, workspace, live state, limits.

Routes reach it as ``request.app.state.service``; tests and embedders build it with
:func:`icpkit.serve.create_app`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import SecretStr

from icpkit.errors import IcpkitError
from icpkit.results import Validation, read_result
from icpkit.scorecard.model import Scorecard
from icpkit.serve.audit import AuditJournal, default_path
from icpkit.serve.limits import RateLimiter
from icpkit.serve.metrics import Metrics
from icpkit.serve.sessions import SessionStore
from icpkit.serve.state import LiveCard, LiveState, ScoringQueue
from icpkit.workspace import Workspace


@dataclass(frozen=True)
class Settings:
    """How the server runs. Every field has a command-line option of the same meaning."""

    # DuckDB path or PostgreSQL URL (a plain string is accepted); None: $ICPKIT_WORKSPACE.
    # A SecretStr because the URL may carry a password: the settings can then be printed,
    # logged or shown in a traceback without it.
    workspace: SecretStr | None = None
    build_dir: Path | None = None  # an `icpkit build` folder: the ICP document and history
    rate_per_second: float = 50.0  # per key, unless the key has its own rate
    burst: float | None = None  # default: twice the rate
    max_body_bytes: int = 2_000_000  # JSON requests (a batch of 1,000 is ~0.5 MB)
    # CSV uploads in the web app: ~200,000 rows, scored in ~30 s; bigger files: `icpkit score`
    max_upload_bytes: int = 20_000_000
    cors_origins: tuple[str, ...] = ()  # none: browsers on other sites cannot call the API
    refresh_seconds: float = 1.0  # how often the workspace is checked for a new version
    audit_seconds: float = 10.0  # how often the audit journal is copied into the workspace
    audit_journal: Path | None = None  # default: beside a DuckDB workspace (see serve.audit)
    anonymous_rate_per_second: float = 5.0  # per address, for callers without key or session
    session_hours: float = 12.0  # how long a browser stays signed in
    secure_cookies: bool = False  # set behind HTTPS so the session cookie is never sent in clear

    def __post_init__(self) -> None:
        if isinstance(self.workspace, str):
            object.__setattr__(self, "workspace", SecretStr(self.workspace))


class BuildFolder:
    """What the web app shows from an `icpkit build` folder, read lazily and kept."""

    def __init__(self, path: Path) -> None:
        if not path.is_dir():
            raise IcpkitError("the build folder does not exist", file=path)
        self.path = path
        self._proves: dict[int, tuple[Scorecard, bool]] = {}

    @property
    def report_html(self) -> Path | None:
        path = self.path / "report.html"
        return path if path.is_file() else None

    @cached_property
    def card_text(self) -> str | None:
        """The learned card as text, its version number left out (for :meth:`proves`)."""
        from icpkit.scorecard.io import load_scorecard

        path = self.path / "scorecard.toml"
        if not path.is_file():
            return None
        return _without_version(load_scorecard(path))

    def proves(self, card: Scorecard) -> bool:
        """Whether this build's validation measured ``card`` (the same card, whatever its
        version number in the workspace). Remembered per card object."""
        known = self._proves.get(id(card))
        if known is None or known[0] is not card:
            known = (card, self.card_text is not None and _without_version(card) == self.card_text)
            self._proves[id(card)] = known
        return known[1]

    @cached_property
    def validation(self) -> Validation | None:
        path = self.path / "validation.json"
        return read_result(path, Validation) if path.is_file() else None

    @cached_property
    def summary(self) -> str | None:
        """The opening paragraph of icp.md: the ICP in one paragraph."""
        path = self.path / "icp.md"
        if not path.is_file():
            return None
        paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n")]
        # The first paragraph of prose: not a heading, table, list, or an italic note.
        text = [p for p in paragraphs if p and not p.startswith(("#", "|", "-", "<", "_", "*"))]
        return text[0] if text else None

    @cached_property
    def history(self) -> tuple[pd.DataFrame, np.ndarray] | None:
        """Every closed deal of the build with its account's attributes, and won (1/0): what
        the editor replays a changed scorecard on."""
        from icpkit.outcomes import closed_deals

        accounts_path, deals_path = self.path / "accounts.parquet", self.path / "deals.parquet"
        if not (accounts_path.is_file() and deals_path.is_file()):
            return None
        accounts = pd.read_parquet(accounts_path)
        closed = closed_deals(pd.read_parquet(deals_path))
        labelled = closed.merge(
            accounts, on="account_id", how="inner", validate="many_to_one", suffixes=("_deal", "")
        )
        if labelled.empty:
            return None
        return labelled[list(accounts.columns)], labelled["won"].to_numpy(dtype=int)


def _without_version(card: Scorecard) -> str:
    from icpkit.scorecard.io import dump_scorecard

    return dump_scorecard(replace(card, version=1))


class Service:
    """Everything a request handler needs, created once per server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        target = settings.workspace
        self.workspace = Workspace.open(None if target is None else target.get_secret_value())
        self.build = BuildFolder(settings.build_dir) if settings.build_dir else None
        self.metrics = Metrics()
        journal = settings.audit_journal or default_path(self.workspace.location)
        self.state = LiveState(
            self.workspace,
            AuditJournal(journal),
            refresh_seconds=settings.refresh_seconds,
            audit_seconds=settings.audit_seconds,
            on_swap=self._swapped,
        )
        self.queue = ScoringQueue()
        self.limiter = RateLimiter(rate=settings.rate_per_second, burst=settings.burst)
        # Callers without a valid key or session, by network address: sign-in guesses and
        # floods of unauthenticated requests are slowed down too.
        self.anonymous_limiter = RateLimiter(
            rate=settings.anonymous_rate_per_second,
            burst=max(10.0, 4 * settings.anonymous_rate_per_second),
        )
        self.backtests: dict[int, Any] = {}  # version -> the editor's replay of it on history
        # Browser sessions live in memory only: a restart signs everyone out, signing out
        # ends the session at once, and nothing about them is written to disk.
        self.sessions = SessionStore(hours=settings.session_hours)

    def _swapped(self, live: LiveCard) -> None:
        self.metrics.version.set(live.version)

    def start(self) -> None:
        self.state.start()

    def stop(self) -> None:
        self.state.stop()
        self.queue.close()
