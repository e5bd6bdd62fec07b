"""What earlier runs exported, in SQLite, so no article is exported twice."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    clicks      INTEGER,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_fingerprint ON articles (fingerprint);
"""


class StateError(RuntimeError):
    """The state file cannot be used; the message names the path."""


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

    def seen(self, url: str, fingerprint: str) -> str | None:
        """``'url'`` or ``'fingerprint'`` when either is already known, else None."""
        row = self._db.execute(
            "SELECT url = ? FROM articles WHERE url = ? OR fingerprint = ? LIMIT 1",
            (url, url, fingerprint),
        ).fetchone()
        if row is None:
            return None
        return "url" if row[0] else "fingerprint"

    def add(self, url: str, fingerprint: str, clicks: int | None) -> None:
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        self._db.execute(
            "INSERT INTO articles (url, fingerprint, clicks, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " clicks = excluded.clicks, last_seen = excluded.last_seen",
            (url, fingerprint, clicks, now, now),
        )

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.close()

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
