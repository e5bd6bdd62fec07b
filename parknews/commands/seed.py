"""``scrapy seed parknews -a site=…``: start a crawl round of the distributed mode.

Puts the sites' start requests into the round's shared queue in Redis (the
encoding scrapy-redis's queue uses), so that any number of ``scrapy crawl
parknews`` workers with the same ``PARKNEWS_REDIS_URL`` crawl them. A round
that is still going is left alone (one line, exit 0), as a second run on one
machine is: cron can seed every quarter of an hour.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, ClassVar, NoReturn

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from parknews.config import ConfigError, ParknewsConfig, settings_from_arguments
from parknews.spiders.parknews import ParknewsSpider

if TYPE_CHECKING:
    import argparse

#: The spider arguments that choose what a round crawls; the others are each worker's own.
SEED_ARGUMENTS = ("site", "start_urls")


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, object]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "parknews [-a site=NAME[,NAME…]|all] [-a start_urls=URL[,URL…]]"

    def short_desc(self) -> str:
        return "Start a distributed crawl round: the sites' start requests into Redis"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        try:
            opts.spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            raise UsageError("Invalid -a value, use -a NAME=VALUE", print_help=False) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args != [ParknewsSpider.name]:
            given = " ".join(args) or "none"
            _fail(f"give the spider's name: scrapy seed {ParknewsSpider.name} -a site=… (got {given})")
        assert self.settings is not None
        try:
            settings_from_arguments(opts.spargs)  # an unknown name is refused as crawl refuses it
            others = sorted(set(opts.spargs) - set(SEED_ARGUMENTS))
            if others:
                raise ConfigError(
                    f"seed takes only {' and '.join(f'-a {n}=' for n in SEED_ARGUMENTS)}: "
                    f"{others[0]!r} is each worker's own (give it to scrapy crawl)"
                )
            config = ParknewsConfig.from_settings(self.settings)
            if not config.distributed:
                raise ConfigError("PARKNEWS_REDIS_URL is not set: a round is for the distributed mode")
            from parknews.distributed.rounds import encoded_start_requests, round_spec

            spec = round_spec(config, opts.spargs.get("start_urls"), opts.spargs.get("site"))
        except ConfigError as exc:
            _fail(str(exc))
        from parknews.commands.crawl import report_unreachable
        from parknews.distributed import check_reachable, client
        from parknews.distributed.rounds import start_round

        unreachable = check_reachable(config)
        if unreachable:
            report_unreachable(unreachable)
        sites = config.sites_for(spec.get("start_urls"), spec.get("site"))
        requests = encoded_start_requests(ParknewsSpider(), sites)
        server = client(config)
        try:
            round_id, stored, created, queued = start_round(server, spec, requests)
        finally:
            server.close()
        what = stored.get("site") or stored.get("start_urls")
        if created:
            print(f"parknews: started crawl round {round_id} of {what}: {len(requests)} start requests queued")
        else:
            print(f"parknews: crawl round {round_id} of {what} is going ({queued} requests queued); not starting one")


def _fail(message: str) -> NoReturn:
    print(f"parknews: error: {message}", file=sys.stderr)
    raise SystemExit(2)
