"""Crawl rounds: one crawl of the chosen sites, shared by every worker that joins it.

A round is started by ``scrapy seed parknews`` or by the first worker that
finds none (atomically: one script checks and creates). It holds its sites,
its request queue (scrapy-redis's priority queue) and its request filter —
per round, since every incremental run must read the hub and list pages
again — and the bookkeeping that lets a worker die without losing anything:

- ``workers``: the live workers of the round; each keeps a heartbeat key
  (``parknews:worker:<id>:heartbeat``) alive from a thread of its own, so a
  busy reactor never lets it lapse;
- ``processing:<worker>``: the requests a worker took from the queue (see
  ``scheduler``). They stay leased until that worker's output is stored and
  its records saved;
- ``busy``: the workers with a request in flight. A worker enters it when it
  takes a request and leaves it when its engine is idle;
- ``claims``: which worker holds which content fingerprint in this round, so
  a copy on one worker and its original on another are exported once;
- ``phase``: ``crawl``, then ``copies`` once the queue is empty and no worker
  is busy: every worker then releases the copies it held back
  (``parknews.mirrors``), so an original always wins, round-wide;
- ``reclaimed``: workers whose heartbeat lapsed. Any idle worker that finds
  one re-queues its leased requests and frees its claims (once: the same
  script removes it from ``workers``), as feapder's lost-request recovery
  does. A reclaimed worker that was only stalled finds out before it
  publishes, and discards its output instead (it would be a duplicate).

The round is over when its queue is empty, no worker is busy and every
worker has released its copies; each worker then closes normally. The last
one to leave deletes the round, so the next seed or worker starts a new one.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from parknews.distributed import GAVE_UP, PREFIX, client
from parknews.outcome import ROUND_PAGES
from parknews.sites import site_stat
from parknews.stopping import run_abandoned

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler

    from parknews.config import ParknewsConfig
    from parknews.distributed.scheduler import LeasingScheduler
    from parknews.mirrors import CopyHoldback
    from parknews.sites import Site

logger = logging.getLogger(__name__)

#: The id of the round going on (absent: none).
CURRENT = PREFIX + "round"
#: Counter of round ids.
COUNTER = PREFIX + "rounds"
#: Seconds between two looks at the round while this worker has nothing to do.
#: Scrapy looks again at an idle engine only every 5 s (its slot heartbeat).
IDLE_POLL = 0.3

# Re-queue a worker's leased requests and free its claims. Shared by the scripts below.
_REQUEUE = """
local function requeue(r, w)
  local proc = r .. ':processing:' .. w
  local entries = redis.call('HGETALL', proc)
  for i = 2, #entries, 2 do
    local cut = string.find(entries[i], ' ', 1, true)
    redis.call('ZADD', r .. ':requests', string.sub(entries[i], 1, cut - 1), string.sub(entries[i], cut + 1))
  end
  redis.call('DEL', proc)
  local mine = r .. ':claims:' .. w
  for _, fp in ipairs(redis.call('SMEMBERS', mine)) do
    local holder = redis.call('HGET', r .. ':claims', fp)
    if holder and string.sub(holder, 1, #w + 1) == w .. '\\t' then
      redis.call('HDEL', r .. ':claims', fp)
    end
  end
  redis.call('DEL', mine)
  redis.call('HDEL', r .. ':lastpop', w)
  return #entries / 2
end
"""

# KEYS: current, counter. ARGV: prefix, worker ('' for a seed), heartbeat ms, spec, then score/request pairs.
# Joins the round going on, or starts one with the given start requests.
JOIN = (
    _REQUEUE
    + """
local id = redis.call('GET', KEYS[1])
local created = 0
if not id then
  id = tostring(redis.call('INCR', KEYS[2]))
  redis.call('SET', KEYS[1], id)
  local r = ARGV[1] .. 'round:' .. id
  redis.call('SET', r .. ':spec', ARGV[4])
  redis.call('SET', r .. ':phase', 'crawl')
  for i = 5, #ARGV, 2 do
    redis.call('ZADD', r .. ':requests', ARGV[i], ARGV[i + 1])
  end
  created = 1
end
local r = ARGV[1] .. 'round:' .. id
local w = ARGV[2]
if w ~= '' then
  -- a worker of this name that died before: what it had taken goes back to the queue
  if requeue(r, w) > 0 then
    redis.call('SET', r .. ':phase', 'crawl')
    redis.call('DEL', r .. ':released')
  end
  redis.call('SREM', r .. ':reclaimed', w)
  redis.call('SADD', r .. ':workers', w)
  redis.call('SADD', r .. ':busy', w)
  redis.call('SET', ARGV[1] .. 'worker:' .. w .. ':heartbeat', id, 'PX', ARGV[3])
end
return {id, redis.call('GET', r .. ':spec'), created, redis.call('ZCARD', r .. ':requests')}
"""
)

# ARGV: prefix, round, worker. This worker is idle: reclaim the dead, and say where the round stands.
IDLE = (
    _REQUEUE
    + """
local r = ARGV[1] .. 'round:' .. ARGV[2]
local me = ARGV[3]
redis.call('SREM', r .. ':busy', me)
local reclaimed = {}
local requeued = 0
for _, w in ipairs(redis.call('SMEMBERS', r .. ':workers')) do
  if redis.call('EXISTS', ARGV[1] .. 'worker:' .. w .. ':heartbeat') == 0 then
    requeued = requeued + requeue(r, w)
    redis.call('SREM', r .. ':workers', w)
    redis.call('SREM', r .. ':busy', w)
    redis.call('SREM', r .. ':released', w)
    redis.call('SADD', r .. ':reclaimed', w)
    table.insert(reclaimed, w)
  end
end
if requeued > 0 then
  redis.call('SET', r .. ':phase', 'crawl')
  redis.call('DEL', r .. ':released')
end
local drained = redis.call('ZCARD', r .. ':requests') == 0 and redis.call('SCARD', r .. ':busy') == 0
local phase = redis.call('GET', r .. ':phase') or 'crawl'
if drained and phase == 'crawl' then
  phase = 'copies'
  redis.call('SET', r .. ':phase', phase)
end
local waiting = #redis.call('SDIFF', r .. ':workers', r .. ':released')
return {phase, drained and 1 or 0, waiting, redis.call('SISMEMBER', r .. ':reclaimed', me),
        redis.call('SISMEMBER', r .. ':released', me), requeued, unpack(reclaimed)}
"""
)

# ARGV: prefix, round, worker, heartbeat ms. May this worker publish its output (it was not reclaimed)?
PUBLISH = """
local r = ARGV[1] .. 'round:' .. ARGV[2]
if redis.call('SISMEMBER', r .. ':reclaimed', ARGV[3]) == 1 then return 0 end
redis.call('SET', ARGV[1] .. 'worker:' .. ARGV[3] .. ':heartbeat', ARGV[2], 'PX', ARGV[4])
return 1
"""

# KEYS: current. ARGV: prefix, round, worker. This worker is done: what it still had leased goes back
# to the queue; the last worker of a round with nothing left to do deletes it.
LEAVE = (
    _REQUEUE
    + """
local r = ARGV[1] .. 'round:' .. ARGV[2]
local w = ARGV[3]
local back = 0
if redis.call('SISMEMBER', r .. ':reclaimed', w) == 0 then back = requeue(r, w) end
redis.call('SREM', r .. ':workers', w)
redis.call('SREM', r .. ':busy', w)
redis.call('SREM', r .. ':released', w)
redis.call('DEL', ARGV[1] .. 'worker:' .. w .. ':heartbeat')
if back > 0 then
  redis.call('SET', r .. ':phase', 'crawl')
  redis.call('DEL', r .. ':released')
end
if redis.call('SCARD', r .. ':workers') == 0 and redis.call('ZCARD', r .. ':requests') == 0
   and redis.call('GET', KEYS[1]) == ARGV[2] then
  for _, name in ipairs({'spec', 'phase', 'requests', 'dupefilter', 'workers', 'busy', 'released',
                         'claims', 'reclaimed', 'pages', 'lastpop', 'hosts'}) do
    redis.call('DEL', r .. ':' .. name)
  end
  redis.call('DEL', KEYS[1])
  return {back, 1}
end
return {back, 0}
"""
)


def round_key(round_id: str, name: str) -> str:
    """The key of one of a round's structures: ``parknews:round:<id>:<name>``."""
    return f"{PREFIX}round:{round_id}:{name}"


def start_round(
    server: Redis, spec: dict[str, Any], requests: list[tuple[float, bytes]], worker: str = "", heartbeat_ms: int = 0
) -> tuple[str, dict[str, Any], bool, int]:
    """Join the round going on, or start one of ``spec`` (the sites' arguments)
    with ``requests`` (scrapy-redis-encoded, with their queue scores), in one
    script: a worker joining a moment later sees the queue already filled.
    Returns the round's id, its spec, whether it was created, and its queue's length."""
    pairs = [part for score, data in requests for part in (score, data)]
    args = [PREFIX, worker, heartbeat_ms, json.dumps(spec, sort_keys=True), *pairs]
    round_id, stored, created, queued = server.register_script(JOIN)(keys=[CURRENT, COUNTER], args=args)
    return round_id.decode(), json.loads(stored), bool(created), int(queued)


class Heartbeat(threading.Thread):
    """Keeps ``parknews:worker:<id>:heartbeat`` alive from its own thread: a
    reactor busy parsing, or waiting for Redis, does not let it lapse.

    Its client does not retry (the next beat is its retry), so it is also what
    says, once, that Redis stopped answering and, once, that it is back: the
    reactor's own client waits out the outage in silence, retrying.
    """

    def __init__(self, config: ParknewsConfig, round_id: str) -> None:
        super().__init__(name=f"parknews-heartbeat-{config.worker}", daemon=True)
        self.key = f"{PREFIX}worker:{config.worker}:heartbeat"
        self.url = config.redis_shown
        self.round_id = round_id
        self.ttl_ms = int(config.lease_timeout * 1000)
        self.server = client(config, retries=0, timeout=self.ttl_ms / 4000)
        self.stopped = threading.Event()

    def run(self) -> None:
        down = False
        while not self.stopped.wait(self.ttl_ms / 4000):
            try:
                # XX: never bring back a heartbeat the worker gave up by leaving
                self.server.set(self.key, self.round_id, px=self.ttl_ms, xx=True)
            except Exception as exc:  # refused, timed out, loading its append-only file…: try next beat
                if not down:
                    logger.warning("Redis at %s is not answering (%s): the crawl waits for it", self.url, exc)
                    down = True
                continue
            if down:
                logger.info("Redis at %s answers again: the crawl goes on", self.url)
                down = False

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        self.server.close()


class Round:
    """This worker's part in the round it joined: joining, idling, publishing, leaving."""

    def __init__(self, crawler: Crawler, config: ParknewsConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.worker = config.worker
        self.server = client(config)
        self.id = ""
        self.created = False
        self.heartbeat: Heartbeat | None = None
        self.copies: CopyHoldback | None = None
        #: the round's sites, as this worker crawls them (set by the spider)
        self.sites: tuple[Site, ...] = ()
        #: set by the scheduler when it opens: it knows which leases are done
        self.scheduler: LeasingScheduler | None = None
        #: whether this worker may publish its output and save its records
        self.reclaimed = False
        #: this worker's page counts already added to the round's
        self._pages_counted: dict[str, int] = {}
        self._poll: Any = None
        self._idle = self.server.register_script(IDLE)
        self._publish = self.server.register_script(PUBLISH)
        self._leave = self.server.register_script(LEAVE)

    @classmethod
    def of(cls, crawler: Crawler) -> Round | None:
        """The crawler's round (None: not a distributed crawl)."""
        return getattr(crawler, "_parknews_round", None)

    @classmethod
    def install(cls, crawler: Crawler, config: ParknewsConfig) -> Round:
        found = cls(crawler, config)
        crawler._parknews_round = found  # type: ignore[attr-defined]
        return found

    def key(self, name: str) -> str:
        return round_key(self.id, name)

    def join(self, spec: dict[str, Any], requests: list[tuple[float, bytes]]) -> dict[str, Any]:
        """Join the round going on (or start one of ``spec`` with ``requests``);
        return the round's spec, which this worker then crawls."""
        ttl_ms = int(self.config.lease_timeout * 1000)
        self.id, stored, self.created, queued = start_round(self.server, spec, requests, self.worker, ttl_ms)
        self.heartbeat = Heartbeat(self.config, self.id)
        self.heartbeat.start()
        what = "Started" if self.created else "Joined"
        logger.info("%s crawl round %s as worker %s (%d requests queued)", what, self.id, self.worker, queued)
        self.crawler.signals.connect(self._opened, signal=signals.spider_opened)
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        # After the records are saved (feed_exporter_closed, on spider_closed), or when nothing is kept.
        self.crawler.signals.connect(self.leave, signal=signals.engine_stopped)
        self.crawler.signals.connect(self.leave, signal=run_abandoned)
        return stored

    def _opened(self) -> None:
        self.crawler.stats.set_value("parknews/round", self.id)
        self.crawler.stats.set_value("parknews/worker", self.worker)

    def _spider_idle(self) -> None:
        """Nothing in flight here: close only when the round is over, else wait for
        the other workers (their pages may yield requests for anyone)."""
        if self.reclaimed:
            return  # close: its output is discarded (see publish_refusal)
        self._count_pages()
        phase, drained, waiting, reclaimed_me, released_me, requeued, *reclaimed = self._idle(
            args=[PREFIX, self.id, self.worker]
        )
        for name in reclaimed:
            logger.warning(
                "Worker %s stopped sending its heartbeat for %g s: re-queued what it had taken (%d requests in all)",
                name.decode(),
                self.config.lease_timeout,
                requeued,
            )
            self.crawler.stats.inc_value("parknews/workers_reclaimed")
        if reclaimed_me:
            self.reclaimed = True
            logger.error("Worker %s was reclaimed by the others (no heartbeat for too long): stopping", self.worker)
            return
        if phase == b"copies" and not released_me:
            # The round is drained: every worker now sends the copies it held back.
            sent = self.copies.release() if self.copies is not None else False
            with self.server.pipeline() as pipe:
                pipe.sadd(self.key("released"), self.worker)
                if sent:
                    pipe.sadd(self.key("busy"), self.worker)
                pipe.execute()
            if sent:
                raise DontCloseSpider
            waiting -= 1
        if phase == b"copies" and drained and waiting <= 0:
            logger.info("Crawl round %s is done: closing", self.id)
            self._round_pages()
            return
        self._schedule_poll()
        raise DontCloseSpider

    def _count_pages(self) -> None:
        """Add this worker's new page counts, per site, to the round's (before it says it is idle)."""
        stats = self.crawler.stats.get_stats()
        counts = {"": stats.get("parknews/pages", 0)}
        counts.update({site.name: stats.get(site_stat(site.name, "pages"), 0) for site in self.sites})
        new = {name: n - self._pages_counted.get(name, 0) for name, n in counts.items()}
        if any(new.values()):
            with self.server.pipeline(transaction=False) as pipe:
                for name, n in new.items():
                    if n:
                        pipe.hincrby(self.key("pages"), name, n)
                pipe.execute()
            self._pages_counted = counts

    def _round_pages(self) -> None:
        """The round's pages, for the checks: a site is reachable when any worker
        fetched a page of it, even if this one fetched none."""
        pages = {k.decode(): int(v) for k, v in self.server.hgetall(self.key("pages")).items()}
        stats = self.crawler.stats
        stats.set_value(ROUND_PAGES, pages.get("", 0))
        for site in self.sites:
            stats.set_value(site_stat(site.name, ROUND_PAGES.removeprefix("parknews/")), pages.get(site.name, 0))

    def _schedule_poll(self) -> None:
        """Look again soon rather than at Scrapy's next idle heartbeat (5 s): the
        engine's own next-call is what ``engine.crawl`` schedules too."""
        from twisted.internet import reactor

        if self._poll is not None and self._poll.active():
            return
        engine = self.crawler.engine
        self._poll = reactor.callLater(IDLE_POLL, lambda: engine._slot and engine._slot.nextcall.schedule())

    def publish_refusal(self) -> str | None:
        """Just before the output is put in place and the records saved: why this
        worker must not, or None. Either it was reclaimed (its requests went to
        others, who export their articles), or a Redis command of its gave up
        after all its retries, so a page may have been handled halfway (an
        article read but not checked, a list's links not followed): its leases
        then go back to the queue when it leaves, and the round crawls those
        pages again."""
        if GAVE_UP.is_set():
            return (
                f"Redis at {self.config.redis_shown} did not answer within its client's retries during the crawl: "
                "this worker's requests go back to the round"
            )
        ttl_ms = int(self.config.lease_timeout * 1000)
        if not self.reclaimed and self._publish(args=[PREFIX, self.id, self.worker, ttl_ms]):
            return None
        self.reclaimed = True
        return "this worker was reclaimed by the others (its heartbeat lapsed): the round crawls its pages again"

    def leave(self) -> None:
        """Done (records saved, or nothing to save): hand back what is still leased, stop the heartbeat."""
        if self.heartbeat is None:
            return  # never joined, or left already
        self.heartbeat.stop()
        self.heartbeat = None
        back, finished = self._leave(keys=[CURRENT], args=[PREFIX, self.id, self.worker])
        if back:
            logger.info("Handed %d requests not done back to round %s", back, self.id)
        if finished:
            logger.info("Crawl round %s finished: this was its last worker", self.id)
        self.server.close()


def round_spec(config: ParknewsConfig, start_urls: str | None, site: str | None) -> dict[str, Any]:
    """What a round crawls, as the arguments that choose it: its profiles by
    name, or an ad-hoc site's start URLs. Every worker of the round crawls
    these, whatever its own ``-a site=`` says."""
    sites = config.sites_for(start_urls, site)
    if start_urls is not None or (config.start_urls and site is None):
        return {"start_urls": ",".join(url for s in sites for url in s.start_urls)}
    return {"site": ",".join(s.name for s in sites)}


def encoded_start_requests(spider: Any, sites: tuple[Any, ...]) -> list[tuple[float, bytes]]:
    """The start requests of ``sites``, encoded as scrapy-redis's queue encodes a
    request (the round's queue is its priority queue), and scored as the
    scheduler scores one (``parknews.distributed.scheduler.PUSH``): each the
    first of its priority band, ahead of every page they lead to."""
    from scrapy_redis.queue import PriorityQueue

    from parknews.distributed.scheduler import BAND

    queue = PriorityQueue(server=None, spider=spider, key="")
    requests = [
        spider.request(url, site, parknews_start=True).replace(dont_filter=True)
        for site in sites
        for url in site.start_urls
    ]
    return [(-request.priority * BAND, queue._encode_request(request)) for request in requests]


def enter_round(spider: Any, crawler: Crawler, config: ParknewsConfig) -> tuple[Any, ...]:
    """Join the round going on, or start one with this worker's sites; return the round's sites.

    This is what scrapy-redis's ``RedisMixin`` does for a ``RedisSpider``,
    adapted: the mixin pulls start URLs from a Redis list in
    ``start_requests()`` and again on every ``spider_idle``, but Scrapy 2.19
    never calls ``start_requests()`` (it iterates ``async def start()``),
    and a list of bare URLs would lose what a start request carries (its
    site's delay, its ``parknews_start`` mark). So the start requests are
    encoded as the scheduler's queue stores them and pushed with the round
    (``JOIN``), the spider's ``start()`` yields nothing in distributed mode,
    and the idle handling is the round's (``Round._spider_idle``).
    """
    start_urls, site = spider._sites_arg
    spec = round_spec(config, start_urls, site)
    found = Round.install(crawler, config)
    stored = found.join(spec, encoded_start_requests(spider, config.sites_for(**spec)))
    if stored != spec:
        logger.info("This worker crawls the round's sites: %s", stored.get("site") or stored.get("start_urls"))
    found.sites = config.sites_for(stored.get("start_urls"), stored.get("site"))
    return found.sites
