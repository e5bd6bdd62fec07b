"""The article state in Redis, shared by every worker of a distributed crawl.

The same interface as ``parknews.state.StateStore`` (``parknews.state.State``):
known URLs with their fingerprint, click count and ``duplicate_of``, the
fingerprint index of the originals, and the robots.txt cache. Hashes under
``parknews:state:``: ``articles`` (URL → JSON ``[fingerprint, clicks,
duplicate_of, last_seen]``), ``first_seen`` (URL → time), ``fingerprints``
(fingerprint → the original's URL), ``robots`` and ``robots_at`` (host →
body, fetch time); the set ``self_linked`` (list addresses whose counter
variants are the list itself, ``parknews.selflinks``).

A worker's additions are buffered in memory and saved in one MULTI/EXEC
transaction once its output is stored, together with releasing the leases
of the requests that produced them (``parknews.distributed.scheduler``):
the articles become known and their requests done at the same instant.

The one window that cannot be atomic: the output file is in place and the
transaction has not run. A worker that dies exactly there (a few
milliseconds) has its leases re-queued by the others, which fetch those
pages again and, since the state does not know the articles, export them
again: a repeat across two output files, never a loss. A file and a Redis
server cannot be written in one step; the order chosen (file first) is the
one that cannot lose an article.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from redis.exceptions import RedisError

from parknews.distributed import PREFIX, client
from parknews.state import Known, StateError

if TYPE_CHECKING:
    from parknews.config import ParknewsConfig
    from parknews.distributed.rounds import Round
    from parknews.distributed.scheduler import LeasingScheduler

ARTICLES = PREFIX + "state:articles"
FIRST_SEEN = PREFIX + "state:first_seen"
FINGERPRINTS = PREFIX + "state:fingerprints"
ROBOTS = PREFIX + "state:robots"
ROBOTS_AT = PREFIX + "state:robots_at"
SELF_LINKED = PREFIX + "state:self_linked"

# KEYS: state fingerprints, round claims, this worker's claims, round reclaimed.
# ARGV: fingerprint, url, worker. The original's URL, or nothing: then ``url`` holds the fingerprint in the round.
CLAIM = """
local saved = redis.call('HGET', KEYS[1], ARGV[1])
if saved then return saved end
if redis.call('SISMEMBER', KEYS[4], ARGV[3]) == 1 then return false end
local holder = redis.call('HGET', KEYS[2], ARGV[1])
if holder then
  local url = string.sub(holder, string.find(holder, '\\t', 1, true) + 1)
  -- the same page crawled again after its first worker was reclaimed takes the claim over
  if url ~= ARGV[2] then return url end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3] .. '\\t' .. ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
