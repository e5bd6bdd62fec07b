"""A stats collector that also writes the run's stats as JSON when the spider closes.

Passed to both crawls with ``-s STATS_CLASS=benchstats.JsonStatsCollector``
(and ``BENCH_STATS_FILE``), so the bench reads the same numbers from the
floor and from parknews without depending on either one's own reporting.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from scrapy.statscollectors import MemoryStatsCollector


class JsonStatsCollector(MemoryStatsCollector):
    def _persist_stats(self, stats) -> None:
        super()._persist_stats(stats)
        path = self._crawler.settings.get("BENCH_STATS_FILE")
        if path:
            plain = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in stats.items()}
            Path(path).write_text(json.dumps(plain, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
