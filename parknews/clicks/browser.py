"""scrapy-playwright's download handler, started on first use.

Imported only when ``PARKNEWS_RENDER`` is not ``never`` (the handler is named
in ``DOWNLOAD_HANDLERS`` by ``parknews.clicks.render.configure``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """Starts Playwright's driver when the first page asks for a browser.

    The stock handler starts it when the engine starts, about a second on
    every run — including the scheduled re-runs that render nothing. Plain
    requests go through the stock HTTP handler, as before. (This overrides
    ``_launch``/``_download_request`` of scrapy-playwright 0.0.48, the pinned
    version.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started = False
        self._start_lock = asyncio.Lock()

    async def _launch(self) -> None:
        """Called at engine start: nothing to do yet."""

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        async with self._start_lock:
            if not self._started:
                await super()._launch()
                self._started = True
        return await super()._download_request(request, spider)
