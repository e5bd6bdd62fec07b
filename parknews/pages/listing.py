"""List and hub page objects: the links a crawl follows.

A list page offers its article links and its next page; a hub (home page,
news centre) offers the news centre and the section lists under it. The
spider only asks these objects which links to follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar
from urllib.parse import urlsplit

from lxml import etree

from parknews.pages.document import Document, label_key
from parknews.pages.layout import is_descendant
from parknews.pages.urls import Link, canonical_url
from parknews.vocab import LAST_LABELS, NEWS_HUB_LABELS, NEXT_LABELS

#: Levels above a link where its list item may be (a, li, a div around the li …).
_ITEM_LEVELS = 4
#: A list has at least this many items (one fewer when every one is dated).
MIN_ITEMS = 3
#: Link texts that never name an article.
_NOT_HEADLINES = frozenset({"更多", "更多>>", "more", "More", "详细", "详情", "阅读全文", "查看全文", "进入", "全文"})
_CJK = re.compile("[\u4e00-\u9fff]")
_SIX_CJK = re.compile("(?:[\u4e00-\u9fff][^\u4e00-\u9fff]*){6}")
_YEAR = re.compile(r"(?:19|20)\d\d|\d{1,2}[-/月]\d{1,2}")


def headline_like(text: str) -> bool:
    """Link text that can be an article's headline: a phrase, not a menu word,
    a page number or a 更多 link."""
    key = "".join(text.split())
    if len(key) < 6 and not _CJK.search(key):
        return len(text.split()) >= 4
    if key in _NOT_HEADLINES or key in NEXT_LABELS or key in LAST_LABELS:
        return False
    return _SIX_CJK.search(key) is not None or (not _CJK.search(key) and len(text.split()) >= 4)


@dataclass
class ListGroup:
    """Sibling elements of one kind (``li`` of a ``ul``, ``tr`` of a table …),
    each holding one headline link: a list of articles."""

    parent: etree._Element
    items: list[etree._Element]
    links: list[Link]
    dated: int  # items that show a date
    chrome: bool  # inside navigation, a sidebar's hot list …

    @property
    def weight(self) -> float:
        weight = len(self.items) * (1 + self.dated / len(self.items))
        return weight / 4 if self.chrome else weight


class ListPage:
    """A page of links to articles, with its pagination.

    Article links are found by the list's structure — repeated items, each
    one headline-like link, often a date — never by the form of their URLs,
    so ``/article/zhengce-jiedu.html`` and ``/news/yuanqu-zhaoshang/`` are
    article links as much as ``/news/1693.html``.
    """

    kind: ClassVar[str] = "list"

    def __init__(self, document: Document) -> None:
        self.document = document

    @property
    def url(self) -> str:
        return self.document.url

    @cached_property
    def canonical(self) -> str:
        return canonical_url(self.document.url)

    @cached_property
    def groups(self) -> list[ListGroup]:
        """Every list of headline links on the page, heaviest first."""
        doc = self.document
        here = self.canonical
        # (parent, tag) -> item element -> its headline anchors
        found: dict[tuple[etree._Element, str], dict[etree._Element, list[tuple[etree._Element, Link]]]] = {}
        for a, link in doc.anchors:
            # the list's shape counts every headline; only links to this site are followed
            if not headline_like(link.text) or canonical_url(link.url) == here:
                continue
            node = a
            for _ in range(_ITEM_LEVELS):
                parent = node.getparent()
                if parent is None:
                    break
                found.setdefault((parent, node.tag), {}).setdefault(node, []).append((a, link))
                node = parent
        groups = []
        chrome = doc.chrome
        for (parent, _tag), items in found.items():
            if len(items) < MIN_ITEMS - 1:
                continue
            single = [anchors for anchors in items.values() if len(anchors) == 1]
            if len(single) < 0.8 * len(items):
                continue  # items of a list hold one headline each; a menu block holds many
            links, seen = [], set()
            for anchors in items.values():
                url = canonical_url(anchors[0][1].url)
                if url not in seen and doc.same_host(url):
                    seen.add(url)
                    links.append(Link(url, anchors[0][1].text, anchors[0][1].rel))
            dated = sum(1 for item in items if _YEAR.search("".join(item.itertext())))
            if len(items) < MIN_ITEMS and dated < len(items):
                continue  # two items make a list only when both are dated (a new section's first articles)
            first = next(iter(items.values()))[0][0]
            groups.append(
                ListGroup(
                    parent=parent,
                    items=list(items),
                    links=links,
                    dated=dated,
                    chrome=any(el in chrome for el in first.iterancestors()),
                )
            )
        return sorted(groups, key=lambda g: -g.weight)

    @property
    def main(self) -> ListGroup | None:
        """The page's own list: the heaviest, outside the chrome."""
        return self.groups[0] if self.groups and not self.groups[0].chrome else None

    @property
    def container(self) -> etree._Element | None:
        """The element holding the main list."""
        return self.main.parent if self.main else None

    @property
    def items(self) -> list[etree._Element]:
        """The main list's items."""
        return self.main.items if self.main else []

    @property
    def article_links(self) -> list[Link]:
        """The main list's article links, canonical, in page order."""
        return self.main.links if self.main else []

    @cached_property
    def listed_urls(self) -> set[str]:
        """Every URL some list on the page links as an article."""
        return {link.url for group in self.groups for link in group.links}

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
        """The site's news centre, as its navigation says: the breadcrumb ends
        there, or a 新闻中心 link leads to this very page. Never a word of
        ``<title>``: a list's ``<title>`` names its parent (招商动态_新闻中心_…)."""
        doc = self.document
        crumbs = doc.breadcrumb
        if crumbs and crumbs[-1] in NEWS_HUB_LABELS:
            return True
        return any(
            label_key(link.text) in NEWS_HUB_LABELS and canonical_url(link.url) == self.canonical for link in doc.links
        )

    def section_links(self, under: list[str]) -> list[Link]:
        """Section (category) links below any of the given news-centre URLs."""
        doc = self.document
        prefixes = []
        for url in under:
            path = urlsplit(url).path
            prefixes.append(path if path.endswith("/") else path.rsplit("/", 1)[0] + "/")
        out, seen = [], set()
        for link in doc.links:
            if not doc.same_host(link.url) or canonical_url(link.url) in self.listing.listed_urls or not link.text:
                continue
            url = canonical_url(link.url)
            path = urlsplit(url).path
            if url in seen or url in under or not any(path.startswith(p) and path != p for p in prefixes):
                continue
            seen.add(url)
            out.append(Link(url, link.text, link.rel))
        return out
