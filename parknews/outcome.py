"""Whether a run failed, decided from its stats alone.

One pure function, so the crawl command (exit code), the feed storage (keep
or discard the output) and the closing log line all agree.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def run_failure(stats: dict[str, Any]) -> str | None:
    """A one-line reason when the run failed, else None.

    A run fails when not one page could be fetched and parsed: the site is
    unreachable, or the start URLs answer with errors. A run that finds
    nothing new is a success.
    """
    if stats.get("parknews/pages", 0):
        return None
    error = stats.get("parknews/fetch_error")
    return f"site unreachable: {error}" if error else "no page could be fetched"


class RunOutcome:
    """Logs the failure, if any, as one ERROR line when the spider closes, and
    writes the run's stats as JSON to ``PARKNEWS_STATS_FILE`` when set."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.stats_file = crawler.settings.get("PARKNEWS_STATS_FILE")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunOutcome:
        return cls(crawler)

    def spider_closed(self, reason: str) -> None:
        failure = run_failure(self.stats.get_stats())
        if failure:
            self.stats.set_value("parknews/failure", failure)
            logger.error("Crawl failed: %s", failure)

    def engine_stopped(self) -> None:
        if not self.stats_file:
            return
        path = Path(self.stats_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_text(json.dumps(self.stats.get_stats(), default=str, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, path)
