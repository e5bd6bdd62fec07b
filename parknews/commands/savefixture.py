"""``scrapy savefixture URL…``: save live pages, with their headers, as fixtures.

Pages are fetched through Scrapy with the project's settings (user agent,
robots.txt, politeness) and written byte for byte, with status and
Content-Type, in the format ``parknews.replay`` serves, so fixtures can be
refreshed when the site changes its templates. Without ``--dir`` they go to a
new directory of their own; ``--dir fixtures`` adds them to the committed
fixtures, whose manifest keeps its formatting.

With ``--expect``, each page's current extraction (what ``to_item()`` gives,
in the ``expected.json`` schema ``scrapy eval`` scores) is written beside it
as its expected record: a draft for a person to check and correct, which is
quicker and less error-prone than typing the record. A record already there
is someone's checked truth and is kept, unless ``--replace-expected`` says
otherwise.
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
from scrapy.http import TextResponse

from parknews.config import ConfigError, ParknewsConfig, parse_start_urls, project_root
from parknews.evaluation.corpus import record_of
from parknews.jsonfile import write_json
from parknews.pages import Document, classify
from parknews.spiders.parknews import looks_like_html

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

    def __init__(
        self, urls: list[str], out: Path, expect: bool = False, replace_expected: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.urls, self.out, self.saved = urls, out, {}
        self.expect, self.replace_expected = expect, replace_expected
        self.records: dict[str, dict[str, Any]] = {}

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
        if self.expect:
            self._read(key, response)

    def _read(self, key: str, response: Response) -> None:
        """The page as the crawl reads it, as a draft expected record."""
        if not (200 <= response.status < 300 and isinstance(response, TextResponse) and looks_like_html(response)):
            self.logger.warning("No expected record for %s: not an HTML page (HTTP %s)", response.url, response.status)
            return
        page = classify(Document.from_response(response), ParknewsConfig.from_crawler(self.crawler).script)
        self.records[key] = record_of(page.kind, page.to_item() if page.kind == "article" else None)

    def closed(self, reason: str) -> None:
        manifest_path = self.out / "manifest.json"
        manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
        if self.urls:
            first = urlsplit(self.urls[0])
            manifest.setdefault("origin", f"{first.scheme}://{first.netloc}")
        manifest.setdefault("pages", {}).update(self.saved)
        # as fixtures/generate.py writes it: a re-saved page changes its own entry only
        write_json(manifest_path, manifest)
        self.logger.info("%d pages saved in %s", len(self.saved), self.out)
        if self.expect:
            self._write_expected()

    def _write_expected(self) -> None:
        path = self.out / "expected.json"
        expected = json.loads(path.read_text("utf-8")) if path.exists() else {}
        for key, record in self.records.items():
            if key in expected and not self.replace_expected:
                self.logger.warning("Kept the existing record of %s in %s (--replace-expected replaces it)", key, path)
                continue
            expected[key] = record
            self.logger.info(
                "Wrote the expected record of %s (%s) to %s: check and correct it", key, record["kind"], path
            )
        write_json(path, expected)


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
        parser.add_argument(
            "--expect",
            action="store_true",
            help="also write each page's current extraction into expected.json, for you to check and correct",
        )
        parser.add_argument(
            "--replace-expected", action="store_true", help="with --expect: replace records expected.json already has"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give at least one URL")
        try:
            urls = list(parse_start_urls(args))
        except ConfigError as exc:
            raise UsageError(str(exc)) from exc
        if opts.replace_expected and not opts.expect:
            raise UsageError("--replace-expected goes with --expect")
        out = Path(opts.dir) if opts.dir else project_root() / "fixtures" / f"saved-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        if opts.expect:
            _check_expected(out / "expected.json")
        out.mkdir(parents=True, exist_ok=True)
        assert self.crawler_process is not None
        self.crawler_process.crawl(
            SaveSpider, urls=urls, out=out, expect=opts.expect, replace_expected=opts.replace_expected
        )
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1


def _check_expected(path: Path) -> None:
    """Records are merged into an existing expected.json: one that cannot be read stops the run before any fetch."""
    try:
        records = json.loads(path.read_text("utf-8")) if path.exists() else {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{str(path)!r} cannot be read as JSON: {exc}") from exc
    if not isinstance(records, dict):
        raise UsageError(f"{str(path)!r} is not a JSON object of records")
