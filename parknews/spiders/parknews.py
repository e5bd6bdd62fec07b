"""The ``parknews`` spider: navigation only; pages are read by ``parknews.pages``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from parknews import settings as default_settings
from parknews.clicks import render
from parknews.clicks.complete import ClickCounts
from parknews.config import ParknewsConfig, parse_start_urls
from parknews.limit import ExportLimit
from parknews.mirrors import MirrorHoldback
from parknews.pages import Document, HubPage, Link, ListPage, canonical_url, classify
from parknews.pages.urls import host_of
from parknews.selflinks import family, is_counter_variant
from parknews.state import StateStore
from parknews.stopping import RequestNotSent
from parknews.walks import ListWalks

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# Signatures of the files that hide behind article-looking links: PDF, JPEG,
# PNG, GIF, ZIP (docx, xlsx), old Office documents, RIFF (WebP).
_BINARY_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"RIFF")
_HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# The reason Scrapy's RobotsTxtMiddleware gives when it drops a request.
_ROBOTS_FORBIDDEN = "Forbidden by robots.txt"


def user_agent(base: str, contact: str) -> str:
    """``parknews/1.0 (park news archiver; +https://…)``: the ``+URL`` crawlers use
    to tell a site's admins whom to ask about the traffic."""
    return f"{base[:-1]}; +{contact})" if base.endswith(")") else f"{base} (+{contact})"


def looks_like_html(response: TextResponse) -> bool:
    """Whether a text response really is a page.

    Scrapy picks the response class from the URL when the Content-Type maps
    to no text class, so a PDF or a picture behind ``…/1234.html`` arrives as
    an ``HtmlResponse``, and a server may label a picture ``text/html``. A
    declared type that is not text, or a binary signature, settles it.
    """
    declared = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
    if declared and declared not in _HTML_TYPES and not declared.startswith(b"text/"):
        return False
    return not response.body[:16].lstrip().startswith(_BINARY_SIGNATURES)


class ParknewsSpider(ClickCounts, scrapy.Spider):
    """Crawls the park news site from its home page or from given URLs.

    Every fetched page is classified by its content: an article is exported;
    a list is walked through its pagination and article links (never the site
    navigation, so a list given as a start URL yields that list's articles);
    a hub (home page, news centre) leads to the news centre and its category
    lists. A list is walked one page at a time, down to where earlier runs
    walked it (``parknews.walks``). Links are followed only on the start URLs' hosts (name and port,
    also enforced for redirects by ``parknews.offsite``), and none once
    ``-a limit=N`` articles are in.
    """

    name = "parknews"

    def __init__(self, *args: Any, start_urls: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_urls_arg = parse_start_urls(start_urls) if start_urls is not None else None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Export to ``PARKNEWS_OUTPUT`` unless the user chose feeds (``-o``/``-O``/FEEDS):
        a project-level FEEDS would be merged with, not replaced by, ``-O``."""
        super().update_settings(settings)
        config = ParknewsConfig.from_settings(settings)
        if not settings.getdict("FEEDS") and config.output:
            settings.set("FEEDS", {config.output: {"format": "jsonlines"}}, priority="spider")
        # Here, once -s values are in: USER_AGENT is a plain setting and cannot refer to another one.
        if config.contact and settings.get("USER_AGENT") == default_settings.USER_AGENT:
            settings.set("USER_AGENT", user_agent(default_settings.USER_AGENT, config.contact), priority="spider")
        render.configure(settings, config)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ParknewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = ParknewsConfig.from_crawler(crawler)
        spider.start_urls = list(spider._start_urls_arg or spider.config.start_urls)
        # Links are chosen by these; parknews.offsite holds every scheduled request (redirects too) to them.
        spider.hosts = frozenset(host_of(u) for u in spider.start_urls)
        spider.mirrors = MirrorHoldback(crawler)
        spider.limit = ExportLimit.of(crawler)
        spider.walks = ListWalks.of(crawler)
        spider._counters_asked = set()
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            yield Request(url, callback=self.parse, errback=self.fetch_failed, meta={"parknews_start": True})

    def parse(self, response: Response) -> Iterator[Any]:
        self.crawler.stats.inc_value("parknews/pages")
        meta = response.meta
        link = meta.get("article_link")
        held = meta.get("held_variants")
        if not isinstance(response, TextResponse) or not looks_like_html(response):
            self.crawler.stats.inc_value("parknews/pages/not_html")
            logger.debug("Not HTML, skipped: %s", response.url)
            if link:
                self.walks.dealt_with(link)
            if held is not None:
                self._variants_of_the_list(meta, held)
            self._walk_ends_here(meta)
            return
        page = classify(Document.from_response(response), self.config.script)
        self.crawler.stats.inc_value(f"parknews/pages/{page.kind}")
        if link and (held is None or page.kind == "article"):
            self.crawler.stats.inc_value("parknews/article_pages_fetched")
        if page.kind == "article":
            item = page.to_item()
            if link:
                self.walks.found(link, item.url)
            if held is not None:
                yield from self._follow([Link(url, "") for url in held], article=True)
            yield from self.complete_article(page, item)
            return
        if held is not None:  # the probe of counter variants is no article: they are the list again
            self.walks.dealt_with(link)
            self._variants_of_the_list(meta, held)
            return
        if link:
            self.walks.dealt_with(link)  # no article behind it
        if page.kind == "list":
            yield from self._follow_list(page, meta)
        elif page.kind == "hub":
            yield from self._follow_hub(page, meta)
        elif meta.get("parknews_start"):
            logger.warning("Start URL %s is neither an article, a list nor a hub: nothing to export", response.url)
        else:
            logger.debug("Neither article nor list, nothing to do: %s", response.url)
        if page.kind not in ("list", "hub"):
            self._walk_ends_here(meta)

    def _follow_list(self, page: ListPage, meta: dict[str, Any]) -> Iterator[Request]:
        """Open the articles not exported before, then the next page, until the
        walk meets where earlier runs walked the list (``parknews.walks``)."""
        if "walk" in meta:
            walk, position = self.walks.get(meta["walk"]), meta["walk_page"]
        else:
            walk, position = self.walks.begin(page.canonical, self.state.walked(page.canonical)), 1
        links = [link.url for link in page.article_links if host_of(link.url) in self.hosts]
        walk_all = self.config.full or self.config.refresh_clicks
        known = self.state.known_urls(links) if links and not walk_all else set()
        if walk is None:  # this run walks that list already, from another page
            yield from self._open_articles(page, [url for url in links if url not in known])
            return
        turn = self.walks.read(walk, page.url, position, links, known, self._next_page(page, position))
        yield from self._open_articles(page, turn.follow)
        if turn.next is not None and not self.limit.reached:
            url, at = turn.next
            # A walk is bounded by its own rules (parknews.walks), not by the duplicate filter:
            # a page it reads twice brings no new link and ends it.
            yield Request(
                url,
                callback=self.parse,
                errback=self.fetch_failed,
                dont_filter=True,
                meta={"walk": walk.list_url, "walk_page": at},
            )

    def _open_articles(self, page: ListPage, urls: list[str]) -> Iterator[Request]:
        """Requests for a list page's article links; those that are the page's
        own address with only a counter changed wait for a probe (``parknews.selflinks``)."""
        variants = [url for url in urls if is_counter_variant(url, page.canonical)]
        yield from self._follow([Link(url, "") for url in urls if url not in variants], article=True)
        address = family(page.canonical)
        if variants and (address in self.walks.self_linked or self.state.self_linked(address)):
            for url in variants:
                self.walks.dealt_with(url)
            self.crawler.stats.inc_value("parknews/self_links", len(variants))
        elif variants and not self.limit.reached:
            probe, *held = variants
            yield Request(
                probe,
                callback=self.parse,
                errback=self.fetch_failed,
                meta={"article_link": probe, "held_variants": held, "variants_of": page.url},
            )

    def _variants_of_the_list(self, meta: dict[str, Any], held: list[str]) -> None:
        """The probe showed no article: its held-back siblings are the list under other counters."""
        for url in held:
            self.walks.dealt_with(url)
        self.walks.self_linked.add(family(meta["variants_of"]))
        self.crawler.stats.inc_value("parknews/self_links", len(held) + 1)
        logger.info(
            "List page %s links to %d copies of itself with only a counter changed (%s …): not followed",
            meta["variants_of"],
            len(held) + 1,
            meta["article_link"],
        )

    def _next_page(self, page: ListPage, position: int) -> str | None:
        """下一页 (or ``rel=next``); without one, the page numbered one more than this one."""
        found = page.next_page
        if found is None:
            number = str(position + 1)
            found = next((link for link in page.pagination if link.text == number), None)
        return found.url if found is not None and host_of(found.url) in self.hosts else None

    def _walk_ends_here(self, meta: dict[str, Any]) -> None:
        """A walk's next page that is no list page (or is gone): the list ends before it."""
        walk = self.walks.get(meta["walk"]) if "walk" in meta else None
        if walk is not None:
            walk.reached_end()

    @cached_property
    def state(self) -> StateStore:
        """A read connection to the state: it sees what earlier runs committed,
        not this run's pending additions."""
        return StateStore(self.config.state_path)

    def closed(self, reason: str) -> None:
        if "state" in self.__dict__:
            self.state.close()

    def _follow_hub(self, page: HubPage, meta: dict[str, Any]) -> Iterator[Request]:
        """Home page: go to the news centre (and categories its menu shows);
        news centre: go to its categories, or walk it as a list if it has none."""
        centres = page.news_centre_links()
        under = [link.url for link in centres]
        if meta.get("news_centre", False) or page.is_news_centre:
            under.append(page.canonical)
        sections = page.section_links(under) if under else []
        yield from self._follow(centres, news_centre=True)
        yield from self._follow(sections)
        if not centres and not sections:
            yield from self._follow_list(page.listing, meta)
        else:
            self._walk_ends_here(meta)

    def _follow(self, links: list[Link], article: bool = False, **meta: Any) -> Iterator[Request]:
        if self.limit.reached:
            return
        for link in links:
            url = canonical_url(link.url)
            if host_of(url) in self.hosts:
                meta_for = {**meta, "article_link": url} if article else meta
                yield Request(url, callback=self.parse, errback=self.fetch_failed, meta=meta_for)

    def fetch_failed(self, failure: Failure) -> Iterator[Request]:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if failure.check(RequestNotSent):
            logger.debug("Not sent, the run is stopping: %s", url)  # counted in parknews/not_sent
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            message = f"HTTP {status}"
        else:
            status, message = None, failure.getErrorMessage() or failure.type.__name__
        meta = request.meta if request is not None else {}
        self._failed_for_good(meta, gone=status in (404, 410) or message == _ROBOTS_FORBIDDEN)
        # A probe that failed tells nothing about its siblings: they are asked for as any article link.
        yield from self._follow([Link(held, "") for held in meta.get("held_variants", ())], article=True)
        self.crawler.stats.set_value("parknews/fetch_error", f"{url}: {message}")
        if message == _ROBOTS_FORBIDDEN:
            # Honoured as asked, not a failure: no ERROR line for the operator to chase.
            logger.info("Not fetched, disallowed by robots.txt: %s", url)
            return
        logger.error("Could not fetch %s: %s", url, message)

    def _failed_for_good(self, meta: dict[str, Any], gone: bool) -> None:
        """An article link given up on is dealt with (as before, a later plain
        run does not ask for it again); a walk's next page that is gone or
        disallowed ends the list, one that failed otherwise is asked for again
        by the next run."""
        link = meta.get("article_link")
        if link:
            self.walks.dealt_with(link)
        if gone:
            self._walk_ends_here(meta)
