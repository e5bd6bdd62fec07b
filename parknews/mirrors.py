"""Mirror copies wait: when the original is on the site too, it is the one exported.

A mirror copy (a page with pinyin glosses) and its original have the same
fingerprint, so the dedup pipeline keeps whichever arrives first. Held back
until the crawl is otherwise done, the copy always arrives second: it is
dropped when the original was found, and exported when it was not.
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


class MirrorHoldback:
    """Holds mirror items until the spider is idle, then sends them through the pipelines."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.held: list[Article] = []
        crawler.signals.connect(self._release, signal=signals.spider_idle)

    def hold(self, item: Article) -> None:
        self.crawler.stats.inc_value("parknews/mirror_deferred")
        self.held.append(item)

    def _release(self) -> None:
        if not self.held:
            return
        # A data: URL is answered in-process: no request reaches any server.
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(
            Request("data:,", callback=self._items, dont_filter=True, meta={"allow_offsite": True})
        )
        raise DontCloseSpider

    def _items(self, response: Response) -> Iterator[Article]:
        items, self.held = self.held, []
        yield from items
