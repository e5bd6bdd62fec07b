"""Completing an article whose click count the HTML does not carry.

Two ways, cheapest first. DedeCMS-style pages write the count with a
counter ``<script src=…count.php…>``: that script is requested once and the
number read from its ``document.write``. Pages that fill the count with
``fetch()`` after load are fetched again in Chromium (scrapy-playwright),
waiting — bounded — for the number to appear. Whatever fails costs only the
field: the article is exported with ``clicks`` null and a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from scrapy.http import Request, Response, TextResponse

from parknews.clicks.counter import parse_counter
from parknews.clicks.render import WAIT_FOR_CLICKS_JS
from parknews.items import CONTENT_FIELDS, Article
from parknews.pages import ArticlePage, Document

if TYPE_CHECKING:
    from twisted.python.failure import Failure

    from parknews.sites import Site

logger = logging.getLogger(__name__)


class ClickCounts:
    """Mixed into the spider: turns an article page into an exported item."""

    def complete_article(self, page: ArticlePage, item: Article, site: Site) -> Iterator[Any]:
        render = site.render
        wants_clicks = item.clicks is None and page.has_click_label
        if not (wants_clicks or render == "always") or self._known_unchanged(item, site):
            yield from self._export(item, page.has_glosses)
            return
        meta = {"parknews_item": item, "parknews_mirror": page.has_glosses}
        counter = page.counter_script if wants_clicks else None
        if counter and counter not in self._counters_asked:
            # The counter counts a visit per call: once per article, never retried.
            self._counters_asked.add(counter)
            yield Request(
                counter,
                callback=self._counter_read,
                errback=self._counter_failed,
                meta={**meta, "dont_retry": True},
                priority=1,
            )
        elif render == "always" or (render == "auto" and wants_clicks and page.has_scripts and not counter):
            yield self._render_request(item.url if page.url == item.url else page.url, meta)
        else:
            yield from self._export(item, page.has_glosses)

    def _known_unchanged(self, item: Article, site: Site) -> bool:
        """An article exported before with the same text: the pipeline drops it,
        so its counter must not be bumped nor a browser started for it."""
        if self.config.refresh_clicks:
            return False
        known = self.state.lookup(item.url)
        return known is not None and known.fingerprint == item.content_fingerprint(site.script == "zh-hans")

    def _counter_read(self, response: Response) -> Iterator[Any]:
        item: Article = response.meta["parknews_item"]
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        item.clicks = parse_counter(text)
        self.crawler.stats.inc_value("parknews/counter/" + ("read" if item.clicks is not None else "unreadable"))
        yield from self._export(item, response.meta["parknews_mirror"])

    def _counter_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta
        self.crawler.stats.inc_value("parknews/counter/failed")
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else failure.getErrorMessage()
        logger.warning(
            "Click counter %s failed (%s): %s keeps clicks null", failure.request.url, why, meta["parknews_item"].url
        )
        yield from self._export(meta["parknews_item"], meta["parknews_mirror"])

    def _render_request(self, url: str, meta: dict[str, Any]) -> Request:
        # Imported here: with PARKNEWS_RENDER=never nothing of the browser is loaded.
        from scrapy_playwright.page import PageMethod

        wait = PageMethod("wait_for_function", WAIT_FOR_CLICKS_JS, timeout=self.config.render_timeout * 1000)
        self.crawler.stats.inc_value("parknews/render_requests")
        # The page is not handed to the callback, so scrapy-playwright closes
        # it itself, also when rendering fails. The render waits for the click
        # count, not for the load event: a page that tries to navigate away
        # while it loads never fires it (see parknews.clicks.browser). What the
        # rendered page says is not followed either: the browser has followed
        # the HTTP redirects, and a <meta> refresh its scripts wrote is no
        # request for Scrapy to make.
        return Request(
            url,
            callback=self._rendered,
            errback=self._render_failed,
            dont_filter=True,
            meta={
                **meta,
                "playwright": True,
                "playwright_page_goto_kwargs": {"wait_until": "commit"},
                "playwright_page_methods": [wait],
                "dont_retry": True,
                "dont_redirect": True,
            },
        )

    def _rendered(self, response: Response) -> Iterator[Any]:
        item: Article = response.meta["parknews_item"]
        self.crawler.stats.inc_value("parknews/rendered")
        seen = ArticlePage(Document.from_response(response), self.site_of(item.url).script).to_item()
        filled = [name for name in CONTENT_FIELDS if getattr(item, name) is None and getattr(seen, name) is not None]
        for name in filled:
            setattr(item, name, getattr(seen, name))
        if "title" in filled or "body" in filled:  # the text changed: so did its identity
            item.fingerprint = None
        yield from self._export(item, response.meta["parknews_mirror"])

    def _render_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta
        self.crawler.stats.inc_value("parknews/render_failed")
        logger.warning(
            "Browser could not render %s (%s): clicks stays null",
            failure.request.url,
            failure.getErrorMessage().splitlines()[0][:300],
        )
        yield from self._export(meta["parknews_item"], meta["parknews_mirror"])

    def _export(self, item: Article, mirror: bool) -> Iterator[Article]:
        # A copy (a mirror's, or another site's of a crawled site's article) waits for its original.
        if not self.copies.held(item, mirror):
            yield item
