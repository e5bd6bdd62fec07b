"""scrapy-redis's scheduler, with requests leased rather than popped.

``scrapy_redis.scheduler.Scheduler.next_request`` pops a request from the
shared queue and forgets it: a worker killed with requests in hand loses
them, and with them every page only they led to. Here one script moves the
request from the queue into the worker's ``processing`` hash (field: the
request's SHA-1, value: its queue score and its scrapy-redis encoding) and
marks the worker busy. The lease is released only when the worker's records
are saved, after its output is stored (``parknews.distributed.state``); a
worker whose heartbeat lapses has its leases put back in the queue by the
others (``parknews.distributed.rounds``).

Requests are scored as they are queued (``PUSH``): by priority, the walk's
pages above the articles (``queue_priority``), then the hosts in turn, each
host's requests first in, first out.

Everything else is scrapy-redis's: its priority queue (its key, length and
request encoding), its request filter (its fingerprints and key; its SADD is
made in one script with the queue's ZADD), one per round — the hub and list
pages must be read again by every round, while articles are deduplicated
across rounds by the state — and its connection settings.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from parknews.distributed import PREFIX
from parknews.distributed.rounds import Round
from parknews.stopping import request_given_up

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

# ARGV: prefix, round, worker, call id. Take the first request of the queue into this worker's leases.
# The same call id again (the client retrying after a reply lost to a Redis restart) gets the same
# request back rather than leasing a second one that nobody would ever crawl.
POP = """
local r = ARGV[1] .. 'round:' .. ARGV[2]
local proc = r .. ':processing:' .. ARGV[3]
if redis.call('SISMEMBER', r .. ':reclaimed', ARGV[3]) == 1 then return false end
local last = redis.call('HGET', r .. ':lastpop', ARGV[3])
if last and string.sub(last, 1, #ARGV[4] + 1) == ARGV[4] .. ' ' then
  local field = string.sub(last, #ARGV[4] + 2)
  local entry = redis.call('HGET', proc, field)
  if entry then return {field, string.sub(entry, string.find(entry, ' ', 1, true) + 1)} end
end
local first = redis.call('ZRANGE', r .. ':requests', 0, 0, 'WITHSCORES')
if #first == 0 then return false end
redis.call('ZREM', r .. ':requests', first[1])
local field = redis.sha1hex(first[1])
redis.call('HSET', proc, field, first[2] .. ' ' .. first[1])
redis.call('HSET', r .. ':lastpop', ARGV[3], ARGV[4] .. ' ' .. field)
redis.call('SADD', r .. ':busy', ARGV[3])
return {field, first[1]}
"""

#: How far apart two request priorities are in queue scores: a priority band holds
#: this many requests of each host before it would reach the next band.
BAND = 2**40

# KEYS: the round's request filter, its queue, its per-host counts. ARGV: request fingerprint,
# priority, request, dont_filter, host.
# scrapy-redis's enqueue in one step: its filter's SADD and its queue's ZADD. Done as two commands,
# a Redis restart between them, or a reply lost after the SADD and retried, would drop the request
# as already seen although it never reached the queue.
# The score is scrapy-redis's (minus the priority: higher first), in bands of BAND, plus the
# request's number among its host's: within a priority, the queue hands out the hosts in turn and
# each host's requests first in, first out. With equal scores a sorted set orders by member, here
# the pickled request: the order of its bytes, which groups one host's requests together, so a
# worker would take many requests for one host at once and hold them for that host's delay.
PUSH = f"""
if ARGV[4] == '0' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[3], ARGV[5], 1)
redis.call('ZADD', KEYS[2], n - tonumber(ARGV[2]) * {BAND}, ARGV[3])
return 1
"""


def queue_priority(request: Request) -> int:
    """The request's priority in the shared queue: the walk's own pages (home,
    news centre, lists and their next pages) one above the articles they list.

    On one machine Scrapy's queue is last in, first out, so the next list page,
    yielded after its articles, is fetched before them and the walk keeps ahead
    of the downloads. A shared queue that is first in, first out per host would
    put it behind every article queued so far, and the workers would wait for
    the walk's next step with nothing to fetch.
    """
    return request.priority + (0 if request.meta.get("article_link") else 1)


def stays_local(request: Request) -> bool:
    """Requests that are no page of the crawl stay with the worker that made them:
    the held copies' release (``parknews.mirrors``) and an article's own
    follow-ups (its counter script, its rendering), which carry the half-made
    article in memory. The page that yielded them is leased, so a worker that
    dies before its output is stored has that page crawled again elsewhere."""
    return bool(request.meta.get("parknews_local") or "parknews_item" in request.meta)


class LeasingScheduler(Scheduler):
    """The round's shared queue, with each request taken under a lease."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider: Spider) -> None:
        found = Round.of(self.crawler)
        assert found is not None, "the distributed scheduler runs only in a round (the spider joins one)"
        self.round = found
        found.scheduler = self
        # The round's own queue and request filter (scrapy-redis keys them by spider name only).
        self.queue_key = found.key("requests")
        debug = spider.settings.getbool("DUPEFILTER_DEBUG")
        self.df = RFPDupeFilter(self.server, key=found.key("dupefilter"), debug=debug)
        super().open(spider)
        self.local: deque[Request] = deque()
        #: the lease of each request taken and not yet given up
        self.leases: weakref.WeakKeyDictionary[Request, str] = weakref.WeakKeyDictionary()
        #: leases whose requests were taken: released when the records are saved
        self.taken: list[str] = []
        self._pop = self.server.register_script(POP)
        self._push = self.server.register_script(PUSH)
        self._calls = 0
        self.crawler.signals.connect(self._given_up, signal=request_given_up)

    def enqueue_request(self, request: Request) -> bool:
        if stays_local(request):
            self.local.append(request)
            return True
        fingerprint = self.df.request_fingerprint(request)
        data = self.queue._encode_request(request)
        keys = [self.df.key, self.queue.key, self.round.key("hosts")]
        host = urlparse_cached(request).netloc
        args = [fingerprint, queue_priority(request), data, int(request.dont_filter), host]
        if not self._push(keys=keys, args=args):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        self._calls += 1
        taken = self._pop(args=[PREFIX, self.round.id, self.round.worker, self._calls])
        if not taken:
            return None
        field, data = taken[0].decode(), taken[1]
        request = self.queue._decode_request(data)
        self.leases[request] = field
        self.taken.append(field)
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.local) or len(self) > 0

    def _given_up(self, request: Request) -> None:
        """A request dropped unsent as the run stops: its lease is not released
        with the others, so the round sends it again."""
        field = self.leases.pop(request, None)
        if field is not None:
            self.taken.remove(field)

    def done_leases(self) -> list[str]:
        """The leases to release with the records: requests taken and not given up."""
        return list(self.taken)
