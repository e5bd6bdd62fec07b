"""Links and URLs: absolute, canonical, and on which host.

A host is the URL's netloc — name *and* port — so ``127.0.0.1:8000`` and
``127.0.0.1:9000`` are two sites, as a browser's same-origin rule has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from w3lib.url import url_query_cleaner

#: Query parameters that only say where a visitor came from: they never change the page.
TRACKING_PARAMS = (
    "from",
    "spm",
    "share",
    "share_from",
    "sharefrom",
    "fr",
    "isappinstalled",
    "scene",
    "clicktime",
    "enterid",
    "wfr",
    "source",
    "ref",
    "_t",
)
HOME_PATHS = frozenset(
    {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.php", "/index.asp", "/default.aspx"}
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    rel: str = ""


def canonical_url(url: str) -> str:
    """Drop the fragment and tracking parameters (``?from=list``, ``utm_*``)."""
    url = urldefrag(url)[0]
    if "?" not in url:
        return url
    url = url_query_cleaner(url, TRACKING_PARAMS, remove=True)
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.lower().startswith("utm_")]
    return base + ("?" + "&".join(kept) if kept else "")


def host_of(url: str) -> str:
    """The URL's netloc, lower-cased: host and port."""
    return urlsplit(url).netloc.lower()


@lru_cache(maxsize=512)
def _origin(base: str) -> str | None:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


@lru_cache(maxsize=8192)
def _resolve(base: str, href: str) -> str | None:
    try:
        url = urldefrag(urljoin(base, href))[0]
        return url if urlsplit(url).scheme in ("http", "https") else None
    except ValueError:  # "http://[", a host urllib cannot parse: no link a browser could follow either
        return None


def absolute_http_url(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``, without fragment; None unless http(s).

    Every page repeats the site's navigation, and urljoin + urldefrag +
    urlsplit cost about 15 µs a link. A root-relative href (``/news/``)
    resolves the same against any page of a host, so it is looked up by the
    host alone and is parsed once per crawl rather than once per page.
    """
    if href[:1] == "/" and href[:2] != "//":
        origin = _origin(base)
        if origin is not None:
            base = origin
    return _resolve(base, href)


def crawl_problem(url: str) -> str | None:
    """What keeps ``url`` from being crawled, in words, or None."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # "http://[": an unclosed IPv6 bracket
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "is not an http:// or https:// URL"
    try:
        port = parts.port
    except ValueError:  # "http://host:abc/", "http://host:99999/"
        port_text = parts.netloc.rpartition(":")[2]
        return f"has port {port_text!r}, which is not a number from 1 to 65535"
    if not parts.hostname:
        return "has no host name"
    if port == 0:
        return "has port '0', which is not a number from 1 to 65535"
    return None
