"""scrapy-playwright's download handler, started on first use and kept on the site.

Imported only when ``PARKNEWS_RENDER`` is not ``never`` (the handler is named
in ``DOWNLOAD_HANDLERS`` by ``parknews.clicks.render.configure``).

The browser may reach the site's hosts (host and port, from the start URLs)
and nothing else. Two layers hold it there:

- the network: Chromium's only way out is :class:`~parknews.clicks.gate.SiteGate`,
  a SOCKS5 proxy on loopback that refuses every other address, so no page,
  frame, popup, worker or connection Chromium opens by itself gets through;
- Playwright's routing, on every page and on the browser context (popups):
  requests for other hosts are aborted before they reach the network, the
  rendered page may not navigate away from the article, popups are closed,
  WebSockets refused and service workers never registered. This keeps the
  article in place, so its click count is still read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route, WebSocketRoute
from playwright.async_api import Request as PlaywrightRequest
from scrapy.exceptions import IgnoreRequest
from scrapy_playwright.handler import BrowserContextWrapper, ScrapyPlaywrightDownloadHandler

from parknews.clicks.gate import SiteGate, site_addresses

logger = logging.getLogger(__name__)

RouteHandler = Callable[[Route, PlaywrightRequest], Awaitable[None]]


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """Starts Playwright's driver when the first page asks for a browser, and
    confines that browser to the site.

    The stock handler starts it when the engine starts, about a second on
    every run — including the scheduled re-runs that render nothing. Plain
    requests go through the stock HTTP handler, as before. (This overrides
    ``_launch``, ``_download_request``, ``_create_browser_context``,
    ``_create_page``, ``_make_request_handler``, ``_apply_page_methods``,
    ``close`` and ``_close`` of scrapy-playwright 0.0.48, the pinned version.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started = False
        self._start_lock = asyncio.Lock()
        self._gate = SiteGate(frozenset(), self._refused)

    async def _launch(self) -> None:
        """Called at engine start: nothing to do yet."""

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        async with self._start_lock:
            if not self._started:
                await self._open_gate(spider or self._crawler.spider)
                await super()._launch()
                self._started = True
        if not self._gate.admits(request.url):
            raise IgnoreRequest(f"{request.url} is not on the site's hosts, the only ones the browser may reach")
        return await super()._download_request(request, spider)

    async def _open_gate(self, spider: Any) -> None:
        """The sites are their start URLs' hosts and the hosts their profiles
        name (on the ports of their start URLs' schemes); Chromium is launched
        with the gate as its proxy."""
        urls = list(getattr(spider, "start_urls", ()))
        schemes = {url.partition(":")[0] for url in urls}
        urls += [f"{scheme}://{host}/" for host in getattr(spider, "hosts", ()) for scheme in schemes]
        self._gate.allowed = site_addresses(urls)
        if "proxy" in self.config.launch_options:
            logger.warning("PLAYWRIGHT_LAUNCH_OPTIONS['proxy'] is replaced: the browser goes out only through its gate")
        self.config.launch_options["proxy"] = {"server": await self._gate.start()}
        logger.info("Browser kept to %s", ", ".join(f"{h}:{p}" for h, p in sorted(self._gate.allowed)))

    async def _create_browser_context(
        self, name: str, context_kwargs: dict | None, spider: Any = None
    ) -> BrowserContextWrapper:
        # A service worker would fetch beside the page's routes; none is ever registered.
        kwargs = {**(context_kwargs or {}), "service_workers": "block"}
        wrapper = await super()._create_browser_context(name, kwargs, spider)
        # Pages opened by the site's scripts (popups) have no route of their own: this one applies.
        await wrapper.context.route("**", self._keep_on_site)
        await wrapper.context.route_web_socket("**", self._refuse_websocket)
        return wrapper

    async def _create_page(self, request: Any, spider: Any) -> Page:
        page = await super()._create_page(request, spider)
        page.on("popup", self._close_popup)
        return page

    def _make_request_handler(self, *args: Any, **kwargs: Any) -> RouteHandler:
        """The stock route of a rendered page, behind two rules: its main frame
        navigates once (to the article), and nothing off the site is requested."""
        stock = super()._make_request_handler(*args, **kwargs)
        navigated = False

        async def route_request(route: Route, request: PlaywrightRequest) -> None:
            nonlocal navigated
            if request.is_navigation_request() and request.frame.parent_frame is None:
                if navigated:  # a script or markup taking the page away from the article
                    await self._block(route)
                    return
                navigated = True
            if not self._gate.admits(request.url):
                await self._block(route)
                return
            await stock(route, request)

        return route_request

    async def _apply_page_methods(self, page: Page, request: Any, spider: Any) -> None:
        """The page methods, without the stock wait for the load event after each.

        A page that starts a navigation while it loads (blocked above) never
        fires its load event, so that wait would hold every such render for
        the whole navigation timeout; the render waits instead for what it
        needs, the click count (``parknews.clicks.complete``).
        """
        for pm in request.meta.get("playwright_page_methods") or ():
            method = partial(pm.method, page) if callable(pm.method) else getattr(page, pm.method)
            pm.result = await method(*pm.args, **pm.kwargs)

    async def close(self) -> None:
        """A handler that never started Playwright closes as the plain HTTP
        handler it was: scrapy-playwright's own ``close`` logs "Closing
        download handler", once for each scheme mapped to it, also when no
        browser ever ran."""
        if self._started:
            await super().close()
        else:
            await super(ScrapyPlaywrightDownloadHandler, self).close()

    async def _close(self) -> None:
        await super()._close()
        await self._gate.close()

    # -------------------------------------------------------------- routes
    async def _keep_on_site(self, route: Route, request: PlaywrightRequest) -> None:
        if self._gate.admits(request.url):
            await route.fallback()
        else:
            await self._block(route)

    async def _block(self, route: Route) -> None:
        self.stats.inc_value("parknews/browser/blocked")
        # "aborted" (net::ERR_ABORTED) is the one failure for which Chromium
        # leaves the current document in place instead of an error page.
        with contextlib.suppress(PlaywrightError):
            await route.abort("aborted")

    async def _refuse_websocket(self, ws: WebSocketRoute) -> None:
        self.stats.inc_value("parknews/browser/websockets_refused")
        await ws.close(code=1008, reason="not needed for click counts")

    async def _close_popup(self, popup: Page) -> None:
        self.stats.inc_value("parknews/browser/popups_closed")
        with contextlib.suppress(PlaywrightError):
            await popup.close()

    def _refused(self, host: str, port: int) -> None:
        self.stats.inc_value("parknews/browser/refused")
