"""How a run ended: failure, one summary line, ``last-run.json``.

``run_failure`` is a pure function of the stats, so the feed storage (keep
or discard the output), the checks in ``parknews.monitors`` and the crawl
command's exit code all agree.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from parknews.config import ParknewsConfig

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def run_failure(stats: dict[str, Any]) -> str | None:
    """Why the site could not be crawled at all, or None.

    Not one page could be fetched and parsed: the site is unreachable, or
    the start URLs answer with errors.
    """
    if stats.get("parknews/pages", 0):
        return None
    error = stats.get("parknews/fetch_error")
    return f"site unreachable: {error}" if error else "no page could be fetched"


def final_failure(stats: dict[str, Any]) -> str | None:
    """The run's failure: the output could not be written, the checks' verdict,
    or the unreachable site."""
    if stats.get("parknews/output_failed"):
        return f"output could not be written: {stats['parknews/output_failed']}"
    if any(key.startswith("feedexport/failed_count/") for key in stats):
        return "output could not be stored (see the 'Error storing' line)"
    if stats.get("parknews/state_failed"):
        return f"state could not be saved: {stats['parknews/state_failed']}"
    return stats.get("parknews/failure") or run_failure(stats)


def summary(stats: dict[str, Any]) -> dict[str, Any]:
    failure = final_failure(stats)
    return {
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "ok": failure is None,
        "exit_code": 1 if failure else 0,
        "failure": failure,
        "elapsed_s": round(float(stats.get("elapsed_time_seconds") or 0), 3),
        "requests": stats.get("downloader/request_count", 0),
        "pages": stats.get("parknews/pages", 0),
        "articles": {
            "new": stats.get("parknews/new", 0),
            "updated": stats.get("parknews/updated", 0),
            "duplicate": stats.get("parknews/duplicate", 0),
            "missing_field": stats.get("parknews/missing_any", 0),
        },
        "errors": stats.get("log_count/ERROR", 0),
        "stats": stats,
    }


class RunSummary:
    """One summary line when the engine stops, and ``PARKNEWS_SUMMARY`` (JSON),
    written atomically so a monitoring script never reads half a file."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.path = ParknewsConfig.from_crawler(crawler).summary_path
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    def engine_stopped(self) -> None:
        info = summary(self.stats.get_stats())
        art = info["articles"]
        line = (
            f"{info['requests']} requests, {art['new']} new, {art['updated']} updated, "
            f"{art['duplicate']} duplicate, {art['missing_field']} missing a field, "
            f"{info['errors']} errors, {info['elapsed_s']:.1f} s"
        )
        if info["failure"]:
            logger.error("Run failed: %s (%s)", info["failure"], line)
        else:
            logger.info("Run summary: %s", line)
        if self.path:
            path = Path(self.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.part")
            tmp.write_text(json.dumps(info, default=str, indent=1, ensure_ascii=False), "utf-8")
            os.replace(tmp, path)
