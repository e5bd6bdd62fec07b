"""What earlier runs exported, in SQLite, so no article is exported twice.

One class, :class:`StateStore`, with the questions the crawl asks of it (is
this URL known, this text, this list's walk) and the records it keeps (an
article exported, how far a list was walked, robots.txt). A run's records are
*staged*: they join the state in one step, :meth:`StateStore.save`, once the
output that carries them is in place. Between the two, :meth:`StateStore.hold`
makes them durable as pending, with a description of that output, so a run
killed in the middle is settled by the next one (``parknews.records``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from parknews.walks import Stretch

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
-- how far each list was walked: its stretches, newest first (parknews.walks)
CREATE TABLE IF NOT EXISTS walks (
    list_url   TEXT PRIMARY KEY,
    stretches  TEXT NOT NULL,
    walked_at  TEXT NOT NULL
);
-- this run's records, until they join the state (save) or are dropped (discard)
CREATE TABLE IF NOT EXISTS staged_articles (
    url          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    clicks       INTEGER,
    duplicate_of TEXT,
    seen         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS staged_articles_fingerprint ON staged_articles (fingerprint);
CREATE TABLE IF NOT EXISTS staged_walks (
    list_url   TEXT PRIMARY KEY,
    stretches  TEXT NOT NULL
);
-- list addresses (without query) whose links to themselves with only a counter
-- changed lead to the list again, not to articles (parknews.selflinks)
CREATE TABLE IF NOT EXISTS self_linked (
    page TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS staged_self_linked (
    page TEXT PRIMARY KEY
);
-- the outputs that carry the staged records, noted before they are put in place
CREATE TABLE IF NOT EXISTS held_outputs (
    output TEXT NOT NULL
);
"""

#: URLs per ``IN (…)`` query: well under SQLite's limit of host parameters.
_CHUNK = 500


class Known(NamedTuple):
    fingerprint: str
    clicks: int | None
    duplicate_of: str | None


class StateError(RuntimeError):
    """The state file cannot be used; the message names the path."""


