"""A stats collector that also writes the run's stats as JSON when the spider closes.

Passed to both crawls with ``-s STATS_CLASS=benchstats.JsonStatsCollector``
(and ``BENCH_STATS_FILE``), so the bench reads the same numbers from the
floor and from parknews without depending on either one's own reporting.

It adds the CPU time spent between opening and closing the spider, and
the process's peak resident memory from ``/proc/self/status``
(``VmHWM``). ``getrusage``'s ``ru_maxrss``, which Scrapy's ``memusage``
stats and ``wait4`` report, is no use here: Linux carries the parent's peak
over into a child through fork and exec, so every crawl started by a large
parent would report at least the parent's size.

In a distributed crawl it also counts the process's Redis round trips: every
packet of commands redis-py sends, a single command or a whole pipeline,
the heartbeat thread's included (``bench/redis_round_trips``). Redis's own
``total_commands_processed`` counts the commands a script or a transaction
runs one by one, so it says how much work Redis did, not how often a worker
waited for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from datetime import datetime
from pathlib import Path

from scrapy.statscollectors import MemoryStatsCollector

#: Round trips to Redis by this process: the reactor's and the heartbeat thread's.
_round_trips = 0
_round_trips_lock = threading.Lock()


def _count_round_trips() -> None:
    """Count every ``send_packed_command`` of redis-py's connections from the
    moment this module is loaded as the stats class: Scrapy loads it just
    after making the spider, so the one call that joined the round is not
    counted, every other one is."""
    try:
        from redis.connection import AbstractConnection
    except ImportError:  # no redis-py: not a distributed crawl
        return
    send = AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):  # redis-py's own signature
        global _round_trips
        with _round_trips_lock:
            _round_trips += 1
        return send(self, command, check_health)

    AbstractConnection.send_packed_command = counted


_count_round_trips()


def vm_status() -> dict[str, int]:
    """VmHWM (peak) and VmRSS (now) of this process, in kB; empty where /proc is missing."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return {}
    return {k.lower(): int(v) for k, v in re.findall(r"^(VmHWM|VmRSS):\s*(\d+) kB", text, re.M)}


def tree_memory(pid: int | None = None) -> dict[str, int]:
    """Resident memory of a process and all its descendants (the browser and
    Playwright's driver, when rendering), in kB: RSS summed, and PSS summed
    (shared pages split between the processes that map them, so the sum is
    not inflated by what Chromium's processes share)."""
    pids, todo = [], [pid or os.getpid()]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    rss = pss = 0
    for p in pids:
        with contextlib.suppress(OSError, AttributeError):
            rss += int(re.search(r"^VmRSS:\s*(\d+)", Path(f"/proc/{p}/status").read_text(), re.M).group(1))
        with contextlib.suppress(OSError, AttributeError):
            pss += int(re.search(r"^Pss:\s*(\d+)", Path(f"/proc/{p}/smaps_rollup").read_text(), re.M).group(1))
    return {"tree_processes": len(pids), "tree_rss_kb": rss, "tree_pss_kb": pss}


class JsonStatsCollector(MemoryStatsCollector):
    def open_spider(self, spider=None) -> None:
        super().open_spider(spider)
        # the crawl's own CPU time, without interpreter start-up and imports
        self._cpu_at_open = time.process_time()

    def _persist_stats(self, stats) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("BENCH_STATS_FILE")
        if path:
            plain = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in stats.items()}
            plain.update({f"bench/{k}_kb": v for k, v in vm_status().items()})
            # the browser is still up here: scrapy-playwright closes it when the engine stops
            plain.update({f"bench/{k}": v for k, v in tree_memory().items()})
            if _round_trips:
                plain["bench/redis_round_trips"] = _round_trips
            if hasattr(self, "_cpu_at_open"):
                plain["bench/crawl_cpu_s"] = time.process_time() - self._cpu_at_open
            Path(path).write_text(json.dumps(plain, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
