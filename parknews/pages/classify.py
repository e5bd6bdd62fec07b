"""What a page is: an article, a list, a hub (home page, news centre) or other.

``classify`` returns the page object for the kind it found, so the spider
only dispatches on ``page.kind``.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from parknews.pages.article import ArticlePage
from parknews.pages.document import Document
from parknews.pages.listing import MIN_ITEMS, HubPage, ListPage
from parknews.pages.urls import HOME_PATHS
from parknews.vocab import NEWS_HUB_LABELS

PageKind = Literal["article", "list", "hub", "other"]


class OtherPage:
    """About, contact, search pages…: nothing to export, nothing to follow."""

    kind: ClassVar[str] = "other"

    def __init__(self, document: Document) -> None:
        self.document = document

    @property
    def url(self) -> str:
        return self.document.url


Page = ArticlePage | ListPage | HubPage | OtherPage


def _body_is_list(article: ArticlePage, listing: ListPage) -> bool:
    """Most of what reads as the article's text is the list's items (their teasers).

    A list's text is cut by its headline links: where a text of more than
    one line holds fewer than three lines of links or led by one, no list is
    looked for at all.
    """
    lines = article.document.lines
    run = article.run
    if run is None:
        return False
    cut = sum(
        1
        for line in lines[run.start : run.end]
        if line.link_chars >= 0.5 * len(line.text) or (line.lead_link and line.link_chars >= 6)
    )
    if cut < 3 and len(article.body_lines) > 1:
        return False
    if len(listing.article_links) < MIN_ITEMS:
        return False
    spans = [article.document.span(item) for item in listing.items]
    inside = sum(1 for i in article.body_indexes if any(start <= i < end for start, end in spans))
    return inside >= 0.5 * len(article.body_indexes)


def classify(doc: Document, script: str = "zh-hans") -> Page:
    """Article, list, hub (home or news centre: discover lists), or other.

    A list is told from a hub with latest-article blocks by its pagination
    or by sitting inside a section (its breadcrumb names a category), so a
    list given as a start URL never walks the site navigation.
    """
    article = ArticlePage(doc, script)
    listing = ListPage(doc)
    if article.is_article and not _body_is_list(article, listing):
        return article
    links = listing.article_links
    crumbs = doc.breadcrumb
    in_section = bool(crumbs) and crumbs[-1] not in NEWS_HUB_LABELS
    if links and (listing.pagination or in_section):
        return listing
    hub = HubPage(doc, listing)
    if hub.is_news_centre or urlsplit(doc.url).path in HOME_PATHS:
        return hub
    if len(links) >= 3:
        return listing
    return OtherPage(doc)
