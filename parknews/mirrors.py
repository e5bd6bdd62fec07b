"""Copies wait: when the original is crawled too, it is the one exported.

A copy and its original have the same fingerprint, so the dedup pipeline
keeps whichever arrives first. Two kinds of page are known to be copies
before their original is seen: a mirror's (pinyin glosses), and another
site's re-publication whose 来源 names a site of this crawl. Held back until
the crawl is otherwise done, the copy always arrives second: it is dropped
(and recorded as a duplicate of the original) when the original was found,
and exported when it was not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from parknews.items import Article
    from parknews.sites import Site


class CopyHoldback:
    """Holds copies until the spider is idle, then sends them through the pipelines."""

    def __init__(self, crawler: Crawler, sites: tuple[Site, ...], on_idle: bool = True) -> None:
        """``on_idle``: release when this spider is idle (one machine); else the
        caller calls :meth:`release` (a distributed round, once every worker is)."""
        self.crawler = crawler
        self.sites = sites
        self.waiting: list[Article] = []
        if on_idle:
            crawler.signals.connect(self._release, signal=signals.spider_idle)

    def held(self, item: Article, mirror: bool) -> bool:
        """Whether ``item`` is a copy, and so held back."""
        if mirror:
            self.crawler.stats.inc_value("parknews/mirror_deferred")
        elif self._cites_another_site(item):
            self.crawler.stats.inc_value("parknews/copy_deferred")
        else:
            return False
        self.waiting.append(item)
        return True

    def _cites_another_site(self, item: Article) -> bool:
        return any(site.name != item.site and site.names_as_source(item.source) for site in self.sites)

    def _release(self) -> None:
        if self.release():
            raise DontCloseSpider

    def release(self) -> bool:
        """Send the held copies through the pipelines; whether there were any."""
        if not self.waiting:
            return False
        # A data: URL is answered in-process: no request reaches any server.
        # It stays with this worker in distributed mode (parknews_local): the copies are its own.
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(
            Request(
                "data:,",
                callback=self._items,
                dont_filter=True,
                meta={"allow_offsite": True, "parknews_local": True},
            )
        )
        return True

    def _items(self, response: Response) -> Iterator[Article]:
        items, self.waiting = self.waiting, []
        yield from items
