"""Walking a list page by page, and remembering how far it was walked.

Lists are newest first, so an incremental run may stop at a page whose
articles are all known — but only if what lies below that page was walked
before. A walk that was stopped (Ctrl-C, SIGTERM, ``-a limit=N``, a kill)
leaves articles below it that no run has seen yet. So each list's walks are
remembered as *stretches*: the part of the list one walk covered, named by its
top (the article links of the first page it read, the newest then) and by
where it stopped (the page to go on from; none when it reached the list's
end). Newer stretches lie above older ones, as newer articles do.

A run walks from the first page down until it meets the newest stretch — a
page whose articles are all known, at or below that stretch's top — then goes
on from where that stretch stopped, down to the next stretch, and so on, to
the end of the list or to a stretch that reached it. The stretches a run
leaves are recorded with its articles, and only as far as its articles are:
a page counts as walked once every article link on it was dealt with.

Bounds, whatever the site serves: a page that brings no article link the walk
has not seen ends it (a calendar repeating the same articles under ever new
dates), and a walk stops after ``PARKNEWS_MAX_LIST_PAGES`` pages in one run,
with a warning naming the list (the next run goes on from there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from parknews.config import ParknewsConfig
from parknews.shared import per_crawler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from parknews.state import StateStore

logger = logging.getLogger(__name__)

#: Links of a walk's first page kept as its top: a stretch is met where any of them shows.
TOP_LINKS = 50


@dataclass(frozen=True)
class Stretch:
    """The part of a list one walk covered: from ``top`` down to ``resume``.

    ``resume`` is the last page the walk had finished, read again when a
    later run goes on (the list may have shifted by a few articles since),
    and ``resume_at`` its place in the list (1: the first page). ``resume``
    is None when the walk reached the list's end.
    """

    top: tuple[str, ...]
    resume: str | None = None
    resume_at: int = 0

    def shows_in(self, links: Collection[str]) -> bool:
        return any(link in links for link in self.top)

    def to_json(self) -> dict[str, Any]:
        return {"top": list(self.top), "resume": self.resume, "resume_at": self.resume_at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stretch:
        return cls(tuple(data["top"]), data.get("resume"), int(data.get("resume_at") or 0))


class Turn(NamedTuple):
    """What to do after a list page: the article links to open, the next page (URL, place), and why."""

    follow: list[str]
    next: tuple[str, int] | None
    why: str


#: Why a walk went on or ended, as :class:`Turn` says.
NEXT, RESUMED, END, KNOWN, NO_NEW, CAPPED = (
    "next page",
    "resumed where an earlier walk stopped",
    "end of the list",
    "walked before from here on",
    "no article link it had not shown",
    "page limit",
)


@dataclass
class WalkedPage:
    url: str
    position: int
    links: tuple[str, ...]
    #: the newest-first index of the last stretch met on this page
    met: int | None = None


@dataclass
class ListWalk:
    """One list's walk in this run: which page next, and afterwards, how far it got."""

    list_url: str
    #: as earlier runs recorded them, newest first
    stretches: tuple[Stretch, ...]
    #: ``full``/``refresh_clicks``: every page, none skipped for being known
    walk_all: bool
    max_pages: int
    pages: list[WalkedPage] = field(default_factory=list)
    #: the walk reached the list's end (or a stretch that had)
    ended: bool = False
    _seen: set[str] = field(default_factory=set)
    _ahead: int = 0
    _top_seen: bool = False

    def read(
        self, url: str, position: int, links: Sequence[str], known: Collection[str], next_page: str | None
    ) -> Turn:
        """Take in one list page (its article links, those known before this
        run, its next page) and say what follows."""
        fresh = [link for link in links if link not in self._seen]
        self._seen.update(links)
        page = WalkedPage(url, position, tuple(links))
        self.pages.append(page)
        follow = [link for link in fresh if link not in known]
        if not fresh:
            return self._end(follow, NO_NEW)
        all_known = all(link in known for link in links)
        shown = set(links)
        while not self.walk_all and self._ahead < len(self.stretches):
            stretch = self.stretches[self._ahead]
            self._top_seen = self._top_seen or stretch.shows_in(shown)
            if not (self._top_seen and all_known):
                break
            page.met, self._ahead, self._top_seen = self._ahead, self._ahead + 1, False
            if stretch.resume is None:
                return self._end(follow, KNOWN)
            if stretch.resume_at > position:
                return self._go(follow, stretch.resume, stretch.resume_at, RESUMED)
        if next_page is None:
            return self._end(follow, END)
        return self._go(follow, next_page, position + 1, NEXT)

    def reached_end(self) -> None:
        """The page after the last one read is no list page (or is gone): the list ends there."""
        self.ended = True

    def _end(self, follow: list[str], why: str) -> Turn:
        self.ended = True
        return Turn(follow, None, why)

    def _go(self, follow: list[str], url: str, position: int, why: str) -> Turn:
        if len(self.pages) >= self.max_pages:
            return Turn(follow, None, CAPPED)
        return Turn(follow, (url, position), why)

    def recorded(self, settled: Callable[[str], bool]) -> tuple[Stretch, ...] | None:
        """The list's stretches after this run, given which article links were
        dealt with; None leaves them as they were.

        The walk counts up to its first page with a link not dealt with: a
        walk stopped early is recorded as far as its articles were, never further.
        """
        done = 0
        for page in self.pages:
            if not all(settled(link) for link in page.links):
                break
            done += 1
        if done == 0:
            return None
        top = self.pages[0].links[:TOP_LINKS]
        if done == len(self.pages) and self.ended:
            return (Stretch(top),)
        if self.walk_all:
            return None  # a full walk that stopped early leaves the stretches of plain ones as they were
        last = self.pages[done - 1]
        resume, at = last.url, last.position
        met = [page.met for page in self.pages[:done] if page.met is not None]
        if last.met is not None:
            stretch = self.stretches[last.met]
            if stretch.resume is not None and stretch.resume_at > at:
                resume, at = stretch.resume, stretch.resume_at
        below = self.stretches[max(met) + 1 :] if met else self.stretches
        return (Stretch(top, resume, at), *below)


