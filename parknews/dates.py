"""Dates as pages write them, and the one form parknews exports.

Chinese pages write ``2020-09-25``, ``2020/9/25``, ``2024.05.11`` or
``2019年9月26日 15:10``; blogs and Hong Kong / Taiwan pages add English
(``Saturday, September 10th, 2005``, ``Dec 28 Sat 2013``) and day-first
European forms (``06/02/2022 - 13:48``); WordPress in Chinese writes
``八月 26, 2016``; metadata uses ISO 8601 with a zone. ``find_dates`` finds
them all in a line of text; ``parse_published`` turns one into
``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS+08:00``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import NamedTuple

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

_TIME = (
    r"(?:[\sT,，@-]*(?:(上午|下午|AM|PM|am|pm)\s*)?(\d{1,2})\s*[:：时時]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?"
    r"(?:\s*(AM|PM|am|pm|上午|下午))?)?"
)
# Year first: 2020-09-25, 2020/9/25, 2024.05.11, 2019年9月26日.
_YMD = re.compile(
    r"(?<![\d.])((?:19|20)\d{2})\s*([-/.年])\s*(\d{1,2})\s*(?:\2|月)\s*(\d{1,2})(?![\d.])\s*[日号]?" + _TIME
)
# Day first, as French, British or Hong Kong pages print it: 06/02/2022 - 13:48.
_DMY = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2((?:19|20)\d{2})(?![\d/.])" + _TIME)
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january", "一月"),
            ("feb", "february", "二月"),
            ("mar", "march", "三月"),
            ("apr", "april", "四月"),
            ("may", "五月"),
            ("jun", "june", "六月"),
            ("jul", "july", "七月"),
            ("aug", "august", "八月"),
            ("sep", "sept", "september", "九月"),
            ("oct", "october", "十月"),
            ("nov", "november", "十一月"),
            ("dec", "december", "十二月"),
        ]
    )
    for name in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|十[一二]?月|[一二三四五六七八九]月)"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?"
# Month first: September 10th, 2005 · Sep 10 2005 · Dec 28 Sat 2013 · 八月 26, 2016.
_MDY = re.compile(
    _WEEKDAY + _MONTH + r"\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*" + _WEEKDAY + r"((?:19|20)\d{2})(?!\d)" + _TIME,
    re.IGNORECASE,
)
# Day before month: 10 September 2005.
_DMonY = re.compile(
    r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"\.?,?\s+((?:19|20)\d{2})(?!\d)" + _TIME, re.IGNORECASE
)
_ISO_ZONED = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})\s*$"
)


_YEAR = re.compile(r"(?:19|20)\d\d")
_MONTH_HINT = re.compile(r"[A-Za-z]|月")


class DateMatch(NamedTuple):
    """A date found in a text: where, and its value."""

    start: int
    end: int
    value: str  # YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+08:00


def _hour(hour: int, *markers: str | None) -> int:
    marker = next((m.lower() for m in markers if m), "")
    if marker in ("pm", "下午") and hour < 12:
        return hour + 12
    if marker in ("am", "上午") and hour == 12:
        return 0
    return hour


def _value(y: int, mo: int, d: int, time: tuple[str | None, ...]) -> str | None:
    pre, h, mi, s, post = time
    try:
        if h is None:
            return date(y, mo, d).isoformat()
        when = datetime(y, mo, d, _hour(int(h), pre, post), int(mi), int(s or 0), tzinfo=CHINA_TZ)
    except ValueError:
        return None
    return when.isoformat()


def find_dates(text: str) -> list[DateMatch]:
    """Every full date (with a year) in ``text``, in order; a time is kept when it follows."""
    if not _YEAR.search(text):
        return []  # every form has a four-digit year: most lines of a page are done here
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], y: int, mo: int, d: int, time: tuple[str | None, ...]) -> None:
        if any(m.start() < end and start < m.end() for start, end in taken):
            return
        value = _value(y, mo, d, time)
        if value is not None:
            taken.append((m.start(), m.end()))
            found.append(DateMatch(m.start(), m.end(), value))

    for m in _YMD.finditer(text):
        add(m, int(m[1]), int(m[3]), int(m[4]), m.groups()[4:9])
    for m in _DMY.finditer(text):
        day, month = int(m[1]), int(m[3])
        if day <= 12 < month:  # 05/13/2024: month first after all
            day, month = month, day
        add(m, int(m[4]), month, day, m.groups()[4:9])
    if _MONTH_HINT.search(text):
        for m in _MDY.finditer(text):
            add(m, int(m[3]), _MONTHS[m[1].lower()], int(m[2]), m.groups()[3:8])
        for m in _DMonY.finditer(text):
            add(m, int(m[3]), _MONTHS[m[2].lower()], int(m[1]), m.groups()[3:8])
    return sorted(found)


def parse_published(value: str) -> str | None:
    """``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SS+08:00`` when the page gives a time.

    Times without a zone are the site's (China, UTC+8); times with a zone are
    shifted to UTC+8 so every record reads the same way.
    """
    m = _ISO_ZONED.match(value)
    if m:
        y, mo, d, h, mi, s, tz = m.groups()
        # A zone of +24:00 or more, or a shift past year 1 or 9999, is no date.
        try:
            offset = (
                UTC
                if tz == "Z"
                else timezone((1 if tz[0] == "+" else -1) * timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:])))
            )
            when = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=offset)
            return when.astimezone(CHINA_TZ).isoformat()
        except (ValueError, OverflowError):
            return None
    dates = find_dates(value)
    return dates[0].value if dates else None
