"""Access tokens: read from the environment or from a file given by path, never printed.

A :class:`Secret` shows as ``***`` wherever it is printed, logged or put in an error message;
only the transport reads its value, to build the ``Authorization`` header.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from icpkit.errors import IcpkitError

TOKEN_VARIABLES = {
    "hubspot": "HUBSPOT_ACCESS_TOKEN",
    "salesforce": "SALESFORCE_ACCESS_TOKEN",
}


class Secret:
    """A credential that never shows itself: ``str``, ``repr`` and f-strings give ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"


def read_token(
    crm: str, token_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Secret, list[str]]:
    """The access token for ``crm`` and any warnings about how it is stored.

    ``token_file`` (a file holding only the token) wins over the environment variable
    (``HUBSPOT_ACCESS_TOKEN`` or ``SALESFORCE_ACCESS_TOKEN``).
    """
    environ = os.environ if environ is None else environ
    variable = TOKEN_VARIABLES[crm]
    if token_file is not None:
        return _token_from_file(token_file)
    value = environ.get(variable, "").strip()
    if not value:
        raise IcpkitError(
            f"no {crm} access token: set {variable} or give --token-file PATH "
            "(a file holding only the token)"
        )
    return Secret(value), []


def _token_from_file(path: Path) -> tuple[Secret, list[str]]:
    if not path.is_file():
        raise IcpkitError("token file not found", file=path)
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise IcpkitError("cannot read the token file as UTF-8 text", file=path) from None
    if not value or len(value.split()) != 1:
        raise IcpkitError("the token file must hold one token and nothing else", file=path)
    warnings = []
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} can be read by other users; chmod 600 it")
    return Secret(value), warnings


def check_url(url: str) -> str:
    """``url`` without a trailing slash, refused when a token would travel unencrypted.

    Plain ``http://`` is allowed only to this machine (a local proxy or a test server).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IcpkitError(f"{url!r} is not an http(s) URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise IcpkitError(
            f"refusing to send an access token unencrypted to {parts.hostname}: use https://"
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
