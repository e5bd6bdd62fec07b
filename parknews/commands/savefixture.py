"""``scrapy savefixture URL…``: save live pages, with their headers, as fixtures.

Pages are fetched through Scrapy with the project's settings (user agent,
robots.txt, politeness) and written byte for byte, with status and
Content-Type, in the format ``parknews.replay`` serves, so fixtures can be
refreshed when the site changes its templates. Without ``--dir`` they go to a
new directory of their own; ``--dir fixtures`` adds them to the committed
fixtures, whose manifest keeps its formatting.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from parknews.config import ConfigError, parse_start_urls, project_root
from parknews.replay import dump_manifest

if TYPE_CHECKING:
    import argparse
    from collections.abc import AsyncIterator

    from scrapy.http import Response

_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def fixture_path(url: str) -> str:
    """Where a URL's page is stored under the fixtures directory."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if path.endswith("/"):
        path += "index.html"
    stem = "site" + "/".join(_UNSAFE.sub("_", p) for p in path.split("/"))
    if parts.query:
        base, dot, ext = stem.rpartition(".")
        stem = f"{base}__{_UNSAFE.sub('_', parts.query)}.{ext}" if dot else f"{stem}__{_UNSAFE.sub('_', parts.query)}"
    return stem


class SaveSpider(scrapy.Spider):
    name = "parknews-savefixture"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ITEM_PIPELINES": {},
        "FEEDS": {},
        "EXTENSIONS": {"parknews.outcome.RunSummary": None},
        "SPIDERMON_ENABLED": False,
        "PARKNEWS_ROBOTS_TTL": 0,  # robots.txt obeyed, not cached: the crawl state is left alone
    }

    def __init__(self, urls: list[str], out: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls, self.out, self.saved = urls, out, {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, meta={"handle_httpstatus_all": True, "source_url": url})

    def parse(self, response: Response) -> None:
        url = response.meta["source_url"]
        rel = fixture_path(url)
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.body)
        headers = {"Content-Type": (response.headers.get(b"Content-Type") or b"").decode("latin-1")}
        parts = urlsplit(url)
        key = parts.path + (f"?{parts.query}" if parts.query else "")
        self.saved[key] = {"file": rel, "status": response.status, "headers": headers}
        self.logger.info("Saved %s (%s) as %s", url, response.status, rel)

    def closed(self, reason: str) -> None:
        manifest_path = self.out / "manifest.json"
        manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {"pages": {}}
        if self.urls:
            first = urlsplit(self.urls[0])
            manifest.setdefault("origin", f"{first.scheme}://{first.netloc}")
        manifest["pages"].update(self.saved)
        dump_manifest(manifest, self.out)
        self.logger.info("%d pages saved in %s", len(self.saved), self.out)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] <url> [url …]"

    def short_desc(self) -> str:
        return "Save pages with their status and headers into the fixtures directory"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--dir", help="fixtures directory (default: a new fixtures/saved-<UTC time>/; --dir fixtures adds to those)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one URL")
        try:
            urls = list(parse_start_urls(args))
        except ConfigError as exc:
            raise UsageError(str(exc)) from exc
        out = Path(opts.dir) if opts.dir else project_root() / "fixtures" / f"saved-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        out.mkdir(parents=True, exist_ok=True)
        assert self.crawler_process is not None
        self.crawler_process.crawl(SaveSpider, urls=urls, out=out)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
