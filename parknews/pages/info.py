"""The article's info row: publish date, click count and source.

They are read where an article prints them — the lines between the
heading and the text first, then the few lines right after the text
(blogs put ``发表于 … 阅读(430)`` there) — and never from the rest of the
page, whose sidebars and comment threads carry dates and counts of their
own. Each reader takes matching keys (repaired text, glosses stripped).
"""

from __future__ import annotations

import re

from parknews.dates import find_dates
from parknews.vocab import (
    BREADCRUMB_MARK_RE,
    CLICK_LABEL_RE,
    CLICKS_AFTER_RE,
    CLICKS_RE,
    DATE_LABEL,
    LABELLED_DATE_RE,
    PROSE_PUNCT,
    SOURCE_END_RE,
    SOURCE_LINE_RE,
    SOURCE_RE,
)

#: Info rows are short; a longer line is a sentence that happens to hold a date.
INFO_LINE_MAX = 160
_DATE_LABEL_NEAR = re.compile(DATE_LABEL + r"\s*[:：]?\s*$", re.I)
# Dates that are not the article's own: a recommended post's, a comment's, today's.
_OTHER_DATE = re.compile(r"最新|推荐|推薦|评论|評論|回复|回覆|留言|今天|今日|当前时间|现在时间|版权|版權")
_SOURCE_TRIM = " ：:，,。;；|｜[]【】()（）<>《》\"'"
#: Words of a byline or info row that, beside a date, make the line one.
_INFO_WORDS = re.compile(
    r"作者|編輯|编辑|记者|記者|来源|來源|访问|訪問|阅读|閱讀|浏览|瀏覽|评论|評論|发表|發表|发布|發布|更新|"
    r"posted|published|views|comments",
    re.I,
)
# What every info line holds: a number, or a label that may stand without one.
_INFO_HINT = re.compile(
    r"\d|来源|來源|稿源|出处|出處|位置|点击|點擊|浏览|瀏覽|阅读|閱讀|人气|人氣|访问|訪問|views?|hits|reads?", re.I
)
#: Info rows are short: a sentence that mentions a date or a count is text.
INFO_ROW_MAX = 100
#: A byline (account name and date, 原创 GameForce 2019-09-04 22:18) is shorter still.
_BYLINE_MAX = 40


def is_info_line(key: str) -> bool:
    """A line of the info row or a byline, never article text: labelled
    dates, click counts, 来源 lines, breadcrumbs, dates beside author or
    count words."""
    if len(key) >= INFO_ROW_MAX or not _INFO_HINT.search(key):
        return False
    if SOURCE_LINE_RE.match(key) or (BREADCRUMB_MARK_RE.match(key)):
        return True
    if LABELLED_DATE_RE.search(key) or CLICKS_RE.search(key) or CLICKS_AFTER_RE.search(key):
        return True
    if CLICK_LABEL_RE.search(key):
        return True
    if not find_dates(key):
        return False
    # a date beside author or count words, or beside a name and nothing that reads as a sentence
    return bool(_INFO_WORDS.search(key)) or (len(key) < _BYLINE_MAX and not any(c in PROSE_PUNCT for c in key))


def labelled_date(keys: list[str]) -> str | None:
    """The first date that a date label (发布时间, 发表于, posted …) introduces."""
    for key in keys:
        if len(key) > INFO_LINE_MAX:
            continue
        for match in find_dates(key):
            if _DATE_LABEL_NEAR.search(key[max(0, match.start - 12) : match.start]):
                return key[match.start : match.end]
    return None


def any_date(keys: list[str]) -> str | None:
    """The first date on a short line that says nothing of being another date."""
    for key in keys:
        if len(key) > INFO_LINE_MAX:
            continue
        for match in find_dates(key):
            if not _OTHER_DATE.search(key[max(0, match.start - 12) : match.start]):
                return key[match.start : match.end]
    return None


def clicks(keys: list[str]) -> str | None:
    """A click count with its label: 点击数：2359, 阅读(430), 1164次阅读, (16,543 views)."""
    for key in keys:
        if len(key) > INFO_LINE_MAX:
            continue
        m = CLICKS_RE.search(key) or CLICKS_AFTER_RE.search(key)
        if m:
            return m.group(1)
    return None


def has_click_label(keys: list[str]) -> bool:
    """A click label whose number may be missing (a script writes it)."""
    return any(CLICK_LABEL_RE.search(k) for k in keys if len(k) <= INFO_LINE_MAX)


def source(keys: list[str]) -> str | None:
    """The name after a 来源 label, up to the next label, date or separator."""
    for key in keys:
        if len(key) > INFO_LINE_MAX:
            continue
        for m in SOURCE_RE.finditer(key):
            value = m.group(1).lstrip(_SOURCE_TRIM)
            if value[:1] in "[【(（":
                value = value[1:].lstrip()
            end = SOURCE_END_RE.search(value)
            value = (value[: end.start()] if end else value).strip(_SOURCE_TRIM)
            if value and len(value) <= 40:
                return value
    return None
