"""Feed storage that never leaves a half-written or failed run's file behind."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy import signals
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.utils.defer import deferred_from_coro
from w3lib.url import file_uri_to_path

from parknews.files import mode_for
from parknews.outcome import run_failure
from parknews.outputs import Placement, append_batch, cut_torn_line, put_in_place
from parknews.records import RunRecords
from parknews.stopping import run_abandoned

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
    replace the target. ``-o`` (append) appends the finished lines at once,
    after cutting off a torn last line. Just before the file is put in place,
    the run's records are held in the state with a note of where the lines go
    (``parknews.records``), so the state and the output agree whenever the
    run is killed. A new file gets the mode the umask gives, as Scrapy's own
    storage's would; a replaced one keeps its mode.
    """

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None, crawler: Crawler | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.uri = uri
        self.crawler = crawler
        self.overwrite = self.write_mode == "wb"
        self._tmp: Path | None = None
        self._error: OSError | None = None
        if crawler is not None:
            crawler.signals.connect(self._discard, signal=signals.engine_stopped)
            crawler.signals.connect(self._discard, signal=run_abandoned)

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
        os.fchmod(fd, mode_for(target, self.overwrite))  # mkstemp's 0600 is for secrets
        self._tmp = Path(tmp)
        return _GuardedFile(self._open_temp(fd), self._write_failed)

    def _open_temp(self, fd: int) -> IO[bytes]:
        return os.fdopen(fd, "wb")

    def _write_failed(self, error: OSError) -> None:
        """A full disk or a vanished directory: stop at once, keep nothing of
        this run (its articles stay unrecorded, so the next run exports them)."""
        if self._error is not None:
            return
        self._error = error
        message = f"{self.path}: {error.strerror or error}"
        logger.error("Cannot write the output (%s): stopping the crawl", message)
        if self.crawler is not None:
            self.crawler.stats.set_value("parknews/output_failed", message)
            if self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="output_failed"))

    def store(self, file: IO[bytes]) -> None:
        tmp, target = self._tmp, Path(self.path)
        assert tmp is not None
        try:
            file.flush()
            os.fsync(file.fileno())
        except OSError as exc:
            self._write_failed(exc)
        file.close()
        self._tmp = None
        failure = self._error or (run_failure(self.crawler.stats.get_stats()) if self.crawler else None)
        refusal = None if failure else self._publish_refusal()
        if refusal:
            failure = refusal
            logger.error("Discarding the output %s: %s", target, refusal)
            self.crawler.stats.set_value("parknews/output_discarded", failure)
        if failure or (tmp.stat().st_size == 0 and not self.overwrite):
            tmp.unlink()
            logger.info("Nothing written to %s (%s)", target, failure or "no new articles")
            _NOT_STORED.add(self.uri)
            return
        records = RunRecords.of(self.crawler) if self.crawler is not None else None
        placement: Placement | None = None
        try:
            if self.overwrite or not target.exists():
                placement = Placement.replacing(tmp, target)
                if records is not None:
                    records.hold(placement)
                put_in_place(tmp, target)
            else:
                # One write of the batch's whole lines, after a line a crash left torn.
                offset = cut_torn_line(target)
                batch = tmp.read_bytes()
                placement = Placement.appending(tmp, target, batch, offset)
                if records is not None:
                    records.hold(placement)
                append_batch(batch, target)
                tmp.unlink()
        except (OSError, sqlite3.Error) as exc:
            if placement is not None:
                placement.take_back()
            tmp.unlink(missing_ok=True)
            _NOT_STORED.add(self.uri)
            if isinstance(exc, OSError):
                self._write_failed(exc)
            elif records is not None:
                records.cannot_hold(exc, target)
            return
        if records is not None:
            records.output_placed()

    def _publish_refusal(self) -> str | None:
        """Why a distributed worker must not publish, as it is about to (its
        requests go back to the round, whose workers export their articles), or None."""
        found = getattr(self.crawler, "_parknews_round", None)  # parknews.distributed.rounds.Round.of
        return None if found is None else found.publish_refusal()

    def _discard(self) -> None:
        """A feed Scrapy decided not to store (empty, store_empty off) leaves no temp file."""
        if self._tmp is not None and self._tmp.exists():
            self._tmp.unlink()
        self._tmp = None


class _NotStoredFilter(logging.Filter):
    """Drops Scrapy's ``Stored … feed (N items) in: <uri>`` line for a feed this
    storage declined to store (nothing new, a failed run): that line is logged
    whenever ``store()`` returns, and would name a file that does not exist.
    Scrapy has no option for it, so the record is matched by its URI."""

    def __init__(self) -> None:
        super().__init__()
        self.uris: set[str] = set()

    def add(self, uri: str) -> None:
        self.uris.add(uri)
        logging.getLogger("scrapy.extensions.feedexport").addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != "Stored %s" or not isinstance(record.args, tuple) or not record.args:
            return True
        return not any(str(record.args[0]).endswith(f" in: {uri}") for uri in self.uris)


_NOT_STORED = _NotStoredFilter()


class _GuardedFile(io.RawIOBase):
    """The feed's file, reporting the first write error instead of letting each
    item's export fail on its own (Scrapy would log a traceback per item and
    crawl on)."""

    def __init__(self, raw: IO[bytes], on_error: Any) -> None:
        super().__init__()
        self.raw, self.on_error, self.failed = raw, on_error, False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if not self.failed:
            try:
                self.raw.write(data)
            except OSError as exc:
                self.failed = True
                self.on_error(exc)
        return len(data)

    def flush(self) -> None:
        if self.failed:
            raise OSError("the output could not be written")
        if not self.raw.closed:
            self.raw.flush()

    def fileno(self) -> int:
        return self.raw.fileno()

    def close(self) -> None:
        if not self.closed:
            try:
                self.raw.close()
            except OSError as exc:
                if not self.failed:
                    self.failed = True
                    self.on_error(exc)
            super().close()


def check_output_dirs(uris: list[str], create: bool) -> None:
    """Fail before crawling, with the path named, when an output file could not
    be written: a missing directory (created only for the default output, whose
    ``data/`` may not exist yet) or one this process may not write to."""
    for uri in uris:
        if "://" in uri and not uri.startswith("file://"):
            continue  # stdout:, s3:// …: not a local directory
        path = Path(file_uri_to_path(uri) if uri.startswith("file://") else uri)
        directory = Path(re.sub(r"%\([^)]*\)[sd]", "x", str(path.parent)))
        if create:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"output directory {str(directory)!r} cannot be created: {exc.strerror}") from exc
        if not directory.is_dir():
            raise OutputError(f"output directory {str(directory)!r} does not exist")
        try:
            fd, probe = tempfile.mkstemp(prefix=".parknews-probe.", dir=directory)
        except OSError as exc:
            raise OutputError(f"output directory {str(directory)!r} cannot be written: {exc.strerror}") from exc
        os.close(fd)
        os.unlink(probe)


class OutputError(OSError):
    """An output location that cannot work; the message is one line."""


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
