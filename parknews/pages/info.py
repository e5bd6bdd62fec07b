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
    CLICK_LABEL_RE,
    CLICKS_AFTER_RE,
    CLICKS_RE,
    DATE_LABEL,
    SOURCE_END_RE,
    SOURCE_RE,
)

#: Info rows are short; a longer line is a sentence that happens to hold a date.
INFO_LINE_MAX = 160
_DATE_LABEL_NEAR = re.compile(DATE_LABEL + r"\s*[:：]?\s*$", re.I)
# Dates that are not the article's own: a recommended post's, a comment's, today's.
_OTHER_DATE = re.compile(r"最新|推荐|推薦|评论|評論|回复|回覆|留言|今天|今日|当前时间|现在时间|版权|版權")
_SOURCE_TRIM = " ：:，,。;；|｜[]【】()（）<>《》\"'"


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
