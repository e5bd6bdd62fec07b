"""A fetched page as everything below reads it: parsed once, its text repaired.

The document is the one place where HTML becomes text. Its lines (a
browser-like layout, see ``parknews.pages.layout``), link texts, ``<title>``
and ``<meta>`` values are decode-repaired — mojibake, NUL and zero-width
characters, NFC — before any label, breadcrumb marker or punctuation is
matched, so a page whose text arrived garbled is read as well as a clean
one. Matching keys additionally lose the pinyin glosses mirror sites insert
(``園區(qū)``); the lines themselves keep them, for the item loader to strip
with the rest of the final clean-up.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from lxml import etree

from parknews.pages.breadcrumb import Breadcrumbs
from parknews.pages.layout import Line, adopt_trailing, parse_html, walk_lines
from parknews.pages.urls import Link, absolute_http_url, host_of
from parknews.text import decode_repair, needs_no_repair, strip_glosses

if TYPE_CHECKING:
    from scrapy.http import TextResponse


def label_key(text: str) -> str:
    """Text as labels and titles are compared: no glosses, no whitespace."""
    return "".join(strip_glosses(text).split())


def _key(text: str) -> str:
    # A line's text is whitespace-collapsed already, and without a
    # parenthesis it has no gloss: most lines are their own key.
    return " ".join(strip_glosses(text).split()) if "(" in text or "（" in text else text


class Document:
    """One fetched HTML page: its tree, its repaired lines, links and metadata."""

    def __init__(self, root: etree._Element | None, url: str, base_url: str | None = None) -> None:
        self.root = adopt_trailing(root)
        self.url = url
        self.base_url = base_url or url
        #: host and port: links elsewhere are another site's
        self.netloc = host_of(url)

    @classmethod
    def from_response(cls, response: TextResponse) -> Document:
        from scrapy.http import XmlResponse
        from scrapy.utils.response import get_base_url

        # XML keeps Scrapy's XML parser; HTML is parsed as response.selector would, into plain elements
        root = response.selector.root if isinstance(response, XmlResponse) else parse_html(response.text)
        try:
            base = get_base_url(response)
        except ValueError:  # <base href="http://[">: as a browser does, ignore it
            base = response.url
        return cls(root, response.url, base)

    @classmethod
    def from_html(cls, html: str | bytes, url: str) -> Document:
        """For tests and tools: HTML already decoded (bytes are read as UTF-8)."""
        if isinstance(html, bytes):
            html = html.decode("utf-8", errors="replace")
        try:
            root = parse_html(html or "<html></html>")
        except UnicodeEncodeError:  # lone surrogates (broken JSON, bad slicing): as undecodable bytes would be
            root = parse_html(html.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        base = root.xpath("string(//base/@href)") if root is not None else ""
        return cls(root, url, (absolute_http_url(url, base) if base else None) or url)

    # ---------------------------------------------------------------- lines
    @cached_property
    def _walk(self) -> tuple[list[Line], dict[etree._Element, tuple[int, int]], set[etree._Element]]:
        return walk_lines(self.root, decode_repair, needs_no_repair)

    @property
    def lines(self) -> list[Line]:
        """The page's visible text, one entry per line, repaired."""
        return self._walk[0]

    @property
    def chrome(self) -> set[etree._Element]:
        """Elements laid out as chrome (navigation, share bars, hot lists …)."""
        return self._walk[2]

    def lines_within(self, element: etree._Element) -> list[Line]:
        start, end = self._walk[1].get(element, (0, 0))
        return self.lines[start:end]

    def span(self, element: etree._Element) -> tuple[int, int]:
        """Indexes of the first line of ``element`` and of the line after its last."""
        return self._walk[1].get(element, (0, 0))

    @cached_property
    def keys(self) -> list[str]:
        """Each line as labels are matched: glosses removed, whitespace collapsed."""
        return [_key(line.text) for line in self.lines]

    def text_of(self, element: etree._Element) -> str:
        """An element's text, repaired and whitespace-collapsed (for short elements: links, crumbs)."""
        return " ".join(decode_repair("".join(element.itertext())).split())

    @cached_property
    def breadcrumbs(self) -> Breadcrumbs:
        """The page's breadcrumb candidates (see ``parknews.pages.breadcrumb``)."""
        return Breadcrumbs(self)

    @property
    def breadcrumb(self) -> list[str]:
        """Where the page sits in its site: section names after the home link."""
        return self.breadcrumbs.read()

    # ------------------------------------------------------------- metadata
    def meta(self, *names: str) -> str | None:
        """The first non-empty ``<meta content>`` among ``names`` (property, name or itemprop)."""
        for name in names:
            for value in self._metas.get(name, ()):
                if value.strip():
                    return " ".join(decode_repair(value).split())
        return None

    @cached_property
    def _metas(self) -> dict[str, list[str]]:
        """``<meta content>`` by property, name and itemprop, in document order.

        One pass over the page instead of one XPath query per name asked
        (a date alone asks for six).
        """
        found: dict[str, list[str]] = {}
        if self.root is None:
            return found
        for el in self.root.iter("meta"):
            content = el.get("content")
            if content is None:
                continue
            for key in {el.get("property"), el.get("name"), el.get("itemprop")} - {None}:
                found.setdefault(key, []).append(content)
        return found

    @cached_property
    def head_title(self) -> str:
        """``<title>``, repaired."""
        if self.root is None:
            return ""
        return " ".join(decode_repair(self.root.xpath("string(//title)")).split())

    # ---------------------------------------------------------------- links
    @cached_property
    def anchors(self) -> list[tuple[etree._Element, Link]]:
        """Every http(s) link with its ``<a>``: absolute, without fragment,
        its text repaired and without glosses, in document order."""
        out: list[tuple[etree._Element, Link]] = []
        if self.root is None:
            return out
        for a in self.root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            url = absolute_http_url(self.base_url, href)
            if url is None:
                continue  # javascript:, mailto:, tel:
            text = " ".join(strip_glosses(decode_repair("".join(a.itertext()))).split())
            out.append((a, Link(url, text, (a.get("rel") or "").lower())))
        return out

    @property
    def links(self) -> list[Link]:
        return [link for _, link in self.anchors]

    def same_host(self, url: str) -> bool:
        """Whether ``url`` is on this page's host and port."""
        return host_of(url) == self.netloc

    def absolute(self, href: str) -> str | None:
        """``href`` of this page made absolute; None unless http(s)."""
        return absolute_http_url(self.base_url, href.strip())
