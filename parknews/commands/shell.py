"""``scrapy shell``: Scrapy's console, for a look at any URL (see ``LookOnly``)."""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShellCommand
from scrapy.utils.url import guess_scheme

from parknews.commands import LookCommand


class Command(LookCommand, ScrapyShellCommand):
    def url_of(self, args: list[str]) -> str | None:
        """``scrapy shell`` takes a bare host or a file path too, as Scrapy's own does."""
        return guess_scheme(args[0]) if args else None
