"""The general extractors parknews is measured against: GNE and trafilatura.

They are not dependencies of the crawler: ``make eval`` (like ``make bench``)
installs them from ``bench/requirements.txt``. Each gets the page's decoded
HTML, the same ``str`` parknews reads, and is called as its documentation
shows; fields it does not extract (click counts, source, category) stay
``None`` and count as its misses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

Fields = dict[str, Any]
Extractor = Callable[[str, str], Fields]

#: Report names and display names of the peers, in report order.
PEERS: dict[str, str] = {"gne": "GNE", "trafilatura": "trafilatura"}


def from_gne(result: dict[str, Any] | None) -> Fields:
    """GNE's ``extract()`` result as record fields."""
    result = result or {}
    return {"title": result.get("title"), "published": result.get("publish_time"), "body": result.get("content")}


def from_trafilatura(document: Any) -> Fields:
    """trafilatura's ``bare_extraction()`` document (``None`` when it found nothing) as record fields."""
    if document is None:
        return {}
    return {"title": document.title, "published": document.date, "body": document.text}


def _gne() -> Extractor:
    import gne

    extractor = gne.GeneralNewsExtractor()

    def extract(html: str, url: str) -> Fields:
        return from_gne(extractor.extract(html))

    return extract


def _trafilatura() -> Extractor:
    import trafilatura

    # It logs an ERROR for each page it cannot parse; that is its miss, counted in the report.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    def extract(html: str, url: str) -> Fields:
        return from_trafilatura(trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False))

    return extract


_FACTORIES: dict[str, Callable[[], Extractor]] = {"gne": _gne, "trafilatura": _trafilatura}


def load_peers() -> tuple[dict[str, Extractor], list[str]]:
    """The peers that can be imported, and the names of those that cannot."""
    found, missing = {}, []
    for name in PEERS:
        try:
            found[name] = _guarded(_FACTORIES[name]())
        except ImportError:
            missing.append(name)
    return found, missing


def _guarded(extract: Extractor) -> Extractor:
    def run(html: str, url: str) -> Fields:
        try:
            return extract(html, url)
        except Exception:  # a page a peer cannot read is its miss, not the end of the evaluation
            return {}

    return run


def versions(names: list[str]) -> dict[str, str]:
    """Installed versions, for the report: figures are only comparable with them."""
    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "?"
    return out
