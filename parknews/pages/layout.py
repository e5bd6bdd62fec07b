"""Laying a page out as lines of text, and telling content from chrome.

A browser-like reading of the HTML: block elements end lines, a table row is
one line, and navigation, share bars, hot lists and contact boxes are marked
as chrome — by tag, by whole class/id tokens or by their heading, and never
when the block is full of sentences. ``parknews.pages.document`` builds its
lines with this; nothing here knows about articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from lxml import etree

_BOILER_HEAD_RE = re.compile(
    r"^\s*(?:相关文章|相關文章|相关阅读|相關閱讀|相关新闻|相關新聞|热门文章|熱門文章|热门推荐|熱門推薦|"
    r"推荐阅读|推薦閱讀|推荐文章|推薦文章|猜你喜欢|猜你喜歡|最新文章|热点|熱點|上一篇|下一篇|分享到|"
    r"全国热线|全國熱線|联系我们|聯系我們|聯繫我們|联系方式|聯系方式|微信公众号|微信公眾號|关注我们|關注我們|"
    r"版权所有|版權所有|copyright|©)",
    re.IGNORECASE,
)
# Chrome by name: whole class/id tokens only ("page-content" is not "page").
_BOILER_TOKENS = frozenset(
    [
        "nav",
        "navbar",
        "navigation",
        "menu",
        "submenu",
        "footer",
        "foot",
        "header",
        "topbar",
        "banner",
        "sidebar",
        "aside",
        "share",
        "bdshare",
        "sharebar",
        "social",
        "hot",
        "hotnews",
        "related",
        "relate",
        "recommend",
        "comment",
        "comments",
        "copyright",
        "breadcrumb",
        "breadcrumbs",
        "crumb",
        "crumbs",
        "digg",
        "prenext",
        "prevnext",
        "pager",
        "pagination",
        "pagelist",
        "hotline",
        "kefu",
        "weixin",
        "wechat",
        "qrcode",
        "ad",
        "ads",
        "advert",
        "login",
        "search",
        "toolbar",
    ]
)
_BOILER_NAME_RE = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(sorted(_BOILER_TOKENS, key=len, reverse=True)) + r")(?![a-z0-9])"
)
# Blocks whose first child may be a heading that names them chrome (相关文章, 分享到 …).
_HEADED_BLOCKS = frozenset(
    {"div", "ul", "ol", "dl", "table", "tbody", "tr", "td", "section", "aside", "nav", "form", "header", "footer"}
)

_SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "title",
        "select",
        "option",
        "svg",
        "iframe",
        "object",
        "embed",
        "textarea",
    ]
)
_BOILER_TAGS = frozenset(["nav", "footer", "aside", "form", "header", "button"])
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "tr",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "nav",
        "aside",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "center",
        "address",
        "form",
        "hr",
        "caption",
        "body",
        "html",
    ]
)
_CELL_TAGS = frozenset({"td", "th"})
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Elements a page's text sits in that a stray </html> leaves open (see adopt_trailing).
_OPEN_CONTAINERS = frozenset(
    ["div", "section", "article", "main", "center", "blockquote", "form", "table", "tbody", "tr", "td"]
)
# A line owned by one of these scores for its parent (the paragraph's
# container) and half for the grandparent, like readability does.
PARA_TAGS = frozenset(
    ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "tr", "figcaption"]
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4"})


class Line(NamedTuple):
    text: str
    owner: etree._Element  # innermost block element holding the line
    boiler: bool  # inside navigation, share bars, hot lists…
    link_chars: int  # characters of the line that are link text
    lead_link: bool = False  # the line starts with a link (a teaser: headline link, then its summary)


def parse_html(text: str) -> etree._Element:
    """Parse the way parsel's ``Selector(text=..., type="html")`` does, into plain elements.

    parsel uses ``lxml.html``'s parser, whose elements are looked up through
    a Python class lookup each time one is reached from Python; a page walk
    reaches every element, and that lookup alone was about 8 % of extracting
    a page. The tree is the same (same libxml2 parser and options), and
    nothing here uses ``lxml.html``'s element methods.
    """
    body = text.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(body, parser=parser)
    if root is None:
        root = etree.fromstring(b"<html/>", parser=parser)
    return root


def adopt_trailing(root: etree._Element | None) -> etree._Element | None:
    """Give back to the page what follows a stray ``</html>``.

    libxml2 puts everything after a ``</html>`` in the middle of a page into
    a second ``<html>`` beside the real one, out of reach of every walk from
    the root, so the rest of the article and its links would be lost. A
    browser keeps the elements that were open and goes on filling the
    innermost one; the nearest thing in the finished tree is the innermost
    container on the path of last children.
    """
    if root is None or root.getparent() is not None:
        return root
    strays = [el for el in root.itersiblings() if isinstance(el.tag, str)]
    if not strays:
        return root
    target = root.find("body")
    target = root if target is None else target
    while True:
        children = [c for c in target if isinstance(c.tag, str)]
        if not children or children[-1].tag not in _OPEN_CONTAINERS:
            break
        target = children[-1]
    for el in strays:
        # the wrapper the parser invented goes; what it holds stays
        moved = [el]
        if el.tag == "html":
            if el.text and el.text.strip():
                # lxml refuses to set control characters the parser itself let through
                last = target[-1] if len(target) else None
                if last is None:
                    target.text = _NOT_XML_CHARS.sub("", (target.text or "") + el.text)
                else:
                    last.tail = _NOT_XML_CHARS.sub("", (last.tail or "") + el.text)
            moved = list(el)
        for child in moved:
            if child.tag in ("html", "body"):
                child.tag = "div"
            target.append(child)
    return root


def depth(el: etree._Element) -> int:
    return sum(1 for _ in el.iterancestors())


def is_descendant(el: etree._Element, ancestor: etree._Element) -> bool:
    return el is ancestor or any(a is ancestor for a in el.iterancestors())


def _named_chrome(el: etree._Element) -> bool:
    """A whole class or id token names chrome ("page-content" is not "page")."""
    cls, ident = el.get("class"), el.get("id")
    if not cls and not ident:
        return False
    return _BOILER_NAME_RE.search(f"{cls or ''} {ident or ''}".lower()) is not None


def _head_text(el: etree._Element, size: int = 12) -> str:
    """``"".join(el.itertext()).strip()[:size]``, reading only as much text as that needs.

    This runs for every element of every page, and the first child of
    ``<body>`` or of a layout table holds most of the page: joining all of it
    to keep twelve characters made the walk quadratic in the nesting depth.
    Once the stripped text runs past ``size``, trailing whitespace can no
    longer reach into the first ``size`` characters, so the rest is not read.
    """
    parts: list[str] = []
    for text in el.itertext():
        parts.append(text)
        head = "".join(parts).strip()
        if len(head) > size:
            return head[:size]
    return "".join(parts).strip()[:size]


#: Characters of text outside links that make a block content, sentences or not.
_PROSE_CHARS = 300


def _is_prose(el: etree._Element) -> bool:
    """A block of sentences (three full stops), or of much text that is not
    link text — a blog written without full stops is still its article,
    while menus, footers and related lists are mostly links.

    The stop count ends at the third stop, the link count once the rest
    is too short.
    """
    stops = chars = 0
    for text in el.itertext():
        stops += text.count("。")
        chars += len(text) - text.count(" ")
        if stops >= 3:
            return True
    if chars < _PROSE_CHARS:
        return False
    links = 0
    for a in el.iter("a"):
        links += sum(len(t) - t.count(" ") for t in a.itertext())
        if chars - links < _PROSE_CHARS:
            return False
    return True


def _is_boilerplate(el: etree._Element) -> bool:
    tag = el.tag
    if not isinstance(tag, str):
        return False
    if tag not in _BOILER_TAGS and not _named_chrome(el):
        head = (el.text or "").strip()
        if not head and len(el) and tag in _HEADED_BLOCKS and isinstance(el[0].tag, str):
            head = _head_text(el[0])
        if not head or not _BOILER_HEAD_RE.match(head):
            return False
    # Tags, names and headings are weak signals (ASP.NET wraps whole pages in
    # <form>): a block full of sentences is content.
    return not _is_prose(el)


def walk_lines(
    root: etree._Element | None,
    clean: Callable[[str], str] = str,
    clean_already: Callable[[str], object] = lambda text: True,
) -> tuple[list[Line], dict[etree._Element, tuple[int, int]], set[etree._Element]]:
    """Lay the page out as lines, the way a browser would break them.

    Block elements and ``<br>`` end a line; table cells are joined by " | "
    so a table row reads as one line. Iterative, so deeply nested broken
    markup cannot hit the recursion limit. ``clean`` repairs each line's
    text before its whitespace is collapsed (a no-break space may be the
    last byte of a mojibake character); ``clean_already`` tells, cheaply,
    the lines that need no repair (most of them).
    """
    lines: list[Line] = []
    spans: dict[etree._Element, tuple[int, int]] = {}
    boilers: set[etree._Element] = set()
    if root is None:
        return lines, spans, boilers
    buf: list[str] = []
    link_chars = 0
    link_depth = 0
    boiler_depth = 0
    lead_link = False
    blocks: list[etree._Element] = [root]

    def flush() -> None:
        nonlocal link_chars, lead_link
        raw = "".join(buf)
        buf.clear()
        if raw.isspace():  # the indentation between blocks: most flushes
            link_chars = 0
            lead_link = False
            return
        fixed = raw if clean_already(raw) else clean(raw)
        if fixed is not raw and link_chars:
            link_chars = link_chars * len(fixed) // max(len(raw), 1)
        text = " ".join(fixed.split())
        if text:
            lines.append(Line(text, blocks[-1], boiler_depth > 0, min(link_chars, len(text)), lead_link))
        link_chars = 0
        lead_link = False

    # The loop below runs for every element and text node of every page, so
    # it keeps its state in locals: appending text inline, flushing only a
    # non-empty buffer (an empty one holds no link text either), and carrying
    # each element's first line on the stack (-1 while it is being opened).
    # Inside chrome, elements are not tested for being chrome themselves:
    # their lines are chrome either way, and so are the links below them.
    stack: list[tuple[etree._Element, int, bool]] = [(root, -1, False)]
    pop, push = stack.pop, stack.append
    while stack:
        el, start, boiler = pop()
        tag = el.tag
        if start >= 0:  # closing
            if tag in _CELL_TAGS and blocks[-1] is el:
                tag = "div"
            if tag in _BLOCK_TAGS:
                if buf:
                    flush()
                blocks.pop()
            elif tag == "a":
                link_depth -= 1
            if boiler:
                boiler_depth -= 1
            spans[el] = (start, len(lines))
            text = el.tail
            if text:
                buf.append(text)
                if link_depth:
                    link_chars += len(text.strip())
            continue
        if not isinstance(tag, str) or tag in _SKIP_TAGS or tag == "br":
            if tag == "br" and buf:
                flush()
            text = el.tail
            if text:
                buf.append(text)
                if link_depth:
                    link_chars += len(text.strip())
            continue
        is_boiler = not boiler_depth and _is_boilerplate(el)
        if tag in _CELL_TAGS and any(child.tag in _BLOCK_TAGS for child in el):
            tag = "div"  # a layout cell holding paragraphs is a block, not a table cell
        if tag in _BLOCK_TAGS:
            if buf:
                flush()
            blocks.append(el)
        elif tag in _CELL_TAGS and "".join(buf).strip():
            buf.append(" | ")  # a table row is one line, its cells kept apart
        if is_boiler:
            boiler_depth += 1
            boilers.add(el)
        if tag == "a":
            link_depth += 1
            if link_depth == 1 and not any(piece.strip() for piece in buf):
                lead_link = True
        push((el, len(lines), is_boiler))
        text = el.text
        if text:
            buf.append(text)
            if link_depth:
                link_chars += len(text.strip())
        if len(el):
            stack.extend([(child, -1, False) for child in reversed(el)])
    if buf:
        flush()
    return lines, spans, boilers
