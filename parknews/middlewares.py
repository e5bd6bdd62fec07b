"""Downloader middleware that fixes a response's charset before anything reads it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scrapy.http import Request, Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, resolve_encoding

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

_REPLACEMENT = "\ufffd"
_HEADER_CHARSET_RE = re.compile(rb"charset=([\w.:-]+)", re.I)


class CharsetFixMiddleware:
    """Trust the page's ``<meta>`` charset over a header that garbles it.

    GBK/GB2312 pages served as ``charset=utf-8`` are common on Chinese CMS
    sites: decoded as the header says they turn into U+FFFD runs. When header
    and meta disagree and the header's decoding has replacement characters,
    the body is re-decoded with the meta charset (w3lib maps gb2312/gbk to
    gb18030), if that decodes it more cleanly. Pages whose header and meta
    agree are left alone, even when they hold a few invalid bytes.
    """

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetFixMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        header = response.headers.get(b"Content-Type") or b""
        m = _HEADER_CHARSET_RE.search(header)
        declared = html_body_declared_encoding(response.body)
        if not m or not declared:
            return response
        header_enc = resolve_encoding(m.group(1).decode("ascii", "replace"))
        meta_enc = resolve_encoding(declared)
        if not meta_enc or header_enc == meta_enc:
            return response
        bad = response.text.count(_REPLACEMENT)
        if not bad:
            return response
        fixed = response.replace(encoding=meta_enc)
        if fixed.text.count(_REPLACEMENT) < bad:
            if self.stats is not None:
                self.stats.inc_value("parknews/redecoded")
            return fixed
        return response
