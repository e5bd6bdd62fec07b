"""Which line is the article's heading.

Pages give it away in several ways, none of them always: the ``<title>``
repeats it (alone, or with the column and site around it: ``标题_栏目_网站``,
``标题--网站``, ``网站 » 标题``), ``og:title`` names it, it is an ``<h1>``
or ``<h2>`` — or a ``div`` or a bold table cell whose class says title, or
just a centred bold line — and it sits right above the article's text.
Each line gets points for the signs it shows; a menu link, a line of
chrome or a sentence loses them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from parknews.pages.document import Document, label_key
from parknews.pages.layout import Line
from parknews.vocab import LABELLED_DATE_RE, SOURCE_RE

_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--+|——|—|–|-(?=\s)|(?<=\s)-|»|::|:：|·|/(?=\s))\s*")
_HEADING_POINTS = {"h1": 30, "h2": 20, "h3": 12, "h4": 6, "h5": 4, "h6": 4}
_TITLE_NAME = re.compile(r"title|tit\b|headline|heading|biaoti|subject|arttit|newstit|^bt$", re.I)
_EMPHASIS = frozenset({"b", "strong", "big", "font", "h1", "h2", "h3"})
#: A line needs this many points to be taken for the heading.
MIN_POINTS = 20
_TRAILING_JUNK = " -_|｜·»>"


def _names_title(el: etree._Element) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(names.strip()) and bool(_TITLE_NAME.search(names)) and "sub" not in names.lower()


def _holders(line: Line, key: str) -> list[etree._Element]:
    """The elements inside the line's block that hold exactly its text (a
    ``<td class=title>`` in a row, a ``<b>`` or ``<font>`` in a paragraph)."""
    return [el for el in line.owner.iter(etree.Element) if label_key("".join(el.itertext())) == key]


def _named_title(line: Line, holders: list[etree._Element]) -> bool:
    """The line's block, an element holding its text or one of two ancestors is named as a title."""
    if any(_names_title(el) for el in holders):
        return True
    el = line.owner
    for _ in range(3):
        if el is None:
            return False
        if _names_title(el):
            return True
        el = el.getparent()
    return False


def _emphasised(holders: list[etree._Element]) -> bool:
    """The whole line sits in one bold, big or font element (old templates' headings)."""
    return any(el.tag in _EMPHASIS for el in holders)


def _self_link(doc: Document, line: Line) -> bool:
    """A heading that links to the page itself (blogs' permalinks) is no menu link.

    Compared by path and query: a page saved from, or mirrored on, another
    host still links to its own path.
    """
    here = urlsplit(doc.url)
    for a in line.owner.iter("a"):
        href = doc.absolute(a.get("href") or "")
        if href is None:
            continue
        there = urlsplit(href)
        if there.path.rstrip("/") == here.path.rstrip("/") and there.query == here.query:
            return True
    return False


def head_segments(head: str) -> list[str]:
    """``<title>`` cut at its separators, as keys."""
    return [k for k in (label_key(s) for s in _SEPARATORS.split(head)) if k]


def _match_points(key: str, head: str, segments: list[str], og: str) -> float:
    if not head and not og:
        return 0.0
    if og and key == og:
        return 60.0
    if not head:
        return 0.0
    if key == head:
        return 60.0
    share = len(key) / len(head)
    if key in segments or head.startswith(key) or head.endswith(key):
        return 40 + 20 * share
    if len(head) >= 8 and key.startswith(head):
        return 35.0
    if len(key) >= 8 and key in head:
        return 15 + 20 * share
    return 0.0


def find_title(doc: Document, body_start: int | None = None) -> int | None:
    """Index of the heading line, or None when no line shows enough signs."""
    lines, keys = doc.lines, doc.keys
    head = label_key(doc.head_title)
    segments = head_segments(doc.head_title)
    og = label_key(doc.meta("og:title", "twitter:title") or "")
    best, best_points = None, float(MIN_POINTS) - 0.01
    for i, line in enumerate(lines):
        key = keys[i].replace(" ", "").rstrip(_TRAILING_JUNK)
        if not 4 <= len(key) <= 150:
            continue
        points = _match_points(key, head, segments, og)
        owner = line.owner
        points += _HEADING_POINTS.get(owner.tag, 0)
        if body_start is not None:
            distance = body_start - i
            if -2 <= distance <= 8:
                points += 16 - 2 * max(distance - 1, 0)
            elif distance < -2:
                points -= 10
        if points <= 0:
            continue  # a heading shows at least one of the signs above
        holders = _holders(line, key) if len(line.owner) else [line.owner]
        if _named_title(line, holders):
            points += 20
        elif _emphasised(holders):
            points += 12
        if line.boiler:
            points -= 25
        if line.link_chars >= 0.6 * len(line.text) and not _self_link(doc, line):
            points -= 30
        if key.endswith("。") or key.count("，") >= 3 or len(key) > 80:
            points -= 20
        if LABELLED_DATE_RE.search(key) or SOURCE_RE.search(key):
            points -= 30
        if points > best_points:
            best, best_points = i, points
    return best


def title_text(doc: Document, index: int) -> str:
    """The heading's text; a heading broken over lines (``<h1>…<br>…</h1>``) is joined."""
    lines = doc.lines
    parts = [lines[index].text]
    owner = lines[index].owner
    for line in lines[index + 1 : index + 3]:
        if line.owner is not owner or owner.tag not in _HEADING_POINTS:
            break
        parts.append(line.text)
    return " ".join(parts).rstrip(_TRAILING_JUNK)
