"""The article page object: what an article page says, as a finished ``Article``.

The text is the run of lines that carries the most prose
(``parknews.pages.body``); the heading is the line that shows the most
signs of being one, right above it (``parknews.pages.title``); date, click
count and source are read from the info row between the two or from the
lines right after the text (``parknews.pages.info``); the category is the
breadcrumb's last section. Class and id names are only one weak signal for
chrome, and never outvote a block full of sentences. ``to_item()`` fills the item
through the project's ``ArticleLoader``, whose output processors do the
final clean-up (glosses, script, punctuation, whitespace).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import ClassVar
from urllib.parse import urlsplit

from parknews.items import Article
from parknews.loaders import ArticleLoader
from parknews.pages import info
from parknews.pages.body import BREAK, Run, best_run, line_score, runs, widen
from parknews.pages.document import Document, label_key
from parknews.pages.title import TitleFinder, title_text
from parknews.pages.urls import canonical_url
from parknews.text import strip_glosses
from parknews.vocab import (
    BOILER_LINE_RE,
    CLICK_LABEL_RE,
    COUNTER_SRC_RE,
    JUNK_LINE_RE,
    PROMO_LINE_RE,
    SOURCE_LINE_RE,
)

#: The share of the text's weight that the element holding it carries.
_CONTAINER_SHARE = 0.9
# A journal's issue in its breadcrumb (Vol.8 No.2, 第3期) is no section.
_ISSUE = re.compile(r"vol\.?\d|no\.\d|第.{1,4}[期卷]", re.I)
# A list teaser starts with its headline link: a phrase in Chinese.
_HEADLINE_START = re.compile("(?:[^\u4e00-\u9fff]{0,3}[\u4e00-\u9fff]){4}")
#: Characters of text an article has at least; a dated news flash under its headline, fewer.
_TEXT_MIN = 60
_FLASH_MIN = 20
#: Lines above the heading where its date may be (an e-paper's issue date heads the page).
_ABOVE_LINES = 12
#: Lines after the text where its date and counts may follow (a blog's post footer).
_TAIL_LINES = 12
#: Items of a list after the text at most.
_TAIL_IN_MAX = 60
_DATA_ITEM = re.compile(r"[:：]|\d|^[一二三四五六七八九十]+、|^[①-⑳]")
#: Lines of a lead-in at most (deck, kicker, bylines).
_LEAD_IN_MAX = 80


class ArticlePage:
    """An article page, examined lazily; ``to_item()`` is the finished record."""

    kind: ClassVar[str] = "article"

    def __init__(self, document: Document, script: str = "zh-hans") -> None:
        self.document = document
        self.script = script

    @property
    def url(self) -> str:
        return self.document.url

    # ------------------------------------------------------------ structure
    @cached_property
    def _scores(self) -> list[float]:
        doc = self.document
        return [line_score(line, key) for line, key in zip(doc.lines, doc.keys, strict=True)]

    @cached_property
    def _titles(self) -> TitleFinder:
        return TitleFinder(self.document)

    @cached_property
    def run(self) -> Run | None:
        """The run of lines that holds the text (title and info row may sit at its start)."""
        first_title = self._titles.find()
        found = runs(self._scores)
        run = best_run(found, self._scores, after=first_title)
        if run is None:
            return None
        return widen(run, found, self._scores, self.document.lines, first_title if first_title is not None else -1)

    @cached_property
    def title_index(self) -> int | None:
        """Index of the heading line, judged knowing where the text starts."""
        return self._titles.find(self.run.start if self.run else None, self._scores)

    @cached_property
    def title(self) -> str | None:
        if self.title_index is not None:
            return title_text(self.document, self.title_index)
        return None

    # ---------------------------------------------------------------- body
    @cached_property
    def body_indexes(self) -> list[int]:
        """Indexes of the body's lines: the run after the heading, without
        chrome, links, the info row, repeated headings and widget lines."""
        run = self.run
        if run is None:
            return []
        doc = self.document
        start, end = run.start, run.end
        ti = self.title_index
        if ti is not None and start <= ti < end:
            start = ti + 1
        title = label_key(self.title or "")
        kept = []
        for i in range(start, end):
            line = doc.lines[i]
            if line.boiler or line.link_chars >= 0.6 * len(line.text):
                continue
            key = doc.keys[i]
            if not key or key.isdigit() or key.replace(" ", "") == title or JUNK_LINE_RE.match(key):
                continue  # like counters, the heading repeated, 上一篇 …
            if info.is_info_line(key):
                continue
            kept.append(i)
        kept = self._within_container(kept)
        kept = self._cut_sign_off(kept, start, end)
        # widgets and promotion left at either end: lines that are no sentence
        scores = self._scores
        while kept and (scores[kept[-1]] < 0 or self._site_promo(kept)):
            kept.pop()
        while kept and scores[kept[0]] < 0:
            kept.pop(0)
        return self._lead_in(kept, title) + kept + self._tail_in(kept)

    def _site_promo(self, kept: list[int]) -> bool:
        """The last line is the site's promotion (its app, its newsletter), not
        the author's sign-off: it promotes, and it sits outside the container
        of the paragraph before it."""
        return self._promotes(kept[-1], kept[-2] if len(kept) > 1 else None)

    def _promotes(self, i: int, before: int | None) -> bool:
        if not PROMO_LINE_RE.search(self.document.keys[i]):
            return False
        lines = self.document.lines
        return before is None or lines[i].owner.getparent() is not lines[before].owner.getparent()

    def _cut_sign_off(self, kept: list[int], start: int, end: int) -> list[int]:
        """End the text at its sign-off (编辑|…, 来源|…, the site's 扫描二维码 …)
        when what follows is the account's footer rather than more text: the
        lines after it weigh little against the text before it."""
        if len(kept) < 4:
            return kept
        keys, scores = self.document.keys, self._scores

        def signs_off(i: int) -> bool:
            return bool(JUNK_LINE_RE.match(keys[i]) or SOURCE_LINE_RE.match(keys[i]) or PROMO_LINE_RE.search(keys[i]))

        total = sum(scores[i] for i in kept if scores[i] > 0)
        lines = range(start, end)
        for i in lines[len(lines) // 2 :]:
            before = next((j for j in reversed(kept) if j < i), None)
            if not (JUNK_LINE_RE.match(keys[i]) or SOURCE_LINE_RE.match(keys[i]) or self._promotes(i, before)):
                continue
            # what follows, credits and promotion aside
            after = sum(scores[j] for j in kept if j > i and scores[j] > 0 and not signs_off(j))
            if after < 0.15 * total:
                return [j for j in kept if j < i]
        return kept

    def _within_container(self, kept: list[int]) -> list[int]:
        """Only the lines of the element that holds the text: the deepest one
        around its best paragraph that carries nearly all of its weight, with
        the lines that run on from it unbroken (a poem above its long note).
        An author's bio or a teaser in the next table cell, after a link, is
        not the article's."""
        if not kept:
            return kept
        doc, scores = self.document, self._scores
        total = sum(scores[i] for i in kept if scores[i] > 0)
        el = doc.lines[max(kept, key=scores.__getitem__)].owner
        while el is not None:
            start, end = doc.span(el)
            if sum(scores[i] for i in kept if start <= i < end and scores[i] > 0) >= _CONTAINER_SHARE * total:
                blocks: list[list[int]] = []
                for i in kept:
                    if blocks and i == blocks[-1][-1] + 1:
                        blocks[-1].append(i)
                    else:
                        blocks.append([i])
                return [i for block in blocks if any(start <= j < end for j in block) for i in block]
            el = el.getparent()
        return kept

    def _lead_in(self, kept: list[int], title: str) -> list[int]:
        """Short lines right above the first paragraph, in its own container
        (a subheading, a 收盘播报 kicker, a deck, the bylines), belong to the
        text even though no sentence scores them in. All of them or none: a
        lead-in that does not end at the heading, the info row or another
        container within a few lines has no known start."""
        if not kept:
            return []
        doc = self.document
        first = doc.lines[kept[0]].owner
        parent = first.getparent()
        floor = self.title_index if self.title_index is not None else -1
        found: list[int] = []
        for j in range(kept[0] - 1, floor, -1):
            line, key = doc.lines[j], doc.keys[j]
            if line.owner is not first and line.owner.getparent() is not parent:
                return found
            if line.boiler or line.link_chars >= 0.6 * len(line.text) or key.replace(" ", "") == title:
                return found
            if not key or JUNK_LINE_RE.match(key) or info.is_info_line(key) or PROMO_LINE_RE.search(key):
                return found
            if len(found) == _LEAD_IN_MAX:
                return []
            found.insert(0, j)
        return found

    def _tail_in(self, kept: list[int]) -> list[int]:
        """Lines after the last paragraph, to the end of its container, belong
        to the text when none of them is furniture: a spec sheet, a
        programme's last sessions, the organisers' contacts. All of them or
        none: the container must end within a few dozen lines."""
        if not kept:
            return []
        doc = self.document
        last = doc.lines[kept[-1]].owner
        parent = last.getparent()
        found: list[int] = []
        for j in range(kept[-1] + 1, min(len(doc.lines), kept[-1] + 2 + _TAIL_IN_MAX)):
            line, key = doc.lines[j], doc.keys[j]
            if line.owner is not last and line.owner.getparent() is not parent:
                return found
            if len(found) == _TAIL_IN_MAX or len(key) > 200 or line.boiler or self._scores[j] <= BREAK:
                return []
            if line.link_chars >= 0.6 * len(line.text):
                continue  # an address or a mail link among them: not text, not the end either
            if JUNK_LINE_RE.match(key) or PROMO_LINE_RE.search(key) or BOILER_LINE_RE.search(key):
                return []
            if info.is_info_line(key):
                return []
            found.append(j)
        return found

    @cached_property
    def body_lines(self) -> list[str]:
        lines = self.document.lines
        return [lines[i].text for i in self.body_indexes]

    @cached_property
    def link_density(self) -> float:
        """Share of the run's text that is link text (lists are mostly links)."""
        run = self.run
        if run is None:
            return 1.0
        lines = [line for line in self.document.lines[run.start : run.end] if not line.boiler]
        total = sum(len(line.text) for line in lines)
        return sum(line.link_chars for line in lines) / total if total else 1.0

    # ------------------------------------------------------------ info row
    def _info_keys(self, start: int, end: int, teasers: bool = True) -> list[str]:
        """The keys of lines ``start:end``; away from the heading (``teasers=False``)
        without a list's teasers (a headline link, then its date and counts)."""
        doc = self.document
        return [
            doc.keys[i]
            for i in range(max(0, start), min(end, len(doc.lines)))
            if teasers
            or not (doc.lines[i].lead_link and doc.lines[i].link_chars >= 6 and _HEADLINE_START.match(doc.keys[i]))
        ]

    @cached_property
    def _head_keys(self) -> list[str]:
        """Lines between the heading and the text (or just above the text)."""
        keys = self.document.keys
        first = self.body_indexes[0] if self.body_indexes else (self.run.start if self.run else len(keys))
        ti = self.title_index
        if ti is None or ti >= first:
            return self._info_keys(first - 4, first)
        # below the heading, and, when the text starts much lower, above the text too
        return self._info_keys(ti + 1, min(first, ti + 12)) + self._info_keys(max(ti + 12, first - 6), first)

    @cached_property
    def _above_keys(self) -> list[str]:
        """A few lines above the heading, nearest first (a date printed over it)."""
        ti = self.title_index
        if ti is None:
            return []
        return self._info_keys(ti - _ABOVE_LINES, ti, teasers=False)[::-1]

    @cached_property
    def _tail_keys(self) -> list[str]:
        """The last body line and the few lines after the text (blogs print the date and views there)."""
        if not self.body_indexes:
            return []
        last = self.body_indexes[-1]
        return self._info_keys(last, last + _TAIL_LINES, teasers=False)

    @cached_property
    def published(self) -> list[str]:
        """Date candidates, best first: the info row's, metadata's, then a date over the heading or after the text."""
        doc = self.document
        head = self._head_keys
        found = [d for d in (info.labelled_date(head), info.any_date(head)) if d]
        if self.title_index is not None:  # a date printed in the heading's own line
            date = info.any_date(doc.keys[self.title_index : self.title_index + 1])
            if date:
                found.append(date)
        meta = doc.meta(*_DATE_METAS)
        if meta:
            found.append(meta)
        if doc.root is not None:
            found.extend(doc.root.xpath("//time/@datetime")[:1])
        tail = self._tail_keys
        for date in (info.labelled_date(tail), info.any_date(self._above_keys), info.any_date(tail)):
            if date:
                found.append(date)
        return found

    @cached_property
    def clicks(self) -> list[str]:
        found = info.clicks(self._head_keys) or info.clicks(self._tail_keys)
        return [found] if found else []

    @cached_property
    def has_click_label(self) -> bool:
        """A click label is shown (with or without its number)."""
        return info.has_click_label(self._head_keys) or info.has_click_label(self._tail_keys)

    @property
    def clicks_need_script(self) -> bool:
        """The page shows a click label whose number is not in the HTML (a script writes it)."""
        return self.has_click_label and not self.clicks

    @cached_property
    def source(self) -> str | None:
        return info.source(self._head_keys) or info.source(self._tail_keys)

    @cached_property
    def category(self) -> str | None:
        """The breadcrumb's last section (not the article's own title, nor a
        journal issue); else a section label right above the heading that the
        ``<title>`` names too (``报社新闻 频道`` over the headline of
        ``标题-报社新闻-网站``); else ``article:section``."""
        title = label_key(self.title or "")
        ti = self.title_index
        crumbs = [
            c
            for c in self.document.breadcrumbs.read(before=ti if ti is not None else self.run.start if self.run else 0)
            if len(c) <= 25
            and c != title
            and not (title and (title[:8] in c or (c in title and len(c) > 8)))
            and not _ISSUE.search(c)
        ]
        if crumbs:
            return crumbs[-1]
        return self._section_label() or self.document.meta("article:section")

    def _section_label(self) -> str | None:
        ti = self.title_index
        if ti is None:
            return None
        doc = self.document
        named = set(self._titles.head.segments[1:])
        for line, key in zip(doc.lines[max(0, ti - 3) : ti], doc.keys[max(0, ti - 3) : ti], strict=True):
            label = key.split(" ")[0]
            if label in named and len(label) <= 12 and line.link_chars >= len(label):
                return label
        return None

    @cached_property
    def canonical(self) -> str:
        doc = self.document
        if doc.root is not None:
            for href in doc.root.xpath("//link[@rel='canonical']/@href"):
                url = doc.absolute(href)
                if url is not None and doc.same_host(url):
                    return canonical_url(url)
        return canonical_url(doc.url)

    # --------------------------------------------------------------- checks
    @cached_property
    def is_article(self) -> bool:
        """A run of prose under a heading, or with a date, click count, source
        label or article metadata. The title is not required: an article whose
        title cannot be found is still exported (with ``title`` null, and flagged)."""
        text = "".join(self.body_lines)
        short = len(text) < _TEXT_MIN
        if short and not (len(text) >= _FLASH_MIN and self._headline and self._dated_under_heading):
            return False  # too little text, unless a dated headline heads it: a news flash
        if self.link_density > 0.5:
            return False
        return bool(
            self.published
            or self.clicks
            or self.has_click_label
            or self.source
            or self.document.meta("og:type") == "article"
            or self._headline
        )

    @property
    def _dated_under_heading(self) -> bool:
        """A date in the heading's own line or the info row under it."""
        ti = self.title_index
        keys = self._head_keys + (self.document.keys[ti : ti + 1] if ti is not None else [])
        return info.any_date(keys) is not None

    @property
    def _headline(self) -> bool:
        """A heading that names a story, not a page of the site (关于我们, 联系方式:
        short, and the text of a link in the site's menus)."""
        title = label_key(self.title or "")
        if len(title) < 6:
            return False
        chrome = self.document.chrome
        return not any(
            label_key(link.text) == title and any(el in chrome for el in a.iterancestors())
            for a, link in self.document.anchors
        )

    # ---------------------------------------------------------- click count
    @cached_property
    def counter_script(self) -> str | None:
        """The counter ``<script src>`` that writes the click count, when the
        page shows a click label without a number (DedeCMS's
        ``/plus/count.php?view=yes&aid=…``): its URL names a counter, or it
        sits in the label's own element. Only on this page's host."""
        doc = self.document
        if not self.clicks_need_script or doc.root is None:
            return None
        for script in doc.root.iter("script"):
            src = (script.get("src") or "").strip()
            if not src:
                continue
            url = doc.absolute(src)
            if url is None or not doc.same_host(url):
                continue
            parent = script.getparent()
            near_label = parent is not None and CLICK_LABEL_RE.search(label_key(doc.text_of(parent)) + "：")
            parts = urlsplit(url)
            if COUNTER_SRC_RE.search(parts.path + "?" + parts.query) or near_label:
                return url
        return None

    @cached_property
    def has_scripts(self) -> bool:
        return self.document.root is not None and bool(self.document.root.xpath("//script"))

    @cached_property
    def has_glosses(self) -> bool:
        """The page inserts pinyin after characters, as mirror sites do."""
        texts = [self.title or "", *self.body_lines[:5]]
        return any(strip_glosses(t) != t for t in texts)

    # ----------------------------------------------------------------- item
    def to_item(self, crawled_at: datetime | None = None) -> Article:
        """The finished, repaired record of this article."""
        loader = ArticleLoader(script=self.script)
        loader.add_value("url", self.canonical)
        loader.add_value("title", self.title)
        loader.add_value("published", self.published)
        loader.add_value("clicks", self.clicks)
        loader.add_value("source", self.source)
        loader.add_value("category", self.category)
        loader.add_value("body", self.body_lines)
        return loader.load_article(crawled_at)


_DATE_METAS = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "datePublished",
    "dateUpdate",
    "pubdate",
    "publishdate",
    "PubDate",
    "publish_time",
    "citation_publication_date",
    "citation_date",
    "DC.date",
)
