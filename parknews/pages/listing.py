"""List and hub page objects: the links a crawl follows.

A list page offers its article links and its next page; a hub (home page,
news centre) offers the news centre and the section lists under it. The
spider only asks these objects which links to follow.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import ClassVar
from urllib.parse import urlsplit

from lxml import etree

from parknews.pages.document import Document, label_key
from parknews.pages.layout import depth, is_descendant
from parknews.pages.urls import Link, canonical_url
from parknews.vocab import LAST_LABELS, NEWS_HUB_LABELS, NEXT_LABELS

_ARTICLE_HREF_RE = re.compile(r"\d{2,}")
_ID_QUERY_RE = re.compile(r"(?:^|&)(?:aid|id|articleid|newsid|article_id|news_id|itemid)=\d+", re.I)


class ListPage:
    """A page of links to articles, with its pagination."""

    kind: ClassVar[str] = "list"

    def __init__(self, document: Document) -> None:
        self.document = document

    @property
    def url(self) -> str:
        return self.document.url

    @cached_property
    def canonical(self) -> str:
        return canonical_url(self.document.url)

    def article_href(self, link: Link) -> bool:
        """A link that looks like it opens one article: an id in the URL and a title as text."""
        if len(link.text) < 6 or link.text in NEXT_LABELS or not self.document.same_host(link.url):
            return False
        parts = urlsplit(link.url)
        if parts.path.endswith("/") and not parts.query:
            return False
        last = parts.path.rsplit("/", 1)[-1]
        return bool(_ARTICLE_HREF_RE.search(last) or _ID_QUERY_RE.search(parts.query))

    @cached_property
    def _list_groups(self) -> tuple[etree._Element | None, list[Link]]:
        """The main list: the element with the most children that each link an article."""
        children: dict[etree._Element, set[etree._Element]] = {}
        link_of: dict[etree._Element, Link] = {}
        chrome = self.document.chrome
        for a, link in self.document.anchors:
            if not self.article_href(link) or any(x in chrome for x in a.iterancestors()):
                continue
            link_of[a] = link
            node = a
            parent = node.getparent()
            while parent is not None:
                children.setdefault(parent, set()).add(node)
                node, parent = parent, parent.getparent()
        if not children:
            return None, []
        best = max(children, key=lambda el: (len(children[el]), depth(el)))
        links = [link for a, link in link_of.items() if is_descendant(a, best)]
        seen, unique = set(), []
        for link in links:
            key = canonical_url(link.url)
            if key not in seen:
                seen.add(key)
                unique.append(Link(key, link.text, link.rel))
        return best, unique

    @property
    def container(self) -> etree._Element | None:
        """The element holding the main list."""
        return self._list_groups[0]

    @cached_property
    def items(self) -> list[etree._Element]:
        """The list's items: the container's children that hold an article link."""
        container = self.container
        if container is None:
            return []
        wanted = {canonical_url(link.url) for link in self.article_links}
        found = []
        for child in container:
            if any(canonical_url(link.url) in wanted for a, link in self.document.anchors if is_descendant(a, child)):
                found.append(child)
        return found

    @property
    def article_links(self) -> list[Link]:
        """The list's article links, canonical, in page order."""
        return self._list_groups[1]

    @cached_property
    def pagination(self) -> list[Link]:
        """Next and numbered page links of this list (never previous/first)."""
        doc = self.document
        pairs = doc.anchors
        nexts = [a for a, link in pairs if link.text in NEXT_LABELS or "next" in link.rel.split()]
        numbered = [a for a, link in pairs if link.text.isdigit() and len(link.text) <= 4]
        container = None
        if nexts:
            container = nexts[0].getparent()
            for _ in range(3):
                if container is None or len(container.xpath(".//a")) >= 2:
                    break
                container = container.getparent()
        elif len(numbered) >= 2:
            container = numbered[0].getparent()
            for _ in range(3):
                if container is None or len(container.xpath(".//a[@href]")) >= 2:
                    break
                container = container.getparent()
        if container is None:
            return []
        found: dict[str, Link] = {}
        here = canonical_url(doc.url)
        for a, link in pairs:
            if not is_descendant(a, container) or not doc.same_host(link.url):
                continue
            is_next = link.text in NEXT_LABELS or "next" in link.rel.split()
            if is_next or link.text in LAST_LABELS or link.text.isdigit():
                url = canonical_url(link.url)
                if url != here and (is_next or url not in found):
                    found[url] = Link(url, link.text, link.rel)  # "下一页" wins over "2"
        return list(found.values())

    @property
    def next_page(self) -> Link | None:
        return next((link for link in self.pagination if link.text in NEXT_LABELS or "next" in link.rel), None)


class HubPage:
    """The home page or the news centre: the way to the section lists.

    A hub without sections of its own is walked as a list: ``listing`` is
    the same page read as one.
    """

    kind: ClassVar[str] = "hub"

    def __init__(self, document: Document, listing: ListPage | None = None) -> None:
        self.document = document
        self.listing = listing or ListPage(document)

    @property
    def url(self) -> str:
        return self.document.url

    @property
    def canonical(self) -> str:
        return self.listing.canonical

    def news_centre_links(self) -> list[Link]:
        """Links labelled as the news centre, other than this page."""
        doc = self.document
        return [
            link
            for link in doc.links
            if label_key(link.text) in NEWS_HUB_LABELS
            and doc.same_host(link.url)
            and canonical_url(link.url) != self.canonical
        ]

    @cached_property
    def is_news_centre(self) -> bool:
        doc = self.document
        names = {label_key(s) for s in re.split(r"[_|｜-]", doc.head_title)}
        crumbs = self.document.breadcrumb
        return bool(names & NEWS_HUB_LABELS or (crumbs and crumbs[-1] in NEWS_HUB_LABELS))

    def section_links(self, under: list[str]) -> list[Link]:
        """Section (category) links below any of the given news-centre URLs."""
        doc = self.document
        prefixes = []
        for url in under:
            path = urlsplit(url).path
            prefixes.append(path if path.endswith("/") else path.rsplit("/", 1)[0] + "/")
        out, seen = [], set()
        for link in doc.links:
            if not doc.same_host(link.url) or self.listing.article_href(link) or not link.text:
                continue
            url = canonical_url(link.url)
            path = urlsplit(url).path
            if url in seen or url in under or not any(path.startswith(p) and path != p for p in prefixes):
                continue
            seen.add(url)
            out.append(Link(url, link.text, link.rel))
        return out
