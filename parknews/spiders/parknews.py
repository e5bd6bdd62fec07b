"""The ``parknews`` spider: navigation only; pages are read by ``parknews.pages``."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spidermiddlewares.httperror import HttpError

from parknews import settings as default_settings
from parknews.clicks import render
from parknews.clicks.complete import ClickCounts
from parknews.config import ParknewsConfig
from parknews.limit import ExportLimit
from parknews.mirrors import CopyHoldback
from parknews.pages import Document, HubPage, Link, ListPage, canonical_url, classify
from parknews.pages.urls import host_of
from parknews.selflinks import family, is_counter_variant
from parknews.sites import Site, site_slots, site_stat
from parknews.state import State, open_state
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
    """Crawls the sites of ``sites.toml`` (``-a site=``) or given URLs.

    Every fetched page is classified by its content: an article is exported;
    a list is walked through its pagination and article links (never the site
    navigation, so a list given as a start URL yields that list's articles);
    a hub (home page, news centre) leads to the news centre and its category
    lists. A list is walked one page at a time, down to where earlier runs
    walked it (``parknews.walks``). Links are followed only on the sites'
    hosts (name and port, also enforced for redirects by ``parknews.offsite``)
    as their profiles allow, and none once ``-a limit=N`` articles are in.
    """

    name = "parknews"

    def __init__(self, *args: Any, start_urls: str | None = None, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sites_arg = (start_urls, site)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Export to ``PARKNEWS_OUTPUT`` unless the user chose feeds (``-o``/``-O``/FEEDS):
        a project-level FEEDS would be merged with, not replaced by, ``-O``."""
        super().update_settings(settings)
        config = ParknewsConfig.from_settings(settings)
        if not settings.getdict("FEEDS") and config.output:
            settings.set("FEEDS", {config.output: {"format": "jsonlines"}}, priority="spider")
        if config.distributed:
            from parknews.distributed import configure

            configure(settings, config)
        # Here, once -s values are in: USER_AGENT is a plain setting and cannot refer to another one.
        if config.contact and settings.get("USER_AGENT") == default_settings.USER_AGENT:
            settings.set("USER_AGENT", user_agent(default_settings.USER_AGENT, config.contact), priority="spider")
        render.configure(settings, config)
        slots = site_slots(config.profiles or {})
        if slots:
            # Merged under what the user set (at the user's priority, or it would be ignored).
            priority = max(settings.getpriority("DOWNLOAD_SLOTS") or 0, SETTINGS_PRIORITIES["spider"])
            settings.set("DOWNLOAD_SLOTS", {**slots, **settings.getdict("DOWNLOAD_SLOTS")}, priority=priority)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ParknewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = config = ParknewsConfig.from_crawler(crawler)
        #: ``%(worker)s`` in an output name (Scrapy's feed URI parameters are the spider's attributes)
        spider.worker = config.worker
        if config.distributed:
            from parknews.distributed.rounds import enter_round

            spider.sites = enter_round(spider, crawler, config)
        else:
            spider.sites = config.sites_for(*spider._sites_arg)
        spider.start_urls = [url for site in spider.sites for url in site.start_urls]
        # Links are chosen by these; parknews.offsite holds every scheduled request (redirects too) to them.
        spider.hosts = frozenset(host for site in spider.sites for host in site.hosts)
        spider._site_of_host = {host: site for site in reversed(spider.sites) for host in site.hosts}
        # In distributed mode the round says when copies go: once it is drained on every worker.
        spider.copies = CopyHoldback(crawler, spider.sites, on_idle=not config.distributed)
        if config.distributed:
            crawler._parknews_round.copies = spider.copies
        spider.limit = ExportLimit.of(crawler)
        spider.walks = ListWalks.of(crawler)
        spider._counters_asked = set()
        return spider

    def site_of(self, url: str) -> Site:
        """The site a URL of the crawl belongs to (the first profile naming its
        host); the offsite filter lets no other host through, but a response
        is never lost over it: the first site then."""
        return self._site_of_host.get(host_of(url), self.sites[0])

    def count(self, site: Site, key: str, value: int = 1) -> None:
        """A stat for the run and for the site (``parknews/site/<name>/…``)."""
        self.crawler.stats.inc_value(f"parknews/{key}", value)
        self.crawler.stats.inc_value(site_stat(site.name, key), value)

    async def start(self) -> AsyncIterator[Request]:
        """The sites' start URLs; in distributed mode none: they went into the
        round's shared queue when it started (``parknews.distributed.rounds``)."""
        if self.config.distributed:
            return
        for site in self.sites:
            for url in site.start_urls:
                yield self.request(url, site, parknews_start=True)

    def request(self, url: str, site: Site, dont_filter: bool = False, **meta: Any) -> Request:
        """A request for a page of ``site``: a site with its own delay keeps
        it as set (AutoThrottle would move it towards the project's)."""
        if site.delay is not None:
            meta["autothrottle_dont_adjust_delay"] = True
        return Request(url, callback=self.parse, errback=self.fetch_failed, dont_filter=dont_filter, meta=meta)

    def parse(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response.url)
        self.count(site, "pages")
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
        page = classify(Document.from_response(response), site.script)
        self.count(site, f"pages/{page.kind}")
        if link and (held is None or page.kind == "article"):
            self.count(site, "article_pages_fetched")
        if page.kind == "article":
            item = page.to_item()
            item.site = site.name
            if link:
                self.walks.found(link, item.url)
            if held is not None:
                yield from self._follow([Link(url, "") for url in held], article=True)
            yield from self.complete_article(page, item, site)
            return
        if held is not None:  # the probe of counter variants is no article: they are the list again
            self.walks.dealt_with(link)
            self._variants_of_the_list(meta, held)
            return
        if link:
            self.walks.dealt_with(link)  # no article behind it
        if page.kind == "list":
            yield from self._follow_list(page, site, meta)
        elif page.kind == "hub":
            yield from self._follow_hub(page, site, meta)
        elif meta.get("parknews_start"):
            logger.warning("Start URL %s is neither an article, a list nor a hub: nothing to export", response.url)
        else:
            logger.debug("Neither article nor list, nothing to do: %s", response.url)
        if page.kind not in ("list", "hub"):
            self._walk_ends_here(meta)

    def _follow_list(self, page: ListPage, site: Site, meta: dict[str, Any]) -> Iterator[Request]:
        """Open the articles not exported before, then the next page, until the
        walk meets where earlier runs walked the list (``parknews.walks``)."""
        if self.config.distributed:
            yield from self._follow_shared_list(page, site, meta)
            return
        if "walk" in meta:
            walk, position = self.walks.get(meta["walk"]), meta["walk_page"]
        else:
            walk, position = self.walks.begin(page.canonical, self.state.walked(page.canonical)), 1
        # only the links a request is made for: a walk waits for every link it counts
        links = [link.url for link in page.article_links if self._target(link.url) is not None]
        walk_all = self.config.full or self.config.refresh_clicks
        known = self.state.known_urls(links) if links and not walk_all else set()
        if walk is None:  # this run walks that list already, from another page
            yield from self._open_articles(page, site, [url for url in links if url not in known])
            return
        turn = self.walks.read(walk, page.url, position, links, known, self._next_page(page, position))
        yield from self._open_articles(page, site, turn.follow)
        if turn.next is not None and not self.limit.reached:
            url, at = turn.next
            # A walk is bounded by its own rules (parknews.walks), not by the duplicate filter:
            # a page it reads twice brings no new link and ends it.
            yield self.request(url, self._target(url) or site, dont_filter=True, walk=walk.list_url, walk_page=at)

    def _follow_shared_list(self, page: ListPage, site: Site, meta: dict[str, Any]) -> Iterator[Request]:
        """A list walk in distributed mode, whose pages any worker may read:
        open the articles not exported before, then the next page — unless
        every article on this page is known (lists are newest first), the
        page shows the same links as the one before (a calendar repeating
        its articles), or the walk reached ``PARKNEWS_MAX_LIST_PAGES``.

        Its progress rides in the requests (the round's queue keeps them, and
        a dead worker's go back to it), not in the state: a round stopped
        half-way is taken up where it stopped by the next workers that join it.
        """
        links = [link.url for link in page.article_links if self._target(link.url) is not None]
        walk_all = self.config.full or self.config.refresh_clicks
        known = self.state.known_urls(links) if links and not walk_all else set()
        if known:
            self.crawler.stats.inc_value("parknews/known_skipped", len(known))
        yield from self._open_articles(page, site, [url for url in links if url not in known])
        position = meta.get("walk_page", 1)
        shown = hashlib.blake2b("\n".join(sorted(links)).encode(), digest_size=8).hexdigest()
        if links and len(known) == len(links):
            self.crawler.stats.inc_value("parknews/lists_stopped")
            logger.debug("Every article on %s is known: not paginating further", page.url)
            return
        if not links or shown == meta.get("walk_shown"):
            self.crawler.stats.inc_value("parknews/walks/no_new_links")
            logger.info("List page %s shows no article link the page before did not: the list ends", page.url)
            return
        url = self._next_page(page, position)
        if url is None or self.limit.reached:
            return
        if position >= self.config.max_list_pages:
            self.crawler.stats.inc_value("parknews/walks/capped")
            logger.warning("List %s: walk stopped after %d pages (PARKNEWS_MAX_LIST_PAGES)", page.url, position)
            return
        yield self.request(url, self._target(url) or site, walk_page=position + 1, walk_shown=shown)

    def _open_articles(self, page: ListPage, site: Site, urls: list[str]) -> Iterator[Request]:
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
            yield self.request(probe, site, article_link=probe, held_variants=held, variants_of=page.url)

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
        return found.url if found is not None and self._target(found.url) is not None else None

    def _walk_ends_here(self, meta: dict[str, Any]) -> None:
        """A walk's next page that is no list page (or is gone): the list ends before it."""
        walk = self.walks.get(meta["walk"]) if "walk" in meta else None
        if walk is not None:
            walk.reached_end()

    @cached_property
    def state(self) -> State:
        """A read connection to the state: it sees what earlier runs committed,
        not this run's pending additions."""
        return open_state(self.config)

    def closed(self, reason: str) -> None:
        if "state" in self.__dict__:
            self.state.close()

    def _follow_hub(self, page: HubPage, site: Site, meta: dict[str, Any]) -> Iterator[Request]:
        """Home page: go to the news centre (and categories its menu shows);
        news centre: go to its categories, or walk it as a list if it has none.
        A profile's ``include`` chooses among the categories."""
        centres = page.news_centre_links()
        under = [link.url for link in centres]
        if meta.get("news_centre", False) or page.is_news_centre:
            under.append(page.canonical)
        sections = page.section_links(under) if under else []
        yield from self._follow(centres, news_centre=True)
        yield from self._follow([link for link in sections if site.includes(link.url)])
        if not centres and not sections:
            yield from self._follow_list(page.listing, site, meta)
        else:
            self._walk_ends_here(meta)

    def _target(self, url: str) -> Site | None:
        """The site whose page ``url`` is, if the crawl may request it: on one
        of the crawl's hosts and excluded by no profile."""
        target = self._site_of_host.get(host_of(url))
        return target if target is not None and not target.excludes(url) else None

    def _follow(self, links: list[Link], article: bool = False, **meta: Any) -> Iterator[Request]:
        """Requests for the links the crawl may request; ``article``: each one an article link."""
        if self.limit.reached:
            return
        for link in links:
            url = canonical_url(link.url)
            target = self._target(url)
            if target is not None:
                yield self.request(url, target, **({**meta, "article_link": url} if article else meta))

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
        site = self._site_of_host.get(host_of(url))
        if site is not None:
            self.crawler.stats.set_value(site_stat(site.name, "fetch_error"), f"{url}: {message}")
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
