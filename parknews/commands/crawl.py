"""``scrapy crawl`` with exit codes a scheduler can act on.

Plain ``scrapy crawl`` exits 0 even when every request failed. This one
checks settings and spider arguments before anything starts (one-line
error, exit 2) and exits 1 when the run failed (see ``parknews.outcome``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from parknews.config import ConfigError, ParknewsConfig, parse_limit, parse_start_urls
from parknews.outcome import run_failure

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Validate here: this runs before Scrapy sets up logging and prints its banner."""
        super().process_options(args, opts)
        assert self.settings is not None
        try:
            ParknewsConfig.from_settings(self.settings)
            if "start_urls" in opts.spargs:
                parse_start_urls(opts.spargs["start_urls"])
            if "limit" in opts.spargs:
                # Scrapy's CloseSpider extension does the counting.
                limit = parse_limit(opts.spargs.pop("limit"))
                self.settings.set("CLOSESPIDER_ITEMCOUNT", limit, priority="cmdline")
        except ConfigError as exc:
            print(f"parknews: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. 'scrapy crawl parknews'")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or (
            crawler.stats is not None and run_failure(crawler.stats.get_stats())
        ):
            self.exitcode = 1
