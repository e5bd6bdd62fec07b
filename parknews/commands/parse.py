"""``scrapy parse``: Scrapy's command, for a look at any URL (see ``LookOnly``)."""

from scrapy.commands.parse import Command as ScrapyParseCommand

from parknews.commands import LookCommand


class Command(LookCommand, ScrapyParseCommand):
    pass
