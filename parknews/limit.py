"""``-a limit=N``: export exactly N articles, then stop.

Scrapy's ``CLOSESPIDER_ITEMCOUNT`` only starts closing at the Nth item: the
pages already in flight still yield theirs, and at the live site's delay the
queued requests are still sent, so ``limit=3`` exported 8 articles ten seconds
later. Here the dedup pipeline asks :meth:`ExportLimit.admit` before it
records an article; past N the article is dropped unrecorded (the next run
exports it), the spider follows no more links, and the run closes with
Scrapy's reason ``closespider_itemcount`` without sending what was queued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from parknews.config import ParknewsConfig
from parknews.shared import per_crawler
from parknews.stopping import drop_waiting_requests

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

#: The finish reason Scrapy's CloseSpider extension gives, which the run checks expect.
REASON = "closespider_itemcount"


class ExportLimit:
    """The count of articles admitted for export against ``PARKNEWS_LIMIT`` (0: none)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = ParknewsConfig.from_crawler(crawler).limit
        self.admitted = 0
        self._closing = False
        if self.limit:
            crawler.signals.connect(self._item_scraped, signal=signals.item_scraped)

    @classmethod
    def of(cls, crawler: Crawler) -> ExportLimit:
        """The crawler's one limit, shared by the pipeline and the spider."""
        return per_crawler(crawler, cls)

    @property
    def reached(self) -> bool:
        return bool(self.limit) and self.admitted >= self.limit

    def admit(self) -> bool:
        """Whether one more article may be exported; counts it if so."""
        if self.reached:
            self.crawler.stats.inc_value("parknews/over_limit")
            return False
        self.admitted += 1
        return True

    def _item_scraped(self) -> None:
        """Close once the Nth article has gone to the feed (as CloseSpider would),
        then give up the requests still waiting: the engine is closing, so none
        comes in their place."""
        if not self.reached or self._closing or self.crawler.engine is None:
            return
        self._closing = True
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=REASON))
        drop_waiting_requests(self.crawler)
