"""The one record parknews exports."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    """An article as exported, one JSON line each.

    A dataclass rather than ``scrapy.Item`` so the schema is plain Python that
    tests and downstream code can import without Scrapy; the pipelines reach it
    through itemadapter like any other item type. Every field defaults to
    ``None`` so a field the page lacks is exported as ``null``.
    """

    url: str | None = None
    #: the name of the site profile it was crawled as (``sites.toml``)
    site: str | None = None
    title: str | None = None
    published: str | None = None
    clicks: int | None = None
    source: str | None = None
    category: str | None = None
    body: str | None = None
    crawled_at: str | None = None
    #: identity of the text (normalised title + body, see ``parknews.text.fingerprint``),
    #: taken once by ``content_fingerprint``; not exported (``FEED_EXPORT_FIELDS`` lists the exported fields)
    fingerprint: str | None = field(default=None, repr=False, compare=False)

    def content_fingerprint(self, simplified: bool = True) -> str:
        """The fingerprint of the final title and body, taken on first use and kept.

        ``simplified`` says the text is the default clean-up's output (script
        ``zh-hans``), so the fingerprint need not repeat it.
        """
        if self.fingerprint is None:
            # Imported here: the text module loads ftfy and OpenCC, which the schema alone does not need.
            from parknews.text import fingerprint

            self.fingerprint = fingerprint(self.title or "", self.body or "", repaired=simplified)
        return self.fingerprint


#: Fields whose absence is worth a warning: ``crawled_at`` and ``url`` are always set.
CONTENT_FIELDS: tuple[str, ...] = ("title", "published", "clicks", "source", "category", "body")