class State(Protocol):
    """What the pipeline, the spider and the robots.txt cache ask of a state,
    whichever backend holds it: SQLite (:class:`StateStore`) on one machine,
    Redis (``parknews.distributed.state.RedisState``) in distributed mode.

    Records made through one instance join the state at :meth:`save`
    (``parknews.records`` says when); :meth:`discard` drops them.
    """

    def lookup(self, url: str) -> Known | None: ...

    def original_of(self, fingerprint: str, url: str) -> str | None: ...

    def known_urls(self, urls: list[str]) -> set[str]: ...

    def add(self, url: str, fingerprint: str, clicks: int | None, duplicate_of: str | None = None) -> None: ...

    def self_linked(self, page: str) -> bool: ...

    def record_self_linked(self, page: str) -> None: ...

    def robots(self, netloc: str, max_age: float) -> bytes | None: ...

    def save_robots(self, netloc: str, body: bytes) -> None: ...

    def save(self) -> None: ...

    def discard(self) -> None: ...

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
    """Seen articles by canonical URL and by content fingerprint, lists' walks, robots.txt.

    Lookups see the recorded state and this connection's staged records, so
    an article is exported once within a run too. Another connection (the
    spider's) sees only what earlier runs saved.
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

    def check(self) -> None:
        """Raise :class:`StateError` unless SQLite finds the file sound (``PRAGMA quick_check``).

        A file whose header opens can still have damaged tables; without this
        every lookup of the run would fail on its own, article by article.
        """
        try:
            (verdict,) = self._db.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.Error as exc:
            raise StateError(f"state file {str(self.path)!r} cannot be used: {exc}") from exc
        if verdict != "ok":
            # "*** in database main ***\nOn tree page 405 cell 5: …": the first finding names the damage
            found = next((line for line in verdict.splitlines() if not line.startswith("***")), verdict)
            raise StateError(
                f"state file {str(self.path)!r} cannot be used: database disk image is malformed ({found.strip()})"
            )

    # -- articles ----------------------------------------------------------
    def lookup(self, url: str) -> Known | None:
        """What was exported under this canonical URL, if anything (this run's records first)."""
        for table in ("staged_articles", "articles"):
            row = self._db.execute(
                f"SELECT fingerprint, clicks, duplicate_of FROM {table} WHERE url = ?", (url,)
            ).fetchone()
            if row:
                return Known(*row)
        return None

    def original_of(self, fingerprint: str, url: str) -> str | None:
        """The URL an article with this content was exported under (a mirror's
        original), by an earlier run or this one (this connection's records)."""
        for table in ("staged_articles", "articles"):
            row = self._db.execute(
                f"SELECT url FROM {table} WHERE fingerprint = ? AND duplicate_of IS NULL LIMIT 1", (fingerprint,)
            ).fetchone()
            if row:
                return row[0]
        return None

    def known_urls(self, urls: list[str]) -> set[str]:
        """The subset of ``urls`` already exported."""
        found: set[str] = set()
        for i in range(0, len(urls), _CHUNK):
            chunk = urls[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for table in ("staged_articles", "articles"):
                found.update(r[0] for r in self._db.execute(f"SELECT url FROM {table} WHERE url IN ({marks})", chunk))
        return found

    def add(self, url: str, fingerprint: str, clicks: int | None, duplicate_of: str | None = None) -> None:
        """Record an article as exported (or, with ``duplicate_of``, as a copy of one), staged until :meth:`save`."""
        self._db.execute(
            "INSERT INTO staged_articles (url, fingerprint, clicks, duplicate_of, seen) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " clicks = excluded.clicks, seen = excluded.seen",
            (url, fingerprint, clicks, duplicate_of, _now()),
        )

    # -- walks -------------------------------------------------------------
    def walked(self, list_url: str) -> tuple[Stretch, ...]:
        """How far earlier runs walked this list: its stretches, newest first (none: never walked)."""
        row = self._db.execute("SELECT stretches FROM walks WHERE list_url = ?", (list_url,)).fetchone()
        return tuple(Stretch.from_json(s) for s in json.loads(row[0])) if row else ()

    def record_walk(self, list_url: str, stretches: tuple[Stretch, ...]) -> None:
        """How far this list is walked now, staged until :meth:`save`."""
        self._db.execute(
            "INSERT OR REPLACE INTO staged_walks (list_url, stretches) VALUES (?, ?)",
            (list_url, json.dumps([s.to_json() for s in stretches], ensure_ascii=False)),
        )

    def self_linked(self, page: str) -> bool:
        """Whether an earlier run found this list address's counter variants to be the list itself."""
        return self._db.execute("SELECT 1 FROM self_linked WHERE page = ?", (page,)).fetchone() is not None

    def record_self_linked(self, page: str) -> None:
        """This list address's counter variants are the list itself, staged until :meth:`save`."""
        self._db.execute("INSERT OR IGNORE INTO staged_self_linked (page) VALUES (?)", (page,))

    # -- joining the state -------------------------------------------------
    def hold(self, output: dict[str, Any]) -> None:
        """Make this run's records durable, pending, with the output that will carry them.

        Called just before that output is put in place; :meth:`save` follows
        once it is. A run that stops in between leaves them pending, with
        :meth:`held` naming the output, for the next run to settle.
        """
        self._db.execute("INSERT INTO held_outputs (output) VALUES (?)", (json.dumps(output, ensure_ascii=False),))
        self._db.commit()

    def held(self) -> list[dict[str, Any]]:
        """The outputs of a run that stopped between :meth:`hold` and :meth:`save`."""
        return [json.loads(row[0]) for row in self._db.execute("SELECT output FROM held_outputs ORDER BY rowid")]

    def save(self) -> None:
        """This run's records join the state, in one transaction: its output is in place (or it has none)."""
        now = _now()
        db = self._db
        db.execute(
            "INSERT INTO articles (url, fingerprint, clicks, duplicate_of, first_seen, last_seen)"
            " SELECT url, fingerprint, clicks, duplicate_of, seen, seen FROM staged_articles WHERE true"
            " ON CONFLICT(url) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " clicks = excluded.clicks, last_seen = excluded.last_seen"
        )
        db.execute(
            "INSERT OR REPLACE INTO walks (list_url, stretches, walked_at)"
            " SELECT list_url, stretches, ? FROM staged_walks",
            (now,),
        )
        db.execute("INSERT OR IGNORE INTO self_linked (page) SELECT page FROM staged_self_linked")
        self._clear()
        db.commit()

    def discard(self) -> None:
        """Drop this run's records, held or not: the output that would carry them is not in place."""
        self._db.rollback()
        self._clear()
        self._db.commit()

    def _clear(self) -> None:
        for table in ("staged_articles", "staged_walks", "staged_self_linked", "held_outputs"):
            self._db.execute(f"DELETE FROM {table}")

    # -- robots.txt --------------------------------------------------------
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

    def close(self) -> None:
        self._db.close()


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
