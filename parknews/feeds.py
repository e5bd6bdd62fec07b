"""Feed storage that never leaves a half-written or failed run's file behind."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.extensions.feedexport import FileFeedStorage

from parknews.outcome import run_failure

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class AtomicFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, written to a hidden temporary file beside the
    target and moved into place (``os.replace``, after ``fsync``) only once
    the feed is complete.

    So a cron job or reader never sees a half-written file; a failed run
    (site unreachable) leaves no file, and an existing ``-O`` target is kept;
    a run with nothing new writes no empty file unless ``-O`` asked to
    replace the target. ``-o`` (append) appends the finished lines at once.
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None, crawler: Crawler | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler
        self.overwrite = self.write_mode == "wb"
        self._tmp: Path | None = None
        if crawler is not None:
            crawler.signals.connect(self._discard, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        return cls(uri, feed_options=feed_options, crawler=crawler)

    def open(self, spider: Spider) -> IO[bytes]:
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent)
        self._tmp = Path(tmp)
        return os.fdopen(fd, "wb")

    def store(self, file: IO[bytes]) -> None:
        file.flush()
        os.fsync(file.fileno())
        file.close()
        tmp, target = self._tmp, Path(self.path)
        assert tmp is not None
        failure = run_failure(self.crawler.stats.get_stats()) if self.crawler else None
        if failure or (tmp.stat().st_size == 0 and not self.overwrite):
            tmp.unlink()
            self._tmp = None
            logger.info("Nothing written to %s (%s)", target, failure or "no new articles")
            return
        if self.overwrite or not target.exists():
            os.replace(tmp, target)
        else:
            with tmp.open("rb") as src, target.open("ab") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            tmp.unlink()
        self._tmp = None
        _fsync_dir(target.parent)

    def _discard(self) -> None:
        """A feed Scrapy decided not to store (empty, store_empty off) leaves no temp file."""
        if self._tmp is not None and self._tmp.exists():
            self._tmp.unlink()
        self._tmp = None


def _remove_orphans(directory: Path) -> None:
    """Delete the temporary files of runs that were killed (their process is gone).

    Their articles were never recorded in the state, so the next run exports
    them again: nothing is lost by removing the unfinished file.
    """
    for part in directory.glob(".*.part"):
        fields = part.name.removesuffix(".part").rsplit(".", 2)
        if len(fields) != 3 or not fields[1].isdigit():
            continue
        try:
            os.kill(int(fields[1]), 0)
        except ProcessLookupError:
            logger.warning("Removing %s, left by an interrupted run", part)
            part.unlink(missing_ok=True)
        except PermissionError:
            continue  # alive, someone else's


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
