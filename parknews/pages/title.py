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
from functools import cached_property
from urllib.parse import urlsplit

from lxml import etree

from parknews.dates import find_dates
from parknews.pages.document import Document, label_key
from parknews.pages.layout import Line
from parknews.vocab import LABELLED_DATE_RE, SOURCE_RE

# <title> separators; a bare "-" only between Chinese (标题-栏目-网站), never inside COVID-19 or 2020-09
_SEPARATORS = re.compile(
    r"\s*(?:_|\||｜|--+|——|—|–|-(?=\s)|(?<=\s)-|(?<=[\u4e00-\u9fff？！」”）])-(?=[\u4e00-\u9fff])"
    r"|»|::|:：|·|/(?=\s)|(?<=\s)@(?=\s))\s*"
)
_HEADING_POINTS = {"h1": 30, "h2": 20, "h3": 12, "h4": 6, "h5": 4, "h6": 4}
_TITLE_NAME = re.compile(r"^(?!.*sub)(?:.*(?:title|tit\b|headline|heading|biaoti|subject|arttit|newstit)|bt$)", re.I)
_LOGO_NAME = re.compile(r"logo|brand|sitename|site-name|site_name", re.I)
_EMPHASIS = frozenset({"b", "strong", "big", "font"})
_COPYRIGHT = re.compile(r"版权所有|版權所有|copyright|©|all rights reserved", re.I)
#: A line of text that scores this much is a paragraph: no heading follows it.
_PARAGRAPH = 3.0
#: A line needs this many points to be taken for the heading.
MIN_POINTS = 20
_TRAILING_JUNK = " -_|｜·»>"
_DATE_BRACKETS = " （）()[]【】"


def _holders(line: Line, key: str) -> list[etree._Element]:
    """The elements inside the line's block that hold exactly its text (a
    ``<td class=title>`` in a row, a ``<b>`` or ``<font>`` in a paragraph)."""
    if not len(line.owner):
        return [line.owner]
    return [el for el in line.owner.iter(etree.Element) if label_key("".join(el.itertext())) == key]


def _names_around(line: Line, holders: list[etree._Element]) -> list[str]:
    """The class and id names of the elements holding the line's text, of its
    block and of two ancestors: where a heading or a logo is named."""
    names = []
    for el in holders:
        names.append(f"{el.get('class') or ''} {el.get('id') or ''}")
    el = line.owner
    for _ in range(3):
        if el is None:
            break
        names.append(f"{el.get('class') or ''} {el.get('id') or ''}")
        el = el.getparent()
    return [n for n in names if n != " "]


def _self_link(doc: Document, line: Line, head: Head) -> bool:
    """A heading that links to the page itself (blogs' permalinks) is no menu link.

    Compared by path and query: a page saved from, or mirrored on, another
    host still links to its own path.
    """
    for a in line.owner.iter("a"):
        href = doc.absolute(a.get("href") or "")
        if href is not None and _path(href) in head.own_paths:
            return True
    return False


def _path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path.rstrip("/"), parts.query


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


class Head:
    """What the page says its title is — ``<title>`` (whole and in segments)
    and ``og:title`` —, what its name is (the site's name is in its copyright
    line) and where it lives (its URL and canonical link's paths). Read once
    per page; keys throughout."""

    def __init__(self, doc: Document) -> None:
        self.whole = label_key(doc.head_title)
        self.segments = head_segments(doc.head_title)
        self.og = label_key(doc.meta("og:title", "twitter:title") or "")
        self.notices = [k.replace(" ", "") for k in doc.keys if len(k) < 200 and _COPYRIGHT.search(k)]
        self.own_paths = {_path(doc.url)}
        if doc.root is not None:
            for href in doc.root.xpath("//link[@rel='canonical']/@href"):
                url = doc.absolute(href)
                if url:
                    self.own_paths.add(_path(url))

    def names_site(self, key: str) -> bool:
        return any(key in notice for notice in self.notices)


def _in_list(lines: list[Line], i: int) -> bool:
    """One of three or more neighbouring lines of the same kind (tag and class):
    an item of a related list or a ticker, which repeat; a heading does not."""
    owner = lines[i].owner
    kind = (owner.tag, owner.get("class"))
    same = sum(1 for line in lines[max(0, i - 2) : i + 3] if (line.owner.tag, line.owner.get("class")) == kind)
    return same >= 3 and (kind[1] is not None or kind[0] in ("li", "dd", "dt", "h3", "h4", "h5"))


