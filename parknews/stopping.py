"""Stopping a run early — on SIGINT/SIGTERM or at ``-a limit=N`` — promptly, and saying so.

Scrapy stops gracefully by waiting for every request already handed to its
downloader. At the live site's ``DOWNLOAD_DELAY`` the ones still queued in a
download slot are sent one delay apart, so a Ctrl-C took about ten seconds and
sent that many more requests to a site the operator wanted to leave alone.
Here the queued ones are given up unsent; only the requests on the wire finish.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.ossignal import install_shutdown_handlers, signal_names

if TYPE_CHECKING:
    from types import FrameType

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Sent when a run stops at once (a second SIGINT or SIGTERM). The engine then
#: never closes, so the feed storage (its unfinished file) and the run summary
#: clean up on this signal instead.
run_abandoned = object()
#: Sent with each request given up unsent (``request=``): a distributed
#: worker's scheduler hands its lease back to the round rather than release it.
request_given_up = object()


class RequestNotSent(IgnoreRequest):
    """A request given up before it was sent, because the run is stopping."""


def drop_waiting_requests(crawler: Crawler) -> int:
    """Give up the requests queued in the downloader that are not on the wire yet.

    Scrapy has no call for this, so it is written against the downloader's
    slots (the same ``Downloader.slots`` AutoThrottle adjusts): each holds a
    queue of ``(request, deferred)`` waiting for the slot's delay. Failing the
    deferred hands the request's errback a :class:`RequestNotSent`, and the
    engine counts the request as done. Call it once the engine is closing, or
    it would fill the queue again from the scheduler.
    """
    engine = crawler._engine  # None before the crawl starts (Crawler.engine would raise)
    if engine is None:
        return 0
    dropped = 0
    for slot in list(engine.downloader.slots.values()):
        while slot.queue:
            request, deferred = slot.queue.popleft()
            deferred.errback(RequestNotSent(f"not sent, the run is stopping: {request.url}"))
            crawler.signals.send_catch_log(signal=request_given_up, request=request)
            dropped += 1
    if dropped:
        crawler.stats.inc_value("parknews/not_sent", dropped)
    return dropped


def _requests_on_the_wire(crawler: Crawler) -> int:
    engine = crawler._engine
    return sum(len(slot.transferring) for slot in engine.downloader.slots.values()) if engine else 0


class Interrupts:
    """SIGINT and SIGTERM during ``scrapy crawl parknews``, in place of Scrapy's handlers.

    The first signal stops the run gracefully, as Scrapy does, but without the
    queued requests: the articles exported so far are written and recorded,
    and the run ends as interrupted (exit 128 + the signal's number). A second
    signal stops at once: nothing of the run is kept — its unfinished output
    is removed and the state is left as it was, so the next run exports those
    articles — and the summary says so. A signal while the spider is still
    opening (nothing fetched yet) stops at once too: there is nothing to
    finish; one while the run is closing on its own lets it close.

    The handlers only hand the work to the reactor: a signal handler may
    interrupt code that is writing to the log.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        #: the first signal received, if any
        self.signum: int | None = None
        #: whether a signal stopped the run (one that came as it ended on its own did not)
        self.interrupted = False
        self.engine_started = self.spider_closed = self.engine_stopped = False
        crawler.signals.connect(self._engine_started, signal=signals.engine_started)
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._engine_stopped, signal=signals.engine_stopped)

    def install(self) -> None:
        install_shutdown_handlers(self._received)

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number, as a shell reports a process a signal ended."""
        return 128 + self.signum if self.interrupted and self.signum is not None else None

    def _received(self, signum: int, frame: FrameType | None) -> None:
        from twisted.internet import reactor

        if self.signum is None:
            self.signum = signum
            reactor.callFromThread(self._stop_gracefully, signum)
        else:
            install_shutdown_handlers(signal.SIG_IGN)
            reactor.callFromThread(self._stop_at_once, signum, True)

    def _engine_started(self) -> None:
        self.engine_started = True

    def _spider_closed(self) -> None:
        self.spider_closed = True

    def _engine_stopped(self) -> None:
        self.engine_stopped = True

    def _stop_gracefully(self, signum: int) -> None:
        if self.engine_stopped:
            return  # the run has ended on its own
        if not self.engine_started:
            self._stop_at_once(signum, False)  # the spider is still opening: nothing fetched, nothing to finish
            return
        if not self.crawler.engine.running:
            if self.spider_closed:
                logger.info("Interrupted by %s as the run ends on its own: letting it end", signal_names[signum])
            else:  # started, not running yet (engine_started handlers may take a moment): act once it runs
                from twisted.internet import reactor

                reactor.callLater(0.05, self._stop_gracefully, signum)
            return
        self.interrupted = True
        name = signal_names.get(signum, str(signum))
        self.crawler.stats.set_value("parknews/interrupted", name)
        deferred_from_coro(self.crawler.stop_async())
        dropped = drop_waiting_requests(self.crawler)
        logger.warning(
            "Interrupted by %s: stopping (responses still awaited: %d; queued requests not sent: %d). "
            "The articles exported so far are kept; %s again stops at once and keeps nothing of this run.",
            name,
            _requests_on_the_wire(self.crawler),
            dropped,
            name,
        )

    def _stop_at_once(self, signum: int, again: bool) -> None:
        if self.engine_stopped:
            return  # the run has ended on its own: its output and state are settled
        self.interrupted = True
        if self.crawler._stats is not None:  # None only before the crawl has set itself up
            name = signal_names.get(signum, str(signum))
            stats = self.crawler.stats
            stats.set_value("parknews/interrupted", stats.get_value("parknews/interrupted") or name)
            if again:
                stats.set_value("parknews/stopped_at_once", True)
                logger.warning("Interrupted again by %s: stopping at once; nothing of this run is kept", name)
            else:
                logger.warning("Interrupted by %s while starting: stopping, nothing was fetched yet", name)
            self.crawler.signals.send_catch_log(signal=run_abandoned)
        _stop_reactor()


def _stop_reactor() -> None:
    from twisted.internet import reactor

    with contextlib.suppress(RuntimeError):  # the reactor is already stopping
        reactor.stop()
