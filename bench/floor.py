"""The floor: a bare Scrapy spider over the same pages, extracting nothing.

It starts where parknews starts and follows the same links: on every page
that is not an article it reads the ``<a href>`` values and follows those
that lead to a page parknews fetches too (the site's hubs, lists, articles
and mirror copies, tracking queries dropped the way parknews drops them);
article pages are not even decoded. Scrapy's own settings, with the same
concurrency, delay, timeout, retries and robots.txt handling as the parknews
replay crawl, and no project settings: no pipelines, no middlewares, no feed.

What is left is what Scrapy itself costs to fetch the archive (engine,
scheduler, duplicate filter, HTTP client, Twisted), the floor parknews
cannot go below.

``python bench/floor.py --start URL --pages PAGES.json [--stats FILE] [-s NAME=VALUE]…``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from w3lib.url import url_query_cleaner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parknews.replay import REPLAY_SETTINGS  # noqa: E402
from parknews.settings import DOWNLOAD_TIMEOUT, RETRY_TIMES, ROBOTSTXT_OBEY, USER_AGENT  # noqa: E402

_ARTICLE_PATH = re.compile(r"/\d+\.html$")


class FloorSpider(scrapy.Spider):
    name = "floor"

    def __init__(self, start: str, pages: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        base = start.rstrip("/")
        self.targets = frozenset(base + p for p in pages)

    def parse(self, response):
        if _ARTICLE_PATH.search(urlsplit(response.url).path):
            return
        for href in response.xpath("//a/@href").getall():
            url = url_query_cleaner(response.urljoin(href), ("from",), remove=True)
            if url in self.targets:
                yield scrapy.Request(url, callback=self.parse)


def settings(stats_file: str | None) -> dict:
    out = {
        "USER_AGENT": USER_AGENT,
        "ROBOTSTXT_OBEY": ROBOTSTXT_OBEY,
        "RETRY_TIMES": RETRY_TIMES,
        "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }
    out.update(REPLAY_SETTINGS)
    if stats_file:
        out.update(STATS_CLASS="benchstats.JsonStatsCollector", BENCH_STATS_FILE=stats_file)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", required=True, help="the replay site's home URL")
    parser.add_argument("--pages", type=Path, required=True, help="JSON list of the paths parknews fetches")
    parser.add_argument("--stats", help="write the run's stats here as JSON")
    parser.add_argument("-s", dest="set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")
    args = parser.parse_args(argv)
    pages = json.loads(args.pages.read_text(encoding="utf-8"))
    overrides = dict(item.split("=", 1) for item in args.set)
    process = CrawlerProcess({**settings(args.stats), **overrides}, install_root_handler=True)
    process.crawl(FloorSpider, start=args.start, pages=pages)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