return false
"""


class _Addition(NamedTuple):
    fingerprint: str
    clicks: int | None
    duplicate_of: str | None
    #: the fingerprint index entry this URL held before its text changed, to drop
    stale_fingerprint: str | None


class RedisState:
    """Seen articles by canonical URL and by content fingerprint, in Redis.

    Lookups see the saved state and this instance's own additions; a second
    instance (the spider's) sees only what was saved, as a second SQLite
    connection does. Within a round, :meth:`original_of` also sees the
    fingerprints other workers claimed and have not saved yet.
    """

    def __init__(self, config: ParknewsConfig, round: Round | None = None) -> None:
        self.url = config.redis_shown
        self.worker = config.worker
        self.round = round
        self._db = client(config)
        self._claim = self._db.register_script(CLAIM)
        self._added: dict[str, _Addition] = {}
        self._self_linked: set[str] = set()
        self._by_fingerprint: dict[str, str] = {}
        #: what the saved state said of the URLs looked up (the pipeline adds right after it looks)
        self._looked_up: dict[str, Known | None] = {}

    def _fail(self, exc: RedisError) -> StateError:
        return StateError(f"state in Redis at {self.url} cannot be used: {exc}")

    def lookup(self, url: str) -> Known | None:
        added = self._added.get(url)
        if added is not None:
            return Known(added.fingerprint, added.clicks, added.duplicate_of)
        if url in self._looked_up:
            return self._looked_up[url]
        try:
            raw = self._db.hget(ARTICLES, url)
        except RedisError as exc:
            raise self._fail(exc) from exc
        known = None if raw is None else Known(*json.loads(raw)[:3])
        if self.round is not None:  # the pipeline's instance; the spider's asks each URL once
            self._looked_up[url] = known
        return known

    def original_of(self, fingerprint: str, url: str) -> str | None:
        """The URL an article with this content was exported under (this run, an
        earlier one, or another worker's in this round); None: ``url`` has it now."""
        if fingerprint in self._by_fingerprint:
            return self._by_fingerprint[fingerprint]
        assert self.round is not None, "claims are a round's: the pipeline's state has its round"
        claims = self.round.key("claims")
        keys = [FINGERPRINTS, claims, f"{claims}:{self.worker}", self.round.key("reclaimed")]
        try:
            found = self._claim(keys=keys, args=[fingerprint, url, self.worker])
        except RedisError as exc:
            raise self._fail(exc) from exc
        return found.decode() if found else None

    def known_urls(self, urls: list[str]) -> set[str]:
        if not urls:
            return set()
        try:
            found = self._db.hmget(ARTICLES, urls)
        except RedisError as exc:
            raise self._fail(exc) from exc
        return {url for url, raw in zip(urls, found, strict=True) if raw is not None} | (set(urls) & set(self._added))

    def add(self, url: str, fingerprint: str, clicks: int | None, duplicate_of: str | None = None) -> None:
        """Buffered until :meth:`save`."""
        before = self.lookup(url)
        stale = None
        if before is not None and before.fingerprint != fingerprint:  # the site edited it
            try:
                indexed = self._db.hget(FINGERPRINTS, before.fingerprint)
            except RedisError as exc:
                raise self._fail(exc) from exc
            stale = before.fingerprint if indexed is not None and indexed.decode() == url else None
        self._added[url] = _Addition(fingerprint, clicks, duplicate_of, stale)
        if duplicate_of is None:
            self._by_fingerprint.setdefault(fingerprint, url)

    def self_linked(self, page: str) -> bool:
        try:
            return page in self._self_linked or bool(self._db.sismember(SELF_LINKED, page))
        except RedisError as exc:
            raise self._fail(exc) from exc

    def record_self_linked(self, page: str) -> None:
        """Buffered until :meth:`save`."""
        self._self_linked.add(page)

    def robots(self, netloc: str, max_age: float) -> bytes | None:
        try:
            body, fetched_at = (
                self._db.pipeline(transaction=False).hget(ROBOTS, netloc).hget(ROBOTS_AT, netloc).execute()
            )
        except RedisError:
            return None  # a cache: fetch it
        fresh = body is not None and fetched_at is not None and float(fetched_at) > time.time() - max_age
        return body if fresh else None

    def save_robots(self, netloc: str, body: bytes) -> None:
        """Stored at once, on its own: it is a cache, not part of an export."""
        try:
            self._db.pipeline().hset(ROBOTS, netloc, body).hset(ROBOTS_AT, netloc, time.time()).execute()
        except RedisError as exc:
            raise self._fail(exc) from exc

    def save(self) -> None:
        """Save the additions and release this worker's leases, in one transaction.

        Refused (a :class:`StateError`) when the worker may not publish
        (``Round.publish_refusal``): its requests go back to the queue, and
        others record their articles.
        """
        refusal = self.round.publish_refusal() if self.round is not None else None
        if refusal:
            raise StateError(f"{refusal}: the records of worker {self.worker} are not saved")
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        try:
            with self._db.pipeline(transaction=True) as pipe:
                for url, added in self._added.items():
                    pipe.hsetnx(FIRST_SEEN, url, now)
                    pipe.hset(ARTICLES, url, json.dumps([added.fingerprint, added.clicks, added.duplicate_of, now]))
                    if added.stale_fingerprint is not None:
                        pipe.hdel(FINGERPRINTS, added.stale_fingerprint)
                    if added.duplicate_of is None:
                        pipe.hsetnx(FINGERPRINTS, added.fingerprint, url)
                if self._self_linked:
                    pipe.sadd(SELF_LINKED, *self._self_linked)
                if self.round is not None:
                    scheduler: LeasingScheduler | None = self.round.scheduler
                    done = scheduler.done_leases() if scheduler is not None else []
                    if done:
                        pipe.hdel(self.round.key(f"processing:{self.worker}"), *done)
                    pipe.delete(self.round.key(f"claims:{self.worker}"))
                pipe.execute()
        except RedisError as exc:
            raise self._fail(exc) from exc
        self.discard()

    def discard(self) -> None:
        self._added.clear()
        self._self_linked.clear()
        self._by_fingerprint.clear()
        self._looked_up.clear()

    def close(self) -> None:
        self._db.close()
