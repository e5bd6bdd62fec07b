"""A crawl that fails at one moment of publishing its output. Added to the
project's ``EXTENSIONS`` with ``-s``; the setting ``PUBLISH_FAULT`` names it:

- ``held``: killed (SIGKILL, as the OOM killer or a power cut ends a process)
  with the run's articles held in the state and its output not yet in place;
- ``mid-append``: killed with half of the batch appended to an ``-o`` file;
- ``placed``: killed with the output in place (renamed, or appended) and the
  state not yet saved: at Scrapy's ``feed_slot_closed``, sent once the storage
  has stored the feed;
- ``unsaved``: the state cannot be saved after the output is in place (a disk
  error), and the run goes on to its end.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler

from parknews import feeds, state


def _die(*args: object, **kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _half_appended(batch: bytes, target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_APPEND)
    os.write(fd, batch[: len(batch) // 2])
    os.fsync(fd)
    _die()


def _disk_error(self: state.StateStore) -> None:
    raise sqlite3.OperationalError("disk I/O error")


class PublishFault:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PublishFault:
        fault = crawler.settings.get("PUBLISH_FAULT")
        if fault == "held":
            feeds.put_in_place = feeds.append_batch = _die
        elif fault == "mid-append":
            feeds.append_batch = _half_appended
        elif fault == "placed":
            crawler.signals.connect(_die, signal=signals.feed_slot_closed)
        elif fault == "unsaved":
            state.StateStore.save = _disk_error
        else:
            raise ValueError(f"PUBLISH_FAULT: {fault!r} is not held, mid-append, placed or unsaved")
        return cls()
