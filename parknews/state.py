"""What earlier runs exported, in SQLite, so no article is exported twice."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from parknews.config import ParknewsConfig

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    clicks      INTEGER,
    duplicate_of TEXT,  -- set for a copy (mirror) that was not exported itself
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_fingerprint ON articles (fingerprint);
CREATE TABLE IF NOT EXISTS robots (
    netloc     TEXT PRIMARY KEY,
    body       BLOB NOT NULL,
    fetched_at REAL NOT NULL
);
"""


class Known(NamedTuple):
    fingerprint: str
    clicks: int | None
    duplicate_of: str | None


class StateError(RuntimeError):
    """The state file cannot be used; the message names the path."""


class State(Protocol):
    """What the pipeline, the spider and the robots.txt cache ask of a state,
    whichever backend holds it: SQLite (:class:`StateStore`) on one machine,
    Redis (``parknews.distributed.state.RedisState``) in distributed mode."""

    def lookup(self, url: str) -> Known | None: ...

    def original_of(self, fingerprint: str, url: str) -> str | None: ...

    def known_urls(self, urls: list[str]) -> set[str]: ...

    def add(self, url: str, fingerprint: str, clicks: int | None, duplicate_of: str | None = None) -> None: ...

    def robots(self, netloc: str, max_age: float) -> bytes | None: ...

    def save_robots(self, netloc: str, body: bytes) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


def open_state(config: ParknewsConfig, crawler: Crawler | None = None) -> State:
    """The state of the run: SQLite at ``PARKNEWS_STATE``, or Redis with
    ``PARKNEWS_REDIS_URL``. ``crawler``: the pipeline's, whose additions are
    saved with the round's leases (see ``parknews.distributed.state``)."""
    if not config.distributed:
        return StateStore(config.state_path)
    from parknews.distributed.rounds import Round
    from parknews.distributed.state import RedisState

    return RedisState(config, Round.of(crawler) if crawler is not None else None)


class StateStore:
    """Seen articles by canonical URL and by content fingerprint.

    Additions stay in an open transaction until :meth:`commit`, which the
    dedup pipeline calls only once the exported lines are safely stored: a
    crash or a failed export leaves the state as it was, so nothing is ever
    marked seen without having been written.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level="DEFERRED")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"state file {str(self.path)!r} cannot be used: {exc}") from exc

    def lookup(self, url: str) -> Known | None:
        """What was exported under this canonical URL, if anything."""
        row = self._db.execute(
            "SELECT fingerprint, clicks, duplicate_of FROM articles WHERE url = ?", (url,)
        ).fetchone()
        return Known(*row) if row else None

    def original_of(self, fingerprint: str, url: str) -> str | None:
        """The URL an article with this content was exported under (a mirror's
        original), by an earlier run or this one (this connection's additions)."""
        row = self._db.execute(
            "SELECT url FROM articles WHERE fingerprint = ? AND duplicate_of IS NULL LIMIT 1", (fingerprint,)
        ).fetchone()
        return row[0] if row else None

    def known_urls(self, urls: list[str]) -> set[str]:
        """The subset of ``urls`` already exported (as committed: a separate
        connection never sees this run's pending additions)."""
        found: set[str] = set()
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk))
        return found

    def add(self, url: str, fingerprint: str, clicks: int | None, duplicate_of: str | None = None) -> None:
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        self._db.execute(
            "INSERT INTO articles (url, fingerprint, clicks, duplicate_of, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " clicks = excluded.clicks, last_seen = excluded.last_seen",
            (url, fingerprint, clicks, duplicate_of, now, now),
        )

    def robots(self, netloc: str, max_age: float) -> bytes | None:
        """A robots.txt fetched less than ``max_age`` seconds ago."""
        row = self._db.execute(
            "SELECT body FROM robots WHERE netloc = ? AND fetched_at > ?", (netloc, time.time() - max_age)
        ).fetchone()
        return bytes(row[0]) if row else None

    def save_robots(self, netloc: str, body: bytes) -> None:
        """Stored at once, on its own: it is a cache, not part of an export."""
        self._db.execute(
            "INSERT OR REPLACE INTO robots (netloc, body, fetched_at) VALUES (?, ?, ?)", (netloc, body, time.time())
        )
        self._db.commit()

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.close()
