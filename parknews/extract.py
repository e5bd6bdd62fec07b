"""Page objects: what a page is, and what an article page says.

Everything here takes parsed HTML plus its URL and returns plain values, so
each rule is tested on saved pages in milliseconds, without the engine.

Nothing depends on one template's CSS classes: the same article is served by
DedeCMS-style tables, plain ``<div>`` layouts, HTML5 ``<article>`` pages and
mirror copies in Traditional characters with pinyin glosses. Fields are found
by their visible labels (Simplified and Traditional), by structure (the
heading that matches ``<title>``, the breadcrumb) and by metadata; the body is
the block that carries the most prose, scored per line the way readability
scores paragraphs. Class and id names are only one weak signal for chrome
(menus, share bars, hot lists), and never outvote a block full of sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Literal
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from w3lib.url import url_query_cleaner

from parknews.layout import (
    HEADING_TAGS,
    PARA_TAGS,
    Line,
    adopt_trailing,
    depth,
    is_descendant,
    parse_html,
    walk_lines,
)
from parknews.text import strip_glosses

if TYPE_CHECKING:
    from scrapy.http import TextResponse

PageKind = Literal["article", "list", "hub", "other"]

# ---------------------------------------------------------------- vocabulary
# Labels in Simplified and Traditional form, longest first so the regex takes
# 发布时间 before 时间.
DATE_LABEL = (
    r"(?:发布时间|發布時間|发布日期|發布日期|发表时间|發表時間|发表日期|發表日期|"
    r"发稿时间|發稿時間|更新时间|更新時間|时间|時間|日期)"
)
CLICK_LABEL = (
    r"(?:点击数|點擊數|点击量|點擊量|点击次数|點擊次數|点击|點擊|浏览次数|瀏覽次數|"
    r"浏览数|瀏覽數|浏览量|瀏覽量|浏览|瀏覽|阅读数|閱讀數|阅读量|閱讀量|阅读|閱讀|"
    r"人气|人氣|访问量|訪問量)"
)
SOURCE_LABEL = r"(?:信息来源|資訊來源|文章来源|文章來源|来源|來源|稿源|出处|出處)"
DATE = (
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：时時]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)

_DATE_RE = re.compile(DATE)
_LABELLED_DATE_RE = re.compile(DATE_LABEL + r"\s*[:：]?\s*" + DATE)
_CLICKS_RE = re.compile(CLICK_LABEL + r"\s*[:：]?\s*[(（\[]?\s*(\d[\d,，]*)")
# "1024次阅读": the number first, and never the end of a time ("09:00 阅读").
_CLICKS_AFTER_RE = re.compile(
    r"(?<![\d:：])(\d[\d,，]*)\s*(?:次阅读|次閱讀|次浏览|次瀏覽|人阅读|人閱讀|次点击|次點擊|人浏览|人瀏覽)"
)
# A label whose number a script fills in: "点击数:" or "阅读" at the end of the
# info row or before the next label ("阅读 来源：…").
_CLICK_LABEL_RE = re.compile(CLICK_LABEL + r"(?:\s*[:：]|(?=\s*$|\s+\S{1,6}[:：]|\s*[|｜]))")
_COUNTER_SRC_RE = re.compile(r"count|click|hits?\b|views?\b|pv\.", re.I)
_SOURCE_RE = re.compile(SOURCE_LABEL + r"\s*[:：]\s*(.+?)(?=\s+\S{1,6}[:：]|\s*[|｜]|$)")
_BREADCRUMB_MARK_RE = re.compile(
    r"(?:当前位置|當前位置|您的位置|你的位置|所在位置|现在的位置|現在的位置|当前页面|位置)\s*[:：]?\s*"
)
_CRUMB_SPLIT_RE = re.compile(r"\s*(?:>|&gt;|›|»|→|/|\\|＞|》)\s*")
_HOME_WORDS = frozenset(
    {
        "首页",
        "首頁",
        "主页",
        "主頁",
        "网站首页",
        "網站首頁",
        "home",
        "Home",
        "正文",
        "详情",
        "詳情",
        "内容",
        "內容",
        "正文内容",
    }
)
NEWS_HUB_LABELS = frozenset(
    {"新闻中心", "新聞中心", "文章中心", "新闻资讯", "新聞資訊", "资讯中心", "資訊中心", "新闻动态", "新聞動態"}
)
_HOME_PATHS = frozenset(
    {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.php", "/index.asp", "/default.aspx"}
)
_NEXT_LABELS = frozenset({"下一页", "下一頁", "下页", "下頁", "后页", "後頁", "next", "Next", "›", "»", ">"})
_LAST_LABELS = frozenset({"末页", "末頁", "尾页", "尾頁", "最后一页", "最後一頁", "last", "Last"})

# Lines that are never article text, wherever they sit.
_JUNK_LINE_RE = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|上一頁|上一页|下一页|下一頁|分享到|分享|打印|关闭|關閉|返回顶部|返回頂部|"
    r"字号|字體|字体|责任编辑|責任編輯|编辑|編輯|关键词|關鍵詞|标签|標籤|tags?|扫一扫|掃一掃)\s*[:：]?",
    re.IGNORECASE,
)
_SOURCE_LINE_RE = re.compile(r"^[【\[(（]?\s*" + SOURCE_LABEL + r"\s*[:：]")
_PROSE_PUNCT = frozenset("，。；！？、,;")
_ARTICLE_HREF_RE = re.compile(r"\d{2,}")
_ID_QUERY_RE = re.compile(r"(?:^|&)(?:aid|id|articleid|newsid|article_id|news_id|itemid)=\d+", re.I)
_TRACKING_PARAMS = (
    "from",
    "spm",
    "share",
    "share_from",
    "sharefrom",
    "fr",
    "isappinstalled",
    "scene",
    "clicktime",
    "enterid",
    "wfr",
    "source",
    "ref",
    "_t",
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    rel: str = ""


@dataclass
class RawArticle:
    """Field values as found on the page, before the loader normalises them."""

    url: str
    title: str | None = None
    published: list[str] = field(default_factory=list)
    clicks: list[str] = field(default_factory=list)
    source: str | None = None
    category: str | None = None
    body: list[str] = field(default_factory=list)
    #: the page has a click label whose number is not in the HTML (a script writes it)
    clicks_label_without_number: bool = False


def canonical_url(url: str) -> str:
    """Drop the fragment and tracking parameters (``?from=list``, ``utm_*``)."""
    url = urldefrag(url)[0]
    if "?" not in url:
        return url
    url = url_query_cleaner(url, _TRACKING_PARAMS, remove=True)
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.lower().startswith("utm_")]
    return base + ("?" + "&".join(kept) if kept else "")


def label_key(text: str) -> str:
    """Text as labels and titles are compared: no glosses, no whitespace."""
    return "".join(strip_glosses(text).split())


class Page:
    """One fetched HTML page, parsed once, examined lazily."""

    def __init__(self, root: etree._Element, url: str, base_url: str | None = None) -> None:
        self.root = adopt_trailing(root)
        self.url = url
        self.base_url = base_url or url
        self.netloc = urlsplit(url).netloc.lower()

    @classmethod
    def from_response(cls, response: TextResponse) -> Page:
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
    def from_html(cls, html: str | bytes, url: str) -> Page:
        if isinstance(html, bytes):
            html = html.decode("utf-8", errors="replace")
        try:
            root = parse_html(html or "<html></html>")
        except UnicodeEncodeError:  # lone surrogates (broken JSON, bad slicing): as undecodable bytes would be
            root = parse_html(html.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
        base = root.xpath("string(//base/@href)") if root is not None else ""
        return cls(root, url, (_absolute_http_url(url, base) if base else None) or url)

    # ------------------------------------------------------------- raw text
    @cached_property
    def _walk(self) -> tuple[list[Line], dict[etree._Element, tuple[int, int]], set[etree._Element]]:
        return walk_lines(self.root)

    @property
    def lines(self) -> list[Line]:
        return self._walk[0]

    def lines_within(self, element: etree._Element) -> list[Line]:
        start, end = self._walk[1].get(element, (0, 0))
        return self.lines[start:end]

    @cached_property
    def keys(self) -> list[str]:
        """Each line with glosses removed and whitespace collapsed, for label matching."""
        # A line's text is whitespace-collapsed already, and without a
        # parenthesis it has no gloss: most lines are their own key.
        texts = (line.text for line in self.lines)
        return [" ".join(strip_glosses(t).split()) if "(" in t or "（" in t else t for t in texts]

    def meta(self, *names: str) -> str | None:
        for name in names:
            for value in self._metas.get(name, ()):
                if value.strip():
                    return value.strip()
        return None

    @cached_property
    def _metas(self) -> dict[str, list[str]]:
        """``<meta content>`` by property, name and itemprop, in document order.

        One pass over the page instead of one XPath query per name asked
        (a date alone asks for six).
        """
        found: dict[str, list[str]] = {}
        for el in self.root.iter("meta"):
            content = el.get("content")
            if content is None:
                continue
            for key in {el.get("property"), el.get("name"), el.get("itemprop")} - {None}:
                found.setdefault(key, []).append(content)
        return found

    @cached_property
    def head_title(self) -> str:
        return " ".join(self.root.xpath("string(//title)").split())

    # ---------------------------------------------------------------- links
    @cached_property
    def anchors(self) -> list[tuple[etree._Element, Link]]:
        """Every http(s) link with its ``<a>``, absolute, without fragment, in document order."""
        out = []
        for a in self.root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            url = _absolute_http_url(self.base_url, href)
            if url is None:
                continue  # javascript:, mailto:, tel:
            text = " ".join(strip_glosses("".join(a.itertext())).split())
            out.append((a, Link(url, text, (a.get("rel") or "").lower())))
        return out

    @property
    def links(self) -> list[Link]:
        return [link for _, link in self.anchors]

    def same_host(self, url: str, hosts: frozenset[str] | None = None) -> bool:
        return urlsplit(url).netloc.lower() in (hosts or {self.netloc})

    # ------------------------------------------------------------ structure
    @cached_property
    def title_index(self) -> int | None:
        """Index of the line that is the article heading: the heading that best
        matches ``<title>`` / ``og:title`` (sites append ``_category_site``)."""
        head = label_key(self.head_title)
        og = label_key(self.meta("og:title", "twitter:title") or "")
        segments = {label_key(s) for s in re.split(r"\s*[_|｜–—-]\s*", strip_glosses(self.head_title))}
        # A <title> of one part may be just the site's name, which the logo
        # repeats: then only a real heading can be the title.
        single = len(segments) < 2
        best, best_score = None, 0.0
        for i, (line, key) in enumerate(zip(self.lines, self.keys, strict=True)):
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
            for i, line in enumerate(self.lines):
                if line.owner.tag == "h1":
                    return i
        return best

    @cached_property
    def title(self) -> str | None:
        if self.title_index is not None:
            return self.lines[self.title_index].text
        og = self.meta("og:title")
        if og:
            return og
        # "Title_Category_Site": the first part. A lone part is as likely the
        # site's name as the article's: better null (and flagged) than wrong.
        parts = re.split(r"\s*[_|｜]\s*", self.head_title)
        return parts[0] if len(parts) >= 2 and parts[0] else None

    @cached_property
    def breadcrumb(self) -> list[str]:
        """Breadcrumb parts after the marker, without the home link."""
        parts: list[str] = []
        el = _marked_breadcrumb(self.root)
        if el is not None:
            items = el.xpath(".//li") or el.xpath(".//a")
            parts = [" ".join("".join(i.itertext()).split()) for i in items]
        if not parts:
            for key in self.keys:
                m = _BREADCRUMB_MARK_RE.search(key)
                if m and m.start() < 12 and (">" in key or "›" in key or "»" in key or "/" in key):
                    parts = _CRUMB_SPLIT_RE.split(key[m.end() :])
                    break
        return [p for p in (label_key(x) for x in parts) if p and p not in _HOME_WORDS]

    # ---------------------------------------------------------------- body
    @cached_property
    def body_container(self) -> etree._Element | None:
        scores: dict[etree._Element, float] = {}
        for line in self.lines:
            if line.boiler:
                continue
            own = len(line.text) - line.link_chars
            if own < 2:
                continue
            score = 1 + min(own / 40, 3) + sum(map(line.text.count, _PROSE_PUNCT))
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
        lines = self.lines_within(container)
        start = 0
        ti = self.title_index
        if ti is not None:
            title_line = self.lines[ti]
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
        lines = [line for line in self.lines_within(container) if not line.boiler]
        total = sum(len(line.text) for line in lines)
        return sum(line.link_chars for line in lines) / total if total else 1.0

    # ------------------------------------------------------------ metadata
    def _info_keys(self) -> list[str]:
        """Lines where the info row lives: just after the title, then the rest."""
        ti = self.title_index
        keys = self.keys
        if ti is None:
            return keys
        return keys[ti + 1 : ti + 8] + keys[max(0, ti - 3) : ti] + keys[ti + 8 :]

    @cached_property
    def published(self) -> list[str]:
        found = []
        meta = self.meta(
            "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate", "PubDate"
        )
        if meta:
            found.append(meta)
        found.extend(self.root.xpath("//time/@datetime"))
        for key in self._info_keys():
            m = _LABELLED_DATE_RE.search(key)
            if m:
                found.append(m.group(0))
                break
        ti = self.title_index
        if ti is not None:
            for key in self.keys[ti + 1 : ti + 4]:
                m = _DATE_RE.search(key)
                if m and len(key) < 80:
                    found.append(m.group(0))
                    break
        return found

    @cached_property
    def clicks(self) -> list[str]:
        for key in self._info_keys():
            if len(key) > 120:
                continue
            m = _CLICKS_RE.search(key) or _CLICKS_AFTER_RE.search(key)
            if m:
                return [m.group(1)]
        return []

    @cached_property
    def has_click_label(self) -> bool:
        return any(_CLICK_LABEL_RE.search(k) for k in self._info_keys() if len(k) <= 120)

    @cached_property
    def source(self) -> str | None:
        for key in self._info_keys():
            if len(key) > 160:
                continue
            m = _SOURCE_RE.search(key)
            if m:
                value = m.group(1).strip(" ：:，,。;；|｜")
                if value and len(value) <= 40:
                    return value
        return None

    @cached_property
    def category(self) -> str | None:
        # An article's breadcrumb often ends with its own title.
        title = label_key(self.title or "")
        crumbs = [c for c in self.breadcrumb if c != title and not (len(c) > 12 and c.startswith(title[:12]))]
        if crumbs:
            return crumbs[-1]
        return self.meta("article:section")

    @cached_property
    def canonical(self) -> str:
        for href in self.root.xpath("//link[@rel='canonical']/@href"):
            url = _absolute_http_url(self.base_url, href.strip())
            if url is not None and urlsplit(url).netloc.lower() == self.netloc:
                return canonical_url(url)
        return canonical_url(self.url)

    # -------------------------------------------------------- classification
    @cached_property
    def is_article(self) -> bool:
        """A block of prose plus a date, click count, source label or article
        metadata. The title is not required: an article whose title cannot be
        found is still exported (with ``title`` null, and flagged)."""
        text = "".join(self.body_lines)
        if len(text) < 60 or self.link_density > 0.3:
            return False
        if len(self.list_links) >= 3 and self.body_container is self._list_container:
            return False
        return bool(
            self.published or self.clicks or self.has_click_label or self.source or self.meta("og:type") == "article"
        )

    def article_href(self, link: Link) -> bool:
        """A link that looks like it opens one article: an id in the URL and a title as text."""
        if len(link.text) < 6 or link.text in _NEXT_LABELS or not self.same_host(link.url):
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
        boiler = self._walk[2]
        for a, link in self.anchors:
            if not self.article_href(link) or any(x in boiler for x in a.iterancestors()):
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
    def _list_container(self) -> etree._Element | None:
        return self._list_groups[0]

    @property
    def list_links(self) -> list[Link]:
        return self._list_groups[1]

    @cached_property
    def pagination(self) -> list[Link]:
        """Next and numbered page links of this list (never previous/first)."""
        pairs = self.anchors
        nexts = [a for a, link in pairs if link.text in _NEXT_LABELS or "next" in link.rel.split()]
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
        here = canonical_url(self.url)
        for a, link in pairs:
            if not is_descendant(a, container) or not self.same_host(link.url):
                continue
            is_next = link.text in _NEXT_LABELS or "next" in link.rel.split()
            if is_next or link.text in _LAST_LABELS or link.text.isdigit():
                url = canonical_url(link.url)
                if url != here and (is_next or url not in found):
                    found[url] = Link(url, link.text, link.rel)  # "下一页" wins over "2"
        return list(found.values())

    @property
    def next_page(self) -> Link | None:
        return next((link for link in self.pagination if link.text in _NEXT_LABELS or "next" in link.rel), None)

    def news_centre_links(self) -> list[Link]:
        return [link for link in self.links if label_key(link.text) in NEWS_HUB_LABELS and self.same_host(link.url)]

    @cached_property
    def is_news_centre(self) -> bool:
        names = {label_key(self.title or ""), *(label_key(s) for s in re.split(r"[_|｜-]", self.head_title))}
        crumbs = self.breadcrumb
        return bool(names & NEWS_HUB_LABELS or (crumbs and crumbs[-1] in NEWS_HUB_LABELS))

    def section_links(self, under: list[str]) -> list[Link]:
        """Section (category) links below any of the given news-centre URLs."""
        prefixes = []
        for url in under:
            path = urlsplit(url).path
            prefixes.append(path if path.endswith("/") else path.rsplit("/", 1)[0] + "/")
        out, seen = [], set()
        for link in self.links:
            if not self.same_host(link.url) or self.article_href(link) or not link.text:
                continue
            url = canonical_url(link.url)
            path = urlsplit(url).path
            if url in seen or url in under or not any(path.startswith(p) and path != p for p in prefixes):
                continue
            seen.add(url)
            out.append(Link(url, link.text, link.rel))
        return out

    def classify(self) -> PageKind:
        """Article, list, hub (home or news centre: discover lists), or other.

        A list is told from a hub with latest-article blocks by its
        pagination or by sitting inside a section (its breadcrumb names a
        category), so a list given as a start URL never walks the site nav.
        """
        if self.is_article:
            return "article"
        crumbs = self.breadcrumb
        in_section = bool(crumbs) and crumbs[-1] not in NEWS_HUB_LABELS
        if self.list_links and (self.pagination or in_section):
            return "list"
        if self.is_news_centre or urlsplit(self.url).path in _HOME_PATHS:
            return "hub"
        if len(self.list_links) >= 3:
            return "list"
        return "other"

    @cached_property
    def counter_script(self) -> str | None:
        """The counter ``<script src>`` that writes the click count, when the
        page shows a click label without a number (DedeCMS's
        ``/plus/count.php?view=yes&aid=…``): its URL names a counter, or it
        sits in the label's own element. Only on this page's host."""
        if not self.has_click_label or self.clicks:
            return None
        for script in self.root.iter("script"):
            src = (script.get("src") or "").strip()
            if not src:
                continue
            url = _absolute_http_url(self.base_url, src)
            if url is None or not self.same_host(url):
                continue
            parent = script.getparent()
            near_label = parent is not None and _CLICK_LABEL_RE.search(label_key("".join(parent.itertext())) + "：")
            if _COUNTER_SRC_RE.search(urlsplit(url).path + "?" + urlsplit(url).query) or near_label:
                return url
        return None

    @cached_property
    def has_scripts(self) -> bool:
        return bool(self.root.xpath("//script"))

    @cached_property
    def has_glosses(self) -> bool:
        """The page inserts pinyin after characters, as mirror sites do."""
        texts = [self.title or "", *self.body_lines[:5]]
        return any(strip_glosses(t) != t for t in texts)

    def raw_article(self) -> RawArticle:
        return RawArticle(
            url=self.canonical,
            title=self.title,
            published=self.published,
            clicks=self.clicks,
            source=self.source,
            category=self.category,
            body=self.body_lines,
            clicks_label_without_number=self.has_click_label and not self.clicks,
        )


# ------------------------------------------------------------------ helpers
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


@lru_cache(maxsize=512)
def _origin(base: str) -> str | None:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


@lru_cache(maxsize=8192)
def _resolve(base: str, href: str) -> str | None:
    try:
        url = urldefrag(urljoin(base, href))[0]
        return url if urlsplit(url).scheme in ("http", "https") else None
    except ValueError:  # "http://[", a host urllib cannot parse: no link a browser could follow either
        return None


def _absolute_http_url(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``, without fragment; None unless http(s).

    Every page repeats the site's navigation, and urljoin + urldefrag +
    urlsplit cost about 15 µs a link. A root-relative href (``/news/``)
    resolves the same against any page of a host, so it is looked up by the
    host alone and is parsed once per crawl rather than once per page.
    """
    if href[:1] == "/" and href[:2] != "//":
        origin = _origin(base)
        if origin is not None:
            base = origin
    return _resolve(base, href)


def _is_meta_line(text: str, title_key: str) -> bool:
    key = " ".join(strip_glosses(text).split())
    if not key or key.isdigit():
        return True  # like/digg counters
    compact = "".join(key.split())
    if compact == title_key or _JUNK_LINE_RE.match(key) or _SOURCE_LINE_RE.match(key):
        return True
    if _BREADCRUMB_MARK_RE.match(key) and len(key) < 120:
        return True
    # the info row (发布时间 … 点击数 …) is short; a sentence mentioning a date is not
    return len(key) < 100 and bool(
        _LABELLED_DATE_RE.search(key) or _CLICKS_RE.search(key) or _CLICK_LABEL_RE.search(key)
    )
