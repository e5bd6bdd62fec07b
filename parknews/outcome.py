"""How a run ended: failure, exit code, one summary line, ``last-run.json``.

``run_failure`` and ``final_failure`` are pure functions of the stats, so the
feed storage (keep or discard the output), the checks in ``parknews.monitors``,
the crawl command's exit code and the summary all agree.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from parknews.config import ParknewsConfig
from parknews.items import CONTENT_FIELDS
from parknews.sites import site_stat
from parknews.stopping import run_abandoned

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


#: A distributed round's pages, all workers together (``parknews.distributed.rounds``):
#: a worker that fetched none while the others fetched the site did not fail.
ROUND_PAGES = "parknews/round_pages"


def run_failure(stats: dict[str, Any]) -> str | None:
    """Why the site could not be crawled at all, or None.

    Not one page could be fetched and parsed: the site is unreachable, or
    the start URLs answer with errors.
    """
    if stats.get("parknews/pages", 0) or stats.get(ROUND_PAGES, 0):
        return None
    error = stats.get("parknews/fetch_error")
    return f"site unreachable: {error}" if error else "no page could be fetched"


def site_failure(stats: dict[str, Any], name: str) -> str | None:
    """Why one site of the run could not be crawled at all, or None."""
    if stats.get(site_stat(name, "pages"), 0) or stats.get(site_stat(name, ROUND_PAGES.removeprefix("parknews/")), 0):
        return None
    error = stats.get(site_stat(name, "fetch_error"))
    return f"unreachable: {error}" if error else "no page could be fetched"


def interruption(stats: dict[str, Any]) -> str | None:
    """What a SIGINT or SIGTERM did to the run, in plain words, or None."""
    name = stats.get("parknews/interrupted")
    if not name:
        return None
    if stats.get("parknews/stopped_at_once"):
        return f"interrupted by {name} twice: stopped at once, nothing of this run was kept"
    return f"interrupted by {name}: stopped before the crawl was done; the articles exported so far are kept"


def final_failure(stats: dict[str, Any]) -> str | None:
    """The run's failure: the output could not be written, the checks' verdict
    (an interruption among them), or the unreachable site."""
    if stats.get("parknews/output_failed"):
        return f"output could not be written: {stats['parknews/output_failed']}"
    if stats.get("parknews/output_discarded"):
        return f"output discarded: {stats['parknews/output_discarded']}"
    if any(key.startswith("feedexport/failed_count/") for key in stats):
        return "output could not be stored (see the 'Error storing' line)"
    if stats.get("parknews/state_failed"):
        return f"state could not be saved: {stats['parknews/state_failed']}"
    if stats.get("parknews/interrupted") and "finish_reason" not in stats:
        return interruption(stats)  # stopped before the spider closed: the checks never ran
    return stats.get("parknews/failure") or run_failure(stats) or interruption(stats)


def exit_code(stats: dict[str, Any]) -> int:
    """0 ok; 128 + the signal's number when SIGINT or SIGTERM stopped the run
    (what a shell reports for a process a signal ended); 1 any other failure."""
    name = stats.get("parknews/interrupted")
    if name in signal.Signals.__members__:
        return 128 + signal.Signals[name].value
    return 1 if final_failure(stats) or stats.get("parknews/summary_failed") else 0


def _elapsed(stats: dict[str, Any]) -> float:
    """The crawl's time; a run stopped at once has no closing stats, so from its start."""
    if stats.get("elapsed_time_seconds") is not None:
        return float(stats["elapsed_time_seconds"])
    start = stats.get("start_time")
    return (datetime.now(UTC) - start).total_seconds() if isinstance(start, datetime) else 0.0


def summary(stats: dict[str, Any]) -> dict[str, Any]:
    failure = final_failure(stats)
    return {
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "ok": failure is None,
        "exit_code": exit_code(stats),
        "failure": failure,
        "elapsed_s": round(_elapsed(stats), 3),
        # requests sent: those given up unsent when the run stopped went only as far as the downloader
        "requests": stats.get("downloader/request_count", 0) - stats.get("parknews/not_sent", 0),
        "pages": stats.get("parknews/pages", 0),
        "articles": {
            "new": stats.get("parknews/new", 0),
            "updated": stats.get("parknews/updated", 0),
            "duplicate": stats.get("parknews/duplicate", 0),
            "missing_field": stats.get("parknews/missing_any", 0),
        },
        "errors": stats.get("log_count/ERROR", 0),
        "sites": {name: _site_summary(stats, name) for name in site_names(stats)},
        "stats": stats,
    }


def site_names(stats: dict[str, Any]) -> list[str]:
    """The sites the stats count, in the order first counted."""
    return list(dict.fromkeys(key.split("/")[2] for key in stats if key.startswith("parknews/site/")))


def _site_summary(stats: dict[str, Any], name: str) -> dict[str, Any]:
    def get(key: str) -> Any:
        return stats.get(site_stat(name, key), 0)

    return {
        "pages": get("pages"),
        "new": get("new"),
        "updated": get("updated"),
        "duplicate": get("duplicate"),
        "missing_field": get("missing_any"),
        "missing": {f: get(f"missing/{f}") for f in CONTENT_FIELDS if get(f"missing/{f}")},
        "fetch_error": stats.get(site_stat(name, "fetch_error")),
    }


def summary_line(info: dict[str, Any]) -> str:
    """``35 requests, 24 new, … 0.4 s``: the run in one line, from :func:`summary`."""
    art = info["articles"]
    return (
        f"{info['requests']} requests, {art['new']} new, {art['updated']} updated, "
        f"{art['duplicate']} duplicate, {art['missing_field']} missing a field, "
        f"{info['errors']} errors, {info['elapsed_s']:.1f} s"
    )


class RunSummary:
    """One summary line when the engine stops (or the run is stopped at once),
    and ``PARKNEWS_SUMMARY`` (JSON), written atomically so a monitoring script
    never reads half a file."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.path = ParknewsConfig.from_crawler(crawler).summary_path
        crawler.signals.connect(self.report, signal=signals.engine_stopped)
        crawler.signals.connect(self.report, signal=run_abandoned)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        return cls(crawler)

    def report(self) -> None:
        info = summary(self.stats.get_stats())
        line = summary_line(info)
        if info["failure"]:
            logger.error("Run failed: %s (%s)", info["failure"], line)
        else:
            logger.info("Run summary: %s", line)
        if len(info["sites"]) > 1:
            for name, site in info["sites"].items():
                logger.info(
                    "Site %s: %d pages, %d new, %d updated, %d duplicate, %d missing a field",
                    name,
                    site["pages"],
                    site["new"],
                    site["updated"],
                    site["duplicate"],
                    site["missing_field"],
                )
        if self.path:
            self._write(Path(self.path), info)

    def _write(self, path: Path, info: dict[str, Any]) -> None:
        """The summary file, or one ERROR saying why not: the run's outcome
        stands, and the exit code is not 0, so a monitor reading it notices."""
        tmp = path.with_name(f".{path.name}.part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(info, default=str, indent=1, ensure_ascii=False), "utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            self.stats.set_value("parknews/summary_failed", f"{path}: {exc.strerror or exc}")
            logger.error("Cannot write the run summary %s (%s)", path, exc.strerror or exc)
