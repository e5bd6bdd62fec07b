"""When this run's records join the state: with its output, as one step for a reader.

The dedup pipeline records the articles it lets through, the walks how far
each list got; none of it joins the state until the output carrying those
articles is in place. For a file output that is three steps: the records
are *held* (stored durably, pending, with a note of where the lines go), the
file is put in place, then the records are *saved*. A run killed between the
steps is settled by the next one before it crawls (:func:`settle_held`):
lines in place, records saved; lines not in place, records dropped, and
whatever part of them an append had written cut off. So whenever a run is
killed, each article ends up in an output exactly once: the next run exports
precisely those no output holds.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from parknews.config import ParknewsConfig
from parknews.outputs import Placement
from parknews.shared import per_crawler
from parknews.state import State, StateError, StateStore, open_state
from parknews.walks import ListWalks

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunRecords:
    """This run's write connection to the state, and the moment its records join it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = config = ParknewsConfig.from_crawler(crawler)
        #: the state as messages name it
        self.path = config.redis_shown or config.state_path
        self.walks = ListWalks.of(crawler)
        self.store: State | None = None
        #: the records were held with an output; it was put in place
        self.held = self.placed = False
        self._walks_staged = False

    @classmethod
    def of(cls, crawler: Crawler) -> RunRecords:
        """The crawler's one set of records, shared by the pipeline and the feed storage."""
        return per_crawler(crawler, cls)

    def open(self) -> State:
        """The write connection, once a run stopped half-way through saving is settled.

        In distributed mode the state is Redis's, whose records are saved
        with the worker's leases (``parknews.distributed.state``): a file and
        a Redis server cannot be written in one step, so nothing is held.
        """
        if self.config.distributed:
            self.store = open_state(self.config, self.crawler)
            return self.store
        store = self.store = StateStore(self.config.state_path)
        settle_held(store)
        return store

    def hold(self, placement: Placement) -> None:
        """Just before ``placement`` puts an output in place: hold the records
        (durably, pending), with the note of where its lines go.

        Raises ``sqlite3.Error`` when the state cannot be written: the output
        must then not be put in place.
        """
        if not isinstance(self.store, StateStore):
            return
        self._stage_walks(self.store)
        self.store.hold(placement.to_json())
        self.held = True

    def cannot_hold(self, error: sqlite3.Error, target: Path) -> None:
        """The state could not hold the records: their output is not put in
        place either, so the next run exports these articles."""
        self.crawler.stats.set_value("parknews/state_failed", f"{self.path}: {error}")
        logger.error(
            "Cannot save the state %s (%s): %s not written, the next run exports these articles",
            self.path,
            error,
            target,
        )

    def output_placed(self) -> None:
        self.placed = True

    def finish(self, stored: bool) -> None:
        """The feeds are done: save the records if their output is in place
        (or there is no output of ours to wait for), else drop them."""
        store, self.store = self.store, None
        if store is None:
            return
        saving = stored or self.placed
        try:
            if saving:
                self._stage_walks(store)
                store.save()
            else:
                logger.info("The output was not stored: state %s left unchanged", self.path)
                store.discard()
        except (sqlite3.Error, StateError) as exc:
            self.crawler.stats.set_value("parknews/state_failed", f"{self.path}: {exc}")
            # Held records stay pending: the next run saves them if their output is in place, else drops them.
            if not saving:
                then = "the next run drops them"
            elif self.held:
                then = "they are written, and the next run records them"
            else:
                then = "they are written, and will be exported again"
            logger.error("Cannot save the state %s (%s): as for this run's articles, %s", self.path, exc, then)
        finally:
            store.close()

    def _stage_walks(self, store: State) -> None:
        if self._walks_staged:
            return
        self._walks_staged = True
        if isinstance(store, StateStore):
            self.walks.record(store)
        else:  # distributed: the round's shared queue walks the lists, no stretches are kept
            for page in sorted(self.walks.self_linked):
                store.record_self_linked(page)


def settle_held(store: StateStore) -> None:
    """Settle the records of a run that was stopped between holding them and
    saving them: saved if any output it noted holds its lines, else dropped.

    Raises :class:`StateError` when the state cannot be written.
    """
    held = [Placement.from_json(note) for note in store.held()]
    if not held:
        return
    arrived = [placement for placement in held if placement.arrived()]
    try:
        if arrived:
            targets = ", ".join(placement.target for placement in arrived)
            logger.warning("The last run stopped after writing %s: recording its articles now", targets)
        else:
            targets = ", ".join(placement.target for placement in held)
            logger.warning("The last run stopped before writing %s: its articles are not recorded", targets)
        for placement in held:
            if placement in arrived:
                placement.clear_temporary()
            else:
                placement.take_back()
        if arrived:
            store.save()
        else:
            store.discard()
    except sqlite3.Error as exc:
        raise StateError(f"state file {str(store.path)!r} cannot be used: {exc}") from exc
