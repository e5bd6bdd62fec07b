"""Reading pages: bytes decoded by the downloader become a ``Document``;
``classify`` turns it into the page object for its kind.

``ArticlePage.to_item()`` is the finished ``Article``; ``ListPage`` and
``HubPage`` give the links a crawl follows. Nothing here needs the Scrapy
engine: every rule is tested on saved HTML.
"""

from parknews.pages.article import ArticlePage
from parknews.pages.classify import OtherPage, Page, PageKind, classify
from parknews.pages.document import Document
from parknews.pages.listing import HubPage, ListPage
from parknews.pages.urls import Link, canonical_url

__all__ = [
    "ArticlePage",
    "Document",
    "HubPage",
    "Link",
    "ListPage",
    "OtherPage",
    "Page",
    "PageKind",
    "canonical_url",
    "classify",
]
