"""ItemLoader and processors: raw page values in, typed ``Article`` out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from itemloaders.processors import Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from parknews.extract import DATE, Page
from parknews.items import Article

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)
_DATE_RE = re.compile(DATE)


def parse_published(value: str) -> str | None:
    """``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SS+08:00`` when the page gives a time.

    Times without a zone are the site's (China, UTC+8); times with a zone are
    shifted to UTC+8 so every record reads the same way.
    """
    m = _ISO_RE.match(value)
    if m and m.group(7):
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
    m = _DATE_RE.search(value)
    if not m:
        return None
    y, mo, d, h, mi, s = m.groups()
    try:
        if h is None:
            return datetime(int(y), int(mo), int(d)).date().isoformat()
        when = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=CHINA_TZ)
    except ValueError:
        return None
    return when.isoformat()


def parse_clicks(value: str | int) -> int | None:
    """``'2,359'`` → 2359; anything without digits is unknown, never 0."""
    digits = re.sub(r"\D", "", str(value))
    return int(digits) if digits else None


def _strip(value: str) -> str | None:
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    return value or None


class ArticleLoader(ItemLoader):
    """Fields may be added as several candidates, best first: ``TakeFirst``
    keeps the first one the input processor could make sense of."""

    default_item_class = Article
    default_input_processor = MapCompose(str, _strip)
    default_output_processor = TakeFirst()

    published_in = MapCompose(str, parse_published)
    clicks_in = MapCompose(parse_clicks)
    body_in = MapCompose(str, _strip)
    body_out = Join("\n")
    crawled_at_in = Identity()


def load_article(page: Page, crawled_at: datetime | None = None) -> Article:
    """Fill an ``Article`` from an article page; no Scrapy engine needed."""
    raw = page.raw_article()
    loader = ArticleLoader()
    loader.add_value("url", raw.url)
    loader.add_value("title", raw.title)
    loader.add_value("published", raw.published)
    loader.add_value("clicks", raw.clicks)
    loader.add_value("source", raw.source)
    loader.add_value("category", raw.category)
    loader.add_value("body", raw.body)
    when = (crawled_at or datetime.now(UTC)).astimezone(UTC)
    loader.add_value("crawled_at", when.replace(microsecond=0).isoformat())
    item = loader.load_item()
    if not item.body:
        item.body = None
    return item
