"""Item pipelines, in order: drop duplicates, flag gaps.

Items arrive finished (``ArticlePage.to_item()`` repaired their text):
nothing here changes a field.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NoReturn

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from parknews.config import ParknewsConfig
from parknews.items import CONTENT_FIELDS
from parknews.limit import ExportLimit
from parknews.records import RunRecords
from parknews.sites import site_stat
from parknews.state import State

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DedupPipeline:
    """Drops an article already exported, in this run or an earlier one.

    Known by canonical URL, or by the fingerprint of its normalised title and
    body, so a mirror copy in Traditional characters with glosses is the same
    article as its Simplified original. A known URL whose text changed (or,
    with ``refresh_clicks``, whose click count changed) is exported again as
    an update: same ``url``, new values and ``crawled_at``. What it records
    joins the state with the output (``parknews.records``), once the feeds are
    stored (``feed_exporter_closed``): a failed export or a killed run marks
    nothing as seen. Past ``-a limit=N`` an article is dropped before it is
    recorded, so the next run exports it.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        config = ParknewsConfig.from_crawler(crawler)
        self.records = RunRecords.of(crawler)
        self.refresh_clicks = config.refresh_clicks
        self.simplified: dict[str, bool] = {}
        self.limit = ExportLimit.of(crawler)
        self.store: State | None = None
        self.waits_for_feeds = bool(crawler.settings.getdict("FEEDS"))
        crawler.signals.connect(self.feeds_stored, signal=signals.feed_exporter_closed)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        sites = getattr(self.crawler.spider, "sites", ())
        self.simplified = {site.name: site.script == "zh-hans" for site in sites}
        self.store = self.records.open()

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        adapter = ItemAdapter(item)
        url = adapter["url"]
        site = adapter.get("site")
        fp = item.content_fingerprint(self.simplified.get(site, False))
        clicks = adapter.get("clicks")
        known = self.store.lookup(url)
        if known is None:
            original = self.store.original_of(fp, url)
            if original is not None:
                # remembered, so later runs do not fetch the copy again
                self.store.add(url, fp, clicks, duplicate_of=original)
                self._drop("fingerprint", f"same text as {original}: {url}", site)
            changes = ["parknews/new"]
        elif known.duplicate_of:
            self._drop("fingerprint", f"same text as {known.duplicate_of}: {url}", site)
        elif known.fingerprint != fp:
            changes = ["parknews/updated"]  # the site edited the article
        elif self.refresh_clicks and clicks is not None and clicks != known.clicks:
            changes = ["parknews/updated", "parknews/clicks_changed"]
        else:
            self._drop("url", url, site)
        if not self.limit.admit():
            raise DropItem(f"past the limit of {self.limit.limit}, left for the next run: {url}", log_level="DEBUG")
        for key in changes:
            self._count(key, site)
        self.store.add(url, fp, clicks)
        return item

    def _count(self, key: str, site: str | None) -> None:
        self.stats.inc_value(key)
        if site:
            self.stats.inc_value(site_stat(site, key.removeprefix("parknews/")))

    def _drop(self, why: str, what: str, site: str | None) -> NoReturn:
        self._count("parknews/duplicate", site)
        self.stats.inc_value(f"parknews/duplicate/{why}")
        raise DropItem(f"already exported ({why}): {what}", log_level="DEBUG")

    def feeds_stored(self) -> None:
        stats = self.stats.get_stats()
        failed = any(
            stats.get(key) for key in ("parknews/output_failed", "parknews/output_discarded", "parknews/state_failed")
        ) or any(key.startswith("feedexport/failed_count/") for key in stats)
        self.store = None
        self.records.finish(stored=not failed)

    def spider_closed(self) -> None:
        if not self.waits_for_feeds:
            self.store = None
            self.records.finish(stored=True)


class CompletenessPipeline:
    """Warns, naming URL and field, for each field an article lacks; counts
    them in stats, for the run and per site (what the coverage checks judge)."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CompletenessPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        site = adapter.get("site") or "?"
        missing = [name for name in CONTENT_FIELDS if adapter.get(name) is None]
        for key in ["articles", *(f"missing/{name}" for name in missing), *(["missing_any"] if missing else [])]:
            self.stats.inc_value(f"parknews/{key}")
            self.stats.inc_value(site_stat(site, key))
        for name in missing:
            logger.warning("%s: no %s found", adapter.get("url"), name)
        return item
