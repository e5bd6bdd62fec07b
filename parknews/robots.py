"""robots.txt, obeyed as Scrapy does, and remembered for a day.

RFC 9309 (section 2.4) lets a crawler cache robots.txt for up to 24 hours.
Keeping it in the state means an hourly re-run over an unchanged site costs
only its pages: the home page, the news centre and one list page per category.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from parknews.config import ParknewsConfig
from parknews.state import StateError, open_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware with a cache of ``PARKNEWS_ROBOTS_TTL`` seconds
    (0: fetch robots.txt on every run)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        config = ParknewsConfig.from_crawler(crawler)
        self.ttl = config.robots_ttl
        self.config = config

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers and self.ttl > 0:
            body = self._cached(netloc)
            if body is not None:
                self._stats.inc_value("robotstxt/cached")
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        await super()._parse_robots(response, netloc, request)
        # A 4xx means "no rules" to Scrapy too; a 5xx or an error is not cached.
        if self.ttl > 0 and response.status < 500:
            self._store(netloc, response.body if response.status < 400 else b"")

    def _cached(self, netloc: str) -> bytes | None:
        try:
            store = open_state(self.config)
        except StateError:
            return None
        try:
            return store.robots(netloc, self.ttl)
        finally:
            store.close()

    def _store(self, netloc: str, body: bytes) -> None:
        try:
            store = open_state(self.config)
            try:
                store.save_robots(netloc, body)
            finally:
                store.close()
        except (StateError, sqlite3.Error) as exc:  # a cache: fetch again next run
            logger.debug("robots.txt of %s not cached: %s", netloc, exc)