class ListWalks:
    """The run's list walks, and what became of the article links they opened.

    An article link is dealt with when its page was read and was no article,
    could not be fetched, was let go as a copy of the list itself, or when the
    article it holds is recorded in the state (checked when the walks are
    recorded, after every article went through the pipelines): an article
    dropped past ``-a limit=N``, or left unread by a stop, is not.
    """

    def __init__(self, crawler: Crawler) -> None:
        config = ParknewsConfig.from_crawler(crawler)
        self.crawler = crawler
        self.walk_all = config.full or config.refresh_clicks
        self.max_pages = config.max_list_pages
        self.walks: dict[str, ListWalk] = {}
        self._dealt: set[str] = set()
        #: article link -> the URL its article was recorded under, where they differ
        self._found: dict[str, str] = {}
        #: list addresses whose counter variants proved to be the list (``parknews.selflinks``)
        self.self_linked: set[str] = set()

    @classmethod
    def of(cls, crawler: Crawler) -> ListWalks:
        """The crawler's one record of walks, shared by the spider and the pipeline."""
        return per_crawler(crawler, cls)

    def begin(self, list_url: str, stretches: tuple[Stretch, ...]) -> ListWalk | None:
        """A walk of the list starting at its first page; None if this run walks it already."""
        if list_url in self.walks:
            return None
        walk = ListWalk(list_url, () if self.walk_all else stretches, self.walk_all, self.max_pages)
        self.walks[list_url] = walk
        return walk

    def read(
        self,
        walk: ListWalk,
        url: str,
        position: int,
        links: Sequence[str],
        known: Collection[str],
        next_page: str | None,
    ) -> Turn:
        """The walk's turn after a page, counted in the stats and logged."""
        turn = walk.read(url, position, links, known, next_page)
        self.crawler.stats.inc_value("parknews/list_pages")
        if known:
            self.crawler.stats.inc_value("parknews/known_skipped", len(known))
        if turn.why == KNOWN:
            self.crawler.stats.inc_value("parknews/lists_stopped")
            logger.debug("Every article of %s is known and its list was walked before from here on: done", url)
        elif turn.why == RESUMED and turn.next is not None:
            self.crawler.stats.inc_value("parknews/walks/resumed")
            resume, at = turn.next
            logger.info("List %s: going on at page %d (%s), where an earlier walk stopped", walk.list_url, at, resume)
        elif turn.why == NO_NEW:
            self.crawler.stats.inc_value("parknews/walks/no_new_links")
            logger.info("List page %s shows no article link its walk had not shown: list %s ends", url, walk.list_url)
        elif turn.why == CAPPED:
            self.crawler.stats.inc_value("parknews/walks/capped")
            logger.warning(
                "List %s: walk stopped after %d pages (PARKNEWS_MAX_LIST_PAGES); the next run goes on from %s",
                walk.list_url,
                len(walk.pages),
                url,
            )
        return turn

    def get(self, list_url: str) -> ListWalk | None:
        return self.walks.get(list_url)

    def found(self, link: str, url: str) -> None:
        """The article link led to an article exported under ``url``."""
        if url != link:
            self._found[link] = url

    def dealt_with(self, link: str) -> None:
        """The article link leads to no article to export: nothing to wait for."""
        self._dealt.add(link)

    def record(self, store: StateStore) -> None:
        """Stage every walked list's stretches, as far as the state now holds their articles."""
        links = {link for walk in self.walks.values() for page in walk.pages for link in page.links}
        recorded = store.known_urls(sorted(links | {self._found.get(link, link) for link in links}))

        def settled(link: str) -> bool:
            return link in self._dealt or link in recorded or self._found.get(link, link) in recorded

        for walk in self.walks.values():
            stretches = walk.recorded(settled)
            if stretches is not None:
                store.record_walk(walk.list_url, stretches)
        for page in sorted(self.self_linked):
            store.record_self_linked(page)
