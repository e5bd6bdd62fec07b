"""``scrapy shell``: Scrapy's console, for a look at any URL (see ``LookOnly``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands.shell import Command as ScrapyShellCommand
from scrapy.utils.url import guess_scheme

from parknews.commands import LookOnly

if TYPE_CHECKING:
    import argparse


class Command(ScrapyShellCommand):
    look: LookOnly

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        self.look = LookOnly()
        self.look.apply(self.settings, guess_scheme(args[0]) if args else None)
        super().process_options(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)
        finally:
            self.look.close()
