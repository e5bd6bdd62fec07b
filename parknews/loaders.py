"""ItemLoader and processors: field candidates in, the finished ``Article`` out.

Input processors make sense of each candidate (a date string, ``2,359``);
output processors take the first one that made sense and do the last
clean-up of text fields — pinyin glosses, script conversion, punctuation,
whitespace — so the item that leaves ``ArticlePage.to_item()`` is final.
(Mojibake and invisible characters are repaired earlier, in the document,
because labels are read from the repaired text.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from itemloaders.processors import Compose, Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from parknews.dates import parse_published
from parknews.items import Article
from parknews.text import normalise_whitespace, restore_punctuation, strip_glosses, to_simplified


def parse_clicks(value: str | int) -> int | None:
    """``'2,359'`` → 2359; anything without digits is unknown, never 0."""
    digits = re.sub(r"\D", "", str(value))
    return int(digits) if digits else None


def _strip(value: str) -> str | None:
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    return value or None


def clean_text(value: str, loader_context: dict[str, Any]) -> str | None:
    """The final form of a text field: no glosses, the configured script
    (``PARKNEWS_SCRIPT``), full-width punctuation between Chinese characters,
    layout whitespace collapsed (line breaks kept)."""
    text = strip_glosses(value)
    if loader_context.get("script", "zh-hans") == "zh-hans":
        text = to_simplified(text)
    return normalise_whitespace(restore_punctuation(text)) or None


class ArticleLoader(ItemLoader):
    """Fields may be added as several candidates, best first: ``TakeFirst``
    keeps the first one the input processor could make sense of."""

    default_item_class = Article
    default_input_processor = MapCompose(str, _strip)
    default_output_processor = TakeFirst()

    title_out = Compose(TakeFirst(), clean_text)
    source_out = Compose(TakeFirst(), clean_text)
    category_out = Compose(TakeFirst(), clean_text)
    body_out = Compose(Join("\n"), clean_text)
    published_in = MapCompose(str, parse_published)
    clicks_in = MapCompose(parse_clicks)
    crawled_at_in = Identity()

    def load_article(self, crawled_at: datetime | None = None) -> Article:
        """The item, stamped with its crawl time (UTC)."""
        when = (crawled_at or datetime.now(UTC)).astimezone(UTC)
        self.add_value("crawled_at", when.replace(microsecond=0).isoformat())
        return self.load_item()