class TitleFinder:
    """Scores the page's lines as its heading.

    What a line shows by itself is read once; where the text starts — the
    heading sits right above its first paragraph — is added for each
    question, as the article asks twice: before it knows where its text is,
    and after.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.head = Head(doc)
        self._marks: dict[int, float] = {}

    @cached_property
    def _bases(self) -> list[float | None]:
        """Each line's points from ``<title>`` and the tag; None for a line that cannot be a headline."""
        head, lines = self.head, self.doc.lines
        bases: list[float | None] = []
        for i in range(len(lines)):
            key = self._key(i)
            if not 4 <= len(key) <= 150 or head.names_site(key):
                bases.append(None)  # too short or long for a headline; the site's name, as its copyright says
            else:
                points = _match_points(key, head.whole, head.segments, head.og)
                bases.append(points + _HEADING_POINTS.get(lines[i].owner.tag, 0))
        return bases

    def _key(self, i: int) -> str:
        return self.doc.keys[i].replace(" ", "").rstrip(_TRAILING_JUNK)

    def _mark_points(self, i: int) -> float:
        """Points from the line's look: named a title, bold, chrome, a list item, a logo, a link, a sentence."""
        if i in self._marks:
            return self._marks[i]
        doc, line, key = self.doc, self.doc.lines[i], self._key(i)
        holders = _holders(line, key)
        names = _names_around(line, holders)
        named = any(_TITLE_NAME.search(n) for n in names)
        score = 0.0
        if named:
            score += 20
        elif any(el.tag in _EMPHASIS for el in holders):
            score += 12  # the whole line in one bold, big or font element: old templates' headings
        if line.boiler:
            score -= 25
        if _in_list(doc.lines, i):
            score -= 30
        if any(_LOGO_NAME.search(n) for n in names):
            score -= 40  # the site's name by its logo
        if line.link_chars >= 0.6 * len(line.text) and not _self_link(doc, line, self.head):
            score -= 10 if named else 30  # a menu link, unless it is named as the title (a permalink)
        if key.endswith("。") or key.count("，") >= 3 or len(key) > 80:
            score -= 20
        if LABELLED_DATE_RE.search(key) or SOURCE_RE.search(key):
            score -= 30
        self._marks[i] = score
        return score

    def points(self, i: int, body_start: int | None = None, first_paragraph: int | None = None) -> float:
        """How much line ``i`` looks like the article's heading (no line below
        :data:`MIN_POINTS` is taken). ``body_start`` is where the text's run
        starts, ``first_paragraph`` its first line that reads as one: a
        heading sits above it."""
        score = self._bases[i]
        if score is None:
            return 0.0
        if body_start is not None:
            distance = body_start - i
            above_text = distance > 0 or first_paragraph is None or i <= first_paragraph
            if -2 <= distance <= 8 and above_text:
                score += 16 - 2 * max(distance - 1, 0)
            elif not above_text or distance > 20:
                score -= 10
        if score <= 0:
            return score  # a heading shows at least one of the signs above
        return score + self._mark_points(i)

    def find(self, body_start: int | None = None, scores: list[float] = ()) -> int | None:
        """Index of the heading line, or None when no line shows enough signs."""
        best, best_points = None, float(MIN_POINTS) - 0.01
        first = None
        if body_start is not None:
            first = next((j for j in range(body_start, len(scores)) if scores[j] >= _PARAGRAPH), len(scores))
        for i, base in enumerate(self._bases):
            if base is None:
                continue
            score = self.points(i, body_start, first)
            if score > best_points:
                best, best_points = i, score
        return best


def title_text(doc: Document, index: int) -> str:
    """The heading's text; a heading broken over lines (``<h1>…<br>…</h1>``) is
    joined, and a date printed beside it (``标题 （2024-03-17）``) left out."""
    lines = doc.lines
    parts = [lines[index].text]
    owner = lines[index].owner
    for line in lines[index + 1 : index + 3]:
        if line.owner is not owner or owner.tag not in _HEADING_POINTS:
            break
        parts.append(line.text)
    text = " ".join(parts)
    dates = find_dates(text)
    if dates and dates[-1].end >= len(text.rstrip(_DATE_BRACKETS)) and dates[-1].start > 0:
        text = text[: dates[-1].start].rstrip(_DATE_BRACKETS)
    return text.rstrip(_TRAILING_JUNK)
