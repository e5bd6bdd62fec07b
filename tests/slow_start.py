"""A component slow to start, as a browser handler can be: it holds the engine
between ``engine_started`` and running for a moment, the window in which a
signal once went unheeded (added to the project's ``EXTENSIONS`` with ``-s``)."""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SlowStart:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SlowStart:
        component = cls()
        crawler.signals.connect(component.engine_started, signal=signals.engine_started)
        return component

    async def engine_started(self) -> None:
        logger.info("Starting slowly")
        await asyncio.sleep(1)
