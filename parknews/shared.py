"""One object per crawler, shared by the components that must agree on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

T = TypeVar("T")


def per_crawler(crawler: Crawler, make: Callable[[Crawler], T]) -> T:
    """The crawler's one ``make(crawler)``, made on first use.

    The spider, the pipelines and the feed storage are built separately by
    Scrapy; what they share (the config, the export limit, the list walks,
    the run's records) must be one object, kept on the crawler they share.
    """
    shared: dict[Callable[[Crawler], object], object] = crawler.__dict__.setdefault("_parknews_shared", {})
    if make not in shared:
        shared[make] = make(crawler)
    return shared[make]  # type: ignore[return-value]
