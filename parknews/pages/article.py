"""The article page object: what an article page says, as a finished ``Article``.

Fields are found by their visible labels, by structure (the heading that
matches ``<title>``, the breadcrumb) and by metadata; the body is the block
that carries the most prose, scored per line the way readability scores
paragraphs. Class and id names are only one weak signal for chrome, and
never outvote a block full of sentences. ``to_item()`` fills the item
through the project's ``ArticleLoader``, whose output processors do the
final clean-up (glosses, script, punctuation, whitespace).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property
from typing import ClassVar
from urllib.parse import urlsplit

from lxml import etree

from parknews.items import Article
from parknews.loaders import ArticleLoader
from parknews.pages.document import Document, label_key
from parknews.pages.layout import HEADING_TAGS, PARA_TAGS
from parknews.pages.urls import canonical_url
from parknews.text import strip_glosses
from parknews.vocab import (
    BREADCRUMB_MARK_RE,
    CLICK_LABEL_RE,
    CLICKS_AFTER_RE,
    CLICKS_RE,
    COUNTER_SRC_RE,
    DATE_RE,
    JUNK_LINE_RE,
    LABELLED_DATE_RE,
    PROSE_PUNCT,
    SOURCE_LINE_RE,
    SOURCE_RE,
)


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
    def title_index(self) -> int | None:
        """Index of the line that is the article heading: the heading that best
        matches ``<title>`` / ``og:title`` (sites append ``_category_site``)."""
        doc = self.document
        head = label_key(doc.head_title)
        og = label_key(doc.meta("og:title", "twitter:title") or "")
        segments = {label_key(s) for s in re.split(r"\s*[_|｜–—-]\s*", strip_glosses(doc.head_title))}
        # A <title> of one part may be just the site's name, which the logo
        # repeats: then only a real heading can be the title.
        single = len(segments) < 2
        best, best_score = None, 0.0
        for i, (line, key) in enumerate(zip(doc.lines, doc.keys, strict=True)):
            # Keys are whitespace-collapsed: dropping their single spaces is
            # "".join(key.split()), and their count gives its length for free.
            size = len(key) - key.count(" ")
            if size < 4 or size > 120:
                continue
            heading = line.owner.tag in HEADING_TAGS
            if not heading and (single or line.link_chars >= len(line.text)):
                continue  # the logo / a menu link, not the article's heading
            k = key.replace(" ", "")
            if og and k == og:
                score = 1000 + len(k)
            elif k in segments or (head and head.startswith(k)):
                score = len(k) + (50 if heading else 0) - (30 if line.boiler else 0)
            elif heading and head and k in head:
                score = len(k) / 2
            else:
                continue
            if score > best_score:
                best, best_score = i, score
        if best is None:
            for i, line in enumerate(doc.lines):
                if line.owner.tag == "h1":
                    return i
        return best

    @cached_property
    def title(self) -> str | None:
        doc = self.document
        if self.title_index is not None:
            return doc.lines[self.title_index].text
        og = doc.meta("og:title")
        if og:
            return og
        # "Title_Category_Site": the first part. A lone part is as likely the
        # site's name as the article's: better null (and flagged) than wrong.
        parts = re.split(r"\s*[_|｜]\s*", doc.head_title)
        return parts[0] if len(parts) >= 2 and parts[0] else None

    # ---------------------------------------------------------------- body
    @cached_property
    def body_container(self) -> etree._Element | None:
        scores: dict[etree._Element, float] = {}
        for line in self.document.lines:
            if line.boiler:
                continue
            own = len(line.text) - line.link_chars
            if own < 2:
                continue
            score = 1 + min(own / 40, 3) + sum(map(line.text.count, PROSE_PUNCT))
            owner = line.owner
            if owner.tag not in PARA_TAGS:
                # text straight in a div/td (br-separated lines) scores for it
                # and, like a paragraph, for its container
                scores[owner] = scores.get(owner, 0) + score
            parent = owner.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + score / 2
        if not scores:
            return None
        return max(scores, key=scores.__getitem__)

    @cached_property
    def body_lines(self) -> list[str]:
        container = self.body_container
        if container is None:
            return []
        doc = self.document
        lines = doc.lines_within(container)
        start = 0
        ti = self.title_index
        if ti is not None:
            title_line = doc.lines[ti]
            # The title, info line and breadcrumb sit above the text in
            # templates that keep everything in one block.
            for i, line in enumerate(lines):
                if line is title_line:
                    start = i + 1
                    break
        title = label_key(self.title or "")
        out = []
        for line in lines[start:]:
            if line.boiler or line.link_chars >= len(line.text):
                continue
            if _is_meta_line(line.text, title):
                continue
            out.append(line.text)
        return out

    @cached_property
    def link_density(self) -> float:
        """Share of the body block's text that is link text (lists are mostly links)."""
        container = self.body_container
        if container is None:
            return 1.0
        lines = [line for line in self.document.lines_within(container) if not line.boiler]
        total = sum(len(line.text) for line in lines)
        return sum(line.link_chars for line in lines) / total if total else 1.0

    # ------------------------------------------------------------ metadata
    def _info_keys(self) -> list[str]:
        """Lines where the info row lives: just after the title, then the rest."""
        ti = self.title_index
        keys = self.document.keys
        if ti is None:
            return keys
        return keys[ti + 1 : ti + 8] + keys[max(0, ti - 3) : ti] + keys[ti + 8 :]

    @cached_property
    def published(self) -> list[str]:
        """Date candidates, best first: metadata, ``<time>``, the labelled date, a date under the title."""
        doc = self.document
        found = []
        meta = doc.meta(
            "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate", "PubDate"
        )
        if meta:
            found.append(meta)
        if doc.root is not None:
            found.extend(doc.root.xpath("//time/@datetime"))
        for key in self._info_keys():
            m = LABELLED_DATE_RE.search(key)
            if m:
                found.append(m.group(0))
                break
        ti = self.title_index
        if ti is not None:
            for key in doc.keys[ti + 1 : ti + 4]:
                m = DATE_RE.search(key)
                if m and len(key) < 80:
                    found.append(m.group(0))
                    break
        return found

    @cached_property
    def clicks(self) -> list[str]:
        for key in self._info_keys():
            if len(key) > 120:
                continue
            m = CLICKS_RE.search(key) or CLICKS_AFTER_RE.search(key)
            if m:
                return [m.group(1)]
        return []

    @cached_property
    def has_click_label(self) -> bool:
        """A click label is shown (with or without its number)."""
        return any(CLICK_LABEL_RE.search(k) for k in self._info_keys() if len(k) <= 120)

    @property
    def clicks_need_script(self) -> bool:
        """The page shows a click label whose number is not in the HTML (a script writes it)."""
        return self.has_click_label and not self.clicks

    @cached_property
    def source(self) -> str | None:
        for key in self._info_keys():
            if len(key) > 160:
                continue
            m = SOURCE_RE.search(key)
            if m:
                value = m.group(1).strip(" ：:，,。;；|｜")
                if value and len(value) <= 40:
                    return value
        return None

    @cached_property
    def category(self) -> str | None:
        # An article's breadcrumb often ends with its own title.
        title = label_key(self.title or "")
        crumbs = [c for c in self.document.breadcrumb if c != title and not (len(c) > 12 and c.startswith(title[:12]))]
        if crumbs:
            return crumbs[-1]
        return self.document.meta("article:section")

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
        """A block of prose plus a date, click count, source label or article
        metadata. The title is not required: an article whose title cannot be
        found is still exported (with ``title`` null, and flagged)."""
        text = "".join(self.body_lines)
        if len(text) < 60 or self.link_density > 0.3:
            return False
        return bool(
            self.published
            or self.clicks
            or self.has_click_label
            or self.source
            or self.document.meta("og:type") == "article"
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


def _is_meta_line(text: str, title_key: str) -> bool:
    key = " ".join(strip_glosses(text).split())
    if not key or key.isdigit():
        return True  # like/digg counters
    compact = "".join(key.split())
    if compact == title_key or JUNK_LINE_RE.match(key) or SOURCE_LINE_RE.match(key):
        return True
    if BREADCRUMB_MARK_RE.match(key) and len(key) < 120:
        return True
    # the info row (发布时间 … 点击数 …) is short; a sentence mentioning a date is not
    return len(key) < 100 and bool(LABELLED_DATE_RE.search(key) or CLICKS_RE.search(key) or CLICK_LABEL_RE.search(key))
