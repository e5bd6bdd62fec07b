"""``scrapy crawl`` for scheduled runs: checked input, one run at a time, exit codes.

Plain ``scrapy crawl`` exits 0 even when every request failed, or when a
second Ctrl-C cut it short. This one checks settings and spider arguments
before anything starts (one-line error naming the value, exit 2), takes an
exclusive lock next to the state so two runs never overlap (a second run
exits 0 at once; in distributed mode the lock is the worker id's, and Redis
must answer before anything starts), handles SIGINT/SIGTERM itself (``parknews.stopping``: exit
128 + the signal's number), and exits 1 when the run failed (see
``parknews.outcome`` and ``parknews.monitors``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import time
from typing import IO, TYPE_CHECKING, NoReturn

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from parknews.config import SPIDER_ARGUMENTS, ConfigError, ParknewsConfig, settings_from_arguments
from parknews.feeds import OutputError, check_output_dirs
from parknews.outcome import exit_code
from parknews.state import StateError, StateStore
from parknews.stopping import Interrupts

if TYPE_CHECKING:
    import argparse
    from pathlib import Path


class Command(ScrapyCrawlCommand):
    lock: IO[str] | None = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Validate and lock here: this runs before Scrapy sets up logging and prints its banner."""
        super().process_options(args, opts)
        assert self.settings is not None
        try:
            # the arguments that stand for settings become settings; the rest go to the spider
            self.settings.setdict(settings_from_arguments(opts.spargs), "cmdline")
            opts.spargs = {name: value for name, value in opts.spargs.items() if SPIDER_ARGUMENTS.get(name) is None}
            config = ParknewsConfig.from_settings(self.settings)
            config.sites_for(opts.spargs.get("start_urls"), opts.spargs.get("site"))
        except ConfigError as exc:
            _fail(str(exc))
        self.lock = _take_lock(config.lock_path)
        if config.distributed:
            unreachable = check_reachable(config)
            if unreachable:
                report_unreachable(unreachable)
        try:
            if not config.distributed:
                store = StateStore(config.state_path)  # corrupt or unwritable: say so now
                try:
                    store.check()
                finally:
                    store.close()
            feeds = list(self.settings.getdict("FEEDS"))
            check_output_dirs(feeds or [config.output] * bool(config.output), create=not feeds)
        except (StateError, OutputError) as exc:
            _fail(str(exc))

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. 'scrapy crawl parknews'")
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        interrupts = Interrupts(crawler)
        self.crawler_process.crawl(crawler, **opts.spargs)
        interrupts.install()
        self.crawler_process.start(install_signal_handlers=False)
        stats = crawler.stats.get_stats() if crawler._stats is not None else {}
        self.exitcode = exit_code(stats) or interrupts.exit_code or int(self.crawler_process.bootstrap_failed)


def check_reachable(config: ParknewsConfig) -> str | None:
    """Why the distributed mode's Redis cannot be used (imported only for that mode)."""
    from parknews.distributed import check_reachable as check

    return check(config)


def report_unreachable(message: str) -> NoReturn:
    """One ERROR line in the log's own form, exit 1: the run could not start,
    nothing was fetched, exported or recorded."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} [parknews] {logging.getLevelName(logging.ERROR)}: {message}", file=sys.stderr)
    raise SystemExit(1)


def _fail(message: str) -> NoReturn:
    print(f"parknews: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _take_lock(path: Path) -> IO[str]:
    """An exclusive ``flock`` on ``path``, held until the process exits (or dies:
    the kernel releases it, so a killed run never blocks the next one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        _fail(f"lock file {str(path)!r} cannot be used: {exc}")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        print(f"parknews: another run (pid {holder}) holds {path}; not starting", file=sys.stderr)
        raise SystemExit(0) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
