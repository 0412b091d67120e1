"""Web domains: the registrable domain of a website, URL or e-mail address.

Where the public suffix ends (``acme.co.uk``, not ``co.uk``) is decided by the Public Suffix
List as shipped inside ``tldextract``: never fetched, never cached on disk. Its private section
counts too, so a company on a platform's subdomain is that subdomain (``acme.github.io``, not
``github.io``, which every other such company shares), and the platform's own domain is
``github.io``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from icpkit.ingest.normalise.text import ParseError, show

if TYPE_CHECKING:
    from tldextract import TLDExtract

# The common case, read with one expression: scheme, host of letters/digits/hyphens, path.
_SIMPLE_URL = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63})\.?(?::\d+)?(?:[/?#].*)?"
)
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_LABEL = re.compile(r"[0-9a-z\u00a0-\uffff][0-9a-z\u00a0-\uffff-]*")


@cache
def _public_suffixes() -> TLDExtract:
    # imported here: tldextract brings in requests (0.15 s), which only a domain column needs
    import tldextract

    # no list URLs: the snapshot in the package, offline; no cache_dir: nothing written
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def parse_domain(text: str) -> str:
    """The registrable domain of a website, URL or e-mail address, lower case.

    ``"https://www.acme.co.uk/about"`` → ``acme.co.uk``; ``"jane@sales.acme.com"`` →
    ``acme.com``; ``"shop.acme.com.au"`` → ``acme.com.au``; ``"xn--mnchen-3ya.de"`` →
    ``münchen.de``. A host under a top-level domain the list does not know (``acme.internal``)
    keeps its last two labels; a public suffix alone (``co.uk``) is refused.
    """
    s = text.strip().lower()
    simple = _SIMPLE_URL.fullmatch(s)
    if simple and "xn--" not in s:
        return _registrable(simple.group(1).split("."), text)
    s = re.sub(r"^[a-z][a-z0-9+.-]*://", "", s)
    if "@" in s:
        s = s.rsplit("@", 1)[1]
    s = re.split(r"[/?#\s]", s, maxsplit=1)[0]
    s = s.split(":", 1)[0].strip(".")
    try:
        s = s.encode("idna").decode("ascii") if not s.isascii() else s
        s = s.encode("ascii").decode("idna") if "xn--" in s else s
    except UnicodeError:
        raise ParseError(f'cannot read "{show(text)}" as a web domain') from None
    labels = s.split(".")
    valid = all(_LABEL.fullmatch(label) for label in labels)
    if len(labels) < 2 or not valid or _IPV4.fullmatch(s) or labels[-1].isdigit():
        raise ParseError(f'cannot read "{show(text)}" as a web domain')
    return _registrable(labels, text)


def _registrable(labels: list[str], text: str) -> str:
    """The public suffix of a host of two labels or more, and the one label before it."""
    host = ".".join(labels)
    found = _public_suffixes().extract_str(host)
    if found.is_private and not found.domain:
        # a platform's own domain (github.io, blogspot.com) is a company's domain like any
        # other: the ICANN section alone decides
        found = _public_suffixes().extract_str(host, include_psl_private_domains=False)
    # the list's suffix, counted in the host's own labels (its IDN form as given)
    keep = len(found.suffix.split(".")) + 1 if found.suffix else 2
    if len(labels) < keep:
        raise ParseError(f'"{show(text)}" is a public suffix, not a company domain')
    return ".".join(labels[-keep:])
