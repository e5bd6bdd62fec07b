"""Distributed mode: many workers, one crawl, through a Redis server.

With ``PARKNEWS_REDIS_URL`` set, Scrapy's scheduler and duplicate filter are
scrapy-redis's (a shared priority queue and a shared request filter), and the
article state lives in Redis instead of SQLite. A *round* is one crawl of the
chosen sites, shared by every worker that joins it (``rounds``); what
scrapy-redis lacks for a worker that dies — leases on the requests it took,
heartbeats, re-queueing — is added in ``scheduler`` and ``rounds``; the state
backend is ``state``. Without the URL none of this is imported.

Keys are namespaced ``parknews:`` (``parknews:round:<id>:…`` for a round's,
``parknews:state:…`` for the state's, ``parknews:worker:<id>:…`` for a
worker's heartbeat). The scripts build a round's and a worker's key names
from their ids, so they need one Redis server (not Redis Cluster).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError
from redis.retry import Retry

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from parknews.config import ParknewsConfig

#: The prefix of every key parknews writes.
PREFIX = "parknews:"
#: How long a worker keeps retrying a Redis that went away (a restart, a
#: failover) before the command fails: about a minute of exponential backoff.
RETRIES = 40
BACKOFF = ExponentialBackoff(cap=2.0, base=0.05)


#: Set once a command of this process gave up on Redis after all its retries.
GAVE_UP = threading.Event()


class NotedRetry(Retry):
    """redis-py's retries, noting in :data:`GAVE_UP` when they run out: the
    command's caller sees the error, and whatever page it was handling may be
    half done, so the worker must not publish (``rounds.Round.publish_refusal``)."""

    def call_with_retry(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().call_with_retry(*args, **kwargs)
        except (ConnectionError, TimeoutError):
            GAVE_UP.set()
            raise


def redis_params(retries: int = RETRIES, timeout: float = 30.0) -> dict[str, object]:
    """Client parameters (scrapy-redis's ``REDIS_PARAMS``): redis-py's own
    retries on connection errors and timeouts, so a Redis restart makes a
    worker wait and resume rather than fail. ``retries=0``: a client whose
    failures are expected and handled (the heartbeat's)."""
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": min(timeout, 10.0),
        "retry": NotedRetry(BACKOFF, retries) if retries else Retry(BACKOFF, 0),
        "retry_on_error": [ConnectionError, TimeoutError],
        "health_check_interval": 15,
    }


def client(config: ParknewsConfig, retries: int = RETRIES, timeout: float = 30.0) -> Redis:
    """A client of the crawl's Redis, as scrapy-redis builds its own (``Redis.from_url``)."""
    return Redis.from_url(config.redis_url, **redis_params(retries, timeout))  # type: ignore[arg-type]


def check_reachable(config: ParknewsConfig) -> str | None:
    """Why Redis cannot be used right now, or None: asked once, quickly, without
    retries, before a crawl starts (a crawl then waits out short outages)."""
    server = Redis.from_url(config.redis_url, socket_timeout=3, socket_connect_timeout=3, retry=Retry(BACKOFF, 0))
    try:
        server.ping()
    except Exception as exc:  # any failure to talk to it: refused, DNS, TLS, auth, protocol
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"Cannot reach Redis at {config.redis_shown}: {why}"
    finally:
        server.close()
    return None


def configure(settings: BaseSettings, config: ParknewsConfig) -> None:
    """Switch Scrapy to scrapy-redis for a distributed crawl (from the spider's
    ``update_settings``): its scheduler — leased, see ``scheduler`` — its
    duplicate filter, persistent queues, the Redis URL and client parameters."""
    values = {
        "SCHEDULER": "parknews.distributed.scheduler.LeasingScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # a round outlives any one worker: never clear its queue or filter on close
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "REDIS_URL": config.redis_url,
        "REDIS_PARAMS": redis_params(),
    }
    for name, value in values.items():
        settings.set(name, value, priority="spider")
