"""The breadcrumb: where a page sits in its site (当前位置：首页 > 文章中心 > 地方专题).

Classification reads it (a list inside a section is a list, not the news
centre) and so does the article (its last section is the category): the
document reads it once, as ``Document.breadcrumb``.

Sites write it in many ways: after a 当前位置 / 您的位置 marker or with none,
in an element whose class or id says so in one of several spellings
(breadcrumb, crumbs, location, position, path, 面包屑's ``mbx`` …), or as a
bare row of section links joined by ``>``, ``>>``, ``->``, ``→``, ``/``,
``›``, ``-`` or ``｜``. Whatever the form, the parts are short section names,
mostly links, and the first is often the home page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from parknews.text import strip_glosses
from parknews.vocab import BREADCRUMB_MARK_RE, HOME_WORDS

if TYPE_CHECKING:
    from parknews.pages.document import Document
    from parknews.pages.layout import Line

# Spellings of "breadcrumb" in class and id names, as substrings or as whole tokens.
_MARKED_SUBSTRINGS = ("breadcrumb", "crumb", "bread", "mbx", "weizhi", "dqwz", "location", "position", "navpath")
_MARKED_TOKENS = frozenset({"path", "local", "here", "bre", "brea", "crumbs", "crumb"})
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
# Separators that only breadcrumbs use (menus use | and spaces; "/" is both's).
_STRONG_SEPARATOR = re.compile(r"\s*(?:->|=>|>>|>|&gt;|›|»|→|＞|/|\\)\s*")
_ARROWS = ("->", "=>", ">", "›", "»", "→", "＞")
# Separators a marked breadcrumb may use too.
_ANY_SEPARATOR = re.compile(r"\s*(?:->|=>|>>|>|&gt;|›|»|→|＞|/|\\|\||｜|\s-\s)\s*")
_PART_TRIM = " -–—>›»→＞/\\|｜:："
#: A breadcrumb's parts at most, home and the page included: a path, not a menu.
_PARTS_MAX = 7
_ADDRESS = re.compile(r"https?:|www\.|\.(?:com|cn|net|org|html?|shtml|php|aspx?)\b", re.I)


def _marked(el: etree._Element) -> bool:
    label = el.get("aria-label")
    if label is not None and "breadcrumb" in label.lower():
        return True
    if el.get("itemtype", "").endswith("schema.org/BreadcrumbList"):
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    if not names.strip():
        return False
    if any(s in names for s in _MARKED_SUBSTRINGS):
        return True
    return bool(set(_TOKEN_SPLIT.split(names)) & _MARKED_TOKENS)


def _parts(text: str, separator: re.Pattern[str]) -> list[str]:
    return [p.strip(_PART_TRIM) for p in separator.split(text)]


def _clean(parts: list[str]) -> list[str]:
    """Keys of the section names: no home link, no 正文 placeholder, no site
    suffix like 搜狐首页, nothing too long to be a section."""
    out = []
    for part in parts:
        key = "".join(strip_glosses(part).split()).strip(_PART_TRIM)
        if not key or key in HOME_WORDS or key.endswith(("首页", "首頁", "正文")) or key.lower() == "home":
            continue
        out.append(key)
    return out


def _crumb_row(line: Line) -> list[str] | None:
    """A line that is a breadcrumb by its form: two to six short parts,
    joined by a breadcrumb separator, mostly links, the first being the
    home page or the line starting at a 当前位置 marker."""
    text = line.text
    mark = BREADCRUMB_MARK_RE.match(text)
    if mark:
        text = text[mark.end() :]
    cell = text.split(" | ")[0]  # a table row: the crumbs are one cell
    parts = [p for p in _parts(cell, _ANY_SEPARATOR if mark else _STRONG_SEPARATOR) if p]
    if not 2 <= len(parts) <= _PARTS_MAX or any(len(p) > 40 for p in parts[:-1]):
        return None
    if mark:
        return parts
    home = parts[0].lower() in {w.lower() for w in HOME_WORDS} or parts[0].endswith(("首页", "首頁"))
    arrow = any(a in cell for a in _ARROWS)
    if any(_ADDRESS.search(p) for p in parts) or line.link_chars >= len(line.text.replace(" ", "")):
        return None  # an address (www.site.com/blog/…), or one link that holds a ">" ("＜新竹＞半日遊")
    if line.link_chars < 0.5 * len("".join(parts[:-1])) and not (home and arrow):
        return None  # mostly links, unless it is a plain 首页 >> 栏目 row
    # "/" also joins menus (新闻 / 体育 / 娱乐 …): then only a short row from the home page, or of three to five links
    return parts if home or arrow or 3 <= len(parts) <= 5 else None


def _column_crumbs(lines: list[Line], i: int) -> list[str] | None:
    """Crumbs laid out one per line, each ending with its separator (``<li>留学生活&gt;</li>``)."""
    parts = []
    for line in lines[i : i + 8]:
        text = line.text.rstrip()
        if not text.endswith(_ARROWS) or len(text) > 30:
            break
        parts.append(text)
    return parts if len(parts) >= 2 else None


class Breadcrumbs:
    """The page's breadcrumb candidates, found once: an explicit one (after a
    当前位置 marker, or in an element named for it) and the rows that are
    breadcrumbs by their form alone."""

    def __init__(self, doc: Document) -> None:
        self.explicit = _explicit(doc)
        self._doc = doc
        self._rows: list[tuple[int, list[str]]] | None = None

    def read(self, before: int | None = None) -> list[str]:
        """Section names, outermost first, as matching keys. A breadcrumb
        known only by its form is taken only from the lines above ``before``
        (an article's heading, which it precedes): elsewhere such a row is a
        related headline or a menu."""
        if self.explicit:
            return self.explicit
        for i, parts in self.rows:
            if before is None or i < before:
                return parts
        return []

    @property
    def rows(self) -> list[tuple[int, list[str]]]:
        if self._rows is None:
            lines = self._doc.lines
            self._rows = []
            for i, line in enumerate(lines):
                if len(line.text) < 200:
                    parts = _crumb_row(line) or _column_crumbs(lines, i)
                    if parts:
                        self._rows.append((i, _clean(parts)))
        return self._rows


def _explicit(doc: Document) -> list[str]:
    if doc.root is None:
        return []
    for line in doc.lines:
        if BREADCRUMB_MARK_RE.match(line.text) and len(line.text) < 200:
            parts = _crumb_row(line)
            if parts:
                return _clean(parts)
    for el in doc.root.xpath("//*[@class or @id or @aria-label or @itemtype]"):
        if _marked(el) and el.tag not in ("body", "html"):
            parts = _marked_parts(doc, el)
            if parts:
                return parts
    return []


def _marked_parts(doc: Document, el: etree._Element) -> list[str]:
    """The parts of an element that says it is a breadcrumb: its items, its
    text cut at separators, or — links set apart by spaces alone — its links."""
    items = el.xpath(".//li") or []
    if len(items) >= 2:
        parts = [doc.text_of(i) for i in items]
    else:
        text = doc.text_of(el)
        if len(text) > 200:
            return []
        mark = BREADCRUMB_MARK_RE.search(text)
        if mark and mark.start() < 12:
            text = text[mark.end() :]
        parts = [p for p in _parts(text, _ANY_SEPARATOR) if p]
        if len(parts) < 2:
            parts = [t for t in (doc.text_of(a) for a in el.iter("a")) if t]
    parts = [p for p in parts if p]
    if len(parts) < 2 or len(parts) > _PARTS_MAX or any(len(p) > 60 for p in parts[:-1]):
        return []  # a menu's items, not a path
    return _clean(parts)
