"""The breadcrumb: where a page sits in its site (当前位置：首页 > 文章中心 > 地方专题).

Classification reads it (a list inside a section is a list, not the news
centre) and so does the article (its last section is the category): the
document reads it once, as ``Document.breadcrumb``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from parknews.text import strip_glosses
from parknews.vocab import BREADCRUMB_MARK_RE, CRUMB_SPLIT_RE, HOME_WORDS

if TYPE_CHECKING:
    from parknews.pages.document import Document


def read_breadcrumb(doc: Document) -> list[str]:
    """Breadcrumb parts after the marker, without the home link, as matching keys."""
    parts: list[str] = []
    el = _marked_breadcrumb(doc.root) if doc.root is not None else None
    if el is not None:
        items = el.xpath(".//li") or el.xpath(".//a")
        parts = [doc.text_of(i) for i in items]
    if not parts:
        for key in doc.keys:
            m = BREADCRUMB_MARK_RE.search(key)
            if m and m.start() < 12 and (">" in key or "›" in key or "»" in key or "/" in key):
                parts = CRUMB_SPLIT_RE.split(key[m.end() :])
                break
    keys = ("".join(strip_glosses(x).split()) for x in parts)
    return [p for p in keys if p and p not in HOME_WORDS]


def _marked_breadcrumb(root: etree._Element) -> etree._Element | None:
    """The first element, in document order, that says it is a breadcrumb:
    ``//*[contains(@aria-label,'breadcrumb') or contains(@class,'breadcrumb')
    or @itemtype='https://schema.org/BreadcrumbList'][1]``.

    libxml2 evaluates that XPath at about 0.6 µs an element, for the whole
    page; this loop costs about half as much and stops at the first match.
    """
    tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    for top in tops:
        for el in top.iter(etree.Element):
            label = el.get("aria-label")
            if label is not None and "breadcrumb" in label:
                return el
            cls = el.get("class")
            if cls is not None and "breadcrumb" in cls:
                return el
            if el.get("itemtype") == "https://schema.org/BreadcrumbList":
                return el
    return None
