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
# Characters beyond Latin-1: what a page is in Chinese made of, in UTF-8 two or more bytes each.
_MULTIBYTE = re.compile("[\u0800-\uffff]")
_MULTIBYTE_MIN = 8


class CharsetFixMiddleware:
    """Decode a page the way its bytes are, when what it declares garbles it.

    GBK/GB2312 pages served as ``charset=utf-8`` are common on Chinese CMS
    sites: decoded as the header says they turn into U+FFFD runs. When header
    and meta disagree and the header's decoding has replacement characters,
    the body is re-decoded with the meta charset (w3lib maps gb2312/gbk to
    gb18030), if that decodes it more cleanly. Pages whose header and meta
    agree are left alone, even when they hold a few invalid bytes.

    The other way round, UTF-8 bytes declared as Latin-1, Windows-1252 or
    GBK decode into mojibake, and some of it (bytes Windows-1252 leaves
    undefined) into U+FFFD that no repair can undo afterwards. Bytes that
    are valid UTF-8 with a good number of multi-byte characters are UTF-8
    whatever the page says: no text in those encodings passes for it by
    chance.
    """

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetFixMiddleware:
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        fixed = self._utf8_declared_otherwise(response) or self._meta_over_header(response)
        if fixed is None:
            return response
        if self.stats is not None:
            self.stats.inc_value("parknews/redecoded")
        return fixed

    def _utf8_declared_otherwise(self, response: TextResponse) -> TextResponse | None:
        if resolve_encoding(response.encoding) == "utf-8":
            return None
        try:
            text = response.body.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if len(_MULTIBYTE.findall(text)) < _MULTIBYTE_MIN:
            return None
        return response.replace(encoding="utf-8")

    def _meta_over_header(self, response: TextResponse) -> TextResponse | None:
        header = response.headers.get(b"Content-Type") or b""
        m = _HEADER_CHARSET_RE.search(header)
        declared = html_body_declared_encoding(response.body)
        if not m or not declared:
            return None
        header_enc = resolve_encoding(m.group(1).decode("ascii", "replace"))
        meta_enc = resolve_encoding(declared)
        if not meta_enc or header_enc == meta_enc:
            return None
        bad = response.text.count(_REPLACEMENT)
        if not bad:
            return None
        fixed = response.replace(encoding=meta_enc)
        return fixed if fixed.text.count(_REPLACEMENT) < bad else None
